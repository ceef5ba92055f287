//! The plan: desired state (a bundle) against observed AWS state → the
//! ordered steps apply will execute, each with its reason.
//!
//! These are plain data types shared by the backend (which executes steps
//! and streams [`ProgressEvent`]s) and the UI (which renders the same plan
//! the CLI prints).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::{Bundle, SecretSpec};
use crate::context::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::execution_role;
use crate::iam::access::{self, AccessReport, CheckContext, VerdictStatus};
use crate::iam::generate::{self, GenerateOptions};
use crate::iam::policy::PolicyDocument;
use crate::lint::plan_diagnostic;
use crate::location::Location;
use crate::observed::{Observed, secret_lookup_id};
use crate::secret_ref::{ArnLocation, SecretRef, Store, secret_arn};

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable id within the plan, e.g. `put-parameter:/web/db`.
    pub id: String,
    /// What the step does, as a verb phrase ("Create SSM parameter /web/db").
    pub title: String,
    /// Why it is needed ("the parameter does not exist and a value was given").
    pub reason: String,
    /// How many AWS write calls the step makes (0 for waits and checks).
    pub writes: u32,
    pub action: StepAction,
}

/// How the id of a step that creates an SSM parameter or a secret begins;
/// the store's name follows.
const CREATE_PARAMETER: &str = "create-parameter:";
const CREATE_SECRET: &str = "create-secret:";

impl Step {
    /// The name of the SSM parameter or secret a step with id `id` created,
    /// for a step that creates one.
    pub fn created_secret(id: &str) -> Option<&str> {
        id.strip_prefix(CREATE_PARAMETER).or_else(|| id.strip_prefix(CREATE_SECRET))
    }
}

/// The AWS operation behind a step. Secret values are not here: apply looks
/// them up by name in the in-memory values. Read by the hand-written
/// `Deserialize` below.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StepAction {
    #[serde(rename_all = "camelCase")]
    CreateParameter { name: String, kms_key_id: Option<String>, description: Option<String> },
    #[serde(rename_all = "camelCase")]
    CreateSecret { name: String, kms_key_id: Option<String>, description: Option<String> },
    #[serde(rename_all = "camelCase")]
    CreateRole { role_name: String, trust_policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    UpdateTrustPolicy { role_name: String, trust_policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    PutRolePolicy { role_name: String, policy_name: String, policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    AttachManagedPolicy { role_name: String, policy_arn: String },
    #[serde(rename_all = "camelCase")]
    RegisterTaskDefinition { family: String, task_definition: serde_json::Value },
    /// `task_definition` is the revision to deploy; `None` means "the
    /// revision this apply registers".
    #[serde(rename_all = "camelCase")]
    UpdateService { cluster: String, service: String, force_new_deployment: bool, task_definition: Option<String> },
    #[serde(rename_all = "camelCase")]
    WaitServicesStable { cluster: String, services: Vec<String> },
}

/// The same JSON as a derived internally tagged `Deserialize` reads, read as
/// one struct of every variant's fields: the derive buffers the object and
/// reads it once more per variant, the largest deserializer in the UI's
/// WASM (about 23 KB of code; BENCHMARKS.md). A field of another variant is
/// ignored only when it has that field's type.
impl<'de> Deserialize<'de> for StepAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StepAction, D::Error> {
        use serde::de::{Error, Unexpected};
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Fields {
            #[serde(rename = "type")]
            kind: String,
            name: Option<String>,
            kms_key_id: Option<String>,
            description: Option<String>,
            role_name: Option<String>,
            #[serde(default, deserialize_with = "crate::json_read::present")]
            trust_policy: Option<Value>,
            policy_name: Option<String>,
            #[serde(default, deserialize_with = "crate::json_read::present")]
            policy: Option<Value>,
            policy_arn: Option<String>,
            family: Option<String>,
            #[serde(default, deserialize_with = "crate::json_read::present")]
            task_definition: Option<Value>,
            cluster: Option<String>,
            service: Option<String>,
            force_new_deployment: Option<bool>,
            services: Option<Vec<String>>,
        }
        const VARIANTS: &[&str] = &[
            "createParameter",
            "createSecret",
            "createRole",
            "updateTrustPolicy",
            "putRolePolicy",
            "attachManagedPolicy",
            "registerTaskDefinition",
            "updateService",
            "waitServicesStable",
        ];
        fn need<T, E: Error>(field: Option<T>, name: &'static str) -> Result<T, E> {
            field.ok_or_else(|| E::missing_field(name))
        }
        let f = Fields::deserialize(deserializer)?;
        Ok(match f.kind.as_str() {
            "createParameter" => StepAction::CreateParameter {
                name: need(f.name, "name")?,
                kms_key_id: f.kms_key_id,
                description: f.description,
            },
            "createSecret" => StepAction::CreateSecret {
                name: need(f.name, "name")?,
                kms_key_id: f.kms_key_id,
                description: f.description,
            },
            "createRole" => StepAction::CreateRole {
                role_name: need(f.role_name, "roleName")?,
                trust_policy: need(f.trust_policy, "trustPolicy")?,
            },
            "updateTrustPolicy" => StepAction::UpdateTrustPolicy {
                role_name: need(f.role_name, "roleName")?,
                trust_policy: need(f.trust_policy, "trustPolicy")?,
            },
            "putRolePolicy" => StepAction::PutRolePolicy {
                role_name: need(f.role_name, "roleName")?,
                policy_name: need(f.policy_name, "policyName")?,
                policy: need(f.policy, "policy")?,
            },
            "attachManagedPolicy" => StepAction::AttachManagedPolicy {
                role_name: need(f.role_name, "roleName")?,
                policy_arn: need(f.policy_arn, "policyArn")?,
            },
            "registerTaskDefinition" => StepAction::RegisterTaskDefinition {
                family: need(f.family, "family")?,
                task_definition: need(f.task_definition, "taskDefinition")?,
            },
            "updateService" => StepAction::UpdateService {
                cluster: need(f.cluster, "cluster")?,
                service: need(f.service, "service")?,
                force_new_deployment: need(f.force_new_deployment, "forceNewDeployment")?,
                task_definition: match f.task_definition {
                    None | Some(Value::Null) => None,
                    Some(Value::String(revision)) => Some(revision),
                    Some(other) => {
                        return Err(D::Error::invalid_type(
                            Unexpected::Other(crate::json_input::kind(&other)),
                            &"a string",
                        ));
                    }
                },
            },
            "waitServicesStable" => StepAction::WaitServicesStable {
                cluster: need(f.cluster, "cluster")?,
                services: need(f.services, "services")?,
            },
            other => return Err(D::Error::unknown_variant(other, VARIANTS)),
        })
    }
}

/// A progress report from apply, streamed to the CLI and the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ProgressEvent {
    #[serde(rename_all = "camelCase")]
    Started { step_id: String, title: String },
    #[serde(rename_all = "camelCase")]
    Done { step_id: String, detail: Option<String> },
    #[serde(rename_all = "camelCase")]
    Failed { step_id: String, message: String, request_id: Option<String> },
    /// What the watch of a deployment saw (a new task, a stopped one, the
    /// counts): the step keeps running.
    #[serde(rename_all = "camelCase")]
    Watching { step_id: String, message: String },
}

