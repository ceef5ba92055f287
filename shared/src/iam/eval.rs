//! AWS's policy evaluation logic for identity-based policies plus an
//! optional resource-based policy (for a KMS key: its key policy).
//!
//! # Decision
//! 1. An applicable `Deny` statement in any policy → `explicitDeny`.
//! 2. Otherwise `allowed` when
//!    - same account (or an account that cannot be told from the ARNs): an
//!      applicable `Allow` in an identity policy OR in the resource policy
//!      naming the caller;
//!    - cross-account (the principal's and the resource ARN's account ids
//!      are both known and differ): an identity `Allow` AND a resource-policy
//!      `Allow` naming the caller or the caller's account
//!      (`"AWS": "111122223333"` / `arn:aws:iam::111122223333:root`);
//!    - a KMS key (`arn:…:kms:…`), same account: the key policy names the
//!      caller, OR it delegates to the account (the default key policy's
//!      `arn:aws:iam::ACCOUNT:root` statement) AND an identity policy allows.
//!      Unlike Secrets Manager, identity policies alone grant nothing; without
//!      a key policy the answer is `implicitDeny`, with a note.
//! 3. Otherwise `implicitDeny`.
//!
//! A service principal (`ecs-tasks.amazonaws.com`) as the caller has no
//! identity policies: identity policies given with it are ignored (noted).
//! Every decision carries `notes`: which policy decided, and each stricter
//! reading taken where AWS's documentation leaves the case open
//! ("unverified: …").
//!
//! # When a statement applies
//! - **Action / NotAction**: case-insensitive wildcard match (`s3:Get*`, `*`).
//! - **Resource / NotResource**: case-sensitive wildcard match over the whole
//!   ARN (`*` crosses `:` and `/`), after policy-variable substitution. An
//!   identity statement without either element applies to nothing (AWS
//!   rejects it); a resource-policy statement without it applies to the
//!   policy's own resource.
//! - **Principal / NotPrincipal**: only read in the resource policy (AWS
//!   rejects them in identity policies, so they are ignored there). A
//!   resource-policy statement without either applies to no one. Supported
//!   forms: `"*"` and `{"AWS": "*"}` (everyone); an account id or
//!   `arn:aws:iam::ACCT:root` (the account — see below); IAM user and role
//!   ARNs (exact); an assumed-role session `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`
//!   matches its role's ARN (whatever the role's path) and its own exact ARN;
//!   `Service`, `Federated` and `CanonicalUser` values match a request
//!   principal equal to them (e.g. `ecs-tasks.amazonaws.com`). An account
//!   principal *delegates* to the account: it makes a `Deny` (and a
//!   `NotPrincipal` exclusion) apply to every principal of that account, but
//!   an `Allow` to the account grants by itself only to the account root —
//!   users and roles still need an identity-policy `Allow`, as AWS documents
//!   (see Decision above).
//! - **Condition**: see [`crate::iam::condition::evaluate_entry`]; all entries
//!   must hold (operators AND, keys AND, values OR).
//!
//! # Unresolvable policy variables
//! A `${…}` whose key is absent (or multi-valued) cannot be substituted.
//! AWS documents that this can make the whole statement invalid, so an
//! `Allow` that depends on one does not apply — in `Resource`, in
//! `NotResource` and in conditions, negated operators included. A `Deny`
//! that depends on one applies (the stricter reading, noted "unverified").
//! The keys are reported missing either way.
//!
//! # Missing context keys
//! A statement's result can depend on context keys the request did not
//! supply: condition keys, keys of policy variables (`${aws:username}`) in
//! its resources or condition values, and the principal (reported as
//! `aws:PrincipalArn`) when a resource-policy statement names specific
//! principals. The evaluator never guesses a value: it evaluates with those
//! keys absent, and it reports every such key of a statement unless the
//! statement is already ruled out by something that does not depend on a
//! missing key (a non-matching action, resource or principal, or a condition
//! entry that is false with all its keys supplied). So a listed key is one
//! whose value could change whether that statement applies.
//!
//! # Facts taken from the request
//! Unless the context supplies them, `aws:PrincipalAccount` (from the
//! principal ARN or account id), `aws:PrincipalArn` (for IAM user, role and
//! root ARNs — not for sessions, whose role path is unknown), `aws:username`
//! (for IAM users) and `aws:ResourceAccount` (from the resource ARN) are
//! derived from the request so they are never reported missing.

