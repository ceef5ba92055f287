//! AWS's policy evaluation logic for identity-based policies plus an
//! optional resource-based policy.
//!
//! # Decision
//! 1. An applicable `Deny` statement in any policy → `explicitDeny`.
//! 2. Otherwise, same account (or an account that cannot be told from the
//!    ARNs): an applicable `Allow` in an identity policy OR in the resource
//!    policy → `allowed`. Cross-account (the principal's and the resource
//!    ARN's account ids are both known and differ): both are needed.
//! 3. Otherwise `implicitDeny`.
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
//!   users and roles still need an identity-policy `Allow`, as AWS documents.
//! - **Condition**: see [`crate::iam::condition::evaluate_entry`]; all entries
//!   must hold (operators AND, keys AND, values OR).
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

use crate::iam::condition::evaluate_entry;
pub use crate::iam::context::{ContextLookup, RequestContext};
use crate::iam::glob::{self, Case};
use crate::iam::policy::{
    ActionBlock, Effect, PolicyDocument, Principal, PrincipalBlock, PrincipalType, ResourceBlock, Statement,
};
use crate::iam::variables::{self, Resolution};

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
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.decision == DecisionKind::Allowed
    }
}

/// Evaluates `request` against identity policies and an optional resource policy.
pub fn evaluate(
    request: &EvalRequest,
    identity_policies: &[PolicyDocument],
    resource_policy: Option<&PolicyDocument>,
) -> Decision {
    let derived = derived_facts(request);
    let context = ContextLookup::new(&request.context, &derived);
    let principal_text = request
        .principal
        .as_deref()
        .or_else(|| request.context.get(PRINCIPAL_ARN_KEY).and_then(|v| v.first()).map(String::as_str));
    let principal = principal_text.map(PrincipalId::parse);

    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let mut explicit_deny = false;
    let mut identity_allow = false;
    let mut resource_allow = false;

    let policies = identity_policies
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
            if !outcome.applies {
                continue;
            }
            matched.push(MatchedStatement {
                policy: source,
                statement_index,
                sid: statement.sid.clone(),
                effect: statement.effect,
            });
            match (statement.effect, source) {
                (Effect::Deny, _) => explicit_deny = true,
                (Effect::Allow, PolicySource::Identity { .. }) => identity_allow = true,
                (Effect::Allow, PolicySource::Resource) => resource_allow = true,
            }
        }
    }

    let cross_account = match (principal.as_ref().and_then(|p| p.account), arn_account(&request.resource)) {
        (Some(principal_account), Some(resource_account)) => principal_account != resource_account,
        _ => false,
    };
    let allowed = if cross_account { identity_allow && resource_allow } else { identity_allow || resource_allow };
    let decision = if explicit_deny {
        DecisionKind::ExplicitDeny
    } else if allowed {
        DecisionKind::Allowed
    } else {
        DecisionKind::ImplicitDeny
    };
    Decision { decision, matched_statements: matched, missing_context_keys: missing }
}

/// Whether one statement applies, and which unsupplied keys it depends on.
struct StatementOutcome {
    applies: bool,
    missing: Vec<String>,
}

impl StatementOutcome {
    fn ruled_out() -> Self {
        StatementOutcome { applies: false, missing: Vec::new() }
    }
}

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

    if source == PolicySource::Resource {
        match principal_matches(statement.principal.as_ref(), statement.effect, principal) {
            PrincipalOutcome::Matches => {}
            PrincipalOutcome::NoMatch => return StatementOutcome::ruled_out(),
            PrincipalOutcome::Unknown => {
                applies = false;
                missing.push(PRINCIPAL_ARN_KEY.to_owned());
            }
        }
    }

    match &statement.resource {
        None if source == PolicySource::Resource => {}
        None => return StatementOutcome::ruled_out(),
        Some(block) => {
            let (matches, resource_missing) = resource_matches(block, &request.resource, context, variables_enabled);
            if !matches && resource_missing.is_empty() {
                return StatementOutcome::ruled_out();
            }
            applies &= matches;
            missing.extend(resource_missing);
        }
    }

    if let Some(condition) = &statement.condition {
        for entry in &condition.entries {
            let outcome = evaluate_entry(entry, context, variables_enabled);
            if !outcome.holds && outcome.missing.is_empty() {
                return StatementOutcome::ruled_out();
            }
            applies &= outcome.holds;
            missing.extend(outcome.missing);
        }
    }
    StatementOutcome { applies, missing }
}