/// The final report of an apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub success: bool,
    /// Ids of the steps that completed, in order.
    pub completed: Vec<String>,
    /// The step that failed, with the error, when `success` is false.
    pub failed: Option<FailedStep>,
    /// The revision ARN registered or reused, when known.
    pub task_definition_arn: Option<String>,
    /// AWS write calls made.
    pub writes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedStep {
    pub step_id: String,
    pub message: String,
    pub request_id: Option<String>,
    /// Why the watched deployment failed (a task that could not start, with
    /// the decoded stopped reason and its fix; a rollback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Box<crate::watch::WatchFailure>>,
}

/// Everything apply would do, and whether it may.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub steps: Vec<Step>,
    /// AWS write calls apply would make (the sum over the steps).
    pub writes: u32,
    /// Problems found while planning. Any `error` blocks apply.
    pub problems: Vec<Diagnostic>,
    /// Would the execution role (after this plan's writes) be allowed to
    /// read every reference? A denied reference blocks apply.
    pub preflight: AccessReport,
    /// Names of the identity policies the pre-flight evaluated, in the order
    /// of `policyIndex` in its deciding statements.
    pub preflight_policies: Vec<String>,
    /// The execution role's ARN (observed, or the one it will get).
    pub role_arn: String,
    /// The RegisterTaskDefinition input, references resolved. Secrets this
    /// plan creates still carry their partial ARN; apply swaps in the full
    /// one once CreateSecret returns it.
    pub task_definition: Value,
    /// The latest ACTIVE revision, reused when it matches.
    pub current_revision: Option<String>,
}

impl Plan {
    /// True when apply must not run: an error problem or a denied access check.
    pub fn is_blocked(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
            || self.preflight.references.iter().any(|r| r.status == VerdictStatus::Denied)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.problems.iter().filter(|p| p.severity == Severity::Error)
    }

