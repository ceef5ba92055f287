//! Watching a deployment: what ECS reports about a service (its
//! deployments, events and tasks) in, progressing / succeeded / failed out.
//!
//! A deploy that cannot fetch a secret does not fail in the waiter: ECS
//! starts a task, the task stops with `TaskFailedToStart` and a
//! `ResourceInitializationError`, and ECS tries again, for as long as the
//! waiter waits. [`assess`] looks at the tasks of the deployment being
//! watched and calls the deployment failed at the first task that stopped
//! that way, with the stopped reason run through [`crate::decode`] for the
//! explanation and the fix. A deployment whose rollout ECS itself marked
//! `FAILED` (the circuit breaker, with or without a rollback) fails too.
//!
//! Which tasks belong to the deployment: a service's tasks carry
//! `group: service:<name>` and `startedBy: <deployment id>` (`ecs-svc/…`).
//! A task started by the watched deployment is its own; so is a task that
//! was not there before the deployment started, runs the deployment's task
//! definition and was not started by another listed deployment (the
//! deployment id is not always known, and emulators start tasks as they
//! please).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::decode::{Decoded, decode_with};
use crate::observed::{ObservedDeployment, ObservedService, TaskSnapshot};

/// How the watch reads a task.
impl TaskSnapshot {
    pub fn is_stopped(&self) -> bool {
        self.last_status.as_deref() == Some("STOPPED")
    }

    pub fn is_running(&self) -> bool {
        self.last_status.as_deref() == Some("RUNNING")
    }

    /// The reason the task stopped: its own, or a container's when the
    /// task's says nothing.
    pub fn reason(&self) -> Option<&str> {
        self.stopped_reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .or_else(|| self.container_reasons.iter().map(String::as_str).find(|r| !r.trim().is_empty()))
    }

    /// Whether the task stopped because it could not start: `stopCode`
    /// `TaskFailedToStart`, or a reason naming one of ECS's start errors.
    pub fn failed_to_start(&self) -> bool {
        if !self.is_stopped() {
            return false;
        }
        if self.stop_code.as_deref() == Some("TaskFailedToStart") {
            return true;
        }
        let reasons = self.stopped_reason.iter().chain(&self.container_reasons);
        reasons.map(|r| r.trim_start()).any(|r| START_ERRORS.iter().any(|e| r.starts_with(e)))
    }
}

/// The error names ECS puts at the start of a stopped reason when a task
/// could not start (the agent's `apierrors` and the Fargate equivalents).
pub const START_ERRORS: &[&str] = &[
    "ResourceInitializationError",
    "CannotPullContainerError",
    "CannotStartContainerError",
    "CannotCreateVolumeError",
    "CannotInspectContainerError",
    "ContainerRuntimeError",
    "ContainerRuntimeTimeoutError",
    "TaskFailedToStart",
];

/// The deployment being watched, as apply knows it once UpdateService
/// answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchTarget {
    /// The id of the deployment UpdateService started (`ecs-svc/…`).
    pub deployment_id: Option<String>,
    /// The task definition it deploys.
    pub task_definition: Option<String>,
    /// The ARNs of the service's tasks seen before the deployment started.
    pub known_tasks: BTreeSet<String>,
}

/// Where a deployment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WatchState {
    Progressing,
    Succeeded,
    Failed,
}

/// Why a deployment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureKind {
    /// A new task stopped before it ran (`TaskFailedToStart`).
    TaskFailedToStart,
    /// ECS marked the rollout `FAILED` and rolled back to an earlier
    /// deployment (the circuit breaker's rollback).
    RolledBack,
    /// ECS marked the rollout `FAILED` (the circuit breaker without rollback).
    DeploymentFailed,
    /// The service does not exist (any more).
    ServiceMissing,
}

/// A failed deployment: what failed, the stopped reason, and its decoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchFailure {
    pub cluster: String,
    pub service: String,
    pub kind: FailureKind,
    /// The task that stopped, for [`FailureKind::TaskFailedToStart`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<String>,
    /// The stopped reason, the rollout state reason or the service event
    /// that says what happened.
    pub reason: String,
    /// The decoder's explanation and fix for a stopped task's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<Decoded>,
}

