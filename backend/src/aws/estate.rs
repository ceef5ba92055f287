//! The estate observer: every service of a region's clusters, read-only.
//!
//! The reads, in order, each paginated with the SDK's paginators and every
//! page counted as a read ([`Aws::calls`]):
//!
//! 1. ListClusters, when no cluster is named;
//! 2. ListServices per cluster (a cluster that does not exist is reported in
//!    [`Estate::missing_clusters`], not an error);
//! 3. DescribeServices, ten services per call (the API's limit);
//! 4. DescribeTaskDefinition once per distinct revision the services run,
//!    kept as raw JSON (`raw_json.rs`) and imported losslessly;
//! 5. ListTasks per cluster (desired status RUNNING) and DescribeTasks, at
//!    most 100 tasks per call; tasks are given to the service named by
//!    their `group` (`service:<name>`), filtered here because emulators
//!    ignore ListTasks' `serviceName`. One listing per cluster instead of
//!    one per service makes the same tasks cost fewer calls.
//!
//! Calls of one step run concurrently, at most [`IN_FLIGHT`] at a time.
//! Throttling (and 5xx, timeouts) is retried by the SDK's standard retry
//! mode with exponential back-off and jitter; the estate's ECS client is
//! more patient than the default ([`ESTATE_ATTEMPTS`] attempts), because an
//! account-wide read of a thousand services is what gets throttled.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_ecs::error::ProvideErrorMetadata;
use aws_sdk_ecs::types::DesiredStatus;
use futures_util::{StreamExt, TryStreamExt, stream};
use shared::estate::{Estate, ServiceSnapshot, cluster_name};
use shared::location::{LocationError, Region};
use shared::observed::{ObservedService, TaskSnapshot};
use shared::task_def::TaskDefinition;
use std::future::Future;

use super::{Aws, AwsError, call_error};

/// At most this many estate calls are in flight at once.
pub const IN_FLIGHT: usize = 8;
/// Attempts per estate call (the first one included) before giving up.
pub const ESTATE_ATTEMPTS: u32 = 8;
/// The largest page ListClusters, ListServices and ListTasks return.
const PAGE: i32 = 100;
/// DescribeTasks takes at most 100 tasks per call.
const DESCRIBE_TASKS_BATCH: usize = 100;

/// How far the estate read is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstateProgress {
    pub phase: EstatePhase,
    /// Items of this phase done so far, out of `total`: clusters listed,
    /// DescribeServices batches (ten services each), revisions read,
    /// clusters whose tasks were read.
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstatePhase {
    Clusters,
    Services,
    TaskDefinitions,
    Tasks,
}

impl EstatePhase {
    pub fn label(self) -> &'static str {
        match self {
            EstatePhase::Clusters => "listing services",
            EstatePhase::Services => "describing services",
            EstatePhase::TaskDefinitions => "reading task definitions",
            EstatePhase::Tasks => "reading tasks",
        }
    }
}

impl Aws {
    /// The ECS client of the estate reads: the shared configuration with
    /// [`ESTATE_ATTEMPTS`] attempts and exponential back-off.
    fn estate_ecs(&self) -> aws_sdk_ecs::Client {
        let retry = RetryConfig::standard()
            .with_max_attempts(ESTATE_ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(10));
        aws_sdk_ecs::Client::from_conf(aws_sdk_ecs::config::Builder::from(&self.config).retry_config(retry).build())
    }

