//! The pre-deploy access check: will the execution role be allowed to read
//! every secret the task definition references?
//!
//! For each reference site (`secrets`, `secretOptions`,
//! `repositoryCredentials`, from [`TaskDefinition::secret_sites`], and each
//! `environmentFiles` object) the check
//! derives the same [`Requirement`]s as the generator — the read itself, the
//! Secrets Manager read behind a `/aws/reference/secretsmanager/` parameter,
//! and `kms:Decrypt` when a customer-managed key is known for it — and runs
//! each through the IAM evaluator against the role's policies (plus the
//! resource policy of the secret or key, when given).
//!
//! A Secrets Manager reference without its random suffix is evaluated as
//! `…:secret:NAME-AbCdEf` ([`REPRESENTATIVE_SUFFIX`]): AWS authorises the
//! request against the secret's full ARN, so a `NAME-??????` grant must
//! match it and a grant on the partial ARN alone must not. A verdict built
//! on such a stand-in says so (`representative: true`).
//!
//! A customer-managed KMS key's key policy decides for `kms:Decrypt` (see
//! [`crate::iam::eval`]). When it is not known — not given, or not readable
//! by whoever observed — the check is open, never allowed: "depends on the
//! key policy" ([`VerdictStatus::DependsOnKeyPolicy`]), or "unverified: could
//! not read …" ([`VerdictStatus::Unverified`]) for any policy that could not
//! be read ([`CheckContext::unreadable`]).
//!
//! A denial comes with its fix, naming which of the three policies must
//! change ([`PolicyKind`]: the role's identity policy, the secret's resource
//! policy, the key's key policy): for an implicit deny, an Allow for exactly
//! that action on exactly that resource and, where the resource's side must
//! allow too, the statement its resource or key policy needs; for an
//! explicit deny, which Deny statement must be scoped (no Allow can override
//! it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::arn::{account_of, region_of};
use crate::context::Context;
use crate::iam::eval::{
    DecisionKind, EvalRequest, Grants, MatchedStatement, MissingKey, PolicySource, RequestContext, evaluate,
};
use crate::iam::generate::{Purpose, Requirement, SID_KMS, SID_SECRETS_MANAGER, SID_SSM, site_needs};
use crate::iam::policy::{Effect, PolicyDocument, Principal, Statement};
use crate::location::Location;
use crate::secret_ref::{RefSite, SecretRef};
use crate::task_def::TaskDefinition;

pub use crate::iam::generate::REPRESENTATIVE_SUFFIX;

/// What the check may know beyond the task definition and the role's policies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckContext {
    /// Region and account of the task (`region`, `accountId` in JSON):
    /// complete bare SSM parameter names.
    #[serde(flatten)]
    pub location: Location,
    /// Customer-managed KMS key per reference, keyed like
    /// [`crate::iam::generate::GenerateOptions::kms_keys`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kms_keys: BTreeMap<String, String>,
    /// The execution role's ARN; when absent, the task definition's
    /// `executionRoleArn` is used. With a principal, cross-account reads
    /// need the resource policy too (as AWS requires) and principal
    /// conditions can be evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Resource policies by ARN: a secret's resource policy (keyed by its
    /// full ARN, or by its ARN without the suffix) or a KMS key policy
    /// (keyed by the key ARN).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_policies: BTreeMap<String, PolicyDocument>,
    /// Extra request context keys (`aws:SourceVpc`, tags…) to evaluate
    /// conditions with. Keys the check can derive itself are added unless
    /// given here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_context: BTreeMap<String, Vec<String>>,
    /// Policies that decide but could not be read, by the ARN they belong
    /// to (a key ARN, a secret ARN, or the role ARN for its own policies):
    /// what could not be read and which permission would let it verify,
    /// e.g. "could not read the key policy (AccessDenied); kms:GetKeyPolicy
    /// on KEY would let the check verify it". A check that depends on one
    /// is "unverified", never allowed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, String>,
}

impl CheckContext {
    fn context(&self) -> Context {
        Context::from(self.location.clone())
    }
}