    /// The problems plus one `EP040` error per reference the pre-flight
    /// check denies, naming the action, the resource, what denied it and the
    /// fix: everything a UI renders like lint findings.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.problems.clone();
        for reference in self.preflight.problems().filter(|r| r.status == VerdictStatus::Denied) {
            for check in reference.checks.iter().filter(|c| c.decision != crate::iam::DecisionKind::Allowed) {
                let by: Vec<String> = check
                    .deciding_statements
                    .iter()
                    .map(|m| match m.policy {
                        crate::iam::PolicySource::Identity { index } => {
                            m.label(self.preflight_policies.get(index).map_or("a policy", String::as_str))
                        }
                        crate::iam::PolicySource::Resource => m.label("the resource policy"),
                    })
                    .collect();
                let why = if by.is_empty() {
                    "no policy allows it".to_owned()
                } else {
                    format!("denied by {}", by.join(", "))
                };
                let fix = check.fix.as_ref().map(|f| format!(" Fix: {}", f.message)).unwrap_or_default();
                if check.open.is_some() {
                    continue;
                }
                out.push(plan_diagnostic(
                    "EP040",
                    &reference.path,
                    format!(
                        "the task would fail with AccessDenied: the execution role may not {} on {} ({why}).{fix}",
                        check.action, check.resource
                    ),
                ));
            }
        }
        // Open checks do not block, but they are never silently allowed.
        for reference in self.preflight.problems() {
            for check in &reference.checks {
                let Some(open) = &check.open else { continue };
                let fix = check.fix.as_ref().map(|f| format!(" {}", f.message)).unwrap_or_default();
                out.push(plan_diagnostic(
                    "EP041",
                    &reference.path,
                    format!("{} on {}: {}.{fix}", check.action, check.resource, open.message),
                ));
            }
        }
        out
    }
}

/// A secret this plan creates: the forms of its ARN that appear in the plan
/// before its random suffix is known. Apply replaces them with the real ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSecretArn {
    /// `arn:…:secret:NAME` as the task definition writes it.
    pub partial: String,
    /// `arn:…:secret:NAME-??????` as the policy grants it.
    pub wildcard: String,
}

impl PendingSecretArn {
    pub fn new(loc: &ArnLocation, name: &str) -> Self {
        Self { partial: secret_arn(loc, name), wildcard: secret_arn(loc, &format!("{name}-??????")) }
    }

    /// Replaces, in every string of `doc`, this secret's partial or
    /// wildcard ARN by `full` (keeping any `:json-key:stage:id` tail).
    pub fn resolve(&self, doc: &mut Value, full: &str) {
        match doc {
            Value::String(s) => {
                if *s == self.partial || *s == self.wildcard {
                    *s = full.to_owned();
                } else if let Some(tail) = s.strip_prefix(&self.partial).filter(|t| t.starts_with(':')) {
                    *s = format!("{full}{tail}");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.resolve(v, full)),
            Value::Object(map) => map.values_mut().for_each(|v| self.resolve(v, full)),
            _ => {}
        }
    }
}

/// Plans a bundle against observed AWS state. `values_present` holds the
/// names of the secrets whose values the caller has in hand (never the
/// values themselves).
///
/// Decisions, in order:
/// - a secret is created only when the bundle says `create`, it does not
///   exist, and a value was supplied; an existing value is never
///   overwritten;
/// - the role is created when missing (and `create`), its trust policy is
///   replaced when it differs semantically, the inline policy
///   `ecs-secrets-<family>` is written when it differs, the managed policy
///   is attached when wanted and missing (never detached);
/// - a revision is registered unless the latest ACTIVE one is the same
///   after normalisation ([`crate::revision_compare`]);
/// - a service is updated when it does not run the target revision, or when
///   this apply wrote a secret value and the service asks for
///   `forceNewDeployment` (running tasks keep old values until replaced),
///   or when it wrote the role's permissions and the service asks for
///   `forceNewDeployment` (tasks read secrets only at start). A no-op
///   re-apply therefore updates nothing;
/// - one wait for stability per cluster follows any update.
pub fn plan(desired: &Bundle, observed: &Observed, values_present: &BTreeSet<String>) -> Plan {
    let mut planner = Planner::new(desired, observed);
    let created = planner.secrets(values_present);
    let mut td = planner.references(&created);
    // The task definition as it will be registered, as the model the policy
    // generator and the access check read.
    let resolved: crate::task_def::TaskDefinition =
        serde_json::from_value(td.clone()).unwrap_or_else(|_| desired.task_definition.clone());
    let role = planner.execution_role(&resolved, &mut td);
    let (preflight, preflight_policies) = planner.preflight(&resolved, &role);
    let revision = planner.revision(&td);
    planner.services(&revision, !created.is_empty());

    let Planner { steps, problems, .. } = planner;
    let writes = steps.iter().map(|s| s.writes).sum();
    Plan {
        steps,
        writes,
        problems,
        preflight,
        preflight_policies,
        role_arn: role.arn,
        task_definition: td,
        current_revision: revision.current,
    }
}

/// One run of [`plan`]: what every phase reads (the bundle, what observe
/// found, where it deploys) and what they add to (steps and problems).
struct Planner<'a> {
    desired: &'a Bundle,
    observed: &'a Observed,
    /// The bundle's account, or the caller's from STS.
    account: String,
    location: Location,
    ctx: Context,
    local: ArnLocation,
    steps: Vec<Step>,
    problems: Vec<Diagnostic>,
}

