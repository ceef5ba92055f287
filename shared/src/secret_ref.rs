//! Secret references: the strings in `valueFrom` and
//! `credentialsParameter`, parsed into what they point at.
//!
//! Three forms exist: an SSM parameter name (only valid in the task's own
//! region and account), an SSM parameter ARN, and a Secrets Manager secret
//! ARN that may carry a JSON key, a version stage or a version id after the
//! secret's name. Parsing is deliberately loose about names and account ids:
//! the lint explains those problems better than a parse error could.

use serde::{Deserialize, Serialize};

use crate::arn::Arn;
use crate::context::Context;

/// Where a secret value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Store {
    #[serde(rename = "ssm")]
    Ssm,
    #[serde(rename = "secretsmanager")]
    SecretsManager,
}

impl Store {
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Ssm => "ssm",
            Store::SecretsManager => "secretsmanager",
        }
    }

    /// The IAM action the execution role needs to read a value from here.
    pub fn read_action(self) -> &'static str {
        match self {
            Store::Ssm => "ssm:GetParameters",
            Store::SecretsManager => "secretsmanager:GetSecretValue",
        }
    }
}

/// The kind of place a reference appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RefSite {
    /// `containerDefinitions[].secrets[]`
    Secret,
    /// `containerDefinitions[].logConfiguration.secretOptions[]`
    SecretOption,
    /// `containerDefinitions[].repositoryCredentials.credentialsParameter`
    RepositoryCredentials,
    /// `containerDefinitions[].environmentFiles[].value`: an S3 object the
    /// execution role reads (only in access reports; not a secret reference).
    EnvironmentFile,
}

/// Partition, region and account of an ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArnLocation {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl ArnLocation {
    /// The location of an ARN in `region` and `account`: its partition is
    /// the region's ([`partition_for_region`]).
    pub fn new(region: &str, account: &str) -> ArnLocation {
        ArnLocation {
            partition: partition_for_region(region).to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        }
    }
}

/// A parsed secret reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SecretRef {
    /// A bare SSM parameter name: `db_password` or `/prod/db/password`.
    #[serde(rename_all = "camelCase")]
    SsmName { name: String },
    /// `arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME`. `name` is the
    /// parameter's own name: `/prod/db/pw` for `parameter/prod/db/pw`,
    /// `pw` for `parameter/pw`.
    #[serde(rename_all = "camelCase")]
    SsmArn { location: ArnLocation, name: String },
    /// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[-SUFFIX][:json-key:version-stage:version-id]`.
    #[serde(rename_all = "camelCase")]
    SecretsManager(SecretArn),
}

/// A Secrets Manager reference, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretArn {
    pub location: ArnLocation,
    /// The secret's name without the random suffix.
    pub name: String,
    /// The 6 random characters AWS appended at creation, when present.
    pub suffix: Option<String>,
    /// False when the would-be suffix is all lower-case letters (`my-secret`):
    /// it may just as well be the end of the name. Random suffixes look like
    /// that only about one time in 180.
    pub suffix_certain: bool,
    pub json_key: Option<String>,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
    /// How many of the three optional colon-separated fields were written
    /// (0 or 3 is the documented layout; 1 or 2 is a lint error).
    pub optional_fields: u8,
}

/// Why a reference string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    #[error("the reference is empty: give an SSM parameter name or ARN, or a Secrets Manager secret ARN")]
    Empty,
    #[error(
        "`{0}` is not a valid ARN: expected arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf"
    )]
    MalformedArn(String),
    #[error("`{0}` is an ARN of service `{1}`: secrets can come only from `ssm` (Parameter Store) or `secretsmanager`")]
    WrongService(String, String),
    #[error("`{0}` has no region or account: write both, e.g. arn:aws:ssm:us-east-1:123456789012:parameter/NAME")]
    MissingLocation(String),
    #[error("`{0}` does not name a {1}: expected `{2}` after the account id")]
    WrongResourceType(String, &'static str, &'static str),
    #[error(
        "`{0}` has {1} colon-separated fields after the secret name; the most is 3 (json-key:version-stage:version-id)"
    )]
    TooManyFields(String, usize),
    #[error(
        "a bare parameter name is valid only in the task's own region and account, and neither is known: pass --region and --account"
    )]
    NeedsRegionAndAccount,
    #[error(
        "`{0}` contains `*`, `?` or `${{`: in a policy that would grant every parameter or secret the pattern matches; give the exact region, account and name"
    )]
    Wildcard(String),
}

