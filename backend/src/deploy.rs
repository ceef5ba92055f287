//! observe → plan → apply, the three visible steps of a deployment.
//!
//! [`plan`] reads AWS ([`Aws::observe`]) and hands the plain data to the
//! pure [`shared::plan::plan`]. [`apply`] does the same again (so a retry
//! after a partial failure converges on what is really there), refuses a
//! blocked plan, then executes the steps in order, streaming
//! [`ProgressEvent`]s, and stops at the first failure. Applies of one
//! family are serialised process-wide.
//!
//! Waiting for the services is a watch of the deployments apply started
//! ([`shared::watch`]): the first new task that stops because it could not
//! start (a secret it cannot read, an image it cannot pull) or a rollout
//! ECS marks failed ends the wait at once, with the stopped reason decoded
//! into its cause and fix, instead of after the timeout.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use shared::bundle::{Bundle, SecretValues};
use shared::iam::DecisionKind;
use shared::iam::access::VerdictStatus;
use shared::observed::Observed;
use shared::plan::{ApplyReport, FailedStep, PendingSecretArn, Plan, ProgressEvent, Step, StepAction};
use shared::secret_ref::Store;
use shared::watch::{WatchFailure, WatchState, WatchTarget};
use tokio::sync::mpsc;

use crate::aws::{Aws, AwsError, CallCounts};

/// A plan and what it was made from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOutcome {
    pub plan: Plan,
    pub observed: Observed,
    /// AWS calls made to observe (all reads).
    pub calls: CallCounts,
}

impl PlanOutcome {
    /// Names of secrets that will be created once a value is supplied: the
    /// ones to ask for.
    pub fn values_needed(&self, bundle: &Bundle, present: &BTreeSet<String>) -> Vec<String> {
        bundle
            .secrets
            .iter()
            .filter(|s| s.create && !present.contains(&s.name))
            .filter(|s| match s.store {
                Store::Ssm => !matches!(self.observed.parameters.get(&s.name), Some(Some(_))),
                Store::SecretsManager => !matches!(self.observed.secrets.get(&s.name), Some(Some(_))),
            })
            .map(|s| s.name.clone())
            .collect()
    }

    /// Plans again from the same observation (planning is pure: no AWS
    /// call), for a caller that now holds the values of `value_names`.
    pub fn replan(&mut self, bundle: &Bundle, value_names: &BTreeSet<String>) {
        self.plan = shared::plan::plan(bundle, &self.observed, value_names);
    }

    /// Plans as if every missing secret marked `create` will get its value
    /// at apply time: what `ecs-secrets plan` without `--values` and the
    /// UI's Plan (which sends values only with Apply) show.
    pub fn assume_values_at_apply(&mut self, bundle: &Bundle) {
        let needed = self.values_needed(bundle, &BTreeSet::new()).into_iter().collect();
        self.replan(bundle, &needed);
    }
}

/// Why a deployment could not start (or a plan not be computed). Not the
/// server's [`crate::server::DeployError`], which is what the UI is shown.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("the plan is blocked: {}", blocked_summary(.0))]
    Blocked(Box<Plan>),
}

fn blocked_summary(plan: &Plan) -> String {
    let mut reasons: Vec<String> = plan.errors().map(|d| format!("{}: {}", d.path, d.message)).collect();
    reasons.extend(plan.preflight.problems().filter(|r| r.status == VerdictStatus::Denied).map(|r| {
        let denied: Vec<String> = r
            .checks
            .iter()
            .filter(|c| c.decision != DecisionKind::Allowed)
            .map(|c| format!("{} on {}", c.action, c.resource))
            .collect();
        format!("{}: the execution role would be denied {}", r.path, denied.join(", "))
    }));
    reasons.join("; ")
}

/// How long apply and rotate wait, unless told otherwise (`--wait-timeout`),
/// for the services' new deployments to become stable.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(600);