/// The result of the whole check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessReport {
    /// One verdict per reference site, in document order.
    pub references: Vec<ReferenceVerdict>,
}

impl AccessReport {
    /// True when every reference could be checked and is allowed (vacuously
    /// true without references).
    pub fn all_allowed(&self) -> bool {
        self.references.iter().all(|r| r.status == VerdictStatus::Allowed)
    }

    /// Whether some reference is definitely denied (not merely open).
    pub fn any_denied(&self) -> bool {
        self.references.iter().any(|r| r.status == VerdictStatus::Denied)
    }

    /// The verdicts that are not allowed (denied, open or not checkable).
    pub fn problems(&self) -> impl Iterator<Item = &ReferenceVerdict> {
        self.references.iter().filter(|r| r.status != VerdictStatus::Allowed)
    }
}

/// The outcome for one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VerdictStatus {
    /// Every needed action on every needed resource is allowed.
    Allowed,
    /// At least one needed action is denied (implicitly or explicitly).
    Denied,
    /// Nothing is denied, but a customer-managed key's policy is not known,
    /// and it decides whether `kms:Decrypt` is allowed.
    DependsOnKeyPolicy,
    /// Nothing is denied, but a policy that decides could not be read (see
    /// the check's `open` message for what, and the permission to verify it).
    Unverified,
    /// The reference could not be resolved (malformed, or a bare name with
    /// unknown region/account), so nothing was evaluated.
    Unchecked,
}

/// The verdict for one reference site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceVerdict {
    /// JSON pointer of the reference string.
    pub path: String,
    pub container: Option<String>,
    pub site: RefSite,
    /// The environment variable or log option name.
    pub variable: Option<String>,
    pub value_from: Option<String>,
    pub status: VerdictStatus,
    /// One check per needed (action, resource).
    pub checks: Vec<AccessCheck>,
    /// Why the reference was not checked, or what else to know about it.
    pub notes: Vec<String>,
}

/// One needed action on one resource, and what the evaluator said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck {
    pub action: String,
    pub purpose: Purpose,
    /// The resource as a policy should grant it (an exact ARN, or
    /// `…:secret:NAME-??????` for a secret known only by name).
    pub resource: String,
    /// The ARN the evaluator was asked about.
    pub evaluated_resource: String,
    /// True when `evaluated_resource` is a stand-in built with
    /// [`REPRESENTATIVE_SUFFIX`] for a secret whose suffix is unknown.
    pub representative: bool,
    pub decision: DecisionKind,
    /// The statements that decided: the matching Allows for `allowed`, the
    /// matching Denys for `explicitDeny`, none for `implicitDeny`.
    pub deciding_statements: Vec<MatchedStatement>,
    /// Context keys the request did not supply although a statement's
    /// result depends on them: the decision may differ at run time.
    pub missing_context_keys: Vec<MissingKey>,
    /// Why the decision is not final (a key policy or another deciding
    /// policy is not known); such a check is never allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<OpenQuestion>,
    /// How to turn a denial into an allow.
    pub fix: Option<AccessFix>,
}

impl AccessCheck {
    /// Allowed, with every policy that decides known.
    pub fn is_allowed(&self) -> bool {
        self.decision == DecisionKind::Allowed && self.open.is_none()
    }
}

/// What keeps a check from being decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenQuestion {
    pub kind: OpenKind,
    /// In words, with what would settle it.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OpenKind {
    /// The customer-managed key's policy was not given.
    KeyPolicy,
    /// A deciding policy could not be read (e.g. AccessDenied).
    Unreadable,
}

/// The three policies that decide a secret read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyKind {
    /// The execution role's identity policy.
    Identity,
    /// The secret's (or parameter's) resource policy.
    Resource,
    /// The customer-managed KMS key's key policy.
    Key,
}

impl PolicyKind {
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "the execution role's identity policy",
            PolicyKind::Resource => "the secret's resource policy",
            PolicyKind::Key => "the KMS key's key policy",
        }
    }
}

