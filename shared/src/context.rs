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
    pub platform_version: Option<PlatformVersion>,
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

/// A Fargate platform version as ECS takes it: `LATEST` or
/// `MAJOR.MINOR.PATCH` (`1.4.0`). The one reader of `--platform-version`
/// and of the lint's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PlatformVersion {
    Latest,
    Version(u32, u32, u32),
}

impl PlatformVersion {
    /// Older than 1.4.0 (`LATEST` is 1.4.0, the newest Linux platform
    /// version): a retired Linux platform, without the largest CPU sizes or
    /// JSON keys and versions of secrets.
    pub fn is_before_1_4_0(self) -> bool {
        match self {
            PlatformVersion::Latest => false,
            PlatformVersion::Version(major, minor, patch) => (major, minor, patch) < (1, 4, 0),
        }
    }
}

impl std::str::FromStr for PlatformVersion {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        if raw == "LATEST" {
            return Ok(PlatformVersion::Latest);
        }
        let parts: Vec<Option<u32>> =
            raw.split('.').map(|p| p.bytes().all(|b| b.is_ascii_digit()).then(|| p.parse().ok()).flatten()).collect();
        match parts[..] {
            [Some(major), Some(minor), Some(patch)] => Ok(PlatformVersion::Version(major, minor, patch)),
            _ => Err(format!("`{raw}` is not a Fargate platform version; write LATEST or a version like 1.4.0")),
        }
    }
}

impl TryFrom<String> for PlatformVersion {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        raw.parse()
    }
}

impl From<PlatformVersion> for String {
    fn from(version: PlatformVersion) -> String {
        version.to_string()
    }
}

impl std::fmt::Display for PlatformVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlatformVersion::Latest => f.write_str("LATEST"),
            PlatformVersion::Version(major, minor, patch) => write!(f, "{major}.{minor}.{patch}"),
        }
    }
}

impl From<Location> for Context {
    fn from(location: Location) -> Self {
        Self { location, platform_version: None, container_definitions_only: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_versions_are_latest_or_three_numbers() {
        assert_eq!("LATEST".parse(), Ok(PlatformVersion::Latest));
        assert_eq!("1.3.0".parse(), Ok(PlatformVersion::Version(1, 3, 0)));
        assert!(PlatformVersion::Version(1, 3, 0).is_before_1_4_0());
        assert!(!PlatformVersion::Latest.is_before_1_4_0() && !PlatformVersion::Version(1, 4, 0).is_before_1_4_0());
        for bad in ["latest", "1.4", "1..0", "v1.4.0", "1.4.0.1", "one", "", "+1.4.0", "1.4.-0"] {
            assert!(bad.parse::<PlatformVersion>().is_err(), "{bad}");
        }
        let json = serde_json::to_value(PlatformVersion::Version(1, 4, 0)).unwrap();
        assert_eq!(json, serde_json::json!("1.4.0"));
        assert!(serde_json::from_value::<PlatformVersion>(serde_json::json!("1.4")).is_err());
    }
}
