//! The task-definition model: the RegisterTaskDefinition input.
//!
//! Fields the product reasons about are typed; every other field lands in an
//! `extra` map on the struct it belongs to and is written back untouched, so
//! import → export is lossless for any real task definition. Typed fields are
//! `Option`s so that "absent" and "empty" stay distinct on the way back out.
//! Serialisation order is the declaration order below, then the extra fields
//! sorted by name: stable output for diffs and downloads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Unknown fields of one JSON object, kept verbatim.
pub type Extra = BTreeMap<String, Value>;

/// The JSON names of the typed fields of every struct below, in the order
/// the model declares (and export writes) them; any other name is kept in an
/// `extra` map. One list serves every object: a name is only ever ranked
/// against its siblings (the lint's document order), and fields that occur
/// on several objects (`name`, `cpu`, `memory`, `value`) keep the same
/// relative order on each of them.
pub const TYPED_FIELDS: &[&str] = &[
    // TaskDefinition
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "requiresCompatibilities",
    // TaskDefinition and ContainerDefinition share name/cpu/memory order.
    "name",
    "image",
    "essential",
    "cpu",
    "memory",
    "memoryReservation",
    "runtimePlatform",
    "containerDefinitions",
    "portMappings",
    "environment",
    "environmentFiles",
    "secrets",
    "logConfiguration",
    "repositoryCredentials",
    // RuntimePlatform
    "cpuArchitecture",
    "operatingSystemFamily",
    // PortMapping
    "containerPort",
    "hostPort",
    "protocol",
    // KeyValuePair / EnvironmentFile / Secret
    "value",
    "type",
    "valueFrom",
    // LogConfiguration
    "logDriver",
    "options",
    "secretOptions",
    // RepositoryCredentials
    "credentialsParameter",
];

/// A task definition as RegisterTaskDefinition accepts it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_compatibilities: Option<Vec<String>>,
    /// Task-level CPU, a string in the API (`"256"`, `"0.25 vCPU"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task-level memory, a string in the API (`"512"`, `"2 GB"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<RuntimePlatform>,
    #[serde(default)]
    pub container_definitions: Vec<ContainerDefinition>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `runtimePlatform` of a task definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimePlatform {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `containerDefinitions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Vec<KeyValuePair>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_files: Option<Vec<EnvironmentFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<Secret>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_credentials: Option<RepositoryCredentials>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `portMappings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One plaintext `environment` entry. The value is visible to anyone who can
/// describe the task definition, which is what the plaintext lint is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyValuePair {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `environmentFiles` (an S3 object of `KEY=VALUE` lines).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `secrets` or `logConfiguration.secretOptions`:
/// `{name, valueFrom}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `logConfiguration` of a container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_options: Option<Vec<Secret>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `repositoryCredentials` of a container (private registry auth).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_parameter: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TaskDefinition {
    /// True when `requiresCompatibilities` names FARGATE (even beside EC2).
    pub fn requires_fargate(&self) -> bool {
        self.requires_compatibilities.iter().flatten().any(|c| c.eq_ignore_ascii_case("FARGATE"))
    }

    /// Every place a secret is referenced from, in document order, with the
    /// JSON pointer of the string that holds the reference.
    pub fn secret_sites(&self) -> Vec<SecretSite<'_>> {
        let mut sites = Vec::new();
        for (ci, container) in self.container_definitions.iter().enumerate() {
            let base = format!("/containerDefinitions/{ci}");
            for (si, secret) in container.secrets.iter().flatten().enumerate() {
                sites.push(SecretSite {
                    container_index: ci,
                    container_name: container.name.as_deref(),
                    kind: crate::secret_ref::RefSite::Secret,
                    variable: secret.name.as_deref(),
                    value_from: secret.value_from.as_deref(),
                    path: format!("{base}/secrets/{si}/valueFrom"),
                });
            }
            if let Some(log) = &container.log_configuration {
                for (si, secret) in log.secret_options.iter().flatten().enumerate() {
                    sites.push(SecretSite {
                        container_index: ci,
                        container_name: container.name.as_deref(),
                        kind: crate::secret_ref::RefSite::SecretOption,
                        variable: secret.name.as_deref(),
                        value_from: secret.value_from.as_deref(),
                        path: format!("{base}/logConfiguration/secretOptions/{si}/valueFrom"),
                    });
                }
            }
            if let Some(creds) = &container.repository_credentials {
                sites.push(SecretSite {
                    container_index: ci,
                    container_name: container.name.as_deref(),
                    kind: crate::secret_ref::RefSite::RepositoryCredentials,
                    variable: None,
                    value_from: creds.credentials_parameter.as_deref(),
                    path: format!("{base}/repositoryCredentials/credentialsParameter"),
                });
            }
        }
        sites
    }
}

/// One place in a task definition that references a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSite<'a> {
    pub container_index: usize,
    pub container_name: Option<&'a str>,
    pub kind: crate::secret_ref::RefSite,
    /// The environment variable or log option name (`None` for registry
    /// credentials).
    pub variable: Option<&'a str>,
    /// The reference string, `None` when the field is missing.
    pub value_from: Option<&'a str>,
    /// JSON pointer of the reference string.
    pub path: String,
}
