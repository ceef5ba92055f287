//! The audit: every service of an [`Estate`], checked against what AWS has.
//!
//! For each service, its current task definition goes through the same
//! analyses as a file does before a deploy:
//!
//! 1. the lint ([`crate::lint`]: plaintext secrets, malformed and partial
//!    references, …);
//! 2. whether each referenced parameter or secret exists (from the
//!    metadata the backend read: DescribeParameters, DescribeSecret — never
//!    a value);
//! 3. the live access check of its execution role ([`crate::iam::access`])
//!    over the role's inline and attached policies, the secrets' resource
//!    policies and the KMS key policies; what could not be read makes the
//!    reference "unverified", never "allowed";
//! 4. stale tasks: running tasks that started before the latest change of
//!    a secret the service references, so they still hold the old value.
//!
//! A service's stale-task count is `None` ("unknown", `null` in JSON) when
//! any of its running tasks has no reported `startedAt` (moto reports
//! none) or a referenced value's last change is not known (a reference into
//! another account or region); it is never guessed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::estate::{Estate, ServiceSnapshot};
use crate::iam::access::{self, CheckContext, ReferenceVerdict, VerdictStatus};
use crate::iam::generate::{KmsKeyProblem, customer_managed_key_arn};
use crate::iam::policy::PolicyDocument;
use crate::location::{AccountId, Location, Region};
use crate::observed::{
    EpochMillis, Lookup, Lookups, ObservedKey, ObservedParameter, ObservedRole, ObservedSecret, lookup_for,
};
use crate::secret_ref::{ArnLocation, RefSite, SecretRef};

/// What the audit read beside the estate: metadata and policies, never a
/// secret value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReads {
    /// The account the credentials belong to (the services' account).
    pub account: AccountId,
    /// SSM parameters by name (`None`: looked up, not found).
    pub parameters: BTreeMap<String, Option<ObservedParameter>>,
    /// Secrets by lookup id ([`crate::observed::secret_lookup_id`]).
    pub secrets: BTreeMap<String, Option<ObservedSecret>>,
    /// Execution roles by the ARN the task definitions name (`None`: the
    /// role does not exist).
    pub roles: BTreeMap<String, Option<ObservedRole>>,
    /// KMS keys by the id the parameters and secrets report.
    pub kms_keys: BTreeMap<String, ObservedKey>,
    /// Secrets' resource policies by full ARN (`None`: none).
    pub secret_policies: BTreeMap<String, Option<Value>>,
    /// Reads the caller was denied, by the ARN they concern, with the
    /// permission that would verify them.
    pub unreadable: BTreeMap<String, String>,
}

/// The parameters and secrets every service of `estate` references, as
/// looked up from the estate's region and `account`.
pub fn lookups(estate: &Estate, account: &AccountId) -> Lookups {
    let mut lookups = Lookups::default();
    for td in estate.services.iter().filter_map(|s| s.task_definition.as_ref()) {
        for site in td.secret_sites() {
            let Some(Ok(reference)) = site.value_from.map(SecretRef::parse) else { continue };
            lookups.insert(lookup_for(&reference, &estate.region, Some(account)));
        }
    }
    lookups
}

/// The execution roles of `account` that the services' task definitions
/// name, by ARN (a role of another account cannot be read from here).
pub fn execution_roles(estate: &Estate, account: &AccountId) -> BTreeSet<String> {
    estate
        .services
        .iter()
        .filter_map(|s| s.execution_role_arn().map(str::to_owned))
        .filter(|arn| role_name(arn).is_some() && crate::arn::account_of(arn) == Some(account.as_str()))
        .collect()
}

/// The role name of a role ARN (`arn:aws:iam::ACCOUNT:role/path/NAME`).
pub fn role_name(arn: &str) -> Option<&str> {
    let resource = crate::arn::Arn::parse(arn)?.resource;
    resource.strip_prefix("role/").and_then(|r| r.rsplit('/').next()).filter(|n| !n.is_empty())
}

/// The KMS key ids the parameters and secrets that were found report.
pub fn key_ids(reads: &AuditReads) -> Vec<String> {
    let parameters = reads.parameters.values().flatten().filter_map(|p| p.kms_key_id.clone());
    let secrets = reads.secrets.values().flatten().filter_map(|s| s.kms_key_id.clone());
    let ids: BTreeSet<String> = parameters.chain(secrets).collect();
    ids.into_iter().collect()
}

