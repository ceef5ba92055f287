//! The estate: what runs in a region's ECS clusters, as plain data.
//!
//! The backend's read-only estate observer (`backend/src/aws/estate.rs`)
//! fills these structs from ListClusters, ListServices, DescribeServices,
//! DescribeTaskDefinition, ListTasks and DescribeTasks; `audit` (and
//! `rotate`, which finds a secret's consumers here) analyse them without
//! any IO. Nothing in here is a secret value: task definitions hold
//! references (`valueFrom`), never what they point to.
//!
//! Times are milliseconds since the Unix epoch ([`EpochMillis`]), as ECS
//! reports them; a time AWS (or an emulator) did not report is `None`, never
//! a guess.

use serde::{Deserialize, Serialize};

use crate::location::Region;
use crate::task_def::TaskDefinition;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type EpochMillis = i64;

/// Every service of the clusters that were looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Estate {
    /// The region the clusters are in.
    pub region: Region,
    /// The clusters read, by name, in the order they were asked for (or
    /// ListClusters returned them).
    pub clusters: Vec<String>,
    /// Clusters that were asked for but do not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<String>,
    /// Every service, by cluster then by the order ListServices returned.
    pub services: Vec<ServiceSnapshot>,
}

impl Estate {
    /// The service `service` (name) of `cluster` (name), if it was read.
    pub fn service(&self, cluster: &str, service: &str) -> Option<&ServiceSnapshot> {
        self.services.iter().find(|s| s.cluster == cluster && s.service == service)
    }
}

/// One ECS service and what it runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSnapshot {
    /// The cluster's name.
    pub cluster: String,
    /// The service's name.
    pub service: String,
    pub service_arn: String,
    /// `ACTIVE`, `DRAINING` or `INACTIVE`.
    pub status: Option<String>,
    /// The task definition the service runs (its primary deployment's).
    pub task_definition_arn: Option<String>,
    /// That revision, imported losslessly from DescribeTaskDefinition's raw
    /// JSON (read-only fields such as `revision` stripped); `None` when it
    /// could not be read (see [`ServiceSnapshot::problems`]).
    pub task_definition: Option<TaskDefinition>,
    /// The revision's `executionRoleArn`.
    pub execution_role_arn: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    /// The service's tasks (ListTasks, desired status RUNNING, kept when
    /// their `group` is `service:<name>`), as DescribeTasks reported them.
    pub tasks: Vec<TaskSnapshot>,
    /// What could not be read about this service, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One task as DescribeTasks reports it (no values, no environment): for the
/// estate (audit, rotate) and for the watch of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSnapshot {
    pub task_arn: String,
    /// `service:<name>` for a service's task, `family:<name>` for RunTask's.
    pub group: Option<String>,
    /// The deployment that started it (`ecs-svc/…`) for a service's task.
    pub started_by: Option<String>,
    /// `PROVISIONING`, `PENDING`, `RUNNING`, `STOPPED`, …
    pub last_status: Option<String>,
    pub desired_status: Option<String>,
    /// The revision the task was started from (it may differ from the
    /// service's during a deployment).
    pub task_definition_arn: Option<String>,
    /// When the task started running; the containers read their secrets
    /// just before. `None` when not reported (moto reports none).
    pub started_at: Option<EpochMillis>,
    /// When the task was created (always reported by AWS).
    pub created_at: Option<EpochMillis>,
    /// `TaskFailedToStart`, `EssentialContainerExited`, … once stopped.
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// The containers' own `reason`s (a pull error is sometimes only there).
    #[serde(default)]
    pub container_reasons: Vec<String>,
}

impl TaskSnapshot {
    /// Whether this task belongs to service `service` (its `group` is
    /// `service:<service>`): emulators ignore ListTasks' `serviceName`
    /// filter, so every caller filters with this.
    pub fn belongs_to(&self, service: &str) -> bool {
        self.group.as_deref().and_then(|g| g.strip_prefix("service:")) == Some(service)
    }
}

/// The cluster name of a cluster ARN (`arn:…:cluster/NAME`) or name.
pub fn cluster_name(cluster: &str) -> &str {
    if cluster.starts_with("arn:") { cluster.rsplit('/').next().unwrap_or(cluster) } else { cluster }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_belong_to_their_service_group_only() {
        let task = |group: Option<&str>| TaskSnapshot { group: group.map(str::to_owned), ..TaskSnapshot::default() };
        assert!(task(Some("service:web")).belongs_to("web"));
        assert!(!task(Some("service:web-2")).belongs_to("web"));
        assert!(!task(Some("family:web")).belongs_to("web"));
        assert!(!task(None).belongs_to("web"));
    }

    #[test]
    fn cluster_names_come_from_names_or_arns() {
        assert_eq!(cluster_name("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"), "prod");
        assert_eq!(cluster_name("prod"), "prod");
    }
}
