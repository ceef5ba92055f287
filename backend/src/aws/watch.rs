//! The reads that watch a deployment: DescribeServices (deployments,
//! rollout states, events), ListTasks and DescribeTasks, turned into
//! [`shared::watch::ServiceObservation`].
//!
//! ListTasks is asked by cluster for both desired statuses (RUNNING and
//! STOPPED: a task that failed to start is only in the second), with the
//! service name as a hint; the tasks are then kept by their `group`
//! (`service:<name>`) on our side, because emulators ignore `serviceName`.
//! Both go through the estate's task reader (`estate.rs`): DescribeTasks
//! takes at most 100 tasks per call.

use aws_sdk_ecs::error::ProvideErrorMetadata as _;
use aws_sdk_ecs::types::DesiredStatus;
use shared::estate::TaskSnapshot;
use shared::watch::{DeploymentObservation, ServiceEvent, ServiceObservation};

use super::{Aws, AwsError, call_error};

/// At most this many events of a service are kept (ECS lists the newest
/// first; a rollback is always among the latest).
const EVENTS_KEPT: usize = 20;

impl Aws {
    /// Everything [`shared::watch::assess`] needs about one service.
    pub async fn observe_service_tasks(&self, cluster: &str, service: &str) -> Result<ServiceObservation, AwsError> {
        let mut observation = self.describe_service_deployments(cluster, service).await?;
        if observation.found {
            observation.tasks = self.watched_tasks(cluster, service).await?;
        }
        Ok(observation)
    }

    /// DescribeServices for one service: counts, deployments and events.
    async fn describe_service_deployments(&self, cluster: &str, service: &str) -> Result<ServiceObservation, AwsError> {
        let mut observation = ServiceObservation {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            ..ServiceObservation::default()
        };
        self.count_read();
        let page = match self.ecs.describe_services().cluster(cluster).services(service).send().await {
            Ok(page) => page,
            Err(e) if e.code() == Some("ClusterNotFoundException") => return Ok(observation),
            Err(e) => return Err(call_error("ecs:DescribeServices", e)),
        };
        let Some(s) = page
            .services
            .unwrap_or_default()
            .into_iter()
            .find(|s| s.service_name.as_deref() == Some(service) || s.service_arn.as_deref() == Some(service))
        else {
            return Ok(observation);
        };
        observation.found = true;
        observation.desired_count = i64::from(s.desired_count);
        observation.running_count = i64::from(s.running_count);
        observation.deployments = s
            .deployments
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeploymentObservation {
                id: d.id.unwrap_or_default(),
                status: d.status.unwrap_or_default(),
                task_definition: d.task_definition,
                desired_count: i64::from(d.desired_count),
                running_count: i64::from(d.running_count),
                failed_tasks: i64::from(d.failed_tasks),
                rollout_state: d.rollout_state.map(|r| r.as_str().to_owned()),
                rollout_state_reason: d.rollout_state_reason,
            })
            .collect();
        observation.events = s
            .events
            .unwrap_or_default()
            .into_iter()
            .take(EVENTS_KEPT)
            .map(|e| ServiceEvent {
                id: e.id,
                created_at: e.created_at.and_then(|t| t.to_millis().ok()),
                message: e.message.unwrap_or_default(),
            })
            .collect();
        Ok(observation)
    }

    /// The tasks of `service` in `cluster` (running and stopped), kept by
    /// their `group`.
    pub async fn watched_tasks(&self, cluster: &str, service: &str) -> Result<Vec<TaskSnapshot>, AwsError> {
        let mut tasks: Vec<TaskSnapshot> = Vec::new();
        for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
            for task in self.cluster_tasks(&self.ecs, cluster, Some(service), status).await? {
                if !task.belongs_to(service) {
                    continue;
                }
                // A task that stopped between the two listings is in both:
                // the later description (stopped, with its reason) wins.
                match tasks.iter_mut().find(|t| t.task_arn == task.task_arn) {
                    Some(earlier) => *earlier = task,
                    None => tasks.push(task),
                }
            }
        }
        Ok(tasks)
    }
}
