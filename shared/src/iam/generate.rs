//! Least-privilege policies for the task execution role: the trust policy,
//! the inline permission policy that lets the ECS agent read exactly the
//! secrets a task definition references, and when to attach the AWS managed
//! policy for ECR pulls and CloudWatch Logs.
//!
//! The same per-reference [`Requirement`]s drive the generator, the
//! pre-deploy access check ([`super::access`]) and the fixes of the error
//! decoder, so all three agree on what "least privilege" means:
//!
//! - `ssm:GetParameters` on each parameter's exact ARN (a bare name resolves
//!   in the task's region and account, which must then be known — never `*`);
//! - `secretsmanager:GetSecretValue` on each secret's ARN without any JSON
//!   key / version fields; a secret known only by name gets
//!   `…:secret:NAME-??????` (exactly six characters: `NAME*` would also
//!   match `NAME-other-AbCdEf`);
//! - an SSM parameter under `/aws/reference/secretsmanager/NAME` reads the
//!   secret `NAME` through SSM, so it needs both;
//! - `kms:Decrypt` only on customer-managed keys the caller names; the AWS
//!   managed `aws/ssm` and `aws/secretsmanager` keys need no grant;
//! - for each `environmentFiles` entry, `s3:GetObject` on the object and
//!   `s3:GetBucketLocation` on its bucket (AWS: "Required IAM permissions for
//!   Amazon ECS environment files").
//!
//! A reference the lint calls impossible (its reference-validity rules, see
//! [`crate::lint::reference_errors`]) is never granted: `lint` and `policy`
//! agree on every reference.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::arn::Arn;
use crate::context::Context;
use crate::iam::policy::{PolicyDocument, Principal, Statement};
use crate::location::Location;
use crate::secret_ref::{
    ArnLocation, RefSite, SecretArn, SecretRef, SecretRefError, Store, secret_arn, ssm_parameter_arn,
};
use crate::task_def::{SecretSite, TaskDefinition};

/// The service principal ECS uses to assume task and execution roles.
pub const ECS_TASKS_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

/// The AWS managed policy for ECR pulls and CloudWatch Logs writes.
pub const EXECUTION_ROLE_MANAGED_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// Statement ids of the generated policy, one per service.
pub const SID_SSM: &str = "ReadSsmParameters";
pub const SID_SECRETS_MANAGER: &str = "ReadSecretsManagerSecrets";
pub const SID_KMS: &str = "DecryptWithCustomerManagedKeys";
pub const SID_ENVIRONMENT_FILES: &str = "ReadEnvironmentFiles";
pub const SID_ENVIRONMENT_FILE_BUCKETS: &str = "LocateEnvironmentFileBuckets";

/// The six characters standing in for a secret's unknown random suffix when
/// a policy is evaluated: a partial ARN `…:secret:NAME` is checked as
/// `…:secret:NAME-AbCdEf`, so that `NAME-??????` matches it and `NAME` alone
/// (which AWS never uses as a full ARN) does not. Mixed case and letters
/// only, like a real suffix.
pub const REPRESENTATIVE_SUFFIX: &str = "AbCdEf";

/// What the generator may know beyond the task definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateOptions {
    /// Region and account of the task (`region`, `accountId` in JSON):
    /// complete bare SSM parameter names.
    #[serde(flatten)]
    pub location: Location,
    /// Customer-managed KMS key ARN per secret reference. The key of the map
    /// is the `valueFrom` / `credentialsParameter` string as written, the
    /// parameter's or secret's full ARN, or its name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kms_keys: BTreeMap<String, String>,
    /// Whether images come from ECR; `None` detects it from image names
    /// (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images_from_ecr: Option<bool>,
    /// Whether the `awslogs` driver is used; `None` detects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_awslogs: Option<bool>,
    /// Full Secrets Manager ARNs that AWS itself returned (CreateSecret,
    /// DescribeSecret). A reference to one of them ends in its random
    /// suffix for certain, even when that suffix happens to be all
    /// lower-case (`…:secret:db-abcdef`); only a typed ARN can be ambiguous.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub known_secret_arns: BTreeSet<String>,
}

impl GenerateOptions {
    /// The region/account context used to resolve bare names.
    pub fn context(&self) -> Context {
        Context::from(self.location.clone())
    }
}