use serde::{Deserialize, Serialize};

use crate::arn::{Arn, account_of};
use crate::iam::condition::{MatchOutcome, evaluate_entry};
pub use crate::iam::context::{ContextLookup, DerivedFacts, RequestContext};
use crate::iam::glob::{self, Case};
use crate::iam::policy::{
    ActionBlock, Effect, PolicyDocument, Principal, PrincipalBlock, PrincipalType, ResourceBlock, Statement,
};
use crate::iam::variables::{self, Resolution};
use crate::location::AccountId;

/// The context key under which a missing request principal is reported.
pub const PRINCIPAL_ARN_KEY: &str = "aws:PrincipalArn";

/// One request to evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EvalRequest {
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// The calling principal's ARN (or account id / service principal name).
    pub principal: Option<String>,
    pub context: RequestContext,
}

impl EvalRequest {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        EvalRequest {
            action: action.into(),
            resource: resource.into(),
            principal: None,
            context: RequestContext::new(),
        }
    }

    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }
}

/// The final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DecisionKind {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

/// Which policy a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "camelCase")]
pub enum PolicySource {
    /// The n-th identity policy (0-based), serialised `"policy": "identity", "policyIndex": n`.
    Identity {
        #[serde(rename = "policyIndex")]
        index: usize,
    },
    /// The resource policy, serialised `"policy": "resource"`.
    Resource,
}

/// A statement that applies to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedStatement {
    #[serde(flatten)]
    pub policy: PolicySource,
    /// 0-based index in the policy's `Statement` list.
    pub statement_index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
}

/// A context key the request did not supply although a statement's result
/// depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingKey {
    #[serde(flatten)]
    pub policy: PolicySource,
    pub statement_index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The key as the policy spells it.
    pub key: String,
}

/// The evaluation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub decision: DecisionKind,
    /// Every statement that applies (Allow and Deny), identity policies first.
    pub matched_statements: Vec<MatchedStatement>,
    pub missing_context_keys: Vec<MissingKey>,
    /// Every stricter reading taken where AWS's documentation leaves a case
    /// open (prefixed "unverified:") and identity policies ignored for a
    /// service principal; `iam simulate` adds which policy decided
    /// ([`Decision::explanation`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Which kinds of policy allowed: what the access check needs to say
    /// which policy must change. Not part of the JSON.
    #[serde(skip)]
    pub grants: Grants,
}

/// Which policies had an applicable `Allow` for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grants {
    /// An identity policy allows.
    pub identity: bool,
    /// The resource (or key) policy allows the caller itself (or everyone).
    pub resource: bool,
    /// The resource (or key) policy allows the caller's account: it
    /// delegates to the account's identity policies.
    pub delegated: bool,
    /// The resource is a KMS key: its key policy must allow.
    pub kms_key: bool,
    /// A resource policy (or key policy) was given.
    pub resource_policy_given: bool,
    /// The caller and the resource are in different accounts.
    pub cross_account: bool,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.decision == DecisionKind::Allowed
    }

    /// Which policy decided, in one sentence (what `iam simulate` adds to
    /// `notes`; the evaluator itself does not spend the allocation).
    pub fn explanation(&self) -> String {
        explain(self.decision, &self.grants, &self.matched_statements)
    }
}