/// The repair for one denied check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessFix {
    /// What to do, in words.
    pub message: String,
    /// For an implicit deny: the minimal Allow to add to the execution
    /// role (exactly this action on exactly this resource). None for an
    /// explicit deny: the Deny has to be scoped instead.
    pub statement: Option<Statement>,
    /// For a cross-account resource or a KMS key: the statement its
    /// resource policy (or key policy) needs as well, naming the role as
    /// principal.
    pub resource_policy_statement: Option<Statement>,
    /// Which policies must change (empty: none can, e.g. an explicit deny
    /// has to be scoped in the policy named by the message).
    pub policies: Vec<PolicyKind>,
}

impl<'de> Deserialize<'de> for AccessFix {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            message: String,
            #[serde(default)]
            statement: Option<serde_json::Value>,
            #[serde(default)]
            resource_policy_statement: Option<serde_json::Value>,
            #[serde(default)]
            policies: Vec<PolicyKind>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let parse = |value: Option<serde_json::Value>, path: &str| {
            value.map(|v| Statement::from_value_at(&v, path).map_err(serde::de::Error::custom)).transpose()
        };
        Ok(AccessFix {
            message: raw.message,
            statement: parse(raw.statement, "/statement")?,
            resource_policy_statement: parse(raw.resource_policy_statement, "/resourcePolicyStatement")?,
            policies: raw.policies,
        })
    }
}

/// Checks every secret reference of `td` against the execution role's
/// policies.
pub fn check(td: &TaskDefinition, role_policies: &[PolicyDocument], ctx: &CheckContext) -> AccessReport {
    let with_role;
    let ctx = match (&ctx.principal, td.execution_role_arn.as_deref()) {
        (None, Some(role)) if role.starts_with("arn:") => {
            with_role = CheckContext { principal: Some(role.to_owned()), ..ctx.clone() };
            &with_role
        }
        _ => ctx,
    };
    let context = ctx.context();
    let references = td
        .secret_sites()
        .iter()
        .map(|site| {
            let needs = site_needs(site, &context, &ctx.kms_keys);
            let reference = site.value_from.and_then(|raw| SecretRef::parse(raw).ok());
            let checks: Vec<AccessCheck> = needs
                .requirements
                .iter()
                .map(|requirement| check_requirement(requirement, reference.as_ref(), role_policies, ctx))
                .collect();
            let status = verdict_status(&checks);
            ReferenceVerdict {
                path: site.path.clone(),
                container: site.container_name.map(str::to_owned),
                site: site.kind,
                variable: site.variable.map(str::to_owned),
                value_from: site.value_from.map(str::to_owned),
                status,
                checks,
                notes: needs.notes.into_iter().map(|n| n.message).collect(),
            }
        })
        .chain(environment_file_verdicts(td, role_policies, ctx))
        .collect();
    AccessReport { references }
}

/// The verdicts for `environmentFiles`: the execution role reads each object
/// (`s3:GetObject`) and locates its bucket (`s3:GetBucketLocation`).
fn environment_file_verdicts(
    td: &TaskDefinition,
    role_policies: &[PolicyDocument],
    ctx: &CheckContext,
) -> Vec<ReferenceVerdict> {
    crate::iam::generate::environment_files(td)
        .into_iter()
        .map(|file| {
            let checks: Vec<AccessCheck> = file
                .needs
                .requirements
                .iter()
                .map(|requirement| check_requirement(requirement, None, role_policies, ctx))
                .collect();
            ReferenceVerdict {
                path: file.path,
                container: file.container_name.map(str::to_owned),
                site: RefSite::EnvironmentFile,
                variable: None,
                value_from: file.value.map(str::to_owned),
                status: verdict_status(&checks),
                checks,
                notes: file.needs.notes.into_iter().map(|n| n.message).collect(),
            }
        })
        .collect()
}

/// Denied when any check is denied outright; otherwise unverified or
/// depending on the key policy when a check is open for that reason; allowed
/// when every check is; unchecked when there is nothing to check.
fn verdict_status(checks: &[AccessCheck]) -> VerdictStatus {
    let open_kind = |kind| checks.iter().any(|c| c.open.as_ref().is_some_and(|o| o.kind == kind));
    if checks.is_empty() {
        VerdictStatus::Unchecked
    } else if checks.iter().any(|c| c.decision != DecisionKind::Allowed && c.open.is_none()) {
        VerdictStatus::Denied
    } else if open_kind(OpenKind::Unreadable) {
        VerdictStatus::Unverified
    } else if open_kind(OpenKind::KeyPolicy) {
        VerdictStatus::DependsOnKeyPolicy
    } else {
        VerdictStatus::Allowed
    }
}