/// Why a permission is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    /// Read the value itself (`ssm:GetParameters` / `secretsmanager:GetSecretValue`).
    ReadValue,
    /// Read the Secrets Manager secret behind a `/aws/reference/secretsmanager/` parameter.
    ReadReferencedSecret,
    /// Decrypt the value with its customer-managed KMS key.
    DecryptValue,
    /// Read an `environmentFiles` object (`s3:GetObject`) or locate its
    /// bucket (`s3:GetBucketLocation`).
    ReadEnvironmentFile,
}

/// One action on one resource the execution role needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub action: String,
    pub purpose: Purpose,
    /// The resource patterns a policy grants: one exact ARN, or for a secret
    /// known only by name `…:secret:NAME-??????`. A name that may or may not
    /// end in its suffix (`my-secret`) has two readings and two patterns.
    pub resources: Vec<String>,
    /// Concrete ARNs to evaluate, one per reading, in the order of
    /// `resources` (a pattern's `??????` becomes [`REPRESENTATIVE_SUFFIX`]).
    /// The requirement is met when any reading is allowed: exactly one of
    /// them is the real secret, and the check cannot know which.
    pub probes: Vec<String>,
}

impl Requirement {
    fn exact(action: &str, purpose: Purpose, arn: String) -> Self {
        Requirement { action: action.to_owned(), purpose, resources: vec![arn.clone()], probes: vec![arn] }
    }

    fn name_only_secret(purpose: Purpose, loc: &ArnLocation, name: &str) -> Self {
        Requirement {
            action: Store::SecretsManager.read_action().to_owned(),
            purpose,
            resources: vec![name_only_secret_pattern(loc, name)],
            probes: vec![secret_arn(loc, &format!("{name}-{REPRESENTATIVE_SUFFIX}"))],
        }
    }
}

/// Where AWS publishes its public parameters (AMI ids, service metadata).
pub const PUBLIC_PARAMETER_PREFIX: &str = "/aws/service/";

/// True for an AWS public parameter (`/aws/service/…`). AWS owns those, so
/// their ARN carries no account: `arn:aws:ssm:REGION::parameter/aws/service/…`
/// (unverified for IAM authorisation; kept in this one rule).
pub fn is_public_parameter(name: &str) -> bool {
    name.starts_with(PUBLIC_PARAMETER_PREFIX)
}

/// `…:secret:NAME-??????`: the secret `NAME` whatever its random suffix.
pub fn name_only_secret_pattern(loc: &ArnLocation, name: &str) -> String {
    secret_arn(loc, &format!("{name}-??????"))
}

/// The reads one reference needs (the value, and for a
/// `/aws/reference/secretsmanager/NAME` parameter the secret behind it).
/// Fails only when a bare parameter name meets an unknown region/account.
pub fn read_requirements(reference: &SecretRef, ctx: &Context) -> Result<Vec<Requirement>, SecretRefError> {
    let loc = reference.resolve_location(ctx)?;
    // The location may come from the context (a bare name), which no
    // parser of the reference has seen: nothing with a wildcard or a
    // policy variable becomes a resource.
    let written = reference.canonical_arn(ctx)?;
    if has_policy_metacharacters(&written) {
        return Err(SecretRefError::Wildcard(written));
    }
    let mut needs = Vec::with_capacity(2);
    match reference {
        SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => {
            let arn = if is_public_parameter(name) {
                ssm_parameter_arn(&ArnLocation { account: String::new(), ..loc.clone() }, name)
            } else {
                reference.canonical_arn(ctx)?
            };
            needs.push(Requirement::exact(Store::Ssm.read_action(), Purpose::ReadValue, arn));
            if let Some(secret) = reference.referenced_secret_name() {
                needs.push(Requirement::name_only_secret(Purpose::ReadReferencedSecret, &loc, secret));
            }
        }
        SecretRef::SecretsManager(arn) => needs.push(secret_requirement(arn, &loc)),
    }
    Ok(needs)
}