/// Evaluates `request` against identity policies and an optional resource
/// policy. For a KMS key (`arn:…:kms:…:key/…`) the resource policy is the
/// key policy, and it decides: see the module docs.
pub fn evaluate(
    request: &EvalRequest,
    identity_policies: &[PolicyDocument],
    resource_policy: Option<&PolicyDocument>,
) -> Decision {
    let derived = std::cell::OnceCell::new();
    let derive = || derived_facts(request);
    let context = ContextLookup::new(&request.context, &derived, &derive);
    let principal_text = request
        .principal
        .as_deref()
        .or_else(|| request.context.get(PRINCIPAL_ARN_KEY).and_then(|v| v.first()).map(String::as_str));
    let principal = principal_text.map(PrincipalId::parse);
    let service_caller = principal.as_ref().is_some_and(|p| p.kind == PrincipalKind::Service);

    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    let mut explicit_deny = false;
    let resource_arn = Arn::parse(&request.resource);
    let resource_account = resource_arn.as_ref().map(|a| a.account).filter(|a| AccountId::is_valid(a));
    let mut grants = Grants {
        kms_key: resource_arn.as_ref().is_some_and(|arn| arn.service == "kms"),
        resource_policy_given: resource_policy.is_some(),
        ..Grants::default()
    };

    // A service principal has no identity policies: whatever identity
    // policies were given belong to someone else.
    let identity: &[PolicyDocument] = if service_caller { &[] } else { identity_policies };
    if service_caller && !identity_policies.is_empty() {
        notes.push(format!(
            "{} is a service principal: identity policies do not apply to it, only a resource policy can grant it access",
            principal_text.unwrap_or_default()
        ));
    }
    let policies = identity
        .iter()
        .enumerate()
        .map(|(index, policy)| (PolicySource::Identity { index }, policy))
        .chain(resource_policy.map(|policy| (PolicySource::Resource, policy)));
    for (source, policy) in policies {
        let variables_enabled = policy.supports_variables();
        for (statement_index, statement) in policy.statements.iter().enumerate() {
            let outcome =
                evaluate_statement(statement, source, request, principal.as_ref(), &context, variables_enabled);
            for key in outcome.missing {
                let duplicate = missing.iter().any(|m: &MissingKey| {
                    m.policy == source && m.statement_index == statement_index && m.key.eq_ignore_ascii_case(&key)
                });
                if !duplicate {
                    missing.push(MissingKey { policy: source, statement_index, sid: statement.sid.clone(), key });
                }
            }
            if outcome.unresolved && outcome.applies {
                notes.push(format!(
                    "unverified: {} depends on a policy variable that cannot be substituted; AWS documents that this \
                     may make the statement invalid, and the stricter reading is taken: this Deny applies",
                    statement_label(&source.name(), statement_index, statement.sid.as_deref())
                ));
            }
            if !outcome.applies {
                continue;
            }
            matched.push(MatchedStatement {
                policy: source,
                statement_index,
                sid: statement.sid.clone(),
                effect: statement.effect,
            });
            match (statement.effect, source, outcome.delegated) {
                (Effect::Deny, _, _) => explicit_deny = true,
                (Effect::Allow, PolicySource::Identity { .. }, _) => grants.identity = true,
                (Effect::Allow, PolicySource::Resource, false) => grants.resource = true,
                (Effect::Allow, PolicySource::Resource, true) => grants.delegated = true,
            }
        }
    }

    grants.cross_account = match (principal.as_ref().and_then(|p| p.account), resource_account) {
        (Some(principal_account), Some(resource_account)) => principal_account != resource_account,
        _ => false,
    };
    let Grants { identity: by_identity, resource: by_resource, delegated, cross_account, .. } = grants;
    let allowed = if cross_account {
        // Cross-account: the caller's own account must allow (identity) and
        // the resource's account must allow the caller or its account.
        by_identity && (by_resource || delegated)
    } else if grants.kms_key {
        // A key policy that delegates to the account lets identity policies
        // work; without it, they grant nothing.
        by_resource || (delegated && by_identity)
    } else {
        by_identity || by_resource
    };
    let decision = if explicit_deny {
        DecisionKind::ExplicitDeny
    } else if allowed {
        DecisionKind::Allowed
    } else {
        DecisionKind::ImplicitDeny
    };
    Decision { decision, matched_statements: matched, missing_context_keys: missing, notes, grants }
}

/// A statement for people, in `policy`: its `Sid` and 0-based position
/// (``statement `NoDb` (#1) of identity policy #0``), or the position alone.
/// The one wording of the evaluator's notes, the access fixes and the
/// plan's pre-flight errors.
fn statement_label(policy: &str, index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("statement `{sid}` (#{index}) of {policy}"),
        None => format!("statement #{index} of {policy}"),
    }
}