/// Evaluates one requirement: every reading of its resource, keeping the
/// allowed one if any (exactly one reading is the real secret).
fn check_requirement(
    requirement: &Requirement,
    reference: Option<&SecretRef>,
    role_policies: &[PolicyDocument],
    ctx: &CheckContext,
) -> AccessCheck {
    let mut outcomes = requirement
        .resources
        .iter()
        .zip(&requirement.probes)
        .map(|(resource, probe)| {
            let request = request_for(requirement, probe, reference, ctx);
            let resource_policy = resource_policy_for(ctx, probe, resource);
            (resource, probe, evaluate(&request, role_policies, resource_policy))
        })
        .collect::<Vec<_>>();
    // Prefer an allowed reading; else an explicit deny (it needs fixing in
    // any case); else the last reading, the name-only one, which is the
    // likely meaning of an ambiguous name.
    let chosen = outcomes
        .iter()
        .position(|(_, _, d)| d.decision == DecisionKind::Allowed)
        .or_else(|| outcomes.iter().position(|(_, _, d)| d.decision == DecisionKind::ExplicitDeny))
        .unwrap_or(outcomes.len() - 1);
    let (resource, probe, decision) = outcomes.swap_remove(chosen);
    let wanted = match decision.decision {
        DecisionKind::Allowed => Some(Effect::Allow),
        DecisionKind::ExplicitDeny => Some(Effect::Deny),
        DecisionKind::ImplicitDeny => None,
    };
    let deciding_statements: Vec<MatchedStatement> =
        decision.matched_statements.into_iter().filter(|m| Some(m.effect) == wanted).collect();
    let resource_policy_known = resource_policy_for(ctx, probe, resource).is_some();
    let open =
        open_question(requirement, probe, resource, &decision.grants, decision.decision, resource_policy_known, ctx);
    let fix = match decision.decision {
        DecisionKind::Allowed if open.is_none() => None,
        DecisionKind::Allowed | DecisionKind::ImplicitDeny => {
            Some(implicit_deny_fix(requirement, probe, ctx, &decision.grants, &decision.missing_context_keys))
        }
        DecisionKind::ExplicitDeny => Some(explicit_deny_fix(requirement, resource, &deciding_statements)),
    };
    AccessCheck {
        action: requirement.action.clone(),
        purpose: requirement.purpose,
        resource: resource.clone(),
        evaluated_resource: probe.clone(),
        representative: probe != resource,
        decision: decision.decision,
        deciding_statements,
        missing_context_keys: decision.missing_context_keys,
        open,
        fix,
    }
}

/// Why a check that is not explicitly denied cannot be decided: a deciding
/// policy could not be read, or the customer-managed key's policy is not
/// known.
fn open_question(
    requirement: &Requirement,
    probe: &str,
    resource: &str,
    grants: &Grants,
    decision: DecisionKind,
    resource_policy_known: bool,
    ctx: &CheckContext,
) -> Option<OpenQuestion> {
    if decision == DecisionKind::ExplicitDeny {
        return None;
    }
    let unreadable = |arn: &str| ctx.unreadable.get(arn).cloned();
    let role = ctx.principal.as_deref().unwrap_or_default();
    if let Some(reason) = unreadable(role) {
        return Some(OpenQuestion { kind: OpenKind::Unreadable, message: format!("unverified: {reason}") });
    }
    if !resource_policy_known {
        if let Some(reason) = unreadable(probe).or_else(|| unreadable(resource)) {
            return Some(OpenQuestion { kind: OpenKind::Unreadable, message: format!("unverified: {reason}") });
        }
        if grants.kms_key {
            let identity = if grants.identity {
                "the role's identity policy allows it"
            } else {
                "the role's identity policy does not allow it either"
            };
            return Some(OpenQuestion {
                kind: OpenKind::KeyPolicy,
                message: format!(
                    "depends on the key policy: {} on {resource} is decided by the key's policy, which is not known \
                     ({identity}); it is allowed only if the key policy names the role or delegates to the account \
                     (\"Principal\": {{\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}}, the default key policy) and the \
                     identity policy allows",
                    requirement.action
                ),
            });
        }
    }
    None
}