/// Tunables of apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// How long to wait for services to become stable.
    pub stable_timeout: Duration,
    pub poll_interval: Duration,
    /// Attempts at RegisterTaskDefinition right after the role was created
    /// (IAM is eventually consistent; ECS may not see the new role yet).
    pub register_attempts: u32,
    pub register_retry_delay: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            stable_timeout: WAIT_TIMEOUT,
            poll_interval: Duration::from_secs(5),
            register_attempts: 5,
            register_retry_delay: Duration::from_secs(3),
        }
    }
}

/// Observes AWS and plans `bundle`. `value_names` are the secrets whose
/// values the caller holds.
pub async fn plan(aws: &Aws, bundle: &Bundle, value_names: &BTreeSet<String>) -> Result<PlanOutcome, StartError> {
    let before = aws.calls();
    let observed = aws.observe(bundle).await?;
    let plan = shared::plan::plan(bundle, &observed, value_names);
    let after = aws.calls();
    let calls = CallCounts { reads: after.reads - before.reads, writes: after.writes - before.writes };
    Ok(PlanOutcome { plan, observed, calls })
}

/// Applies `bundle` with default [`ApplyOptions`].
pub async fn apply(
    aws: &Aws,
    bundle: &Bundle,
    values: &SecretValues,
    progress: mpsc::Sender<ProgressEvent>,
) -> Result<ApplyReport, StartError> {
    apply_with(aws, bundle, values, progress, &ApplyOptions::default()).await
}

/// Observes, plans and executes. `Err` only when nothing was written (AWS
/// could not be read, or the plan is blocked); once a step ran, the outcome
/// is an [`ApplyReport`] listing the completed steps.
pub async fn apply_with(
    aws: &Aws,
    bundle: &Bundle,
    values: &SecretValues,
    progress: mpsc::Sender<ProgressEvent>,
    options: &ApplyOptions,
) -> Result<ApplyReport, StartError> {
    let family = bundle.task_definition.family.clone().unwrap_or_default();
    let lock = family_lock(&format!("{}/{}", bundle.region, family));
    let _guard = lock.lock().await;

    let names: BTreeSet<String> = values.names().map(str::to_owned).collect();
    let outcome = plan(aws, bundle, &names).await?;
    if outcome.plan.is_blocked() {
        return Err(StartError::Blocked(Box::new(outcome.plan)));
    }
    let account = bundle.account_id.clone().unwrap_or_else(|| outcome.observed.caller.account.clone());
    let mut run = Run {
        aws,
        values,
        options,
        progress,
        pending: shared::plan::pending_secret_arns(&outcome.plan, &bundle.region, &account),
        resolved: BTreeMap::new(),
        registered: None,
        previous_revision: outcome.plan.current_revision.clone(),
        role_created: false,
        targets: BTreeMap::new(),
        context: shared::Context::new(bundle.region.parse().ok(), account.parse().ok()),
    };
    let writes_before = aws.calls().writes;
    let mut completed = Vec::new();
    for step in &outcome.plan.steps {
        run.send(ProgressEvent::Started { step_id: step.id.clone(), title: step.title.clone() }).await;
        match run.execute(step).await {
            Ok(detail) => {
                run.send(ProgressEvent::Done { step_id: step.id.clone(), detail }).await;
                completed.push(step.id.clone());
            }
            Err(err) => {
                let (message, request_id, cause) = match err {
                    StepError::Aws(err) => (err.to_string(), err.request_id().map(str::to_owned), None),
                    StepError::Watch(failure) => (failure.summary(), None, Some(failure)),
                };
                run.send(ProgressEvent::Failed {
                    step_id: step.id.clone(),
                    message: message.clone(),
                    request_id: request_id.clone(),
                })
                .await;
                return Ok(ApplyReport {
                    success: false,
                    completed,
                    failed: Some(FailedStep { step_id: step.id.clone(), message, request_id, cause }),
                    task_definition_arn: run.registered.or(outcome.plan.current_revision),
                    writes: aws.calls().writes - writes_before,
                });
            }
        }
    }
    Ok(ApplyReport {
        success: true,
        completed,
        failed: None,
        task_definition_arn: run.registered.or(outcome.plan.current_revision),
        writes: aws.calls().writes - writes_before,
    })
}

/// One process-wide async mutex per family: two applies of the same family
/// would otherwise race to register revisions and update services.
fn family_lock(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    locks.entry(key.to_owned()).or_default().clone()
}