impl MatchedStatement {
    /// [`statement_label`] of this statement in `policy`.
    pub fn label(&self, policy: &str) -> String {
        statement_label(policy, self.statement_index, self.sid.as_deref())
    }
}

impl PolicySource {
    /// How the evaluator names the policy: `identity policy #0`, or `the
    /// resource policy`.
    fn name(self) -> String {
        match self {
            PolicySource::Identity { index } => format!("identity policy #{index}"),
            PolicySource::Resource => "the resource policy".to_owned(),
        }
    }
}

/// Which policy decided, in one sentence.
fn explain(decision: DecisionKind, grants: &Grants, matched: &[MatchedStatement]) -> String {
    let resource_policy = if grants.kms_key { "the key policy" } else { "the resource policy" };
    match decision {
        DecisionKind::ExplicitDeny => {
            let denies: Vec<String> =
                matched.iter().filter(|m| m.effect == Effect::Deny).map(|m| m.label(&m.policy.name())).collect();
            format!("explicitly denied by {}; no Allow can override a Deny", denies.join(" and "))
        }
        DecisionKind::Allowed if grants.cross_account => format!(
            "allowed across accounts: an identity policy allows and {resource_policy} allows {}",
            if grants.resource { "the caller" } else { "the caller's account" }
        ),
        DecisionKind::Allowed if grants.kms_key && grants.resource => {
            "allowed by the key policy, which names the caller".to_owned()
        }
        DecisionKind::Allowed if grants.kms_key => {
            "allowed by an identity policy, which the key policy enables by delegating to the account".to_owned()
        }
        DecisionKind::Allowed if grants.identity => "allowed by an identity policy".to_owned(),
        DecisionKind::Allowed => format!("allowed by {resource_policy}"),
        DecisionKind::ImplicitDeny if grants.kms_key && !grants.resource_policy_given => {
            "implicitDeny: no key policy was given, and a KMS key's policy must allow (by naming the caller, or by \
             delegating to its account so identity policies work); identity policies alone grant nothing"
                .to_owned()
        }
        DecisionKind::ImplicitDeny if grants.kms_key && grants.identity => "implicitDeny: an identity policy allows, \
             but the key policy neither names the caller nor delegates to its account (\"Principal\": {\"AWS\": \
             \"arn:aws:iam::ACCOUNT:root\"}), so identity policies grant nothing"
            .to_owned(),
        DecisionKind::ImplicitDeny if grants.cross_account && grants.identity => format!(
            "implicitDeny: across accounts {resource_policy} must allow the caller or its account as well, and it does not"
        ),
        DecisionKind::ImplicitDeny if grants.cross_account && (grants.resource || grants.delegated) => {
            format!("implicitDeny: {resource_policy} allows, but across accounts an identity policy must allow as well")
        }
        DecisionKind::ImplicitDeny if grants.delegated => {
            "implicitDeny: the key policy delegates to the account, but no identity policy allows".to_owned()
        }
        DecisionKind::ImplicitDeny => "implicitDeny: no policy allows".to_owned(),
    }
}

/// Whether one statement applies, and which unsupplied keys it depends on.
struct StatementOutcome {
    applies: bool,
    missing: Vec<String>,
    /// Applies only because a resource policy names the caller's account
    /// (delegation), not the caller.
    delegated: bool,
    /// Depends on a policy variable that could not be substituted.
    unresolved: bool,
}

impl StatementOutcome {
    fn ruled_out() -> Self {
        StatementOutcome { applies: false, missing: Vec::new(), delegated: false, unresolved: false }
    }
}

