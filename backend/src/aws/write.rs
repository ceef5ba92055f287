//! The write calls apply makes, one method per plan step kind.
//!
//! Secret values are exposed only here, inside the SDK builder call, and the
//! SDK marks those fields sensitive (its `Debug` redacts them).
//!
//! Writes that are not idempotent — PutParameter (never overwriting),
//! CreateSecret, CreateRole, RegisterTaskDefinition — are never retried
//! blindly: when a response is lost after AWS carried the call out, a plain
//! retry registers a second revision or fails with `…AlreadyExists` although
//! the state is exactly what apply wanted. The SDK's own retries are off for
//! them; [`Aws::write_once`] retries instead, and after a failure that may
//! have taken effect (or an `AlreadyExists` after such a failure) it first
//! re-reads the resource and accepts it when it is our own write. The
//! idempotent writes (PutRolePolicy, UpdateAssumeRolePolicy,
//! AttachRolePolicy, UpdateService) keep the SDK's retries.

use std::future::Future;

use aws_config::retry::RetryConfig;
use aws_sdk_ecs::error::ProvideErrorMetadata as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{Aws, AwsError, AwsErrorKind, call_error};

/// The description of roles apply creates; part of recognising our own
/// CreateRole after a lost response.
const ROLE_DESCRIPTION: &str = "ECS task execution role managed by ecs-secrets";

impl Aws {
    /// Runs `write` until it succeeds, at most the configured number of
    /// attempts, retrying only transient failures. After a failure that may
    /// have taken effect, and after `AlreadyExists` following such a failure,
    /// `ours` re-reads the resource: `Some` is our write, already done. An
    /// `AlreadyExists` on the first attempt is someone else's resource and
    /// fails; a failed re-read reports the write's own error.
    async fn write_once<T, W, V>(
        &self,
        operation: &'static str,
        mut write: impl FnMut() -> W,
        mut ours: impl FnMut() -> V,
    ) -> Result<T, AwsError>
    where
        W: Future<Output = Result<T, AwsError>>,
        V: Future<Output = Result<Option<T>, AwsError>>,
    {
        let (attempts, mut pause) = self.write_attempts();
        let mut uncertain = false;
        let mut attempt = 1;
        loop {
            self.count_write();
            let error = match write().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let exists_after_retry = uncertain && error.is_already_exists();
            if !exists_after_retry && error.kind() != AwsErrorKind::Unavailable {
                return Err(error);
            }
            if exists_after_retry || error.may_have_taken_effect() {
                uncertain = true;
                match ours().await {
                    Ok(Some(value)) => {
                        tracing::info!(operation, "the write took effect although its answer was lost");
                        return Ok(value);
                    }
                    Ok(None) if exists_after_retry => return Err(error),
                    Ok(None) => {}
                    Err(reread) => {
                        tracing::warn!(operation, error = %reread, "cannot re-read after an uncertain write");
                        return Err(error);
                    }
                }
            }
            if attempt >= attempts {
                return Err(error);
            }
            tracing::info!(operation, attempt, error = %error, "retrying a write that did not take effect");
            tokio::time::sleep(pause).await;
            pause *= 2;
            attempt += 1;
        }
    }