/// The request the ECS agent makes, with the context keys it certainly
/// carries: the secret id and version stage/id of a Secrets Manager read,
/// and `kms:ViaService` for a decrypt that Secrets Manager or SSM performs
/// on the role's behalf.
fn request_for(
    requirement: &Requirement,
    probe: &str,
    reference: Option<&SecretRef>,
    ctx: &CheckContext,
) -> EvalRequest {
    let mut context = RequestContext::new();
    match (requirement.purpose, reference) {
        (Purpose::ReadValue, Some(SecretRef::SecretsManager(arn))) => {
            context.insert("secretsmanager:SecretId", [probe.to_owned()]);
            if let Some(stage) = &arn.version_stage {
                context.insert("secretsmanager:VersionStage", [stage.clone()]);
            }
            if let Some(id) = &arn.version_id {
                context.insert("secretsmanager:VersionId", [id.clone()]);
            }
        }
        (Purpose::DecryptValue, Some(reference)) => {
            let service = match reference.referenced_secret_name() {
                Some(_) => "secretsmanager",
                None => reference.store().as_str(),
            };
            if let Some(region) = region_of(probe) {
                context.insert("kms:ViaService", [format!("{service}.{region}.amazonaws.com")]);
            }
        }
        _ => {}
    }
    for (key, values) in &ctx.request_context {
        context.insert(key.clone(), values.iter().cloned());
    }
    let request = EvalRequest::new(requirement.action.clone(), probe.to_owned()).with_context(context);
    match &ctx.principal {
        Some(principal) => request.with_principal(principal.clone()),
        None => request,
    }
}

/// Every request [`check`] evaluates, with the resource (or key) policy it
/// is evaluated against: the same requests, for benchmarks and for
/// comparing with other evaluators.
pub fn evaluated_requests<'c>(
    td: &TaskDefinition,
    ctx: &'c CheckContext,
) -> Vec<(EvalRequest, Option<&'c PolicyDocument>)> {
    let context = ctx.context();
    let mut out = Vec::new();
    for site in td.secret_sites() {
        let needs = site_needs(&site, &context, &ctx.kms_keys);
        let reference = site.value_from.and_then(|raw| SecretRef::parse(raw).ok());
        for requirement in &needs.requirements {
            for (resource, probe) in requirement.resources.iter().zip(&requirement.probes) {
                let request = request_for(requirement, probe, reference.as_ref(), ctx);
                out.push((request, resource_policy_for(ctx, probe, resource)));
            }
        }
    }
    out
}

/// The resource policy that governs `probe`: by the evaluated ARN, by the
/// granted pattern, or (for a secret) by its ARN without the suffix.
fn resource_policy_for<'c>(ctx: &'c CheckContext, probe: &str, resource: &str) -> Option<&'c PolicyDocument> {
    if ctx.resource_policies.is_empty() {
        return None;
    }
    if let Some(policy) = ctx.resource_policies.get(probe).or_else(|| ctx.resource_policies.get(resource)) {
        return Some(policy);
    }
    let without_suffix = |arn: &str| -> Option<String> {
        let parsed = SecretRef::parse(arn).ok()?;
        match parsed {
            SecretRef::SecretsManager(secret) => Some(crate::secret_ref::secret_arn(&secret.location, &secret.name)),
            _ => None,
        }
    };
    let wanted = without_suffix(probe)?;
    ctx.resource_policies.iter().find(|(arn, _)| without_suffix(arn).as_deref() == Some(&wanted)).map(|(_, p)| p)
}

fn sid_for(action: &str) -> &'static str {
    match action {
        "ssm:GetParameters" => SID_SSM,
        "kms:Decrypt" => SID_KMS,
        _ => SID_SECRETS_MANAGER,
    }
}