/// What phase 3 decided for the execution role, for the pre-flight.
struct RolePlan {
    arn: String,
    policy_name: String,
    /// The inline policy the references need (empty when they need none).
    permission: Value,
    wants_inline: bool,
    kms_keys: BTreeMap<String, String>,
}

/// What phase 4 decided for the task definition, for the services.
struct RevisionPlan {
    current: Option<String>,
    registering: bool,
}

impl<'a> Planner<'a> {
    /// Where the bundle deploys, checked against where the credentials and
    /// the client point (EP001, EP002).
    fn new(desired: &'a Bundle, observed: &'a Observed) -> Self {
        let mut problems: Vec<Diagnostic> = Vec::new();
        let account = desired.account_id.clone().unwrap_or_else(|| observed.caller.account.clone());
        if let Some(expected) = &desired.account_id
            && !observed.caller.account.is_empty()
            && *expected != observed.caller.account
        {
            problems.push(plan_diagnostic("EP001", "/accountId",
                format!(
                    "the bundle is for account {expected} but the credentials are for {} ({}): switch profile or fix accountId",
                    observed.caller.account, observed.caller.arn
                ),
            ));
        }
        if !observed.region.is_empty() && observed.region != desired.region {
            problems.push(plan_diagnostic(
                "EP002",
                "/region",
                format!(
                    "the bundle is for {} but the AWS client talks to {}: pass --region {}",
                    desired.region, observed.region, desired.region
                ),
            ));
        }
        // The bundle's region is validated when it is read and the account comes
        // from it or from STS: both parse; anything else stays unknown.
        let location = Location::new(desired.region.parse().ok(), account.parse().ok());
        let local = ArnLocation::new(&desired.region, &account);
        Planner {
            desired,
            observed,
            account,
            ctx: Context::from(location.clone()),
            location,
            local,
            steps: Vec::new(),
            problems,
        }
    }

    /// 1. Secrets to create; returns the ones this plan creates.
    fn secrets(&mut self, values_present: &BTreeSet<String>) -> BTreeSet<(Store, String)> {
        let mut created: BTreeSet<(Store, String)> = BTreeSet::new();
        for (i, spec) in self.desired.secrets.iter().enumerate() {
            plan_secret(i, spec, self.observed, values_present, &mut self.steps, &mut self.problems, &mut created);
        }
        created
    }

    /// 2. References in the task definition: resolve partial ARNs, check
    ///    that what they point at exists (or is being created). Returns the
    ///    task definition JSON with the full ARNs AWS knows.
    fn references(&mut self, created: &BTreeSet<(Store, String)>) -> Value {
        let (desired, observed) = (self.desired, self.observed);
        let mut td = serde_json::to_value(&desired.task_definition).unwrap_or(Value::Null);
        for site in desired.task_definition.secret_sites() {
            let Some(raw) = site.value_from else {
                self.problems.push(plan_diagnostic("EP010", &site.path, "the reference is missing: give valueFrom"));
                continue;
            };
            let reference = match SecretRef::parse(raw) {
                Ok(r) => r,
                Err(e) => {
                    self.problems.push(plan_diagnostic("EP010", &site.path, e.to_string()));
                    continue;
                }
            };
            let loc = reference.resolve_location(&self.ctx).unwrap_or_else(|_| self.local.clone());
            if loc.region != self.local.region || loc.account != self.local.account {
                continue;
            }
            match &reference {
                SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => {
                    let exists = matches!(observed.parameters.get(name), Some(Some(_)))
                        || created.contains(&(Store::Ssm, name.clone()));
                    if !exists && observed.parameters.contains_key(name) {
                        self.problems.extend(missing_reference(&site.path, "SSM parameter", name, desired));
                    }
                }
                SecretRef::SecretsManager(arn) => {
                    let id = secret_lookup_id(arn);
                    match known_secret_arn(observed, &id) {
                        Some(full) if reference.is_partial() || !arn.suffix_certain => {
                            // A partial ARN makes ECS fail with
                            // ResourceInitializationError: register the full one.
                            let written = secret_arn(&loc, &arn.full_name());
                            if let Some(Value::String(s)) = td.pointer_mut(&site.path)
                                && let Some(tail) = s.trim().strip_prefix(&written)
                            {
                                *s = format!("{full}{tail}");
                            }
                        }
                        Some(_) => {}
                        None if created.contains(&(Store::SecretsManager, id.clone())) => {}
                        None if observed.secrets.contains_key(&id) => {
                            self.problems.extend(missing_reference(&site.path, "secret", &id, desired));
                        }
                        None => {}
                    }
                }
            }
        }
        td
    }

