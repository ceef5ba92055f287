//! The reads that watch a deployment: DescribeServices (deployments,
//! rollout states, events), ListTasks and DescribeTasks, turned into
//! [`shared::watch::ServiceObservation`].
//!
//! ListTasks is asked by cluster for both desired statuses (RUNNING and
//! STOPPED: a task that failed to start is only in the second), with the
//! service name as a hint; the tasks are then kept by their `group`
//! (`service:<name>`) on our side, because emulators ignore `serviceName`.
//! DescribeTasks takes at most 100 tasks per call.

use aws_sdk_ecs::error::ProvideErrorMetadata as _;
use aws_sdk_ecs::types::DesiredStatus;
use shared::estate::TaskSnapshot;
use shared::watch::{DeploymentObservation, ServiceEvent, ServiceObservation};

use super::{Aws, AwsError, call_error};

/// DescribeTasks accepts at most this many tasks per call.
const DESCRIBE_TASKS_BATCH: usize = 100;

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
        let mut arns = Vec::new();
        for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
            for arn in self.list_tasks(cluster, service, status).await? {
                if !arns.contains(&arn) {
                    arns.push(arn);
                }
            }
        }
        let mut tasks = self.describe_tasks(cluster, &arns).await?;
        tasks.retain(|t| t.belongs_to(service));
        Ok(tasks)
    }

    async fn list_tasks(&self, cluster: &str, service: &str, status: DesiredStatus) -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            self.count_read();
            let page = self
                .ecs
                .list_tasks()
                .cluster(cluster)
                .service_name(service)
                .desired_status(status.clone())
                .set_next_token(token)
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                // The service (or cluster) is gone: it has no tasks.
                Err(e) if matches!(e.code(), Some("ServiceNotFoundException" | "ClusterNotFoundException")) => {
                    return Ok(out);
                }
                Err(e) => return Err(call_error("ecs:ListTasks", e)),
            };
            out.extend(page.task_arns.unwrap_or_default());
            token = page.next_token;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// DescribeTasks in batches of 100.
    pub async fn describe_tasks(&self, cluster: &str, arns: &[String]) -> Result<Vec<TaskSnapshot>, AwsError> {
        let mut out = Vec::new();
        for chunk in arns.chunks(DESCRIBE_TASKS_BATCH) {
            self.count_read();
            let page = self
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| call_error("ecs:DescribeTasks", e))?;
            out.extend(page.tasks.unwrap_or_default().into_iter().map(super::estate::task_snapshot));
        }
        Ok(out)
    }
}