fn secret_requirement(arn: &SecretArn, loc: &ArnLocation) -> Requirement {
    match (&arn.suffix, arn.suffix_certain) {
        (Some(_), true) => Requirement::exact(
            Store::SecretsManager.read_action(),
            Purpose::ReadValue,
            secret_arn(loc, &arn.full_name()),
        ),
        (None, _) => Requirement::name_only_secret(Purpose::ReadValue, loc, &arn.name),
        (Some(_), false) => {
            // `my-secret`: either the secret `my` with suffix `secret`, or the
            // secret `my-secret` written without its suffix.
            let as_written = secret_arn(loc, &arn.full_name());
            let by_name = Requirement::name_only_secret(Purpose::ReadValue, loc, &arn.full_name());
            Requirement {
                action: by_name.action,
                purpose: Purpose::ReadValue,
                resources: vec![as_written.clone(), by_name.resources[0].clone()],
                probes: vec![as_written, by_name.probes[0].clone()],
            }
        }
    }
}

/// Why a KMS key given for a reference gets no `kms:Decrypt` grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsKeyProblem {
    #[error(
        "`{0}` is an AWS managed key (aws/ssm, aws/secretsmanager): the execution role needs no kms:Decrypt for it, so none is granted"
    )]
    AwsManaged(String),
    #[error(
        "`{0}` is a KMS alias: kms:Decrypt is granted on the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), an alias in Resource matches nothing; give the key ARN"
    )]
    Alias(String),
    #[error("`{0}` is not a KMS key ARN or key id: give arn:aws:kms:REGION:ACCOUNT:key/KEY-ID")]
    NotAKey(String),
    #[error(
        "`{0}` contains `*`, `?` or `${{`: in a policy that grants kms:Decrypt on every key the pattern matches; give one exact key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)"
    )]
    Wildcard(String),
}

/// True when `text` contains a character with a meaning in IAM resource
/// patterns: `*` or `?` (wildcards) or `$`, `{`, `}` (policy variables such
/// as `${aws:username}`). No ARN, key id, region or account contains them,
/// and copied into a policy they would grant more than one resource.
pub fn has_policy_metacharacters(text: &str) -> bool {
    text.contains(POLICY_METACHARACTERS)
}

/// The ARN of a customer-managed key given as an ARN or a bare key id (a
/// key id resolves in the location of the value it encrypts: a key must be
/// in the same region as the secret or parameter).
pub fn customer_managed_key_arn(key: &str, loc: &ArnLocation) -> Result<String, KmsKeyProblem> {
    let key = key.trim();
    if has_policy_metacharacters(key) {
        return Err(KmsKeyProblem::Wildcard(key.to_owned()));
    }
    if key.contains("alias/aws/") {
        return Err(KmsKeyProblem::AwsManaged(key.to_owned()));
    }
    if key.starts_with("alias/") || (key.starts_with("arn:") && key.contains(":alias/")) {
        return Err(KmsKeyProblem::Alias(key.to_owned()));
    }
    if key.starts_with("arn:") {
        return match Arn::parse(key) {
            Some(Arn { service: "kms", region, account, resource, .. })
                if !region.is_empty() && !account.is_empty() && resource.len() > 4 && resource.starts_with("key/") =>
            {
                Ok(key.to_owned())
            }
            _ => Err(KmsKeyProblem::NotAKey(key.to_owned())),
        };
    }
    let key_id = key.strip_prefix("key/").unwrap_or(key);
    if !key_id.is_empty() && key_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(format!("arn:{}:kms:{}:{}:key/{key_id}", loc.partition, loc.region, loc.account))
    } else {
        Err(KmsKeyProblem::NotAKey(key.to_owned()))
    }
}

/// The `kms:Decrypt` requirement for a value encrypted with `key`.
pub fn decrypt_requirement(key: &str, loc: &ArnLocation) -> Result<Requirement, KmsKeyProblem> {
    Ok(Requirement::exact("kms:Decrypt", Purpose::DecryptValue, customer_managed_key_arn(key, loc)?))
}

/// The KMS key given for a reference: looked up by the string as written,
/// by the full ARN, by the name, and (for an SSM reference parameter) by the
/// name of the secret behind it.
pub fn kms_key_for<'k>(
    kms_keys: &'k BTreeMap<String, String>,
    raw: &str,
    reference: &SecretRef,
    ctx: &Context,
) -> Option<&'k str> {
    kms_key_entry_for(kms_keys, raw, reference, ctx).map(|(_, key)| key)
}