/// The audit of every service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub services: Vec<ServiceAudit>,
}

impl AuditReads {
    /// Nothing read yet, for `account`.
    pub fn new(account: AccountId) -> Self {
        AuditReads {
            account,
            parameters: BTreeMap::new(),
            secrets: BTreeMap::new(),
            roles: BTreeMap::new(),
            kms_keys: BTreeMap::new(),
            secret_policies: BTreeMap::new(),
            unreadable: BTreeMap::new(),
        }
    }
}

impl AuditReport {
    /// Whether the audit fails (exit code 1): some service has an error
    /// diagnostic, a denied or missing reference, or could not be read.
    pub fn failed(&self) -> bool {
        self.services.iter().any(ServiceAudit::failed)
    }
}

/// One service's audit (the JSON contract of `ecs-secrets audit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAudit {
    pub cluster: String,
    pub service: String,
    /// The task definition ARN the service runs.
    pub task_definition: Option<String>,
    pub execution_role_arn: Option<String>,
    pub diagnostics: Vec<AuditDiagnostic>,
    pub references: Vec<AuditReference>,
    /// Running tasks that hold a value older than its last change; `None`
    /// (`null`) when that cannot be known (see the module documentation).
    pub stale_tasks: Option<usize>,
    /// `ok`, `findings` or `denied`: the summary line.
    pub summary: Summary,
    /// What could not be read about the service (its task definition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ServiceAudit {
    /// An error diagnostic, a denied or missing reference, or a problem.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty()
            || self.diagnostics.iter().any(|d| d.severity == Severity::Error)
            || self.references.iter().any(|r| matches!(r.status, ReferenceStatus::Denied | ReferenceStatus::Missing))
    }
}

/// The one-word verdict of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Summary {
    /// Nothing to report.
    Ok,
    /// Diagnostics, missing or unverified references, stale tasks or
    /// unreadable parts — but nothing denied.
    Findings,
    /// The execution role may not read at least one reference.
    Denied,
}

impl Summary {
    pub fn as_str(self) -> &'static str {
        match self {
            Summary::Ok => "ok",
            Summary::Findings => "findings",
            Summary::Denied => "denied",
        }
    }
}

/// A lint diagnostic of the service's task definition (paths are JSON
/// pointers into the registered task definition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

impl From<Diagnostic> for AuditDiagnostic {
    fn from(d: Diagnostic) -> Self {
        AuditDiagnostic { code: d.code, severity: d.severity, path: d.path, message: d.message }
    }
}

/// One reference and whether the service's tasks can read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReference {
    /// JSON pointer of the reference in the task definition.
    pub path: String,
    pub value_from: Option<String>,
    pub status: ReferenceStatus,
    /// Why, in words, with what to do when it is not allowed.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReferenceStatus {
    /// It exists and the execution role may read it.
    Allowed,
    /// The execution role may not read it (or there is no role).
    Denied,
    /// The parameter or secret does not exist.
    Missing,
    /// Nothing is denied, but something that decides could not be read
    /// or is not known (a key policy, another account's policies).
    Unverified,
}

/// Audits every service of `estate`.
pub fn audit(estate: &Estate, reads: &AuditReads) -> AuditReport {
    AuditReport { services: estate.services.iter().map(|s| audit_service(s, &estate.region, reads)).collect() }
}

