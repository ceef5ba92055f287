//! Flags shared by several commands: `--region` and `--account` (where the
//! task will run, parsed by [`shared::Region`]'s and [`shared::AccountId`]'s
//! own validators), `--platform-version`, and `--kms-key REF=KEY_ARN`. They
//! become a [`shared::Context`] and friends; rules that need a fact the user
//! did not give stay quiet rather than guess.

use std::collections::BTreeMap;

use clap::Args;
use shared::iam::generate::GenerateOptions;
use shared::{AccountId, Context, Location, PlatformVersion, Region};

use super::input::{self, Loaded};

/// Where the task definition will run.
#[derive(Debug, Clone, Default, Args)]
pub struct LocationArgs {
    /// The region the task runs in, e.g. eu-west-1 (resolves bare SSM parameter names).
    #[arg(long, value_name = "REGION")]
    pub region: Option<Region>,
    /// The 12-digit AWS account id the task runs in.
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: Option<AccountId>,
}

impl LocationArgs {
    pub fn location(&self) -> Location {
        Location::new(self.region.clone(), self.account.clone())
    }

    pub fn context(&self) -> Context {
        Context::from(self.location())
    }
}

/// Where the task definition will run, including the Fargate platform version.
#[derive(Debug, Clone, Default, Args)]
pub struct ContextArgs {
    #[command(flatten)]
    pub location: LocationArgs,
    /// The Fargate platform version the service uses (1.3.0, 1.4.0, LATEST).
    #[arg(long, value_name = "VERSION")]
    pub platform_version: Option<PlatformVersion>,
}

impl ContextArgs {
    pub fn context(&self) -> Context {
        Context { platform_version: self.platform_version, ..self.location.context() }
    }
}

/// What the resource that registers a bare `containerDefinitions` array
/// (Terraform's `aws_ecs_task_definition`) sets: supplied on the command
/// line so the array is checked as the task definition it becomes.
#[derive(Debug, Clone, Default, Args)]
pub struct ResourceArgs {
    /// The task definition family, for a file without one (a bare containerDefinitions array,
    /// whose Terraform resource sets it); a family in the file wins.
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,
    /// The task execution role ARN, for a file without one (a bare containerDefinitions array,
    /// whose Terraform resource sets execution_role_arn); a role in the file wins.
    #[arg(long, value_name = "ROLE_ARN")]
    pub execution_role_arn: Option<String>,
}

impl ResourceArgs {
    /// Fills in `family` and `executionRoleArn` where the task definition
    /// has none; returns a note for each flag the file overrides.
    pub fn apply(&self, td: &mut shared::TaskDefinition) -> Vec<String> {
        let mut notes = Vec::new();
        for (flag, given, field) in [
            ("--family", &self.family, &mut td.family),
            ("--execution-role-arn", &self.execution_role_arn, &mut td.execution_role_arn),
        ] {
            match (given, field.as_deref()) {
                (Some(value), None) => *field = Some(value.clone()),
                (Some(value), Some(existing)) if existing != value => {
                    notes.push(format!("note: {flag} `{value}` is not used: the file sets `{existing}`\n"))
                }
                _ => {}
            }
        }
        notes
    }
}

/// What the grant analyses (`policy`, `check`) take beside the task
/// definition: where it runs, its secrets' customer-managed KMS keys, and
/// what the resource of a bare `containerDefinitions` array sets.
#[derive(Debug, Clone, Default, Args)]
pub struct GrantArgs {
    #[command(flatten)]
    pub location: LocationArgs,
    #[command(flatten)]
    pub kms: KmsKeyArgs,
    #[command(flatten)]
    pub resource: ResourceArgs,
}

impl GrantArgs {
    /// Reads the task definition at `path` (`-`: stdin) and fills in what
    /// `--family` / `--execution-role-arn` give; returns it with a note per
    /// flag the file overrides.
    pub fn load(&self, path: &str) -> anyhow::Result<(Loaded, String)> {
        let mut loaded = input::load_one(path)?;
        let notes = self.resource.apply(&mut loaded.imported.task_definition).concat();
        Ok((loaded, notes))
    }

    /// The generator's options from the flags (what it detects itself stays
    /// to detect).
    pub fn generate_options(&self) -> GenerateOptions {
        GenerateOptions {
            location: self.location.location(),
            kms_keys: self.kms.by_reference(),
            ..GenerateOptions::default()
        }
    }
}

/// Customer-managed KMS keys of secrets, `--kms-key SECRET_REF=KEY_ARN`.
#[derive(Debug, Clone, Default, Args)]
pub struct KmsKeyArgs {
    /// The customer-managed KMS key that encrypts a secret: the reference as written in
    /// valueFrom (or the secret's ARN or name), `=`, the key ARN. Repeat for more secrets.
    #[arg(long = "kms-key", value_name = "SECRET_REF=KEY_ARN", value_parser = parse_kms_key)]
    pub kms_keys: Vec<(String, String)>,
}

impl KmsKeyArgs {
    /// The keys by reference; a reference given twice keeps its last key.
    pub fn by_reference(&self) -> BTreeMap<String, String> {
        self.kms_keys.iter().cloned().collect()
    }
}

/// Splits `REF=KEY_ARN` at the last `=`: secret names may contain `=`, key
/// ARNs and aliases may not.
fn parse_kms_key(raw: &str) -> Result<(String, String), String> {
    match raw.rsplit_once('=') {
        Some((_, key)) if shared::iam::generate::has_policy_metacharacters(key) => {
            Err(shared::iam::generate::KmsKeyProblem::Wildcard(key.to_owned()).to_string())
        }
        Some((reference, key)) if !reference.is_empty() && !key.is_empty() => {
            Ok((reference.to_owned(), key.to_owned()))
        }
        _ => Err(format!(
            "`{raw}` is not SECRET_REF=KEY_ARN; write e.g. /prod/db/password=arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_region_account_and_platform_version() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            assert_eq!(ok.parse::<Region>().ok().as_deref(), Some(ok));
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "1-east-1", "us--1", "us-east-1a"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        assert!("123456789012".parse::<AccountId>().is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", ""] {
            assert!(bad.parse::<AccountId>().is_err(), "{bad}");
        }
        for ok in ["1.3.0", "1.4.0", "LATEST"] {
            assert!(ok.parse::<PlatformVersion>().is_ok(), "{ok}");
        }
        for bad in ["latest", "1.4", "1..0", "v1.4.0"] {
            assert!(bad.parse::<PlatformVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn kms_keys_split_at_the_last_equals_sign() {
        let key = "arn:aws:kms:eu-west-1:123456789012:key/k";
        assert_eq!(parse_kms_key(&format!("/p=q={key}")), Ok(("/p=q".to_owned(), key.to_owned())));
        for bad in ["no-equals", "=arn:aws:kms:eu-west-1:123456789012:key/k", "/p="] {
            assert!(parse_kms_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcard_kms_keys_are_refused_at_the_flag() {
        for key in ["arn:aws:kms:*:*:key/*", "arn:aws:kms:eu-west-1:123456789012:key/${aws:username}", "key/a?c"] {
            let error = parse_kms_key(&format!("/p={key}")).expect_err(key);
            assert!(error.contains(key) && error.contains("exact key ARN"), "{error}");
        }
    }
}