impl SecretRef {
    /// Parses a `valueFrom` or `credentialsParameter` string.
    pub fn parse(raw: &str) -> Result<SecretRef, SecretRefError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(SecretRefError::Empty);
        }
        if !raw.starts_with("arn:") {
            return Ok(SecretRef::SsmName { name: raw.to_owned() });
        }
        let Some(Arn { partition, service, region, account, resource }) = Arn::parse(raw) else {
            return Err(SecretRefError::MalformedArn(raw.to_owned()));
        };
        if partition.is_empty() {
            return Err(SecretRefError::MalformedArn(raw.to_owned()));
        }
        if region.is_empty() || account.is_empty() {
            return Err(SecretRefError::MissingLocation(raw.to_owned()));
        }
        let location =
            ArnLocation { partition: partition.to_owned(), region: region.to_owned(), account: account.to_owned() };
        match service {
            "ssm" => {
                let name = resource
                    .strip_prefix("parameter/")
                    .filter(|n| !n.is_empty())
                    .ok_or(SecretRefError::WrongResourceType(raw.to_owned(), "parameter", "parameter/NAME"))?;
                let name = if name.contains('/') { format!("/{name}") } else { name.to_owned() };
                Ok(SecretRef::SsmArn { location, name })
            }
            "secretsmanager" => {
                let rest = resource
                    .strip_prefix("secret:")
                    .filter(|n| !n.is_empty())
                    .ok_or(SecretRefError::WrongResourceType(raw.to_owned(), "secret", "secret:NAME"))?;
                let fields: Vec<&str> = rest.split(':').collect();
                if fields.len() > 4 {
                    return Err(SecretRefError::TooManyFields(raw.to_owned(), fields.len() - 1));
                }
                let (name, suffix, suffix_certain) = split_suffix(fields[0]);
                let field = |i: usize| fields.get(i).filter(|f| !f.is_empty()).map(|f| (*f).to_owned());
                Ok(SecretRef::SecretsManager(SecretArn {
                    location,
                    name,
                    suffix,
                    suffix_certain,
                    json_key: field(1),
                    version_stage: field(2),
                    version_id: field(3),
                    optional_fields: (fields.len() - 1) as u8,
                }))
            }
            other => Err(SecretRefError::WrongService(raw.to_owned(), other.to_owned())),
        }
    }

    pub fn store(&self) -> Store {
        match self {
            SecretRef::SsmName { .. } | SecretRef::SsmArn { .. } => Store::Ssm,
            SecretRef::SecretsManager(_) => Store::SecretsManager,
        }
    }

    /// The region and account written in the reference (none for a bare name).
    pub fn location(&self) -> Option<&ArnLocation> {
        match self {
            SecretRef::SsmName { .. } => None,
            SecretRef::SsmArn { location, .. } => Some(location),
            SecretRef::SecretsManager(arn) => Some(&arn.location),
        }
    }

    /// The parameter's or secret's name as its store calls it (SSM names keep
    /// their leading `/`; secret names are without the random suffix).
    pub fn name(&self) -> &str {
        match self {
            SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => name,
            SecretRef::SecretsManager(arn) => &arn.name,
        }
    }

    /// The location the reference resolves in: its own, or the context's for
    /// a bare name.
    pub fn resolve_location(&self, ctx: &Context) -> Result<ArnLocation, SecretRefError> {
        if let Some(location) = self.location() {
            return Ok(location.clone());
        }
        match (&ctx.location.region, &ctx.location.account_id) {
            (Some(region), Some(account)) => Ok(ArnLocation::new(region.as_str(), account.as_str())),
            _ => Err(SecretRefError::NeedsRegionAndAccount),
        }
    }

    /// The full ARN of the parameter or secret (without any JSON key or
    /// version fields). For a Secrets Manager reference without its random
    /// suffix this is the partial ARN as written.
    pub fn canonical_arn(&self, ctx: &Context) -> Result<String, SecretRefError> {
        let loc = self.resolve_location(ctx)?;
        Ok(match self {
            SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => ssm_parameter_arn(&loc, name),
            SecretRef::SecretsManager(arn) => secret_arn(&loc, &arn.full_name()),
        })
    }

    /// True for a Secrets Manager reference without the random suffix, which
    /// ECS may fail to resolve (`ResourceInitializationError`).
    pub fn is_partial(&self) -> bool {
        matches!(self, SecretRef::SecretsManager(arn) if arn.suffix.is_none())
    }

    /// True when the reference selects a JSON key or a version, which needs
    /// Fargate platform 1.4.0 or ECS agent 1.37.0.
    pub fn selects_key_or_version(&self) -> bool {
        matches!(self, SecretRef::SecretsManager(arn)
            if arn.json_key.is_some() || arn.version_stage.is_some() || arn.version_id.is_some())
    }

    /// For an SSM parameter under `/aws/reference/secretsmanager/`, the
    /// Secrets Manager secret it reads through.
    pub fn referenced_secret_name(&self) -> Option<&str> {
        match self {
            SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => {
                name.strip_prefix("/aws/reference/secretsmanager/").filter(|n| !n.is_empty())
            }
            SecretRef::SecretsManager(_) => None,
        }
    }
}

