//! The reads that watch a deployment: DescribeServices (deployments,
//! rollout states, events), ListTasks and DescribeTasks, turned into
//! [`shared::observed::ObservedService`].
//!
//! ListTasks is asked by cluster for both desired statuses (RUNNING and
//! STOPPED: a task that failed to start is only in the second), with the
//! service name as a hint; the tasks are then kept by their `group`
//! (`service:<name>`) on our side, because emulators ignore `serviceName`.
//! Both go through the estate's task reader (`estate.rs`): DescribeTasks
//! takes at most 100 tasks per call.

use aws_sdk_ecs::types::DesiredStatus;
use shared::observed::{ObservedService, TaskSnapshot};

use super::{Aws, AwsError};

impl Aws {
    /// Everything [`shared::watch::assess`] needs about one service: its
    /// counts, deployments and events (DescribeServices), and its tasks.
    pub async fn observe_service_tasks(&self, cluster: &str, service: &str) -> Result<ObservedService, AwsError> {
        let described = self.describe_services(&self.ecs, cluster, &[service]).await?.pop();
        let mut observation = described.unwrap_or_else(|| ObservedService::missing(cluster, service));
        if observation.found {
            // By the service's name: `service` may be its ARN, and tasks
            // name their service in `group`.
            observation.tasks = self.watched_tasks(cluster, &observation.service).await?;
        }
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