/// Like [`kms_key_for`], also returning the map key that matched.
pub fn kms_key_entry_for<'k>(
    kms_keys: &'k BTreeMap<String, String>,
    raw: &str,
    reference: &SecretRef,
    ctx: &Context,
) -> Option<(&'k str, &'k str)> {
    if kms_keys.is_empty() {
        return None;
    }
    let mut candidates = vec![raw.trim().to_owned(), reference.name().to_owned()];
    if let Ok(arn) = reference.canonical_arn(ctx) {
        candidates.push(arn);
    }
    if let SecretRef::SecretsManager(arn) = reference {
        candidates.push(arn.full_name());
    }
    if let Some(secret) = reference.referenced_secret_name() {
        candidates.push(secret.to_owned());
    }
    candidates.iter().find_map(|c| kms_keys.get_key_value(c)).map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Everything one reference site needs, or why it needs nothing we can grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteNeeds {
    pub requirements: Vec<Requirement>,
    pub notes: Vec<Note>,
}

/// Characters with a meaning in IAM resource patterns (wildcards and policy
/// variables). No SSM parameter or secret name contains them, so a
/// reference that does is malformed, and copying it into a policy would
/// grant more than one value.
const POLICY_METACHARACTERS: [char; 5] = ['*', '?', '$', '{', '}'];

/// The requirements of one reference site of a task definition.
pub fn site_needs(site: &SecretSite<'_>, ctx: &Context, kms_keys: &BTreeMap<String, String>) -> SiteNeeds {
    site_needs_knowing(site, ctx, kms_keys, &BTreeSet::new())
}

/// Like [`site_needs`], where `known_secret_arns` are full secret ARNs AWS
/// returned ([`GenerateOptions::known_secret_arns`]): a reference to one of
/// them has exactly one reading.
pub fn site_needs_knowing(
    site: &SecretSite<'_>,
    ctx: &Context,
    kms_keys: &BTreeMap<String, String>,
    known_secret_arns: &BTreeSet<String>,
) -> SiteNeeds {
    let mut notes = Vec::new();
    let mut requirements = Vec::new();
    let Some(raw) = site.value_from else {
        notes.push(Note::warning(&site.path, "the reference is missing, so there is nothing to grant; fill it in"));
        return SiteNeeds { requirements, notes };
    };
    if let Some(error) = crate::lint::reference_errors(site, ctx).into_iter().next() {
        notes.push(Note::warning(&site.path, format!("skipped ({}): {}", error.code, error.message)));
        return SiteNeeds { requirements, notes };
    }
    if has_policy_metacharacters(raw) {
        notes.push(Note::warning(
            &site.path,
            format!(
                "skipped `{raw}`: `*`, `?`, `$`, `{{` and `}}` cannot appear in a parameter or secret name, and in a policy they would widen the grant; reference one exact parameter or secret"
            ),
        ));
        return SiteNeeds { requirements, notes };
    }
    let mut reference = match SecretRef::parse(raw) {
        Ok(reference) => reference,
        Err(error) => {
            notes.push(Note::warning(&site.path, format!("skipped: {error}")));
            return SiteNeeds { requirements, notes };
        }
    };
    if let SecretRef::SecretsManager(arn) = &mut reference
        && arn.suffix.is_some()
        && !arn.suffix_certain
        && known_secret_arns.contains(&secret_arn(&arn.location, &arn.full_name()))
    {
        arn.suffix_certain = true;
    }
    if site.kind == RefSite::RepositoryCredentials && reference.store() != Store::SecretsManager {
        notes.push(Note::warning(
            &site.path,
            format!(
                "skipped `{raw}`: registry credentials must be a Secrets Manager secret ARN, not an SSM parameter; store them as a secret with {{\"username\":…,\"password\":…}}"
            ),
        ));
        return SiteNeeds { requirements, notes };
    }
    let loc = match reference.resolve_location(ctx) {
        Ok(loc) => loc,
        Err(error) => {
            notes.push(Note::warning(
                &site.path,
                format!("skipped `{raw}`: {error}. The policy never falls back to `*`"),
            ));
            return SiteNeeds { requirements, notes };
        }
    };
    match read_requirements(&reference, ctx) {
        Ok(reads) => requirements.extend(reads),
        Err(error) => {
            notes.push(Note::warning(&site.path, format!("skipped `{raw}`: {error}")));
            return SiteNeeds { requirements, notes };
        }
    }
    if let SecretRef::SecretsManager(arn) = &reference {
        if arn.suffix.is_none() {
            notes.push(Note::info(
                &site.path,
                format!(
                    "`{raw}` is a partial ARN (no 6-character suffix): granted on `{}`; put the full ARN in the task definition (aws secretsmanager describe-secret --secret-id {} --query ARN)",
                    name_only_secret_pattern(&loc, &arn.name),
                    arn.name
                ),
            ));
        } else if !arn.suffix_certain {
            notes.push(Note::info(
                &site.path,
                format!(
                    "`{}` may be the secret's name without its suffix or a name with suffix `{}`: both readings are granted; use the full ARN to grant exactly one",
                    arn.full_name(),
                    arn.suffix.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    if let (Some(ref_account), Some(account)) = (reference.location().map(|l| &l.account), ctx.account_id())
        && ref_account != account
        && !is_public_parameter(reference.name())
    {
        notes.push(Note::info(
            &site.path,
            format!(
                "`{raw}` is in account {ref_account}, not {account}: its resource policy (and, for a secret, a customer-managed KMS key's key policy) must also allow this execution role"
            ),
        ));
    }
    if let Some(key) = kms_key_for(kms_keys, raw, &reference, ctx) {
        match decrypt_requirement(key, &loc) {
            Ok(decrypt) => requirements.push(decrypt),
            Err(problem) => notes.push(Note::warning(&site.path, problem.to_string())),
        }
    }
    SiteNeeds { requirements, notes }
}

/// How much a generator note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteLevel {
    /// Something was left out of the policy and needs the user's attention.
    Warning,
    /// Advice; the policy is complete.
    Info,
}

/// A remark about the generated policy; `path` is the JSON pointer of the
/// reference it is about, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub level: NoteLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

impl Note {
    pub fn warning(path: &str, message: impl Into<String>) -> Self {
        Note { level: NoteLevel::Warning, path: Some(path.to_owned()), message: message.into() }
    }

    pub fn info(path: &str, message: impl Into<String>) -> Self {
        Note { level: NoteLevel::Info, path: Some(path.to_owned()), message: message.into() }
    }
}

/// The generated permission policy and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Generated {
    pub policy: PolicyDocument,
    pub notes: Vec<Note>,
}

impl Generated {
    /// True when the task definition references no secret the role must
    /// read: no inline policy is needed.
    pub fn is_empty(&self) -> bool {
        self.policy.statements.is_empty()
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(|n| n.level == NoteLevel::Warning)
    }
}

/// The message given when there is nothing to grant.
pub const NO_INLINE_POLICY_NEEDED: &str =
    "no inline policy needed: the task definition references no secrets the execution role must read";

/// The start of the warning given when the task definition references
/// secrets but none of them can be granted.
pub const NOTHING_GRANTABLE: &str = "no policy: nothing the task definition references can be granted";

impl Generated {
    /// True when references were left out and nothing was granted: there is
    /// no policy to print (`policy` exits 1), never an empty one.
    pub fn nothing_grantable(&self) -> bool {
        self.is_empty()
            && self.notes.iter().any(|n| n.level == NoteLevel::Warning && n.message.starts_with(NOTHING_GRANTABLE))
    }
}

/// The execution role's trust policy: `ecs-tasks.amazonaws.com` may assume it.
pub fn trust_policy() -> PolicyDocument {
    let mut statement = Statement::allow(None, ["sts:AssumeRole"], Vec::<String>::new())
        .with_principal(Principal::service(ECS_TASKS_PRINCIPAL));
    statement.resource = None;
    PolicyDocument::new(vec![statement])
}

/// Every requirement of a task definition, with the notes of each site, in
/// document order (secret references, then environment files).
pub fn task_requirements(td: &TaskDefinition, ctx: &Context, kms_keys: &BTreeMap<String, String>) -> SiteNeeds {
    task_requirements_knowing(td, ctx, kms_keys, &BTreeSet::new())
}

fn task_requirements_knowing(
    td: &TaskDefinition,
    ctx: &Context,
    kms_keys: &BTreeMap<String, String>,
    known_secret_arns: &BTreeSet<String>,
) -> SiteNeeds {
    let mut all = SiteNeeds { requirements: Vec::new(), notes: Vec::new() };
    for site in td.secret_sites() {
        let needs = site_needs_knowing(&site, ctx, kms_keys, known_secret_arns);
        all.requirements.extend(needs.requirements);
        all.notes.extend(needs.notes);
    }
    for file in environment_files(td) {
        all.requirements.extend(file.needs.requirements);
        all.notes.extend(file.needs.notes);
    }
    all
}

/// One `environmentFiles` entry and what the execution role needs for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFileNeeds<'a> {
    pub container_index: usize,
    pub container_name: Option<&'a str>,
    /// JSON pointer of the entry's `value`.
    pub path: String,
    pub value: Option<&'a str>,
    pub needs: SiteNeeds,
}

/// Every `environmentFiles` entry of `td` with its requirements:
/// `s3:GetObject` on the object and `s3:GetBucketLocation` on its bucket.
/// An entry that is not an S3 object ARN (ES072) gets a warning instead.
pub fn environment_files(td: &TaskDefinition) -> Vec<EnvironmentFileNeeds<'_>> {
    let mut out = Vec::new();
    for (ci, container) in td.container_definitions.iter().enumerate() {
        for (fi, file) in container.environment_files.iter().flatten().enumerate() {
            let path = format!("/containerDefinitions/{ci}/environmentFiles/{fi}/value");
            let mut needs = SiteNeeds { requirements: Vec::new(), notes: Vec::new() };
            let value = file.value.as_deref();
            // Only `type: s3` is read (ES072 otherwise), so only that is granted.
            let object =
                value.and_then(crate::lint::parse_s3_object_arn).filter(|_| file.file_type.as_deref() == Some("s3"));
            match object {
                Some(object) => {
                    let read = |action: &str, arn: String| Requirement::exact(action, Purpose::ReadEnvironmentFile, arn);
                    needs.requirements.push(read("s3:GetObject", object.object_arn()));
                    needs.requirements.push(read("s3:GetBucketLocation", object.bucket_arn()));
                }
                None => needs.notes.push(Note::warning(
                    &path,
                    format!(
                        "skipped environment file `{}`: not `type: s3` with an S3 object ARN (arn:aws:s3:::BUCKET/KEY.env), so there is nothing exact to grant (ES072)",
                        value.unwrap_or_default()
                    ),
                )),
            }
            out.push(EnvironmentFileNeeds {
                container_index: ci,
                container_name: container.name.as_deref(),
                path,
                value,
                needs,
            });
        }
    }
    out
}

/// The least-privilege inline policy for the execution role of `td`.
///
/// Deterministic: one statement per action in a fixed order (`ReadSsmParameters`,
/// `ReadSecretsManagerSecrets`, `DecryptWithCustomerManagedKeys`,
/// `ReadEnvironmentFiles`, `LocateEnvironmentFileBuckets`), each with
/// its resources sorted and deduplicated; statements without resources are
/// left out. The policy never contains a `*` resource: what cannot be named
/// exactly is left out with a warning.
pub fn permission_policy(td: &TaskDefinition, opts: &GenerateOptions) -> Generated {
    let ctx = opts.context();
    let SiteNeeds { requirements, mut notes } =
        task_requirements_knowing(td, &ctx, &opts.kms_keys, &opts.known_secret_arns);
    let mut by_action: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for requirement in &requirements {
        by_action.entry(&requirement.action).or_default().extend(requirement.resources.iter().map(String::as_str));
    }
    let mut statements = Vec::new();
    for (sid, action) in [
        (SID_SSM, "ssm:GetParameters"),
        (SID_SECRETS_MANAGER, "secretsmanager:GetSecretValue"),
        (SID_KMS, "kms:Decrypt"),
        (SID_ENVIRONMENT_FILES, "s3:GetObject"),
        (SID_ENVIRONMENT_FILE_BUCKETS, "s3:GetBucketLocation"),
    ] {
        if let Some(resources) = by_action.get(action).filter(|r| !r.is_empty()) {
            statements.push(Statement::allow(Some(sid), [action], resources.iter().copied()));
        }
    }
    // `extend` (inserts), not `collect` (which sorts first): keeps a stable
    // sort instance out of the UI's WASM (size budget).
    let mut used: BTreeSet<&str> = BTreeSet::new();
    used.extend(td.secret_sites().iter().filter_map(|site| {
        let raw = site.value_from?;
        let reference = SecretRef::parse(raw).ok()?;
        kms_key_entry_for(&opts.kms_keys, raw, &reference, &ctx).map(|(entry, _)| entry)
    }));
    for (reference, key) in &opts.kms_keys {
        if !used.contains(reference.as_str()) {
            notes.push(Note {
                level: NoteLevel::Warning,
                path: None,
                message: format!(
                    "the KMS key `{key}` was given for `{reference}`, which the task definition does not reference: it is not granted"
                ),
            });
        }
    }
    let skipped = notes.iter().filter(|n| n.level == NoteLevel::Warning && n.path.is_some()).count();
    if statements.is_empty() && skipped == 0 {
        notes.push(Note { level: NoteLevel::Info, path: None, message: NO_INLINE_POLICY_NEEDED.to_owned() });
    } else if statements.is_empty() {
        notes.push(Note {
            level: NoteLevel::Warning,
            path: None,
            message: format!(
                "{NOTHING_GRANTABLE}: {skipped} reference{} could not be granted (see above); an empty policy would \
                 let the task fail at start, so fix them first",
                if skipped == 1 { "" } else { "s" }
            ),
        });
    }
    Generated { policy: PolicyDocument::new(statements), notes }
}

/// Advice to attach the AWS managed execution-role policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub policy_arn: String,
    /// Why, naming the containers.
    pub reasons: Vec<String>,
    /// What the managed policy does not do.
    pub note: String,
}

/// True for an image in an ECR private registry
/// (`ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/repo[:tag|@digest]`).
pub fn is_ecr_image(image: &str) -> bool {
    let host = image.split('/').next().unwrap_or_default();
    if !image.contains('/') {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let account_ok = labels.first().is_some_and(|a| crate::location::AccountId::is_valid(a));
    let tail_ok = matches!(
        labels.as_slice(),
        [_, "dkr", "ecr" | "ecr-fips", _, "amazonaws", "com"]
            | [_, "dkr", "ecr" | "ecr-fips", _, "amazonaws", "com", "cn"]
    );
    account_ok && tail_ok
}

fn container_label(td: &TaskDefinition, index: usize) -> String {
    td.container_definitions[index].name.clone().unwrap_or_else(|| format!("#{index}"))
}

/// Recommends `AmazonECSTaskExecutionRolePolicy` when the task pulls from
/// ECR or logs with `awslogs` (detected unless the options say otherwise).
pub fn managed_policy_recommendation(td: &TaskDefinition, opts: &GenerateOptions) -> Option<Recommendation> {
    let containers = &td.container_definitions;
    let ecr: Vec<String> = (0..containers.len())
        .filter(|&i| containers[i].image.as_deref().is_some_and(is_ecr_image))
        .map(|i| container_label(td, i))
        .collect();
    let awslogs: Vec<String> = (0..containers.len())
        .filter(|&i| {
            containers[i]
                .log_configuration
                .as_ref()
                .and_then(|l| l.log_driver.as_deref())
                .is_some_and(|d| d.eq_ignore_ascii_case("awslogs"))
        })
        .map(|i| container_label(td, i))
        .collect();
    let mut reasons = Vec::new();
    match (opts.images_from_ecr, ecr.is_empty()) {
        (Some(false), _) | (None, true) => {}
        (_, false) => reasons.push(format!(
            "container(s) {} pull images from Amazon ECR (ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage)",
            ecr.join(", ")
        )),
        (Some(true), true) => reasons.push(
            "images come from Amazon ECR (as stated) (ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage)"
                .to_owned(),
        ),
    }
    match (opts.uses_awslogs, awslogs.is_empty()) {
        (Some(false), _) | (None, true) => {}
        (_, false) => reasons.push(format!(
            "container(s) {} use the awslogs log driver (logs:CreateLogStream, logs:PutLogEvents)",
            awslogs.join(", ")
        )),
        (Some(true), true) => reasons
            .push("the awslogs log driver is used (as stated) (logs:CreateLogStream, logs:PutLogEvents)".to_owned()),
    }
    (!reasons.is_empty()).then(|| Recommendation {
        policy_arn: EXECUTION_ROLE_MANAGED_POLICY.to_owned(),
        reasons,
        note:
            "the managed policy grants no access to secrets or parameters: the inline policy is still needed for them"
                .to_owned(),
    })
}

/// Which policy a [`ResourceSideStatement`] goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceSide {
    /// The key policy of a customer-managed KMS key.
    KeyPolicy,
    /// The resource policy of a Secrets Manager secret in another account.
    ResourcePolicy,
}

/// A statement that a policy other than the role's own must contain for the
/// role to read its secrets: for a customer-managed key its key policy (the
/// key policy decides, same account or not), for a secret in another account
/// its resource policy. In those policies `Resource: "*"` means the key or
/// secret itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSideStatement {
    pub policy: ResourceSide,
    /// The key ARN, or the secret's ARN (pattern) whose policy it goes into.
    pub resource: String,
    pub statement: Statement,
}