impl SecretArn {
    /// The name with its random suffix, as it appears in the secret's ARN.
    pub fn full_name(&self) -> String {
        match &self.suffix {
            Some(suffix) => format!("{}-{}", self.name, suffix),
            None => self.name.clone(),
        }
    }
}

/// Splits `NAME-AbCdEf` into the name and the 6-character random suffix.
fn split_suffix(full: &str) -> (String, Option<String>, bool) {
    if let Some((name, suffix)) = full.rsplit_once('-')
        && !name.is_empty()
        && suffix.len() == 6
        && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        let certain = !suffix.bytes().all(|b| b.is_ascii_lowercase());
        return (name.to_owned(), Some(suffix.to_owned()), certain);
    }
    (full.to_owned(), None, true)
}

/// The partition of a region: `aws-cn` for China, `aws-us-gov` for
/// GovCloud, `aws-eusc` for the European Sovereign Cloud, the isolated
/// partitions by their region prefixes, `aws` for every other region.
pub fn partition_for_region(region: &str) -> &'static str {
    PARTITION_PREFIXES.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or("aws", |(_, partition)| partition)
}

/// The region prefix of every partition but `aws`.
const PARTITION_PREFIXES: [(&str, &str); 7] = [
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
    ("eusc-", "aws-eusc"),
];

/// Whether `name` is an AWS partition (`aws`, `aws-cn`, …).
pub fn is_partition(name: &str) -> bool {
    name == "aws" || PARTITION_PREFIXES.iter().any(|(_, partition)| *partition == name)
}

/// `arn:…:ssm:…:parameter/NAME`; a hierarchical name's leading `/` merges
/// into `parameter/` (never `parameter//prod`).
pub fn ssm_parameter_arn(loc: &ArnLocation, name: &str) -> String {
    format!(
        "arn:{}:ssm:{}:{}:parameter/{}",
        loc.partition,
        loc.region,
        loc.account,
        name.strip_prefix('/').unwrap_or(name)
    )
}