/// Audits one service.
pub fn audit_service(service: &ServiceSnapshot, region: &Region, reads: &AuditReads) -> ServiceAudit {
    let mut problems = service.problems.clone();
    let mut diagnostics = Vec::new();
    let mut references = Vec::new();
    let mut stale_tasks = Some(0);
    if let Some(td) = &service.task_definition {
        let context = Context::new(Some(region.clone()), Some(reads.account.clone()));
        diagnostics = crate::lint::lint(td, &context).into_iter().map(AuditDiagnostic::from).collect();
        let (role_policies, role_problem) = role_policies(service, reads, &mut problems);
        let check_context = check_context(service, region, reads);
        let report = access::check(td, &role_policies, &check_context);
        let mut latest_change: Option<EpochMillis> = None;
        let mut change_unknown = false;
        for verdict in &report.references {
            let lookup = lookup_of(verdict, region, &reads.account);
            let found = lookup.as_ref().map(|l| found(l, reads));
            references.push(reference(verdict, lookup.as_ref(), found, role_problem.as_deref()));
            match found {
                Some(Found::Yes(Some(changed))) => latest_change = latest_change.max(Some(changed)),
                Some(Found::Yes(None)) => change_unknown = true,
                // Missing values are not read by anyone; environment files
                // are not secrets.
                Some(Found::No) => {}
                None if verdict.site == RefSite::EnvironmentFile => {}
                None => change_unknown = true,
            }
        }
        stale_tasks = stale_count(service, latest_change, change_unknown);
    }
    let mut audit = ServiceAudit {
        cluster: service.described.cluster.clone(),
        service: service.described.service.clone(),
        task_definition: service.task_definition_arn().map(str::to_owned),
        execution_role_arn: service.execution_role_arn().map(str::to_owned),
        diagnostics,
        references,
        stale_tasks,
        summary: Summary::Ok,
        problems,
    };
    audit.summary = if audit.references.iter().any(|r| r.status == ReferenceStatus::Denied) {
        Summary::Denied
    } else if !audit.problems.is_empty()
        || audit.diagnostics.iter().any(|d| d.severity != Severity::Info)
        || audit.references.iter().any(|r| r.status != ReferenceStatus::Allowed)
        || audit.stale_tasks.is_some_and(|n| n > 0)
    {
        Summary::Findings
    } else {
        Summary::Ok
    };
    audit
}

/// How many running tasks started before `latest_change`; `None` when a
/// start time or a change time is not known.
fn stale_count(service: &ServiceSnapshot, latest_change: Option<EpochMillis>, change_unknown: bool) -> Option<usize> {
    let mut stale = 0;
    for task in &service.described.tasks {
        match task.started_at {
            // Not started yet: it reads its secrets when it does.
            None if matches!(task.last_status.as_deref(), Some("PROVISIONING" | "PENDING" | "ACTIVATING")) => {}
            None => return None,
            Some(_) if change_unknown => return None,
            Some(started) => stale += usize::from(latest_change.is_some_and(|changed| started < changed)),
        }
    }
    Some(stale)
}

/// Whether a looked-up value exists, with its last change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Yes(Option<EpochMillis>),
    No,
}

fn lookup_of(verdict: &ReferenceVerdict, region: &Region, account: &AccountId) -> Option<Lookup> {
    if verdict.site == RefSite::EnvironmentFile {
        return None;
    }
    let reference = SecretRef::parse(verdict.value_from.as_deref()?).ok()?;
    lookup_for(&reference, region, Some(account))
}

fn found(lookup: &Lookup, reads: &AuditReads) -> Found {
    let changed = match lookup {
        Lookup::Parameter(name) => reads.parameters.get(name).map(|p| p.as_ref().map(|p| p.last_changed)),
        Lookup::Secret(id) => reads.secrets.get(id).map(|s| s.as_ref().map(|s| s.last_changed)),
    };
    match changed {
        Some(Some(changed)) => Found::Yes(changed),
        Some(None) => Found::No,
        // Not looked up: nothing is known about it.
        None => Found::Yes(None),
    }
}

