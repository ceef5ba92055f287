//! The calls of `rotate`: finding the secret (metadata only, never its
//! value) and writing its new value.
//!
//! Secrets Manager: `PutSecretValue` makes a new `AWSCURRENT` version. The
//! request carries a `ClientRequestToken` made for this rotation, so the
//! SDK's retries repeat the same request and AWS does not make a second
//! version. SSM: `PutParameter --overwrite` with the type and KMS key the
//! parameter has, so an overwrite never turns a SecureString into a String
//! or moves it to the default key.

use secrecy::{ExposeSecret, SecretString};
use shared::observed::ObservedParameter;

use super::{Aws, AwsError, call_error};

impl Aws {
    /// The parameter named `name`, `None` when there is none.
    pub async fn describe_parameter(&self, name: &str) -> Result<Option<ObservedParameter>, AwsError> {
        Ok(self.describe_parameters(&[name]).await?.into_iter().find(|p| p.name == name))
    }

    /// PutSecretValue: the new value becomes `AWSCURRENT`. Returns the
    /// new version id.
    pub async fn put_secret_value(&self, arn: &str, value: &SecretString) -> Result<String, AwsError> {
        let token = super::write::request_token()?;
        self.count_write();
        let out = self
            .secrets
            .put_secret_value()
            .secret_id(arn)
            .secret_string(value.expose_secret())
            .client_request_token(token)
            .send()
            .await
            .map_err(|e| call_error("secretsmanager:PutSecretValue", e))?;
        Ok(out.version_id.unwrap_or_default())
    }

    /// PutParameter with `--overwrite`, keeping the parameter's type and
    /// KMS key. Returns the new version.
    pub async fn overwrite_parameter(&self, meta: &ObservedParameter, value: &SecretString) -> Result<i64, AwsError> {
        self.count_write();
        let out = self
            .ssm
            .put_parameter()
            .name(&meta.name)
            .value(value.expose_secret())
            .r#type(aws_sdk_ssm::types::ParameterType::from(meta.parameter_type.as_str()))
            .set_key_id(meta.kms_key_id.clone().filter(|_| meta.parameter_type == "SecureString"))
            .overwrite(true)
            .send()
            .await
            .map_err(|e| call_error("ssm:PutParameter", e))?;
        Ok(out.version)
    }
}
