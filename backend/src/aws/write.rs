//! The write calls apply makes, one method per plan step kind.
//!
//! Secret values are exposed only here, inside the SDK builder call, and the
//! SDK marks those fields sensitive (its `Debug` redacts them).

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{Aws, AwsError, call_error};
use shared::observed::ObservedService;

impl Aws {
    /// PutParameter as a SecureString, never overwriting.
    pub async fn put_parameter(
        &self,
        name: &str,
        value: &SecretString,
        kms_key_id: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), AwsError> {
        self.count_write();
        self.ssm
            .put_parameter()
            .name(name)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .value(value.expose_secret())
            .set_key_id(kms_key_id.map(str::to_owned))
            .set_description(description.map(str::to_owned))
            .overwrite(false)
            .send()
            .await
            .map_err(|e| call_error("ssm:PutParameter", e))?;
        Ok(())
    }

    /// CreateSecret with a SecretString; returns the full ARN.
    pub async fn create_secret(
        &self,
        name: &str,
        value: &SecretString,
        kms_key_id: Option<&str>,
        description: Option<&str>,
    ) -> Result<String, AwsError> {
        self.count_write();
        let out = self
            .secrets
            .create_secret()
            .name(name)
            .secret_string(value.expose_secret())
            .set_kms_key_id(kms_key_id.map(str::to_owned))
            .set_description(description.map(str::to_owned))
            .send()
            .await
            .map_err(|e| call_error("secretsmanager:CreateSecret", e))?;
        out.arn.ok_or_else(|| AwsError::unexpected("secretsmanager:CreateSecret", "no ARN in the response"))
    }

    /// CreateRole with a trust policy; returns the role ARN.
    pub async fn create_role(&self, name: &str, trust_policy: &Value) -> Result<String, AwsError> {
        self.count_write();
        let out = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy.to_string())
            .description("ECS task execution role managed by ecs-secrets")
            .send()
            .await
            .map_err(|e| call_error("iam:CreateRole", e))?;
        Ok(out.role.map(|r| r.arn).unwrap_or_default())
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
    pub async fn register_task_definition(&self, task_definition: &Value) -> Result<String, AwsError> {
        self.count_write();
        let arn = super::raw_json::register_task_definition(&self.ecs, task_definition)
            .await
            .map_err(|e| call_error("ecs:RegisterTaskDefinition", e))?;
        arn.ok_or_else(|| AwsError::unexpected("ecs:RegisterTaskDefinition", "no task definition ARN in the response"))
    }

    /// UpdateService to `task_definition` (when given), optionally forcing a
    /// new deployment.
    pub async fn update_service(
        &self,
        cluster: &str,
        service: &str,
        task_definition: Option<&str>,
        force_new_deployment: bool,
    ) -> Result<(), AwsError> {
        self.count_write();
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(service)
            .set_task_definition(task_definition.map(str::to_owned))
            .force_new_deployment(force_new_deployment)
            .send()
            .await
            .map_err(|e| call_error("ecs:UpdateService", e))?;
        Ok(())
    }

    /// The current state of some services of one cluster (for waiting).
    pub async fn service_states(&self, cluster: &str, services: &[String]) -> Result<Vec<ObservedService>, AwsError> {
        let names: Vec<&str> = services.iter().map(String::as_str).collect();
        self.describe_services(cluster, &names).await
    }
}