    /// 3. The execution role: trust, least-privilege inline policy (from
    ///    `iam::generate`), managed policy. Sets `executionRoleArn` in `td`.
    fn execution_role(&mut self, resolved: &crate::task_def::TaskDefinition, td: &mut Value) -> RolePlan {
        let (desired, observed) = (self.desired, self.observed);
        let kms_keys = kms_keys(desired, observed, &self.local, &mut self.problems);
        // Every observed secret ARN came from DescribeSecret: full, however its
        // suffix looks (a lower-case one would otherwise also be read as part of
        // the name and grant `NAME-??????` for a secret that does not exist, so
        // that re-apply would rewrite the policy). `extend`, not `collect`.
        let mut known_secret_arns = BTreeSet::new();
        known_secret_arns.extend(observed.secrets.values().flatten().map(|s| s.arn.clone()));
        let options = GenerateOptions {
            location: self.location.clone(),
            kms_keys: kms_keys.clone(),
            images_from_ecr: None,
            uses_awslogs: None,
            known_secret_arns,
        };
        let generated = generate::permission_policy(resolved, &options);
        for note in generated.warnings() {
            self.problems.push(plan_diagnostic("EP013", note.path.clone().unwrap_or_default(), note.message.clone()));
        }
        let role_name = &desired.execution_role.name;
        let role_arn = observed
            .role
            .as_ref()
            .map(|r| r.arn.clone())
            .unwrap_or_else(|| execution_role::role_arn(&self.local.region, &self.account, role_name));
        match desired.task_definition.execution_role_arn.as_deref() {
            Some(written) if written != role_arn && !written.ends_with(&format!(":role/{role_name}")) => {
                self.problems.push(plan_diagnostic("EP020", "/taskDefinition/executionRoleArn",
                    format!(
                        "executionRoleArn `{written}` is not the bundle's execution role `{role_name}`: remove it (it is filled in) or set executionRole.name to that role"
                    ),
                ));
            }
            _ => {}
        }
        if let Some(obj) = td.as_object_mut() {
            obj.insert("executionRoleArn".into(), Value::String(role_arn.clone()));
        }
        let family = desired.task_definition.family.clone().unwrap_or_default();
        let trust = generate::trust_policy().to_value();
        let policy_name = execution_role::inline_policy_name(&family);
        let permission = generated.policy.to_value();
        let wants_inline = !generated.is_empty();
        let want_managed = desired
            .execution_role
            .attach_managed_policy
            .unwrap_or_else(|| generate::managed_policy_recommendation(&desired.task_definition, &options).is_some());
        match &observed.role {
            None if !desired.execution_role.create => self.problems.push(plan_diagnostic(
                "EP021",
                "/executionRole/name",
                format!(
                    "role `{role_name}` does not exist and executionRole.create is false: create it or set create to true"
                ),
            )),
            None => self.steps.push(write_step(
                format!("create-role:{role_name}"),
                format!("Create IAM role {role_name}"),
                "the execution role does not exist".into(),
                StepAction::CreateRole { role_name: role_name.clone(), trust_policy: trust.clone() },
            )),
            Some(role) if !same_document(&role.trust_policy, &trust) => self.steps.push(write_step(
                format!("update-trust-policy:{role_name}"),
                format!("Update the trust policy of {role_name}"),
                "the trust policy does not let ecs-tasks.amazonaws.com (and only it) assume the role".into(),
                StepAction::UpdateTrustPolicy { role_name: role_name.clone(), trust_policy: trust.clone() },
            )),
            Some(_) => {}
        }
        let current_inline = observed.role.as_ref().and_then(|r| r.inline_policies.get(&policy_name));
        if wants_inline && !current_inline.is_some_and(|doc| same_document(doc, &permission)) {
            self.steps.push(write_step(
                format!("put-role-policy:{role_name}/{policy_name}"),
                format!("Put inline policy {policy_name} on {role_name}"),
                if current_inline.is_some() {
                    "the inline policy differs from what the references need".into()
                } else {
                    "the role has no policy granting read access to the referenced secrets".into()
                },
                StepAction::PutRolePolicy {
                    role_name: role_name.clone(),
                    policy_name: policy_name.clone(),
                    policy: permission.clone(),
                },
            ));
        }
        let attached = observed
            .role
            .as_ref()
            .is_some_and(|r| r.attached_policies.iter().any(|p| p.arn == generate::EXECUTION_ROLE_MANAGED_POLICY));
        if want_managed && !attached {
            self.steps.push(write_step(
                format!("attach-managed-policy:{role_name}"),
                format!("Attach AmazonECSTaskExecutionRolePolicy to {role_name}"),
                if desired.execution_role.attach_managed_policy == Some(true) {
                    "the bundle asks for it".into()
                } else {
                    "the task pulls from ECR or logs with awslogs, which need it".into()
                },
                StepAction::AttachManagedPolicy {
                    role_name: role_name.clone(),
                    policy_arn: generate::EXECUTION_ROLE_MANAGED_POLICY.into(),
                },
            ));
        }
        RolePlan { arn: role_arn, policy_name, permission, wants_inline, kms_keys }
    }