impl WatchFailure {
    /// One sentence for a progress line or a report.
    pub fn summary(&self) -> String {
        let what = match self.kind {
            FailureKind::TaskFailedToStart => {
                let task = self.task_arn.as_deref().map(short_task_id).unwrap_or("?");
                format!("a new task ({task}) of {}/{} failed to start", self.cluster, self.service)
            }
            FailureKind::RolledBack => {
                format!("the deployment of {}/{} failed and was rolled back", self.cluster, self.service)
            }
            FailureKind::DeploymentFailed => format!("the deployment of {}/{} failed", self.cluster, self.service),
            FailureKind::ServiceMissing => format!("the service {}/{} does not exist", self.cluster, self.service),
        };
        match &self.decoded {
            Some(d) if d.cause != crate::decode::Cause::Unknown => {
                format!("{what}: {} — {}", d.cause.label(), self.reason)
            }
            _ => format!("{what}: {}", self.reason),
        }
    }
}

/// The last part of a task ARN (`…/task/prod/0123abcd` → `0123abcd`).
pub fn short_task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Where one deployment stands, and what was seen on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub state: WatchState,
    /// The deployment's own tasks (see the module docs), by ARN.
    pub new_tasks: Vec<String>,
    /// How many of them run.
    pub new_running: usize,
    /// One line on where it stands (`prod/web: 0 of 1 running, 1 new task`).
    pub summary: String,
    pub failure: Option<WatchFailure>,
}

/// Assesses the deployment `target` of a service. `ctx` (region, account)
/// helps the decoder complete what a stopped reason leaves out.
pub fn assess(observation: &ObservedService, target: &WatchTarget, ctx: &Context) -> Assessment {
    let name = format!("{}/{}", observation.cluster, observation.service);
    if !observation.found {
        let failure = WatchFailure {
            cluster: observation.cluster.clone(),
            service: observation.service.clone(),
            kind: FailureKind::ServiceMissing,
            task_arn: None,
            stop_code: None,
            reason: "DescribeServices does not find it: check the cluster and service names".to_owned(),
            decoded: None,
        };
        return Assessment {
            state: WatchState::Failed,
            new_tasks: Vec::new(),
            new_running: 0,
            summary: failure.summary(),
            failure: Some(failure),
        };
    }
    let ours = watched_deployment(observation, target);
    let new_tasks: Vec<&TaskSnapshot> =
        observation.tasks.iter().filter(|t| belongs(t, observation, target, ours)).collect();
    let new_running = new_tasks.iter().filter(|t| t.is_running()).count();
    let base = Assessment {
        state: WatchState::Progressing,
        new_tasks: new_tasks.iter().map(|t| t.task_arn.clone()).collect(),
        new_running,
        summary: format!(
            "{name}: {} of {} running, {} deployment{}, {} new task{} ({new_running} running)",
            observation.running_count,
            observation.desired_count,
            observation.deployments.len(),
            if observation.deployments.len() == 1 { "" } else { "s" },
            new_tasks.len(),
            if new_tasks.len() == 1 { "" } else { "s" },
        ),
        failure: None,
    };

    if let Some(task) = new_tasks.iter().find(|t| t.failed_to_start()) {
        let reason = task.reason().unwrap_or("stopped without a reason").to_owned();
        let failure = WatchFailure {
            cluster: observation.cluster.clone(),
            service: observation.service.clone(),
            kind: FailureKind::TaskFailedToStart,
            task_arn: Some(task.task_arn.clone()),
            stop_code: task.stop_code.clone(),
            decoded: Some(decode_with(&reason, ctx)),
            reason,
        };
        return Assessment { state: WatchState::Failed, summary: failure.summary(), failure: Some(failure), ..base };
    }
    if let Some(deployment) = ours.filter(|d| d.rollout_state.as_deref() == Some("FAILED")) {
        let rolled_back = observation.deployments.iter().any(|d| d.status == "PRIMARY" && d.id != deployment.id)
            || rollback_event(observation, &deployment.id).is_some();
        let reason = deployment
            .rollout_state_reason
            .clone()
            .or_else(|| rollback_event(observation, &deployment.id).map(str::to_owned))
            .unwrap_or_else(|| "ECS marked the rollout FAILED".to_owned());
        let failure = WatchFailure {
            cluster: observation.cluster.clone(),
            service: observation.service.clone(),
            kind: if rolled_back { FailureKind::RolledBack } else { FailureKind::DeploymentFailed },
            task_arn: None,
            stop_code: None,
            reason,
            decoded: None,
        };
        return Assessment { state: WatchState::Failed, summary: failure.summary(), failure: Some(failure), ..base };
    }
    if let Some(id) = &target.deployment_id
        && ours.is_none()
        && let Some(event) = rollback_event(observation, id)
    {
        // The deployment is gone and an event says it was rolled back.
        let failure = WatchFailure {
            cluster: observation.cluster.clone(),
            service: observation.service.clone(),
            kind: FailureKind::RolledBack,
            task_arn: None,
            stop_code: None,
            reason: event.to_owned(),
            decoded: None,
        };
        return Assessment { state: WatchState::Failed, summary: failure.summary(), failure: Some(failure), ..base };
    }
    // What `aws ecs wait services-stable` checks, on the watched deployment.
    let stable = observation.is_stable() && ours.is_some_and(|d| d.status == "PRIMARY");
    Assessment { state: if stable { WatchState::Succeeded } else { WatchState::Progressing }, ..base }
}