/// The statement a key policy needs so `role_arn` may decrypt with the key.
pub fn key_policy_statement(role_arn: &str) -> Statement {
    Statement::allow(Some(SID_KEY_POLICY), ["kms:Decrypt"], ["*"]).with_principal(Principal::aws([role_arn]))
}

/// The `Sid` of the key-policy statement for the execution role.
pub const SID_KEY_POLICY: &str = "AllowEcsExecutionRoleToDecrypt";
/// The `Sid` of a cross-account secret's resource-policy statement.
pub const SID_SECRET_RESOURCE_POLICY: &str = "AllowEcsExecutionRoleToRead";

/// Every key-policy and cross-account resource-policy statement the role
/// `role_arn` needs for `td`, one per key and per secret, sorted.
pub fn resource_side_statements(
    td: &TaskDefinition,
    opts: &GenerateOptions,
    role_arn: &str,
) -> Vec<ResourceSideStatement> {
    let ctx = opts.context();
    let role_account = crate::arn::account_of(role_arn);
    let mut wanted: BTreeSet<(ResourceSide, String)> = BTreeSet::new();
    for requirement in task_requirements(td, &ctx, &opts.kms_keys).requirements {
        for resource in &requirement.resources {
            let account = crate::arn::account_of(resource);
            if requirement.action == "kms:Decrypt" {
                wanted.insert((ResourceSide::KeyPolicy, resource.clone()));
            } else if requirement.action == Store::SecretsManager.read_action()
                && matches!((account, role_account), (Some(a), Some(r)) if a != r)
            {
                wanted.insert((ResourceSide::ResourcePolicy, resource.clone()));
            }
        }
    }
    wanted
        .into_iter()
        .map(|(policy, resource)| {
            let statement = match policy {
                ResourceSide::KeyPolicy => key_policy_statement(role_arn),
                ResourceSide::ResourcePolicy => {
                    Statement::allow(Some(SID_SECRET_RESOURCE_POLICY), [Store::SecretsManager.read_action()], ["*"])
                        .with_principal(Principal::aws([role_arn]))
                }
            };
            ResourceSideStatement { policy, resource, statement }
        })
        .collect()
}

/// Per customer-managed key, the statement its key policy needs for the
/// task's execution role (`key-policy-statement.json` in the UI). The role is
/// `executionRoleArn`, or `arn:PARTITION:iam::ACCOUNT:role/EXECUTION-ROLE`
/// (in the task's partition) to replace while it is unknown.
pub fn key_policy_statements(td: &TaskDefinition, opts: &GenerateOptions) -> Vec<ResourceSideStatement> {
    let role = td.execution_role_arn.clone().filter(|r| r.starts_with("arn:")).unwrap_or_else(|| {
        let (region, account) = (opts.location.region(), opts.location.account_id());
        crate::execution_role::role_arn(region.unwrap_or_default(), account.unwrap_or("ACCOUNT"), "EXECUTION-ROLE")
    });
    let mut statements = resource_side_statements(td, opts, &role);
    statements.retain(|s| s.policy == ResourceSide::KeyPolicy);
    statements
}