    /// Reads every service of `clusters` (names or ARNs; empty: every
    /// cluster of the region), its current task definition and its running
    /// tasks. `progress` is called as each phase advances.
    pub async fn estate(
        &self,
        clusters: &[String],
        progress: &(dyn Fn(EstateProgress) + Send + Sync),
    ) -> Result<Estate, AwsError> {
        let region: Region = self
            .region
            .parse()
            .map_err(|e: LocationError| AwsError::unexpected("the AWS configuration", e.to_string()))?;
        let ecs = self.estate_ecs();
        let clusters: Vec<String> = if clusters.is_empty() {
            self.list_clusters(&ecs).await?
        } else {
            let mut seen = BTreeSet::new();
            clusters.iter().map(|c| cluster_name(c).to_owned()).filter(|c| seen.insert(c.clone())).collect()
        };

        // ListServices per cluster.
        let listed = in_flight(clusters.clone(), EstatePhase::Clusters, progress, |cluster| {
            let ecs = &ecs;
            async move {
                // A cluster that does not exist is reported, not a failure.
                let arns = match self.list_service_arns(ecs, &cluster).await {
                    Ok(arns) => Some(arns),
                    Err(e) if e.code() == Some("ClusterNotFoundException") => None,
                    Err(e) => return Err(e),
                };
                Ok((cluster, arns))
            }
        })
        .await?;
        let mut missing_clusters = Vec::new();
        let mut batches: Vec<(String, Vec<String>)> = Vec::new();
        for (cluster, arns) in listed {
            match arns {
                None => missing_clusters.push(cluster),
                Some(arns) => {
                    batches.extend(arns.chunks(super::observe::BATCH).map(|chunk| (cluster.clone(), chunk.to_vec())))
                }
            }
        }

        // DescribeServices, ten per call.
        let described = in_flight(batches, EstatePhase::Services, progress, |(cluster, arns)| {
            let ecs = &ecs;
            async move {
                let arns: Vec<&str> = arns.iter().map(String::as_str).collect();
                self.describe_services(ecs, &cluster, &arns).await
            }
        })
        .await?;
        // A service listed under `failures` was deleted since ListServices.
        let described: Vec<ObservedService> = described.into_iter().flatten().filter(|s| s.found).collect();

        // DescribeTaskDefinition once per distinct revision.
        let revisions: BTreeSet<String> =
            described.iter().filter_map(|s| s.primary_task_definition().map(str::to_owned)).collect();
        let task_definitions: BTreeMap<String, Result<TaskDefinition, String>> =
            in_flight(revisions.into_iter().collect(), EstatePhase::TaskDefinitions, progress, |arn| {
                let ecs = &ecs;
                async move {
                    let td = self.describe_revision(ecs, &arn).await?;
                    Ok((arn, td))
                }
            })
            .await?
            .into_iter()
            .collect();

        // Tasks per cluster, given to their service by `group`.
        let with_services: Vec<String> =
            clusters.iter().filter(|c| described.iter().any(|s| &s.cluster == *c)).cloned().collect();
        let tasks: BTreeMap<String, Vec<TaskSnapshot>> =
            in_flight(with_services, EstatePhase::Tasks, progress, |cluster| {
                let ecs = &ecs;
                async move {
                    let tasks = self.cluster_tasks(ecs, &cluster, None, DesiredStatus::Running).await?;
                    Ok((cluster, tasks))
                }
            })
            .await?
            .into_iter()
            .collect();

        let services = described
            .into_iter()
            .map(|mut s| {
                let mut problems = Vec::new();
                let task_definition = match s.primary_task_definition().map(|arn| (arn, &task_definitions[arn])) {
                    Some((_, Ok(td))) => Some(td.clone()),
                    Some((arn, Err(problem))) => {
                        problems.push(format!("task definition {arn}: {problem}"));
                        None
                    }
                    None => {
                        problems.push("the service names no task definition".to_owned());
                        None
                    }
                };
                s.tasks = tasks
                    .get(&s.cluster)
                    .map(|all| all.iter().filter(|t| t.belongs_to(&s.service)).cloned().collect())
                    .unwrap_or_default();
                ServiceSnapshot { described: s, task_definition, problems }
            })
            .collect();
        Ok(Estate { region, clusters, missing_clusters, services })
    }

    /// The running tasks of one service (ListTasks with `serviceName`, which
    /// AWS honours and emulators ignore, then the `group` filter) with
    /// DescribeTasks, at most 100 per call.
    pub async fn service_tasks(&self, cluster: &str, service: &str) -> Result<Vec<TaskSnapshot>, AwsError> {
        let ecs = self.estate_ecs();
        let tasks = self.cluster_tasks(&ecs, cluster, Some(service), DesiredStatus::Running).await?;
        Ok(tasks.into_iter().filter(|t| t.belongs_to(service)).collect())
    }