/// The state of one apply while it runs.
struct Run<'a> {
    aws: &'a Aws,
    values: &'a SecretValues,
    options: &'a ApplyOptions,
    progress: mpsc::Sender<ProgressEvent>,
    /// Secrets this plan creates, by name, with their placeholder ARNs.
    pending: BTreeMap<String, PendingSecretArn>,
    /// Full ARNs of the secrets created so far.
    resolved: BTreeMap<String, String>,
    registered: Option<String>,
    /// The latest ACTIVE revision when apply observed.
    previous_revision: Option<String>,
    role_created: bool,
    /// The deployments started by UpdateService steps, by (cluster, service).
    targets: BTreeMap<(String, String), WatchTarget>,
    /// Region and account, for decoding stopped reasons.
    context: shared::Context,
}

/// Why a step failed: an AWS call, or the deployment it watched.
#[derive(Debug)]
enum StepError {
    Aws(AwsError),
    Watch(Box<WatchFailure>),
}

impl From<AwsError> for StepError {
    fn from(err: AwsError) -> Self {
        StepError::Aws(err)
    }
}

impl Run<'_> {
    async fn send(&self, event: ProgressEvent) {
        // A receiver that went away (closed browser tab) must not stop apply.
        let _ = self.progress.send(event).await;
    }

    /// Swaps the created secrets' real ARNs into a document.
    fn resolve(&self, doc: &mut serde_json::Value) {
        for (name, full) in &self.resolved {
            if let Some(pending) = self.pending.get(name) {
                pending.resolve(doc, full);
            }
        }
    }

    fn value(&self, name: &str) -> Result<&secrecy::SecretString, AwsError> {
        self.values.get(name).ok_or_else(|| AwsError::Unexpected {
            operation: "apply",
            message: format!("no value for `{name}` (the plan needed one)"),
        })
    }

    async fn execute(&mut self, step: &Step) -> Result<Option<String>, StepError> {
        let aws = self.aws;
        match &step.action {
            StepAction::CreateParameter { name, kms_key_id, description } => {
                aws.put_parameter(name, self.value(name)?, kms_key_id.as_deref(), description.as_deref()).await?;
                Ok(None)
            }
            StepAction::CreateSecret { name, kms_key_id, description } => {
                let arn =
                    aws.create_secret(name, self.value(name)?, kms_key_id.as_deref(), description.as_deref()).await?;
                self.resolved.insert(name.clone(), arn.clone());
                Ok(Some(arn))
            }
            StepAction::CreateRole { role_name, trust_policy } => {
                let arn = aws.create_role(role_name, trust_policy).await?;
                self.role_created = true;
                Ok(Some(arn))
            }
            StepAction::UpdateTrustPolicy { role_name, trust_policy } => {
                aws.update_trust_policy(role_name, trust_policy).await?;
                Ok(None)
            }
            StepAction::PutRolePolicy { role_name, policy_name, policy } => {
                let mut policy = policy.clone();
                self.resolve(&mut policy);
                aws.put_role_policy(role_name, policy_name, &policy).await?;
                Ok(None)
            }
            StepAction::AttachManagedPolicy { role_name, policy_arn } => {
                aws.attach_role_policy(role_name, policy_arn).await?;
                Ok(None)
            }
            StepAction::RegisterTaskDefinition { task_definition, .. } => {
                let mut td = task_definition.clone();
                self.resolve(&mut td);
                let arn = self.register(&td).await?;
                self.registered = Some(arn.clone());
                Ok(Some(arn))
            }
            StepAction::UpdateService { cluster, service, force_new_deployment, task_definition } => {
                let target = task_definition.clone().or_else(|| self.registered.clone());
                // The tasks already there are not the new deployment's.
                let known_tasks = aws.watched_tasks(cluster, service).await?.into_iter().map(|t| t.task_arn).collect();
                let started = aws.update_service(cluster, service, target.as_deref(), *force_new_deployment).await?;
                let watch = WatchTarget {
                    deployment_id: started.id,
                    // The revision asked for; else what the answer says it deploys.
                    task_definition: target.clone().or(started.task_definition),
                    known_tasks,
                };
                self.targets.insert((cluster.clone(), service.clone()), watch);
                Ok(target)
            }
            StepAction::WaitServicesStable { cluster, services } => self.wait_stable(&step.id, cluster, services).await,
        }
    }

    /// RegisterTaskDefinition, retried a few times when the role was just
    /// created and ECS does not accept it yet.
    async fn register(&self, td: &serde_json::Value) -> Result<String, AwsError> {
        let mut attempt = 1;
        loop {
            match self.aws.register_task_definition(td, self.previous_revision.as_deref()).await {
                Err(err) if self.role_created && attempt < self.options.register_attempts && role_not_ready(&err) => {
                    tracing::info!(attempt, "the new role is not usable by ECS yet; retrying RegisterTaskDefinition");
                    tokio::time::sleep(self.options.register_retry_delay * attempt).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Watches the deployments of `services` until every one succeeded
    /// ([`WatchState::Succeeded`]), one failed (at once, with its cause), or
    /// the timeout. Each change of a service's state is streamed as a
    /// [`ProgressEvent::Watching`].
    async fn wait_stable(
        &self,
        step_id: &str,
        cluster: &str,
        services: &[String],
    ) -> Result<Option<String>, StepError> {
        let started = Instant::now();
        let mut last: BTreeMap<&str, String> = BTreeMap::new();
        loop {
            let mut waiting = Vec::new();
            for service in services {
                let observation = self.aws.observe_service_tasks(cluster, service).await?;
                let target = self.targets.get(&(cluster.to_owned(), service.clone())).cloned().unwrap_or_default();
                let assessment = shared::watch::assess(&observation, &target, &self.context);
                if last.get(service.as_str()) != Some(&assessment.summary) {
                    self.send(ProgressEvent::Watching {
                        step_id: step_id.to_owned(),
                        message: assessment.summary.clone(),
                    })
                    .await;
                    last.insert(service, assessment.summary.clone());
                }
                match (assessment.state, assessment.failure) {
                    (WatchState::Failed, Some(failure)) => return Err(StepError::Watch(Box::new(failure))),
                    (WatchState::Succeeded, _) => {}
                    _ => waiting.push(assessment.summary),
                }
            }
            if waiting.is_empty() {
                return Ok(Some(format!("stable after {}s", started.elapsed().as_secs())));
            }
            if started.elapsed() >= self.options.stable_timeout {
                return Err(StepError::Aws(AwsError::Unexpected {
                    operation: "wait for services-stable",
                    message: format!(
                        "not stable after {}s: {}; the update was made, check the service events",
                        self.options.stable_timeout.as_secs(),
                        waiting.join("; ")
                    ),
                }));
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }
}

/// ECS rejects a freshly created role for a few seconds
/// (`ClientException: Role is not valid` / unable to assume).
fn role_not_ready(err: &AwsError) -> bool {
    err.code() == Some("ClientException") && err.to_string().to_ascii_lowercase().contains("role")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_error(code: &str, message: &str) -> AwsError {
        AwsError::Call {
            operation: "ecs:RegisterTaskDefinition",
            code: Some(code.into()),
            message: format!("{code}: {message}"),
            request_id: None,
        }
    }

    #[test]
    fn only_role_rejections_are_retried() {
        assert!(role_not_ready(&call_error("ClientException", "Role is not valid")));
        assert!(role_not_ready(&call_error("ClientException", "ECS was unable to assume the role 'arn:…'")));
        assert!(!role_not_ready(&call_error("ClientException", "Fargate does not support pidMode 'host'")));
        assert!(!role_not_ready(&call_error(
            "AccessDeniedException",
            "not authorized to perform iam:PassRole on role"
        )));
    }

    #[tokio::test]
    async fn one_lock_per_family() {
        let a = family_lock("eu-west-1/web");
        let b = family_lock("eu-west-1/web");
        let other = family_lock("eu-west-1/api");
        let _held = a.lock().await;
        assert!(b.try_lock().is_err(), "the same family must wait");
        assert!(other.try_lock().is_ok(), "another family must not");
    }
}