/// A policy variable that cannot be substituted makes an `Allow` not apply
/// (AWS: the statement may be invalid), wherever it is — `Resource`,
/// `NotResource` or a (negated) condition. For a `Deny` the stricter reading
/// is that it applies, noted as unverified by the caller.
fn evaluate_statement(
    statement: &Statement,
    source: PolicySource,
    request: &EvalRequest,
    principal: Option<&PrincipalId<'_>>,
    context: &ContextLookup<'_>,
    variables_enabled: bool,
) -> StatementOutcome {
    if !action_matches(&statement.action, &request.action) {
        return StatementOutcome::ruled_out();
    }
    let mut applies = true;
    let mut missing = Vec::new();
    let mut delegated = false;
    let mut unresolved = false;
    let deny = statement.effect == Effect::Deny;

    if source == PolicySource::Resource {
        match principal_matches(statement.principal.as_ref(), principal) {
            PrincipalOutcome::Matches => {}
            PrincipalOutcome::Delegates => delegated = true,
            PrincipalOutcome::NoMatch => return StatementOutcome::ruled_out(),
            PrincipalOutcome::Unknown => {
                applies = false;
                missing.push(PRINCIPAL_ARN_KEY.to_owned());
            }
        }
    }

    // Folds one part of the statement into its outcome; `false` when the
    // part rules the statement out.
    let mut fold = |part: MatchOutcome| {
        if part.unresolved {
            unresolved = true;
            // Deny: the stricter reading, it covers the request.
            applies &= deny;
        } else if !part.holds && part.missing.is_empty() {
            return false;
        } else {
            applies &= part.holds;
        }
        missing.extend(part.missing);
        true
    };
    match &statement.resource {
        None if source == PolicySource::Resource => {}
        None => return StatementOutcome::ruled_out(),
        Some(block) => {
            if !fold(resource_matches(block, &request.resource, context, variables_enabled)) {
                return StatementOutcome::ruled_out();
            }
        }
    }
    for entry in statement.condition.iter().flat_map(|condition| &condition.entries) {
        if !fold(evaluate_entry(entry, context, variables_enabled)) {
            return StatementOutcome::ruled_out();
        }
    }
    StatementOutcome { applies, missing, delegated, unresolved }
}

fn action_matches(block: &ActionBlock, action: &str) -> bool {
    let any =
        |list: &crate::iam::policy::StringList| list.iter().any(|p| glob::matches(p, action, Case::InsensitiveAscii));
    match block {
        ActionBlock::Action(list) => any(list),
        ActionBlock::NotAction(list) => !any(list),
    }
}

/// How a `Resource` / `NotResource` block relates to the resource: it holds
/// when some `Resource` pattern matches, or no `NotResource` pattern does.
///
/// A definite match of a `Resource` pattern (or a `NotResource` exclusion)
/// does not depend on the unresolved patterns; otherwise an unresolved
/// pattern makes the outcome unknown.
fn resource_matches(
    block: &ResourceBlock,
    resource: &str,
    context: &ContextLookup<'_>,
    variables_enabled: bool,
) -> MatchOutcome {
    let mut missing = Vec::new();
    let mut unresolved = false;
    let mut any = false;
    for pattern in block.list().iter() {
        let hit = if variables_enabled && variables::has_variables(pattern) {
            match variables::resolve(pattern, context) {
                Resolution::Resolved(tokens) => glob::matches(tokens.as_slice(), resource, Case::Sensitive),
                Resolution::Missing(keys) => {
                    missing.extend(keys);
                    unresolved = true;
                    false
                }
                Resolution::Unresolvable => {
                    unresolved = true;
                    false
                }
            }
        } else {
            glob::matches(pattern, resource, Case::Sensitive)
        };
        if hit {
            any = true;
            break;
        }
    }
    match block {
        ResourceBlock::Resource(_) if any => MatchOutcome { holds: true, missing: Vec::new(), unresolved: false },
        ResourceBlock::NotResource(_) if any => MatchOutcome { holds: false, missing: Vec::new(), unresolved: false },
        ResourceBlock::Resource(_) => MatchOutcome { holds: false, missing, unresolved },
        ResourceBlock::NotResource(_) => MatchOutcome { holds: true, missing, unresolved },
    }
}