    /// Every cluster of the region, by name.
    async fn list_clusters(&self, ecs: &aws_sdk_ecs::Client) -> Result<Vec<String>, AwsError> {
        let mut pages = ecs.list_clusters().max_results(PAGE).into_paginator().send();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            self.count_read();
            let page = page.map_err(|e| call_error("ecs:ListClusters", e))?;
            names.extend(page.cluster_arns.unwrap_or_default().iter().map(|arn| cluster_name(arn).to_owned()));
        }
        Ok(names)
    }

    /// The service ARNs of `cluster` (all pages), with `ecs`: for the
    /// estate and for the UI's service list ([`Aws::list_services`]).
    pub(super) async fn list_service_arns(
        &self,
        ecs: &aws_sdk_ecs::Client,
        cluster: &str,
    ) -> Result<Vec<String>, AwsError> {
        let mut pages = ecs.list_services().cluster(cluster).max_results(PAGE).into_paginator().send();
        let mut arns = Vec::new();
        while let Some(page) = pages.next().await {
            self.count_read();
            let page = page.map_err(|e| call_error("ecs:ListServices", e))?;
            arns.extend(page.service_arns.unwrap_or_default());
        }
        Ok(arns)
    }

    /// One revision, by ARN, imported from DescribeTaskDefinition's raw JSON;
    /// `Err` (in words) when ECS does not know it or its JSON does not import.
    async fn describe_revision(
        &self,
        ecs: &aws_sdk_ecs::Client,
        arn: &str,
    ) -> Result<Result<TaskDefinition, String>, AwsError> {
        self.count_read();
        let (result, raw) = super::raw_json::describe_task_definition(ecs, arn).await;
        match result {
            Ok(()) => {}
            Err(e) if e.code() == Some("ClientException") => {
                return Ok(Err(format!("ECS could not describe it ({})", e.message().unwrap_or("ClientException"))));
            }
            Err(e) => return Err(call_error("ecs:DescribeTaskDefinition", e)),
        }
        let td = super::raw_json::described_task_definition(raw)?;
        Ok(shared::import::import_value(td).map(|imported| imported.task_definition).map_err(|e| e.to_string()))
    }

    /// The tasks of `cluster` with desired status `status` (of `service`
    /// on AWS, which honours the filter; callers keep a service's own by
    /// [`TaskSnapshot::belongs_to`]), described: ListTasks (all pages) and
    /// DescribeTasks, 100 per call, [`IN_FLIGHT`] at once. A cluster or
    /// service that does not exist has no tasks. The estate and the
    /// deployment watch ([`super::watch`]) both read tasks through this.
    pub(super) async fn cluster_tasks(
        &self,
        ecs: &aws_sdk_ecs::Client,
        cluster: &str,
        service: Option<&str>,
        status: DesiredStatus,
    ) -> Result<Vec<TaskSnapshot>, AwsError> {
        let mut pages = ecs
            .list_tasks()
            .cluster(cluster)
            .set_service_name(service.map(str::to_owned))
            .desired_status(status)
            .max_results(PAGE)
            .into_paginator()
            .send();
        let mut arns = Vec::new();
        while let Some(page) = pages.next().await {
            self.count_read();
            match page {
                Ok(page) => arns.extend(page.task_arns.unwrap_or_default()),
                Err(e) if matches!(e.code(), Some("ClusterNotFoundException" | "ServiceNotFoundException")) => {
                    return Ok(Vec::new());
                }
                Err(e) => return Err(call_error("ecs:ListTasks", e)),
            }
        }
        // Owned chunks: a future borrowing the list would not be `Send` for
        // every lifetime, which the server's handlers need.
        let chunks: Vec<Vec<String>> = arns.chunks(DESCRIBE_TASKS_BATCH).map(<[String]>::to_vec).collect();
        let described: Vec<Vec<TaskSnapshot>> = stream::iter(chunks)
            .map(|chunk| async move {
                self.count_read();
                let out = ecs
                    .describe_tasks()
                    .cluster(cluster)
                    .set_tasks(Some(chunk))
                    .send()
                    .await
                    .map_err(|e| call_error("ecs:DescribeTasks", e))?;
                Ok::<_, AwsError>(out.tasks.unwrap_or_default().into_iter().map(task_snapshot).collect())
            })
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(described.into_iter().flatten().collect())
    }
}

/// Runs `call` on every item, at most [`IN_FLIGHT`] at once, with the
/// results in the items' order, reporting each finished item on `progress`.
async fn in_flight<I, T, Fut>(
    items: Vec<I>,
    phase: EstatePhase,
    progress: &(dyn Fn(EstateProgress) + Send + Sync),
    call: impl FnMut(I) -> Fut,
) -> Result<Vec<T>, AwsError>
where
    Fut: Future<Output = Result<T, AwsError>>,
{
    let total = items.len();
    stream::iter(items)
        .map(call)
        .buffered(IN_FLIGHT)
        .enumerate()
        .map(|(i, result)| {
            progress(EstateProgress { phase, done: i + 1, total });
            result
        })
        .try_collect()
        .await
}

/// A described task as the core reads it (the estate's and the watch's).
fn task_snapshot(task: aws_sdk_ecs::types::Task) -> TaskSnapshot {
    let millis = |t: Option<aws_smithy_types::DateTime>| t.and_then(|t| t.to_millis().ok());
    TaskSnapshot {
        task_arn: task.task_arn.unwrap_or_default(),
        group: task.group,
        started_by: task.started_by,
        last_status: task.last_status,
        desired_status: task.desired_status,
        task_definition_arn: task.task_definition_arn,
        started_at: millis(task.started_at),
        created_at: millis(task.created_at),
        stop_code: task.stop_code.map(|c| c.as_str().to_owned()),
        stopped_reason: task.stopped_reason,
        container_reasons: task.containers.unwrap_or_default().into_iter().filter_map(|c| c.reason).collect(),
    }
}