    /// Pre-flight: the role's policies as they will be after this plan,
    /// evaluated by `iam::access` against every reference. Returns the
    /// report and the names of the policies it evaluated.
    fn preflight(
        &mut self,
        resolved: &crate::task_def::TaskDefinition,
        role: &RolePlan,
    ) -> (AccessReport, Vec<String>) {
        let observed = self.observed;
        let mut preflight_policies: Vec<String> = Vec::new();
        let mut documents: Vec<PolicyDocument> = Vec::new();
        let mut add = |name: String, doc: &Value, problems: &mut Vec<Diagnostic>| match PolicyDocument::from_value(doc)
        {
            Ok(parsed) => {
                preflight_policies.push(name);
                documents.push(parsed);
            }
            Err(e) => problems.push(plan_diagnostic(
                "EP014",
                "/executionRole",
                format!("{name} of the role cannot be read ({e}); the pre-flight check ignores it"),
            )),
        };
        if let Some(observed_role) = &observed.role {
            for (name, doc) in &observed_role.inline_policies {
                if *name != role.policy_name {
                    add(format!("inline policy {name}"), doc, &mut self.problems);
                }
            }
            for policy in &observed_role.attached_policies {
                if let Some(doc) = &policy.document {
                    add(format!("managed policy {}", policy.arn), doc, &mut self.problems);
                }
            }
        }
        if role.wants_inline {
            add(format!("inline policy {}", role.policy_name), &role.permission, &mut self.problems);
        }
        // What decides beside the role's own policies: key policies and the
        // secrets' resource policies observe read, and what it could not read.
        let mut resource_policies = BTreeMap::new();
        let keys_with_policy = observed.kms_keys.values().filter_map(|k| Some((&k.arn, k.policy.as_ref()?)));
        let secrets_with_policy = observed.secret_policies.iter().filter_map(|(arn, p)| Some((arn, p.as_ref()?)));
        for (arn, doc) in keys_with_policy.chain(secrets_with_policy) {
            match PolicyDocument::from_value(doc) {
                Ok(parsed) => {
                    resource_policies.insert(arn.clone(), parsed);
                }
                Err(e) => self.problems.push(Diagnostic::warning(
                    "EP014",
                    "/secrets",
                    format!("the policy of {arn} cannot be read ({e}); the pre-flight check treats it as unknown"),
                )),
            }
        }
        let check_context = CheckContext {
            location: self.location.clone(),
            kms_keys: role.kms_keys.clone(),
            principal: Some(role.arn.clone()),
            resource_policies,
            unreadable: observed.unreadable.clone(),
            ..CheckContext::default()
        };
        (access::check(resolved, &documents, &check_context), preflight_policies)
    }

    /// 4. The task definition revision: reuse the latest ACTIVE one when it
    ///    is the same after normalisation, else register.
    fn revision(&mut self, td: &Value) -> RevisionPlan {
        let observed = self.observed;
        let family = self.desired.task_definition.family.clone().unwrap_or_default();
        let current = observed.task_definition.as_ref().map(|t| t.arn.clone());
        let same = observed
            .task_definition
            .as_ref()
            .is_some_and(|t| crate::revision_compare::same_revision(td, &t.task_definition));
        if !same {
            self.steps.push(write_step(
                format!("register-task-definition:{family}"),
                format!("Register a new revision of {family}"),
                match &observed.task_definition {
                    None => format!("the family {family} has no ACTIVE revision"),
                    Some(t) => format!("the task definition differs from the latest ACTIVE revision {}", t.arn),
                },
                StepAction::RegisterTaskDefinition { family: family.clone(), task_definition: td.clone() },
            ));
        }
        RevisionPlan { current, registering: !same }
    }