/// The calling principal, parsed once per evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PrincipalId<'a> {
    text: &'a str,
    account: Option<&'a str>,
    kind: PrincipalKind<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PrincipalKind<'a> {
    /// `arn:aws:iam::ACCT:root` or a bare account id.
    AccountRoot,
    /// `arn:aws:iam::ACCT:user/path/NAME`.
    User { name: &'a str },
    /// `arn:aws:iam::ACCT:role/path/NAME`.
    Role { name: &'a str },
    /// `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`.
    AssumedRole { role_name: &'a str },
    /// An AWS service, e.g. `ecs-tasks.amazonaws.com`: it has no identity
    /// policies.
    Service,
    /// Anything else (federated user, other ARNs).
    Other,
}

impl<'a> PrincipalId<'a> {
    fn parse(text: &'a str) -> Self {
        if AccountId::is_valid(text) {
            return PrincipalId { text, account: Some(text), kind: PrincipalKind::AccountRoot };
        }
        let Some(arn) = Arn::parse(text) else {
            let service = text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn");
            let kind = if service { PrincipalKind::Service } else { PrincipalKind::Other };
            return PrincipalId { text, account: None, kind };
        };
        let account = AccountId::is_valid(arn.account).then_some(arn.account);
        let last_segment = |path: &'a str| path.rsplit('/').next().unwrap_or(path);
        let kind = match (arn.service, arn.resource.split_once('/')) {
            ("iam", None) if arn.resource == "root" => PrincipalKind::AccountRoot,
            ("iam", Some(("user", path))) => PrincipalKind::User { name: last_segment(path) },
            ("iam", Some(("role", path))) => PrincipalKind::Role { name: last_segment(path) },
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role_name, _session)) => PrincipalKind::AssumedRole { role_name },
                None => PrincipalKind::Other,
            },
            _ => PrincipalKind::Other,
        };
        PrincipalId { text, account, kind }
    }
}

/// The 12-digit account id of an ARN, when it has one.
fn arn_account(arn: &str) -> Option<&str> {
    account_of(arn).filter(|a| AccountId::is_valid(a))
}

enum PrincipalOutcome {
    Matches,
    /// Names the caller's account, not the caller: for an `Allow` a grant to
    /// the account's identity policies (delegation), for a `Deny` binding on
    /// every principal of the account.
    Delegates,
    NoMatch,
    /// The statement names specific principals and the request has none.
    Unknown,
}

/// How one policy principal value relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalHit {
    /// Names the caller (or everyone).
    Direct,
    /// Names the caller's account: delegation, not a grant to the caller.
    Account,
    None,
}

fn principal_matches(block: Option<&PrincipalBlock>, caller: Option<&PrincipalId<'_>>) -> PrincipalOutcome {
    let Some(block) = block else { return PrincipalOutcome::NoMatch };
    let hit = match (block.principal(), caller) {
        (Principal::Any, _) => PrincipalHit::Direct,
        (Principal::Map(map), _) if map.get(&PrincipalType::Aws).is_some_and(|l| l.iter().any(|v| v == "*")) => {
            PrincipalHit::Direct
        }
        (Principal::Map(_), None) => return PrincipalOutcome::Unknown,
        (Principal::Map(map), Some(caller)) => map
            .iter()
            .flat_map(|(kind, list)| list.iter().map(move |value| principal_hit(*kind, value, caller)))
            .fold(PrincipalHit::None, |best, hit| match (best, hit) {
                (PrincipalHit::Direct, _) | (_, PrincipalHit::Direct) => PrincipalHit::Direct,
                (PrincipalHit::Account, _) | (_, PrincipalHit::Account) => PrincipalHit::Account,
                _ => PrincipalHit::None,
            }),
    };
    match (block, hit) {
        (PrincipalBlock::Principal(_), PrincipalHit::Direct) => PrincipalOutcome::Matches,
        (PrincipalBlock::Principal(_), PrincipalHit::Account) => PrincipalOutcome::Delegates,
        (PrincipalBlock::Principal(_), PrincipalHit::None) => PrincipalOutcome::NoMatch,
        (PrincipalBlock::NotPrincipal(_), PrincipalHit::None) => PrincipalOutcome::Matches,
        (PrincipalBlock::NotPrincipal(_), _) => PrincipalOutcome::NoMatch,
    }
}

