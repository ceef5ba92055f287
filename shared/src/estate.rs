//! The estate: what runs in a region's ECS clusters, as plain data.
//!
//! The backend's read-only estate observer (`backend/src/aws/estate.rs`)
//! fills these structs from ListClusters, ListServices, DescribeServices,
//! DescribeTaskDefinition, ListTasks and DescribeTasks; `audit` (and
//! `rotate`, which finds a secret's consumers here) analyse them without
//! any IO. Nothing in here is a secret value: task definitions hold
//! references (`valueFrom`), never what they point to.
//!
//! Times are milliseconds since the Unix epoch ([`EpochMillis`](crate::observed::EpochMillis)), as ECS
//! reports them; a time AWS (or an emulator) did not report is `None`, never
//! a guess.

use serde::{Deserialize, Serialize};

use crate::location::Region;
use crate::observed::ObservedService;
use crate::task_def::TaskDefinition;

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
        self.services.iter().find(|s| s.described.cluster == cluster && s.described.service == service)
    }

    /// "cluster nope does not exist in eu-west-1: …" for the clusters asked
    /// for that do not exist (`audit`, `rotate` and the UI say it alike).
    pub fn missing_clusters_message(&self) -> String {
        let one = self.missing_clusters.len() == 1;
        format!(
            "cluster{} {} do{} not exist in {}: check --cluster (ListClusters shows the region's clusters)",
            if one { "" } else { "s" },
            self.missing_clusters.join(", "),
            if one { "es" } else { "" },
            self.region
        )
    }
}

/// One ECS service and what it runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSnapshot {
    /// The service as DescribeServices reported it, with its running tasks
    /// (ListTasks, desired status RUNNING, kept by their `group`).
    pub described: ObservedService,
    /// The revision it runs ([`ServiceSnapshot::task_definition_arn`]),
    /// imported losslessly from DescribeTaskDefinition's raw JSON (read-only
    /// fields such as `revision` stripped); `None` when it could not be read
    /// (see [`ServiceSnapshot::problems`]).
    pub task_definition: Option<TaskDefinition>,
    /// What could not be read about this service, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ServiceSnapshot {
    /// The task definition the service runs (its primary deployment's).
    pub fn task_definition_arn(&self) -> Option<&str> {
        self.described.primary_task_definition()
    }

    /// The revision's `executionRoleArn`.
    pub fn execution_role_arn(&self) -> Option<&str> {
        self.task_definition.as_ref().and_then(|td| td.execution_role_arn.as_deref())
    }
}

/// The cluster name of a cluster ARN (`arn:…:cluster/NAME`) or name.
pub fn cluster_name(cluster: &str) -> &str {
    if cluster.starts_with("arn:") { cluster.rsplit('/').next().unwrap_or(cluster) } else { cluster }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::TaskSnapshot;

    #[test]
    fn tasks_belong_to_their_service_group_only() {
        let task = |group: Option<&str>| TaskSnapshot { group: group.map(str::to_owned), ..TaskSnapshot::default() };
        assert!(task(Some("service:web")).belongs_to("web"));
        assert!(!task(Some("service:web-2")).belongs_to("web"));
        assert!(!task(Some("family:web")).belongs_to("web"));
        assert!(!task(None).belongs_to("web"));
    }

    #[test]
    fn missing_clusters_are_named_in_one_sentence() {
        let estate = |missing: &[&str]| Estate {
            region: "eu-west-1".parse().unwrap(),
            clusters: Vec::new(),
            missing_clusters: missing.iter().map(|c| (*c).to_owned()).collect(),
            services: Vec::new(),
        };
        assert_eq!(
            estate(&["nope"]).missing_clusters_message(),
            "cluster nope does not exist in eu-west-1: check --cluster (ListClusters shows the region's clusters)"
        );
        assert!(estate(&["a", "b"]).missing_clusters_message().starts_with("clusters a, b do not exist in eu-west-1"));
    }

    #[test]
    fn cluster_names_come_from_names_or_arns() {
        assert_eq!(cluster_name("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"), "prod");
        assert_eq!(cluster_name("prod"), "prod");
    }
}