/// The audit line of one access verdict.
fn reference(
    verdict: &ReferenceVerdict,
    lookup: Option<&Lookup>,
    found: Option<Found>,
    role_problem: Option<&str>,
) -> AuditReference {
    let (status, reason) = if found == Some(Found::No) {
        let reason = match lookup {
            Some(Lookup::Parameter(name)) => {
                format!("the SSM parameter `{name}` does not exist: create it, or fix the reference")
            }
            Some(Lookup::Secret(id)) => format!("the secret `{id}` does not exist: create it, or fix the reference"),
            None => "it does not exist".to_owned(),
        };
        (ReferenceStatus::Missing, reason)
    } else if let Some(problem) = role_problem {
        (ReferenceStatus::Denied, problem.to_owned())
    } else {
        match verdict.status {
            VerdictStatus::Allowed => {
                let actions: BTreeSet<&str> = verdict.checks.iter().map(|c| c.action.as_str()).collect();
                let actions: Vec<&str> = actions.into_iter().collect();
                (ReferenceStatus::Allowed, format!("the execution role may {}", actions.join(", ")))
            }
            VerdictStatus::Denied => {
                let denied = verdict.checks.iter().find(|c| !c.is_allowed() && c.open.is_none());
                let reason = denied.map_or_else(
                    || "the execution role may not read it".to_owned(),
                    |c| match &c.fix {
                        Some(fix) => fix.message.clone(),
                        None => format!("{} on {} is denied", c.action, c.resource),
                    },
                );
                (ReferenceStatus::Denied, reason)
            }
            VerdictStatus::DependsOnKeyPolicy | VerdictStatus::Unverified | VerdictStatus::Unchecked => {
                let open = verdict.checks.iter().find_map(|c| c.open.as_ref().map(|o| o.message.clone()));
                let reason = open
                    .or_else(|| (!verdict.notes.is_empty()).then(|| verdict.notes.join("; ")))
                    .unwrap_or_else(|| "it could not be checked".to_owned());
                (ReferenceStatus::Unverified, reason)
            }
        }
    };
    AuditReference { path: verdict.path.clone(), value_from: verdict.value_from.clone(), status, reason }
}

/// The execution role's policies, or why every reference is denied (no
/// role, or a role that does not exist).
fn role_policies(
    service: &ServiceSnapshot,
    reads: &AuditReads,
    problems: &mut Vec<String>,
) -> (Vec<PolicyDocument>, Option<String>) {
    let Some(arn) = service.execution_role_arn() else {
        return (
            Vec::new(),
            Some(
                "the task definition has no executionRoleArn: ECS reads secrets with the execution role, so add one"
                    .to_owned(),
            ),
        );
    };
    let role = match reads.roles.get(arn) {
        Some(Some(role)) => role,
        Some(None) => {
            return (
                Vec::new(),
                Some(format!("the execution role {arn} does not exist: create it or point executionRoleArn at one")),
            );
        }
        // Another account's role: its policies are not readable from here,
        // so the check cannot allow anything (see `check_context`).
        None => return (Vec::new(), None),
    };
    let inline = role.inline_policies.iter().map(|(name, doc)| (format!("inline policy {name}"), doc));
    let attached =
        role.attached_policies.iter().filter_map(|p| Some((format!("managed policy {}", p.arn), p.document.as_ref()?)));
    let mut documents = Vec::new();
    for (name, doc) in inline.chain(attached) {
        match PolicyDocument::from_value(doc) {
            Ok(parsed) => documents.push(parsed),
            Err(e) => problems.push(format!("{name} of {arn} cannot be read ({e}); the access check ignores it")),
        }
    }
    (documents, None)
}

