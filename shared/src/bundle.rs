//! The deployment bundle: the one document the UI and the CLI apply.
//!
//! A bundle says what should exist in AWS: the task definition, the
//! execution role, the secrets it references and the services to redeploy.
//! Secret VALUES are never part of it; they travel separately
//! ([`SecretValues`]), only at apply time, and only in memory.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::secret_ref::Store;
use crate::task_def::TaskDefinition;

/// The bundle format version this build reads and writes.
pub const BUNDLE_VERSION: u32 = 1;

/// `bundle.json`, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub version: u32,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub task_definition: TaskDefinition,
    pub execution_role: ExecutionRoleSpec,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
}

/// The task execution role the bundle wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRoleSpec {
    pub name: String,
    /// Create the role when it does not exist (otherwise it must exist).
    pub create: bool,
    /// Attach AmazonECSTaskExecutionRolePolicy: `true`/`false`, or `null`
    /// for "as the policy generator recommends".
    #[serde(default)]
    pub attach_managed_policy: Option<bool>,
}

/// One secret the task definition references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretSpec {
    pub store: Store,
    /// SSM parameter name (`/prod/db/password`) or Secrets Manager secret
    /// name (`prod/db`), as the store calls it.
    pub name: String,
    /// A customer-managed KMS key (id, alias or ARN) that encrypts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Create it when it does not exist (a value must then be supplied).
    pub create: bool,
}

/// A service to redeploy once the new revision is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    pub cluster: String,
    pub service: String,
    #[serde(default = "yes")]
    pub force_new_deployment: bool,
}

fn yes() -> bool {
    true
}

/// Secret values for apply, keyed by secret name (`{"<name>": "<value>"}`).
/// Never serialised; `Debug` shows only the names.
#[derive(Default, Deserialize)]
#[serde(transparent)]
pub struct SecretValues(pub BTreeMap<String, SecretString>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl SecretValues {
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.0.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn values_never_show_in_debug() {
        let values: SecretValues = serde_json::from_str(r#"{"/web/db": "canary-3f9a"}"#).unwrap();
        assert_eq!(values.get("/web/db").unwrap().expose_secret(), "canary-3f9a");
        assert_eq!(format!("{values:?}"), r#"{"/web/db"}"#);
    }

    #[test]
    fn bundle_round_trips() {
        let text = r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[]},
            "executionRole":{"name":"webExec","create":true,"attachManagedPolicy":null},
            "secrets":[{"store":"ssm","name":"/web/db","create":true}],
            "services":[{"cluster":"c","service":"s","forceNewDeployment":true}]}"#;
        let bundle: Bundle = serde_json::from_str(text).unwrap();
        assert_eq!(bundle.secrets[0].store, Store::Ssm);
        let again: Bundle = serde_json::from_str(&serde_json::to_string(&bundle).unwrap()).unwrap();
        assert_eq!(again, bundle);
    }
}
