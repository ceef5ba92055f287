//! The `--region`, `--account` and `--platform-version` flags: where the task
//! will run. They become a [`shared::Context`]; rules that need a fact the
//! user did not give stay quiet rather than guess.

use clap::Args;
use shared::Context;

/// Flags describing where the task definition will run.
#[derive(Debug, Clone, Default, Args)]
pub struct ContextArgs {
    /// The region the task runs in, e.g. eu-west-1 (resolves bare SSM parameter names).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// The 12-digit AWS account id the task runs in.
    #[arg(long, value_name = "ACCOUNT_ID", value_parser = parse_account)]
    pub account: Option<String>,
    /// The Fargate platform version the service uses (1.3.0, 1.4.0, LATEST).
    #[arg(long, value_name = "VERSION", value_parser = parse_platform_version)]
    pub platform_version: Option<String>,
}

impl ContextArgs {
    pub fn context(&self) -> Context {
        Context {
            region: self.region.clone(),
            account_id: self.account.clone(),
            platform_version: self.platform_version.clone(),
        }
    }
}

/// Accepts region names such as `us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `cn-north-1`.
fn parse_region(raw: &str) -> Result<String, String> {
    let parts: Vec<&str> = raw.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].bytes().all(|b| b.is_ascii_lowercase());
    if well_formed {
        Ok(raw.to_owned())
    } else {
        Err(format!("`{raw}` is not an AWS region name; write it like us-east-1 or eu-west-3"))
    }
}

fn parse_account(raw: &str) -> Result<String, String> {
    if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(format!("`{raw}` is not an AWS account id; an account id is exactly 12 digits, e.g. 123456789012"))
    }
}

fn parse_platform_version(raw: &str) -> Result<String, String> {
    let numeric =
        raw.split('.').count() == 3 && raw.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric || raw == "LATEST" {
        Ok(raw.to_owned())
    } else {
        Err(format!("`{raw}` is not a Fargate platform version; write LATEST or a version like 1.4.0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_region_account_and_platform_version() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            assert_eq!(parse_region(ok).as_deref(), Ok(ok));
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "1-east-1", "us--1", "us-east-1a"] {
            assert!(parse_region(bad).is_err(), "{bad}");
        }
        assert!(parse_account("123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", ""] {
            assert!(parse_account(bad).is_err(), "{bad}");
        }
        for ok in ["1.3.0", "1.4.0", "LATEST"] {
            assert!(parse_platform_version(ok).is_ok(), "{ok}");
        }
        for bad in ["latest", "1.4", "1..0", "v1.4.0"] {
            assert!(parse_platform_version(bad).is_err(), "{bad}");
        }
    }
}
