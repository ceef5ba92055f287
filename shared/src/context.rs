//! What the core may know beyond the task definition itself.

use serde::{Deserialize, Serialize};

/// Facts about where the task definition will run. Every field is optional:
/// rules that need a fact that is missing stay quiet rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The region the task runs in (`--region`), e.g. `eu-west-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The 12-digit account the task runs in (`--account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The Fargate platform version the service uses (`1.3.0`, `1.4.0`,
    /// `LATEST`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// True when the task definition came as a bare `containerDefinitions`
    /// array (Terraform's `container_definitions`): `family` and the roles
    /// belong to the resource that registers it, so their absence is not an
    /// error of the file (ES013 says so once instead of ES001/ES015).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub container_definitions_only: bool,
}

impl Context {
    pub fn new(region: Option<String>, account_id: Option<String>) -> Self {
        Self { region, account_id, platform_version: None, container_definitions_only: false }
    }
}