fn implicit_deny_fix(
    requirement: &Requirement,
    probe: &str,
    ctx: &CheckContext,
    grants: &Grants,
    missing: &[MissingKey],
) -> AccessFix {
    let principal_account = ctx.principal.as_deref().and_then(account_of).or(ctx.location.account_id());
    let cross_account = matches!((principal_account, account_of(probe)), (Some(p), Some(r)) if p != r);
    let resource_side = if grants.kms_key { PolicyKind::Key } else { PolicyKind::Resource };
    let mut policies = Vec::new();
    if !grants.identity {
        policies.push(PolicyKind::Identity);
    }
    // The resource's side must allow too for a KMS key (its key policy must
    // name the role or delegate to the account) and across accounts.
    if (grants.kms_key || cross_account) && !grants.resource && !grants.delegated {
        policies.push(resource_side);
    }
    let resources = requirement.resources.join(" or ");
    let mut message = match policies.as_slice() {
        [PolicyKind::Identity] => format!(
            "No policy allows {} on {resources}: add the statement to {}.",
            requirement.action,
            PolicyKind::Identity.describe()
        ),
        [PolicyKind::Identity, side] => format!(
            "No policy allows {} on {resources}: add the statement to {}, and {} must allow the role too.",
            requirement.action,
            PolicyKind::Identity.describe(),
            side.describe()
        ),
        [side] => format!(
            "The execution role's identity policy allows {} on {resources}, but {} must allow the role too: add the resource-policy statement to it.",
            requirement.action,
            side.describe()
        ),
        _ => format!("{} on {resources} is not allowed.", requirement.action),
    };
    if !missing.is_empty() {
        let mut keys: Vec<&str> = missing.iter().map(|m| m.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        message.push_str(&format!(
            " Some statements depend on context keys that were not supplied ({}); with their run-time values the result may differ.",
            keys.join(", ")
        ));
    }
    let statement = (!grants.identity).then(|| {
        Statement::allow(
            Some(sid_for(&requirement.action)),
            [requirement.action.as_str()],
            requirement.resources.iter(),
        )
    });
    let resource_policy_statement = match &ctx.principal {
        Some(principal) if policies.contains(&resource_side) => {
            // In its own resource policy a resource is `*`.
            let resources: Vec<&str> =
                if grants.kms_key { vec!["*"] } else { requirement.resources.iter().map(String::as_str).collect() };
            Some(
                Statement::allow(Some(sid_for(&requirement.action)), [requirement.action.as_str()], resources)
                    .with_principal(Principal::aws([principal.as_str()])),
            )
        }
        _ => None,
    };
    AccessFix { message, statement, resource_policy_statement, policies }
}

fn explicit_deny_fix(requirement: &Requirement, resource: &str, denies: &[MatchedStatement]) -> AccessFix {
    let resource_side = if requirement.action == "kms:Decrypt" { PolicyKind::Key } else { PolicyKind::Resource };
    let mut policies: Vec<PolicyKind> = denies
        .iter()
        .map(|m| match m.policy {
            PolicySource::Identity { .. } => PolicyKind::Identity,
            PolicySource::Resource => resource_side,
        })
        .collect();
    policies.sort_unstable();
    policies.dedup();
    let named: Vec<String> = denies
        .iter()
        .map(|m| {
            let policy = match m.policy {
                PolicySource::Identity { index } => format!("role policy #{index}"),
                PolicySource::Resource if resource_side == PolicyKind::Key => "the key policy".to_owned(),
                PolicySource::Resource => "the resource policy".to_owned(),
            };
            m.label(&policy)
        })
        .collect();
    let mut named = named.join(" and ");
    // The labels start with "statement": a sentence starts with "Statement".
    if let Some(first) = named.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    AccessFix {
        message: format!(
            "{} explicitly denies {} on {resource}. An Allow cannot override a Deny: scope that Deny (narrow its Resource or add a condition) so it no longer matches this resource.",
            named, requirement.action
        ),
        statement: None,
        resource_policy_statement: None,
        policies,
    }
}