fn principal_hit(kind: PrincipalType, value: &str, caller: &PrincipalId<'_>) -> PrincipalHit {
    if kind != PrincipalType::Aws {
        return if value == caller.text { PrincipalHit::Direct } else { PrincipalHit::None };
    }
    if value == "*" || value == caller.text {
        return PrincipalHit::Direct;
    }
    let named = PrincipalId::parse(value);
    match named.kind {
        PrincipalKind::AccountRoot if named.account.is_some() && named.account == caller.account => {
            if caller.kind == PrincipalKind::AccountRoot { PrincipalHit::Direct } else { PrincipalHit::Account }
        }
        PrincipalKind::Role { name } if named.account.is_some() && named.account == caller.account => {
            match caller.kind {
                PrincipalKind::AssumedRole { role_name } if role_name == name => PrincipalHit::Direct,
                _ => PrincipalHit::None,
            }
        }
        _ => PrincipalHit::None,
    }
}

/// Context facts that follow from the request itself (see the module docs).
fn derived_facts(request: &EvalRequest) -> DerivedFacts {
    let mut facts = Vec::new();
    if let Some(text) = request.principal.as_deref() {
        let principal = PrincipalId::parse(text);
        if let Some(account) = principal.account {
            facts.push(("aws:PrincipalAccount", vec![account.to_owned()]));
        }
        match principal.kind {
            PrincipalKind::AccountRoot | PrincipalKind::Role { .. } if text.starts_with("arn:") => {
                facts.push((PRINCIPAL_ARN_KEY, vec![text.to_owned()]));
            }
            PrincipalKind::User { name } => {
                facts.push((PRINCIPAL_ARN_KEY, vec![text.to_owned()]));
                facts.push(("aws:username", vec![name.to_owned()]));
            }
            _ => {}
        }
    }
    if let Some(account) = arn_account(&request.resource) {
        facts.push(("aws:ResourceAccount", vec![account.to_owned()]));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_principals() {
        let role = PrincipalId::parse("arn:aws:iam::111122223333:role/path/app");
        assert_eq!(role.account, Some("111122223333"));
        assert_eq!(role.kind, PrincipalKind::Role { name: "app" });
        let session = PrincipalId::parse("arn:aws:sts::111122223333:assumed-role/app/i-123");
        assert_eq!(session.kind, PrincipalKind::AssumedRole { role_name: "app" });
        assert_eq!(PrincipalId::parse("111122223333").kind, PrincipalKind::AccountRoot);
        assert_eq!(PrincipalId::parse("arn:aws:iam::111122223333:root").kind, PrincipalKind::AccountRoot);
        let service = PrincipalId::parse("ecs-tasks.amazonaws.com");
        assert_eq!((service.account, service.kind), (None, PrincipalKind::Service));
    }

    #[test]
    fn context_keys_are_case_insensitive_and_replace() {
        let mut context = RequestContext::new().with("aws:SourceVpc", "vpc-1");
        assert_eq!(context.get("AWS:SOURCEVPC"), Some(&["vpc-1".to_owned()][..]));
        context.insert("aws:sourcevpc", ["vpc-2"]);
        assert_eq!(context.len(), 1);
        assert_eq!(context.get("aws:SourceVpc"), Some(&["vpc-2".to_owned()][..]));
    }

    #[test]
    fn decision_serialises_in_camel_case() {
        let decision = Decision {
            decision: DecisionKind::ExplicitDeny,
            matched_statements: vec![MatchedStatement {
                policy: PolicySource::Identity { index: 1 },
                statement_index: 2,
                sid: Some("S".into()),
                effect: Effect::Deny,
            }],
            missing_context_keys: vec![MissingKey {
                policy: PolicySource::Resource,
                statement_index: 0,
                sid: None,
                key: "aws:SourceVpc".into(),
            }],
            notes: vec!["explicitly denied".into()],
            grants: Grants::default(),
        };
        let json = serde_json::to_value(&decision).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "decision": "explicitDeny",
                "matchedStatements": [{"policy": "identity", "policyIndex": 1, "statementIndex": 2, "sid": "S", "effect": "Deny"}],
                "missingContextKeys": [{"policy": "resource", "statementIndex": 0, "key": "aws:SourceVpc"}],
                "notes": ["explicitly denied"]
            })
        );
        let back: Decision = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, decision);
    }
}