/// The deployment being watched: the one with the target's id, else (id
/// unknown) the PRIMARY one.
fn watched_deployment<'a>(observation: &'a ObservedService, target: &WatchTarget) -> Option<&'a ObservedDeployment> {
    match &target.deployment_id {
        Some(id) => observation.deployments.iter().find(|d| &d.id == id),
        None => observation.deployments.iter().find(|d| d.status == "PRIMARY"),
    }
}

fn belongs(
    task: &TaskSnapshot,
    observation: &ObservedService,
    target: &WatchTarget,
    ours: Option<&ObservedDeployment>,
) -> bool {
    if !task.belongs_to(&observation.service) {
        return false;
    }
    let own_id = ours.map(|d| d.id.as_str()).or(target.deployment_id.as_deref());
    if own_id.is_some() && task.started_by.as_deref() == own_id {
        return true;
    }
    if target.known_tasks.contains(&task.task_arn) {
        return false;
    }
    let by_another = observation
        .deployments
        .iter()
        .any(|d| Some(d.id.as_str()) != own_id && task.started_by.as_deref() == Some(d.id.as_str()));
    let definition = target.task_definition.as_deref().or(ours.and_then(|d| d.task_definition.as_deref()));
    !by_another && definition.is_none_or(|td| task.task_definition_arn.as_deref() == Some(td))
}