    /// 5. Services. A write to the role's permissions counts like a written
    ///    secret value: tasks that failed to read their secrets are only
    ///    retried on ECS's back-off, so a forced deployment starts them now.
    ///    One wait for stability per cluster follows any update.
    fn services(&mut self, revision: &RevisionPlan, wrote_values: bool) {
        let (registering, current_revision) = (revision.registering, &revision.current);
        let wrote_role_permissions = self.steps.iter().any(|s| {
            matches!(
                s.action,
                StepAction::PutRolePolicy { .. }
                    | StepAction::AttachManagedPolicy { .. }
                    | StepAction::UpdateTrustPolicy { .. }
            )
        });
        let mut updated_clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, spec) in self.desired.services.iter().enumerate() {
            let found = self.observed.services.iter().find(|s| s.cluster == spec.cluster && s.service == spec.service);
            let Some(service) = found.filter(|s| s.found && s.status.as_deref() == Some("ACTIVE")) else {
                self.problems.push(plan_diagnostic("EP030", format!("/services/{i}"),
                    format!(
                        "service `{}` in cluster `{}` does not exist or is not ACTIVE: create it first or remove it from the bundle",
                        spec.service, spec.cluster
                    ),
                ));
                continue;
            };
            let running_other = !registering && service.task_definition != *current_revision;
            let reason = if registering {
                Some("a new revision is registered".to_owned())
            } else if running_other {
                Some(format!(
                    "the service runs {} instead of {}",
                    service.task_definition.as_deref().unwrap_or("nothing"),
                    current_revision.as_deref().unwrap_or("-")
                ))
            } else if wrote_values && spec.force_new_deployment {
                Some("a secret value was written and running tasks keep the old one until replaced".to_owned())
            } else if wrote_role_permissions && spec.force_new_deployment {
                Some(
                    "the execution role's permissions changed and tasks read their secrets only when they start"
                        .to_owned(),
                )
            } else {
                None
            };
            if let Some(reason) = reason {
                self.steps.push(write_step(
                    format!("update-service:{}/{}", spec.cluster, spec.service),
                    format!("Update service {} in {}", spec.service, spec.cluster),
                    reason,
                    StepAction::UpdateService {
                        cluster: spec.cluster.clone(),
                        service: spec.service.clone(),
                        force_new_deployment: spec.force_new_deployment,
                        task_definition: if registering { None } else { current_revision.clone() },
                    },
                ));
                updated_clusters.entry(spec.cluster.clone()).or_default().push(spec.service.clone());
            }
        }
        for (cluster, services) in updated_clusters {
            self.steps.push(Step {
                id: format!("wait-services-stable:{cluster}"),
                title: format!("Wait for {} in {cluster} to be stable", services.join(", ")),
                reason: "the new tasks must start (and read their secrets) before the deployment counts as done".into(),
                writes: 0,
                action: StepAction::WaitServicesStable { cluster, services },
            });
        }
    }
}

/// What IAM returned is compared as a policy: reformatting is no change,
/// and a document that does not parse is rewritten.
fn same_document(observed: &Value, wanted: &Value) -> bool {
    match (PolicyDocument::from_value(observed), PolicyDocument::from_value(wanted)) {
        (Ok(observed), Ok(wanted)) => observed.same_as(&wanted),
        _ => false,
    }
}

/// The secrets a plan creates, with the ARN forms apply must resolve.
pub fn pending_secret_arns(plan: &Plan, region: &str, account: &str) -> BTreeMap<String, PendingSecretArn> {
    let loc = ArnLocation::new(region, account);
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::CreateSecret { name, .. } => Some((name.clone(), PendingSecretArn::new(&loc, name))),
            _ => None,
        })
        .collect()
}