/// `arn:…:secretsmanager:…:secret:NAME` for a full or partial secret name.
pub fn secret_arn(loc: &ArnLocation, full_name: &str) -> String {
    format!("arn:{}:secretsmanager:{}:{}:secret:{}", loc.partition, loc.region, loc.account, full_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap()))
    }

    #[test]
    fn hierarchical_names_merge_their_slash() {
        let r = SecretRef::parse("/prod/db/pw").unwrap();
        assert_eq!(r.canonical_arn(&ctx()).unwrap(), "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/pw");
        let r = SecretRef::parse("db_pw").unwrap();
        assert_eq!(r.canonical_arn(&ctx()).unwrap(), "arn:aws:ssm:eu-west-1:123456789012:parameter/db_pw");
    }

    #[test]
    fn ssm_arns_keep_their_own_location() {
        let r = SecretRef::parse("arn:aws:ssm:us-east-1:111122223333:parameter/prod/db").unwrap();
        assert_eq!(r.name(), "/prod/db");
        assert_eq!(r.canonical_arn(&ctx()).unwrap(), "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db");
        let r = SecretRef::parse("arn:aws:ssm:us-east-1:111122223333:parameter/flat").unwrap();
        assert_eq!(r.name(), "flat");
    }

    #[test]
    fn secrets_manager_fields() {
        let r =
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf:username:AWSPREVIOUS:")
                .unwrap();
        let SecretRef::SecretsManager(arn) = &r else { panic!("{r:?}") };
        assert_eq!(arn.name, "db");
        assert_eq!(arn.suffix.as_deref(), Some("AbCdEf"));
        assert_eq!(arn.json_key.as_deref(), Some("username"));
        assert_eq!(arn.version_stage.as_deref(), Some("AWSPREVIOUS"));
        assert_eq!(arn.version_id, None);
        assert_eq!(arn.optional_fields, 3);
        assert!(r.selects_key_or_version());
        assert_eq!(r.canonical_arn(&ctx()).unwrap(), "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf");
    }

    #[test]
    fn partial_and_ambiguous_secret_names() {
        let r = SecretRef::parse("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db").unwrap();
        assert!(r.is_partial());
        let SecretRef::SecretsManager(arn) =
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:111122223333:secret:my-secret").unwrap()
        else {
            panic!()
        };
        assert_eq!(arn.suffix.as_deref(), Some("secret"));
        assert!(!arn.suffix_certain);
    }

    #[test]
    fn errors_are_values() {
        assert_eq!(SecretRef::parse(" "), Err(SecretRefError::Empty));
        assert!(matches!(SecretRef::parse("arn:aws:s3:::bucket/key"), Err(SecretRefError::MissingLocation(_))));
        assert!(matches!(SecretRef::parse("arn:aws:s3:us-east-1:1:bucket"), Err(SecretRefError::WrongService(..))));
        assert!(matches!(
            SecretRef::parse("arn:aws:ssm:us-east-1:1:document/x"),
            Err(SecretRefError::WrongResourceType(..))
        ));
        assert!(matches!(SecretRef::parse("arn:aws:ssm"), Err(SecretRefError::MalformedArn(_))));
        assert_eq!(
            SecretRef::parse("name").unwrap().canonical_arn(&Context::default()),
            Err(SecretRefError::NeedsRegionAndAccount)
        );
        assert_eq!(partition_for_region("cn-north-1"), "aws-cn");
    }

    /// A bare name completes in the partition of the task's region, for
    /// every partition the lint's ES037 knows (an ARN in the wrong one
    /// never resolves).
    #[test]
    fn bare_names_complete_in_the_regions_partition() {
        for (region, partition) in [
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            let ctx = Context::new(Some(region.parse().unwrap()), Some("123456789012".parse().unwrap()));
            assert_eq!(
                SecretRef::parse("db_pw").unwrap().canonical_arn(&ctx).unwrap(),
                format!("arn:{partition}:ssm:{region}:123456789012:parameter/db_pw")
            );
        }
    }

    #[test]
    fn reference_parameters_point_at_secrets() {
        let r = SecretRef::parse("/aws/reference/secretsmanager/prod/db").unwrap();
        assert_eq!(r.referenced_secret_name(), Some("prod/db"));
    }
}
