//! What the core may know beyond the task definition itself.

use serde::{Deserialize, Serialize};

use crate::location::{AccountId, Location, Region};

/// Facts about where the task definition will run. Every field is optional:
/// rules that need a fact that is missing stay quiet rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The region (`--region`, e.g. `eu-west-1`) and the 12-digit account
    /// (`--account`) the task runs in; `region` and `accountId` in JSON.
    #[serde(flatten)]
    pub location: Location,
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
    pub fn new(region: Option<Region>, account_id: Option<AccountId>) -> Self {
        Self { location: Location::new(region, account_id), platform_version: None, container_definitions_only: false }
    }

    /// The region as text, when known.
    pub fn region(&self) -> Option<&str> {
        self.location.region()
    }

    /// The account id as text, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.location.account_id()
    }
}

impl From<Location> for Context {
    fn from(location: Location) -> Self {
        Self { location, platform_version: None, container_definitions_only: false }
    }
}