fn plan_secret(
    index: usize,
    spec: &SecretSpec,
    observed: &Observed,
    values_present: &BTreeSet<String>,
    steps: &mut Vec<Step>,
    problems: &mut Vec<Diagnostic>,
    created: &mut BTreeSet<(Store, String)>,
) {
    let path = format!("/secrets/{index}");
    let (exists, kind) = match spec.store {
        Store::Ssm => (matches!(observed.parameters.get(&spec.name), Some(Some(_))), "SSM parameter"),
        Store::SecretsManager => (matches!(observed.secrets.get(&spec.name), Some(Some(_))), "secret"),
    };
    let has_value = values_present.contains(&spec.name);
    if exists {
        if has_value {
            problems.push(plan_diagnostic(
                "EP003",
                &path,
                format!("{kind} `{}` exists: its value is left unchanged (the supplied value is not used)", spec.name),
            ));
        }
        if let Store::Ssm = spec.store
            && let Some(Some(p)) = observed.parameters.get(&spec.name)
            && p.parameter_type != "SecureString"
        {
            problems.push(plan_diagnostic(
                "EP004",
                &path,
                format!(
                    "parameter `{}` is a {}, not a SecureString: its value is stored unencrypted",
                    spec.name, p.parameter_type
                ),
            ));
        }
        return;
    }
    if !spec.create {
        problems.push(plan_diagnostic(
            "EP005",
            &path,
            format!(
                "{kind} `{}` does not exist and create is false: create it, or set create to true and supply a value",
                spec.name
            ),
        ));
        return;
    }
    if !has_value {
        problems.push(plan_diagnostic(
            "EP006",
            &path,
            format!(
                "{kind} `{}` does not exist: supply its value (--values FILE or the prompt) so it can be created",
                spec.name
            ),
        ));
        return;
    }
    created.insert((spec.store, spec.name.clone()));
    let key = spec.kms_key_id.as_ref().map(|k| format!(" with KMS key {k}")).unwrap_or_default();
    let (id, title, action) = match spec.store {
        Store::Ssm => (
            format!("{CREATE_PARAMETER}{}", spec.name),
            format!("Create SecureString parameter {}{key}", spec.name),
            StepAction::CreateParameter {
                name: spec.name.clone(),
                kms_key_id: spec.kms_key_id.clone(),
                description: spec.description.clone(),
            },
        ),
        Store::SecretsManager => (
            format!("{CREATE_SECRET}{}", spec.name),
            format!("Create secret {}{key}", spec.name),
            StepAction::CreateSecret {
                name: spec.name.clone(),
                kms_key_id: spec.kms_key_id.clone(),
                description: spec.description.clone(),
            },
        ),
    };
    steps.push(write_step(id, title, format!("the {kind} does not exist and a value was supplied"), action));
}

fn write_step(id: String, title: String, reason: String, action: StepAction) -> Step {
    Step { id, title, reason, writes: 1, action }
}

/// A reference to a secret that does not exist. `None` when the bundle
/// lists that secret: its own entry already reports the problem.
fn missing_reference(path: &str, kind: &str, name: &str, bundle: &Bundle) -> Option<Diagnostic> {
    let listed = bundle.secrets.iter().any(|s| s.name == name);
    (!listed).then(|| {
        plan_diagnostic("EP012", path,
            format!("the {kind} `{name}` does not exist: add it to the bundle's secrets with create: true, or fix the reference"),
        )
    })
}

fn known_secret_arn(observed: &Observed, id: &str) -> Option<String> {
    observed.secrets.get(id).cloned().flatten().map(|s| s.arn)
}

/// Customer-managed KMS key ARNs by secret name, from the bundle (what will
/// be used to create) or from what AWS reports for existing values. AWS
/// managed keys need no grant and are left out; an alias is granted on the
/// key observe resolved it to (an unresolved alias gets a warning).
fn kms_keys(
    desired: &Bundle,
    observed: &Observed,
    local: &ArnLocation,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let mut add =
        |name: &str, key: &str, path: String, problems: &mut Vec<Diagnostic>| match generate::customer_managed_key_arn(
            key, local,
        ) {
            Ok(arn) => {
                keys.entry(name.to_owned()).or_insert(arn);
            }
            Err(generate::KmsKeyProblem::AwsManaged(_)) => {}
            // A pattern would widen the role's grant: refuse, never warn.
            Err(problem @ generate::KmsKeyProblem::Wildcard(_)) => problems
                .push(Diagnostic { severity: Severity::Error, ..plan_diagnostic("EP011", path, problem.to_string()) }),
            // An alias DescribeKey resolved is granted on its key's ARN.
            Err(generate::KmsKeyProblem::Alias(_)) if observed.kms_keys.contains_key(key) => {
                let found = &observed.kms_keys[key];
                if !found.is_aws_managed() {
                    keys.entry(name.to_owned()).or_insert_with(|| found.arn.clone());
                }
            }
            Err(problem) => problems.push(plan_diagnostic("EP011", path, problem.to_string())),
        };
    for (i, spec) in desired.secrets.iter().enumerate() {
        if let Some(key) = &spec.kms_key_id {
            add(&spec.name, key, format!("/secrets/{i}/kmsKeyId"), problems);
        }
    }
    for (name, parameter) in &observed.parameters {
        if let Some(key) = parameter.as_ref().and_then(|p| p.kms_key_id.as_deref()) {
            add(name, key, "/secrets".into(), problems);
        }
    }
    for (name, secret) in &observed.secrets {
        if let Some(key) = secret.as_ref().and_then(|s| s.kms_key_id.as_deref()) {
            add(name, key, "/secrets".into(), problems);
        }
    }
    keys
}