fn check_context(service: &ServiceSnapshot, region: &Region, reads: &AuditReads) -> CheckContext {
    let local = ArnLocation::new(region.as_str(), reads.account.as_str());
    let mut kms_keys = BTreeMap::new();
    let parameters = reads.parameters.iter().filter_map(|(n, p)| Some((n, p.as_ref()?.kms_key_id.as_deref()?)));
    let secrets = reads.secrets.iter().filter_map(|(n, s)| Some((n, s.as_ref()?.kms_key_id.as_deref()?)));
    for (name, key) in parameters.chain(secrets) {
        let arn = match customer_managed_key_arn(key, &local) {
            Ok(arn) => Some(arn),
            Err(KmsKeyProblem::Alias(_)) => {
                reads.kms_keys.get(key).filter(|k| !k.is_aws_managed()).map(|k| k.arn.clone())
            }
            Err(_) => None,
        };
        if let Some(arn) = arn {
            kms_keys.insert(name.clone(), arn);
        }
    }
    let mut resource_policies = BTreeMap::new();
    let keys = reads.kms_keys.values().filter_map(|k| Some((&k.arn, k.policy.as_ref()?)));
    let secrets = reads.secret_policies.iter().filter_map(|(arn, p)| Some((arn, p.as_ref()?)));
    for (arn, doc) in keys.chain(secrets) {
        if let Ok(parsed) = PolicyDocument::from_value(doc) {
            resource_policies.insert(arn.clone(), parsed);
        }
    }
    let mut unreadable = reads.unreadable.clone();
    if let Some(arn) = service.execution_role_arn()
        && !reads.roles.contains_key(arn)
    {
        unreadable.insert(
            arn.to_owned(),
            format!("the execution role {arn} is in another account, whose policies cannot be read from here"),
        );
    }
    CheckContext {
        location: Location::new(Some(region.clone()), Some(reads.account.clone())),
        kms_keys,
        principal: service.execution_role_arn().map(str::to_owned),
        resource_policies,
        unreadable,
        ..CheckContext::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::{ObservedService, TaskSnapshot};
    use crate::task_def::TaskDefinition;
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";
    const ROLE: &str = "arn:aws:iam::123456789012:role/webExec";

    fn service(td: Value, tasks: Vec<TaskSnapshot>) -> ServiceSnapshot {
        let td: TaskDefinition = crate::import::import_value(td).expect("import").task_definition;
        ServiceSnapshot {
            described: ObservedService {
                task_definition: Some("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into()),
                tasks,
                ..ObservedService::missing("prod", "web")
            },
            task_definition: Some(td),
            ..ServiceSnapshot::default()
        }
    }

    fn td(value_from: &str) -> Value {
        json!({"family": "web", "executionRoleArn": ROLE, "containerDefinitions": [{"name": "app", "image": "nginx",
            "secrets": [{"name": "DB", "valueFrom": value_from}]}]})
    }

    fn reads(allow: &str, parameter_changed: Option<EpochMillis>) -> AuditReads {
        let role = ObservedRole {
            name: "webExec".into(),
            arn: ROLE.into(),
            trust_policy: Value::Null,
            inline_policies: [(
                "read".to_owned(),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": allow}]}),
            )]
            .into(),
            attached_policies: Vec::new(),
        };
        let parameter = ObservedParameter {
            name: "/web/db".into(),
            arn: None,
            parameter_type: "SecureString".into(),
            kms_key_id: Some("alias/aws/ssm".into()),
            last_changed: parameter_changed,
            ..ObservedParameter::default()
        };
        AuditReads {
            parameters: [("/web/db".to_owned(), Some(parameter)), ("/web/gone".to_owned(), None)].into(),
            roles: [(ROLE.to_owned(), Some(role))].into(),
            ..AuditReads::new(account())
        }
    }

    fn task(started_at: Option<EpochMillis>) -> TaskSnapshot {
        TaskSnapshot {
            task_arn: "t".into(),
            last_status: Some("RUNNING".into()),
            started_at,
            ..TaskSnapshot::default()
        }
    }

    fn account() -> AccountId {
        ACCOUNT.parse().expect("account")
    }

    fn region() -> Region {
        "eu-west-1".parse().expect("region")
    }

    const PARAMETER: &str = "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db";

    #[test]
    fn a_readable_existing_reference_is_allowed_and_the_service_ok() {
        let audit =
            audit_service(&service(td("/web/db"), vec![task(Some(2_000))]), &region(), &reads(PARAMETER, Some(1_000)));
        assert_eq!(audit.references.len(), 1);
        assert_eq!(audit.references[0].status, ReferenceStatus::Allowed, "{:?}", audit.references);
        assert_eq!(audit.stale_tasks, Some(0));
        assert_eq!(audit.summary, Summary::Ok, "{audit:?}");
        assert!(!audit.failed());
    }

    #[test]
    fn a_reference_the_role_may_not_read_is_denied_with_the_fix() {
        let other = "arn:aws:ssm:eu-west-1:123456789012:parameter/other";
        let audit = audit_service(&service(td("/web/db"), vec![]), &region(), &reads(other, None));
        assert_eq!(audit.references[0].status, ReferenceStatus::Denied);
        assert!(audit.references[0].reason.contains("ssm:GetParameters"), "{}", audit.references[0].reason);
        assert_eq!(audit.summary, Summary::Denied);
        assert!(audit.failed());
    }

    #[test]
    fn a_reference_to_nothing_is_missing() {
        let audit = audit_service(&service(td("/web/gone"), vec![]), &region(), &reads("*", None));
        assert_eq!(audit.references[0].status, ReferenceStatus::Missing);
        assert!(audit.references[0].reason.contains("`/web/gone` does not exist"));
        assert!(audit.failed());
    }

    #[test]
    fn a_role_that_does_not_exist_denies_everything() {
        let mut reads = reads(PARAMETER, None);
        reads.roles.insert(ROLE.into(), None);
        let audit = audit_service(&service(td("/web/db"), vec![]), &region(), &reads);
        assert_eq!(audit.references[0].status, ReferenceStatus::Denied);
        assert!(audit.references[0].reason.contains("does not exist"));
    }

    #[test]
    fn stale_tasks_started_before_the_last_change_and_unknown_is_none() {
        let reads = reads(PARAMETER, Some(5_000));
        let tasks = vec![task(Some(1_000)), task(Some(6_000)), task(Some(4_999))];
        let audit = audit_service(&service(td("/web/db"), tasks), &region(), &reads);
        assert_eq!(audit.stale_tasks, Some(2));
        assert_eq!(audit.summary, Summary::Findings);
        assert!(!audit.failed(), "stale tasks are findings, not failures");
        let audit = audit_service(&service(td("/web/db"), vec![task(None)]), &region(), &reads);
        assert_eq!(audit.stale_tasks, None, "no startedAt: unknown, never invented");
        let pending = TaskSnapshot { last_status: Some("PENDING".into()), ..task(None) };
        let audit = audit_service(&service(td("/web/db"), vec![pending]), &region(), &reads);
        assert_eq!(audit.stale_tasks, Some(0), "a task not started yet reads the current value");
        let audit =
            audit_service(&service(td("/web/db"), vec![task(Some(1))]), &region(), &self::reads(PARAMETER, None));
        assert_eq!(audit.stale_tasks, None, "no last change known: unknown");
    }

    #[test]
    fn a_plaintext_secret_is_an_error_diagnostic() {
        let value = json!({"family": "web", "executionRoleArn": ROLE, "containerDefinitions": [{"name": "app", "image": "nginx",
            "environment": [{"name": "DB_PASSWORD", "value": "hunter2-canary"}, {"name": "AWS_KEY", "value": "AKIAZ2CANARYQ4XW7PLM"}]}]});
        let audit = audit_service(&service(value, vec![]), &region(), &reads(PARAMETER, None));
        let codes: Vec<(&str, Severity)> = audit.diagnostics.iter().map(|d| (d.code.as_str(), d.severity)).collect();
        assert!(codes.contains(&("ES080", Severity::Error)), "{codes:?}");
        assert!(codes.contains(&("ES081", Severity::Warning)), "{codes:?}");
        assert!(audit.failed(), "a known credential format is an error");
        let json = serde_json::to_string(&audit).expect("json");
        for value in ["hunter2-canary", "AKIAZ2CANARYQ4XW7PLM"] {
            assert!(!json.contains(value), "the value is never repeated: {json}");
        }
    }

    #[test]
    fn an_unreadable_task_definition_is_a_problem() {
        let snapshot = ServiceSnapshot {
            described: ObservedService::missing("prod", "web"),
            problems: vec!["task definition x: ECS could not describe it".into()],
            ..ServiceSnapshot::default()
        };
        let audit = audit_service(&snapshot, &region(), &AuditReads::new(account()));
        assert!(audit.failed());
        assert_eq!(audit.summary, Summary::Findings);
    }

    #[test]
    fn lookups_and_roles_cover_every_service() {
        let estate = Estate {
            region: region(),
            services: vec![
                service(td("/web/db"), vec![]),
                service(td("arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf"), vec![]),
            ],
            clusters: vec!["prod".into()],
            missing_clusters: Vec::new(),
        };
        let lookups = lookups(&estate, &account());
        assert_eq!(lookups.parameters.iter().collect::<Vec<_>>(), ["/web/db"]);
        assert_eq!(lookups.secrets.len(), 1);
        assert_eq!(execution_roles(&estate, &account()).into_iter().collect::<Vec<_>>(), [ROLE]);
        assert!(execution_roles(&estate, &"999999999999".parse().expect("account")).is_empty());
        assert_eq!(role_name("arn:aws:iam::1:role/path/x"), Some("x"));
        assert_eq!(role_name("arn:aws:iam::1:user/x"), None);
    }
}