/// A service event about a rollback of deployment `id` (or, when no event
/// names a deployment, about a circuit-breaker rollback at all).
fn rollback_event<'a>(observation: &'a ObservedService, id: &str) -> Option<&'a str> {
    observation.events.iter().map(|e| e.message.as_str()).find(|m| {
        let lower = m.to_ascii_lowercase();
        (lower.contains("rolling back") || lower.contains("rolled back") || lower.contains("circuit breaker"))
            && (m.contains(id) || !m.contains("ecs-svc/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::ServiceEvent;

    const REASON: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbCdEf from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/webExec/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action";

    fn deployment(id: &str, status: &str, td: &str, rollout: &str) -> ObservedDeployment {
        ObservedDeployment {
            id: id.into(),
            status: status.into(),
            task_definition: Some(td.into()),
            desired_count: 1,
            rollout_state: Some(rollout.into()),
            ..ObservedDeployment::default()
        }
    }

    fn task(arn: &str, started_by: &str, td: &str, status: &str) -> TaskSnapshot {
        TaskSnapshot {
            task_arn: arn.into(),
            group: Some("service:web".into()),
            started_by: Some(started_by.into()),
            task_definition_arn: Some(td.into()),
            last_status: Some(status.into()),
            ..TaskSnapshot::default()
        }
    }

    fn service(deployments: Vec<ObservedDeployment>, tasks: Vec<TaskSnapshot>) -> ObservedService {
        ObservedService {
            cluster: "prod".into(),
            service: "web".into(),
            found: true,
            desired_count: 1,
            running_count: 0,
            deployments,
            tasks,
            ..ObservedService::default()
        }
    }

    fn target(id: &str) -> WatchTarget {
        WatchTarget { deployment_id: Some(id.into()), task_definition: Some("web:2".into()), ..WatchTarget::default() }
    }

    #[test]
    fn a_new_task_that_failed_to_start_fails_the_deployment_with_the_decoded_cause() {
        let mut stopped = task("arn:task/prod/abc123", "ecs-svc/2", "web:2", "STOPPED");
        stopped.stop_code = Some("TaskFailedToStart".into());
        stopped.stopped_reason = Some(REASON.into());
        let obs = service(
            vec![
                deployment("ecs-svc/2", "PRIMARY", "web:2", "IN_PROGRESS"),
                deployment("ecs-svc/1", "ACTIVE", "web:1", "COMPLETED"),
            ],
            vec![task("arn:task/prod/old", "ecs-svc/1", "web:1", "RUNNING"), stopped],
        );
        let a = assess(&obs, &target("ecs-svc/2"), &Context::default());
        assert_eq!(a.state, WatchState::Failed);
        assert_eq!(a.new_tasks, ["arn:task/prod/abc123"]);
        let failure = a.failure.unwrap();
        assert_eq!(failure.kind, FailureKind::TaskFailedToStart);
        let decoded = failure.decoded.as_ref().unwrap();
        assert_eq!(decoded.cause, crate::decode::Cause::MissingPermission);
        assert_eq!(decoded.action.as_deref(), Some("secretsmanager:GetSecretValue"));
        assert!(decoded.fix.statement.is_some());
        assert!(
            failure.summary().contains("abc123") && failure.summary().contains("Missing permission"),
            "{}",
            failure.summary()
        );
    }

    #[test]
    fn start_errors_are_recognised_by_reason_without_a_stop_code() {
        // Emulators (and old agents) leave stopCode out.
        for reason in [REASON, "CannotPullContainerError: pull image manifest has been retried 5 time(s)"] {
            let mut t = task("arn:t", "ecs-svc/2", "web:2", "STOPPED");
            t.stopped_reason = Some(reason.into());
            assert!(t.failed_to_start(), "{reason}");
        }
        let mut scaled_in = task("arn:t", "ecs-svc/2", "web:2", "STOPPED");
        scaled_in.stop_code = Some("ServiceSchedulerInitiated".into());
        scaled_in.stopped_reason = Some("Scaling activity initiated by (deployment ecs-svc/2)".into());
        assert!(!scaled_in.failed_to_start());
        let mut running = task("arn:t", "ecs-svc/2", "web:2", "RUNNING");
        running.stopped_reason = Some(REASON.into());
        assert!(!running.failed_to_start(), "a running task has not failed");
        let mut container_only = task("arn:t", "ecs-svc/2", "web:2", "STOPPED");
        container_only.container_reasons = vec!["CannotPullContainerError: access denied".into()];
        assert!(container_only.failed_to_start());
        assert_eq!(container_only.reason(), Some("CannotPullContainerError: access denied"));
    }

    #[test]
    fn old_tasks_and_other_services_do_not_count() {
        let mut old_failure = task("arn:task/prod/old", "ecs-svc/1", "web:1", "STOPPED");
        old_failure.stopped_reason = Some(REASON.into());
        let mut other = task("arn:task/prod/other", "ecs-svc/2", "web:2", "STOPPED");
        other.group = Some("service:api".into());
        other.stopped_reason = Some(REASON.into());
        let mut known = task("arn:task/prod/known", "ecs-svc/9", "web:2", "STOPPED");
        known.stopped_reason = Some(REASON.into());
        let obs = service(
            vec![
                deployment("ecs-svc/2", "PRIMARY", "web:2", "IN_PROGRESS"),
                deployment("ecs-svc/1", "ACTIVE", "web:1", "COMPLETED"),
            ],
            vec![old_failure, other, known],
        );
        let mut t = target("ecs-svc/2");
        t.known_tasks.insert("arn:task/prod/known".into());
        let a = assess(&obs, &t, &Context::default());
        assert_eq!(a.state, WatchState::Progressing, "{a:?}");
        assert!(a.new_tasks.is_empty());
    }

    #[test]
    fn without_a_deployment_id_new_tasks_of_the_target_revision_count() {
        let mut stopped = task("arn:task/prod/new", "somebody", "web:2", "STOPPED");
        stopped.stopped_reason = Some(REASON.into());
        let obs = service(vec![deployment("ecs-svc/2", "PRIMARY", "web:2", "IN_PROGRESS")], vec![stopped]);
        let t = WatchTarget { task_definition: Some("web:2".into()), ..WatchTarget::default() };
        assert_eq!(assess(&obs, &t, &Context::default()).state, WatchState::Failed);
    }

    #[test]
    fn a_rolled_back_deployment_fails() {
        let mut obs = service(
            vec![deployment("ecs-svc/3", "PRIMARY", "web:1", "IN_PROGRESS"), {
                let mut d = deployment("ecs-svc/2", "ACTIVE", "web:2", "FAILED");
                d.rollout_state_reason = Some("ECS deployment circuit breaker: tasks failed to start.".into());
                d
            }],
            Vec::new(),
        );
        obs.events.push(ServiceEvent {
            id: None,
            created_at: None,
            message: "(service web) rolling back to deployment ecs-svc/1.".into(),
        });
        let a = assess(&obs, &target("ecs-svc/2"), &Context::default());
        let failure = a.failure.unwrap();
        assert_eq!(failure.kind, FailureKind::RolledBack);
        assert!(failure.reason.contains("circuit breaker"), "{}", failure.reason);

        // Gone from the list, and an event names it.
        let mut gone = service(vec![deployment("ecs-svc/3", "PRIMARY", "web:1", "COMPLETED")], Vec::new());
        gone.events.push(ServiceEvent {
            id: None,
            created_at: None,
            message: "(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start. Rolling back"
                .into(),
        });
        assert_eq!(
            assess(&gone, &target("ecs-svc/2"), &Context::default()).failure.unwrap().kind,
            FailureKind::RolledBack
        );

        // FAILED without another primary or a rollback event.
        let failed = service(vec![deployment("ecs-svc/2", "PRIMARY", "web:2", "FAILED")], Vec::new());
        assert_eq!(
            assess(&failed, &target("ecs-svc/2"), &Context::default()).failure.unwrap().kind,
            FailureKind::DeploymentFailed
        );
    }

    #[test]
    fn stable_on_the_watched_deployment_succeeds() {
        let mut obs = service(
            vec![deployment("ecs-svc/2", "PRIMARY", "web:2", "COMPLETED")],
            vec![task("arn:task/prod/new", "ecs-svc/2", "web:2", "RUNNING")],
        );
        obs.running_count = 1;
        let a = assess(&obs, &target("ecs-svc/2"), &Context::default());
        assert_eq!((a.state, a.new_running), (WatchState::Succeeded, 1));
        // Two deployments: still progressing.
        obs.deployments.push(deployment("ecs-svc/1", "ACTIVE", "web:1", "COMPLETED"));
        assert_eq!(assess(&obs, &target("ecs-svc/2"), &Context::default()).state, WatchState::Progressing);
        // Missing service: failed.
        obs.found = false;
        assert_eq!(
            assess(&obs, &target("ecs-svc/2"), &Context::default()).failure.unwrap().kind,
            FailureKind::ServiceMissing
        );
    }

    #[test]
    fn groups() {
        let mut t = task("arn", "x", "y", "RUNNING");
        assert!(t.belongs_to("web") && !t.belongs_to("we"));
        t.group = Some("family:web".into());
        assert!(!t.belongs_to("web"));
        assert_eq!(short_task_id("arn:aws:ecs:eu-west-1:1:task/prod/0123abcd"), "0123abcd");
    }
}