fn action_matches(block: &ActionBlock, action: &str) -> bool {
    let any =
        |list: &crate::iam::policy::StringList| list.iter().any(|p| glob::matches(p, action, Case::InsensitiveAscii));
    match block {
        ActionBlock::Action(list) => any(list),
        ActionBlock::NotAction(list) => !any(list),
    }
}

/// Whether the resource matches (`Resource`: any pattern; `NotResource`:
/// none), and the keys of unresolved variables in patterns that could have
/// changed that. A pattern with an unresolved variable matches nothing.
fn resource_matches(
    block: &ResourceBlock,
    resource: &str,
    context: &ContextLookup<'_>,
    variables_enabled: bool,
) -> (bool, Vec<String>) {
    let mut missing = Vec::new();
    let mut any = false;
    for pattern in block.list().iter() {
        let hit = if variables_enabled && variables::has_variables(pattern) {
            match variables::resolve(pattern, context) {
                Resolution::Resolved(tokens) => glob::matches(tokens.as_slice(), resource, Case::Sensitive),
                Resolution::Missing(keys) => {
                    missing.extend(keys);
                    false
                }
                Resolution::Unresolvable => false,
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
        // A definite match does not depend on the unresolved patterns.
        ResourceBlock::Resource(_) if any => (true, Vec::new()),
        ResourceBlock::Resource(_) => (false, missing),
        ResourceBlock::NotResource(_) if any => (false, Vec::new()),
        ResourceBlock::NotResource(_) => (true, missing),
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
    /// Anything else (service principal, federated user, other ARNs).
    Other,
}

impl<'a> PrincipalId<'a> {
    fn parse(text: &'a str) -> Self {
        if is_account_id(text) {
            return PrincipalId { text, account: Some(text), kind: PrincipalKind::AccountRoot };
        }
        let Some(arn) = Arn::parse(text) else {
            return PrincipalId { text, account: None, kind: PrincipalKind::Other };
        };
        let account = is_account_id(arn.account).then_some(arn.account);
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

/// The six components of an ARN (the last keeps any further colons).
struct Arn<'a> {
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let _partition = parts.next()?;
        let service = parts.next()?;
        let _region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        Some(Arn { service, account, resource })
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The 12-digit account id of an ARN, when it has one.
fn arn_account(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| is_account_id(a))
}

enum PrincipalOutcome {
    Matches,
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

fn principal_matches(
    block: Option<&PrincipalBlock>,
    effect: Effect,
    caller: Option<&PrincipalId<'_>>,
) -> PrincipalOutcome {
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
    let matches = match (block, effect, hit) {
        (PrincipalBlock::Principal(_), _, PrincipalHit::Direct) => true,
        // Delegation to the account: binding for a Deny, not a grant for an Allow.
        (PrincipalBlock::Principal(_), Effect::Deny, PrincipalHit::Account) => true,
        (PrincipalBlock::Principal(_), Effect::Allow, PrincipalHit::Account) => false,
        (PrincipalBlock::Principal(_), _, PrincipalHit::None) => false,
        (PrincipalBlock::NotPrincipal(_), _, hit) => hit == PrincipalHit::None,
    };
    if matches { PrincipalOutcome::Matches } else { PrincipalOutcome::NoMatch }
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
fn derived_facts(request: &EvalRequest) -> Vec<(&'static str, Vec<String>)> {
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
        assert_eq!((service.account, service.kind), (None, PrincipalKind::Other));
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
        };
        let json = serde_json::to_value(&decision).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "decision": "explicitDeny",
                "matchedStatements": [{"policy": "identity", "policyIndex": 1, "statementIndex": 2, "sid": "S", "effect": "Deny"}],
                "missingContextKeys": [{"policy": "resource", "statementIndex": 0, "key": "aws:SourceVpc"}]
            })
        );
        let back: Decision = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, decision);
    }
}