    /// PutParameter as a SecureString, never overwriting. After an uncertain
    /// failure, a SecureString parameter of that name with our description
    /// (and KMS key, when one is asked for) that was not there when apply
    /// observed is our own.
    pub async fn put_parameter(
        &self,
        name: &str,
        value: &SecretString,
        kms_key_id: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), AwsError> {
        let write = || async {
            self.ssm
                .put_parameter()
                .name(name)
                .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                .value(value.expose_secret())
                .set_key_id(kms_key_id.map(str::to_owned))
                .set_description(description.map(str::to_owned))
                .overwrite(false)
                .customize()
                .config_override(aws_sdk_ssm::config::Builder::default().retry_config(RetryConfig::disabled()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| call_error("ssm:PutParameter", e))
        };
        let ours = || async {
            let found = self.describe_parameter(name).await?;
            Ok(found
                .filter(|p| p.parameter_type == "SecureString")
                .filter(|p| p.description.as_deref().unwrap_or_default() == description.unwrap_or_default())
                .filter(|p| kms_key_id.is_none_or(|key| p.kms_key_id.as_deref().is_some_and(|k| k.ends_with(key))))
                .map(|_| ()))
        };
        self.write_once("ssm:PutParameter", write, ours).await
    }

    /// CreateSecret with a SecretString; returns the full ARN. The request
    /// carries a `ClientRequestToken` made for this apply, which becomes the
    /// secret's first version id: every attempt repeats it (AWS then treats
    /// the repeat as the same request), and a secret of that name holding a
    /// version with our token is our own.
    pub async fn create_secret(
        &self,
        name: &str,
        value: &SecretString,
        kms_key_id: Option<&str>,
        description: Option<&str>,
    ) -> Result<String, AwsError> {
        let token = request_token()?;
        let write = || async {
            let out = self
                .secrets
                .create_secret()
                .name(name)
                .secret_string(value.expose_secret())
                .set_kms_key_id(kms_key_id.map(str::to_owned))
                .set_description(description.map(str::to_owned))
                .client_request_token(&token)
                .customize()
                .config_override(
                    aws_sdk_secretsmanager::config::Builder::default().retry_config(RetryConfig::disabled()),
                )
                .send()
                .await
                .map_err(|e| call_error("secretsmanager:CreateSecret", e))?;
            out.arn.ok_or_else(|| AwsError::unexpected("secretsmanager:CreateSecret", "no ARN in the response"))
        };
        let ours = || async {
            self.count_read();
            let out = match self.secrets.describe_secret().secret_id(name).send().await {
                Ok(out) => out,
                Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
                Err(e) => return Err(call_error("secretsmanager:DescribeSecret", e)),
            };
            let has_our_version =
                out.version_ids_to_stages.as_ref().is_some_and(|versions| versions.contains_key(&token));
            Ok(out.arn.filter(|_| has_our_version))
        };
        self.write_once("secretsmanager:CreateSecret", write, ours).await
    }

    /// CreateRole with a trust policy; returns the role ARN. After an
    /// uncertain failure, a role of that name with our description and
    /// exactly this trust policy is our own.
    pub async fn create_role(&self, name: &str, trust_policy: &Value) -> Result<String, AwsError> {
        let write = || async {
            let out = self
                .iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust_policy.to_string())
                .description(ROLE_DESCRIPTION)
                .customize()
                .config_override(aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()))
                .send()
                .await
                .map_err(|e| call_error("iam:CreateRole", e))?;
            Ok(out.role.map(|r| r.arn).unwrap_or_default())
        };
        let ours = || async {
            self.count_read();
            let role = match self.iam.get_role().role_name(name).send().await {
                Ok(out) => out.role,
                Err(e) if e.code() == Some("NoSuchEntity") => return Ok(None),
                Err(e) => return Err(call_error("iam:GetRole", e)),
            };
            let Some(role) = role else { return Ok(None) };
            let trust = match role.assume_role_policy_document.as_deref() {
                Some(doc) => super::observe::policy_document("iam:GetRole", doc)?,
                None => Value::Null,
            };
            let ours = role.description.as_deref() == Some(ROLE_DESCRIPTION) && trust == *trust_policy;
            Ok(ours.then_some(role.arn))
        };
        self.write_once("iam:CreateRole", write, ours).await
    }

    pub async fn update_trust_policy(&self, role: &str, trust_policy: &Value) -> Result<(), AwsError> {
        self.count_write();
        self.iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(trust_policy.to_string())
            .send()
            .await
            .map_err(|e| call_error("iam:UpdateAssumeRolePolicy", e))?;
        Ok(())
    }

    pub async fn put_role_policy(&self, role: &str, policy_name: &str, policy: &Value) -> Result<(), AwsError> {
        self.count_write();
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(|e| call_error("iam:PutRolePolicy", e))?;
        Ok(())
    }

    pub async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.count_write();
        self.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| call_error("iam:AttachRolePolicy", e))?;
        Ok(())
    }

    /// RegisterTaskDefinition with the exact JSON; returns the revision ARN.
    /// `previous` is the latest ACTIVE revision apply observed: after an
    /// uncertain failure, a newer latest revision with the same content is
    /// the one this call registered, and is not registered a second time.
    pub async fn register_task_definition(
        &self,
        task_definition: &Value,
        previous: Option<&str>,
    ) -> Result<String, AwsError> {
        let write = || async {
            let arn = super::raw_json::register_task_definition(&self.ecs, task_definition)
                .await
                .map_err(|e| call_error("ecs:RegisterTaskDefinition", e))?;
            arn.ok_or_else(|| {
                AwsError::unexpected("ecs:RegisterTaskDefinition", "no task definition ARN in the response")
            })
        };
        let ours = || async {
            let family = task_definition.get("family").and_then(Value::as_str).unwrap_or_default();
            let latest = self.observe_task_definition(family).await?;
            Ok(latest
                .filter(|latest| Some(latest.arn.as_str()) != previous)
                .filter(|latest| shared::revision_compare::same_revision(task_definition, &latest.task_definition))
                .map(|latest| latest.arn))
        };
        self.write_once("ecs:RegisterTaskDefinition", write, ours).await
    }

    /// UpdateService to `task_definition` (when given), optionally forcing a
    /// new deployment. Returns the PRIMARY deployment the answer lists (the
    /// one this update started, which [`shared::watch`] follows): its id and
    /// task definition.
    pub async fn update_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: Option<&str>,
        force_new_deployment: bool,
    ) -> Result<StartedDeployment, AwsError> {
        self.count_write();
        let out = self
            .ecs
            .update_service()
            .cluster(cluster)
            .service(service)
            .set_task_definition(task_definition.map(str::to_owned))
            .force_new_deployment(force_new_deployment)
            .send()
            .await
            .map_err(|e| call_error("ecs:UpdateService", e))?;
        let primary = out
            .service
            .and_then(|s| s.deployments)
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.status.as_deref() == Some("PRIMARY"));
        Ok(StartedDeployment {
            id: primary.as_ref().and_then(|d| d.id.clone()),
            task_definition: primary.and_then(|d| d.task_definition),
        })
    }
}

/// The deployment an UpdateService started, as its answer names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartedDeployment {
    /// `ecs-svc/…`, the `startedBy` of the deployment's tasks.
    pub id: Option<String>,
    pub task_definition: Option<String>,
}

/// A fresh `ClientRequestToken`: 32 random bytes as 64 hex digits (AWS
/// accepts 32 to 64 characters).
pub(super) fn request_token() -> Result<String, AwsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AwsError::unexpected("secretsmanager:CreateSecret", format!("no random token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
