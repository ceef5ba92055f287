//! Rotating a secret into its consumers, shared by `ecs-secrets rotate` and
//! the UI's Rotate page: find the secret and the services that use it
//! (the estate observer, [`shared::rotate::consumers`]), write the new
//! value, force a new deployment of each consumer and watch them
//! ([`shared::watch`]) until no task holds the old value.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use shared::rotate::{Consumer, RotateReport, RotatedSecret, ServiceReport};
use shared::secret_ref::{SecretRef, Store};
use shared::watch::{WatchState, WatchTarget};

use crate::aws::{Aws, AwsError};
use shared::arn::{account_of, region_of};
use shared::observed::{ObservedParameter, ObservedSecret};

/// How often the consumers are looked at while waiting.
const POLL: Duration = Duration::from_secs(3);

/// Why a rotation could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// The request's fault: an unknown or ambiguous secret, a missing cluster.
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// A secret to rotate and the services that use it.
#[derive(Debug)]
pub struct Found {
    pub secret: RotatedSecret,
    /// The parameter's metadata, for an SSM secret.
    pub parameter: Option<ObservedParameter>,
    pub consumers: Vec<Consumer>,
}

/// The secret `raw` names (`parsed`) in the credentials' account and its
/// consumers in `clusters` (default: every cluster): what `rotate` and the
/// UI's Rotate page plan with.
pub async fn find(aws: &Aws, raw: &str, parsed: &SecretRef, clusters: &[String]) -> Result<Found, RotateError> {
    let caller = aws.whoami().await?;
    let (secret, parameter) = resolve(aws, raw, parsed, &caller.account).await?;
    let consumers = find_consumers(aws, &secret, clusters, &caller.account).await?;
    Ok(Found { secret, parameter, consumers })
}

/// The secret `raw` names, with the parameter's metadata for an SSM one.
/// A bare name may be either store's: exactly one must have it.
async fn resolve(
    aws: &Aws,
    raw: &str,
    parsed: &SecretRef,
    account: &str,
) -> Result<(RotatedSecret, Option<ObservedParameter>), RotateError> {
    let region = aws.region().to_owned();
    let ssm = |meta: ObservedParameter| {
        let arn = meta.arn.clone().unwrap_or_else(|| {
            let location = shared::secret_ref::ArnLocation::new(&region, account);
            shared::secret_ref::ssm_parameter_arn(&location, &meta.name)
        });
        let secret = RotatedSecret {
            store: Store::Ssm,
            name: meta.name.clone(),
            arn,
            region: region.clone(),
            account: account.to_owned(),
        };
        (secret, Some(meta))
    };
    let sm = |found: ObservedSecret| RotatedSecret {
        store: Store::SecretsManager,
        name: found.name,
        region: region_of(&found.arn).unwrap_or(&region).to_owned(),
        account: account_of(&found.arn).unwrap_or(account).to_owned(),
        arn: found.arn,
    };
    let not_found = |what: &str| {
        RotateError::BadInput(format!("{what} `{raw}` does not exist in {region}: check the name and the region"))
    };
    match parsed {
        SecretRef::SsmArn { name, .. } => {
            let meta = aws.describe_parameter(name).await?.ok_or_else(|| not_found("SSM parameter"))?;
            Ok(ssm(meta))
        }
        SecretRef::SecretsManager(_) => {
            let found = aws.describe_secret(raw).await?.ok_or_else(|| not_found("secret"))?;
            Ok((sm(found), None))
        }
        SecretRef::SsmName { name } => {
            let parameter = aws.describe_parameter(name).await?;
            let secret = aws.describe_secret(name).await?;
            match (parameter, secret) {
                (Some(meta), None) => Ok(ssm(meta)),
                (None, Some(found)) => Ok((sm(found), None)),
                (Some(_), Some(secret)) => Err(RotateError::BadInput(format!(
                    "`{raw}` is both an SSM parameter and a Secrets Manager secret ({}): give the ARN of the one to rotate",
                    secret.arn
                ))),
                (None, None) => Err(not_found("no SSM parameter or Secrets Manager secret named")),
            }
        }
    }
}

/// The services of `clusters` (default: every cluster) that reference
/// `secret`. A named cluster that does not exist is bad input.
async fn find_consumers(
    aws: &Aws,
    secret: &RotatedSecret,
    clusters: &[String],
    account: &str,
) -> Result<Vec<Consumer>, RotateError> {
    let estate = aws.estate(clusters, &|_| {}).await?;
    if !estate.missing_clusters.is_empty() {
        return Err(RotateError::BadInput(estate.missing_clusters_message()));
    }
    Ok(shared::rotate::consumers(secret, &estate, account))
}

/// Writes the value, redeploys every consumer and watches them. `Err` only
/// when the value could not be written (nothing changed).
pub async fn rotate(
    aws: &Aws,
    secret: &RotatedSecret,
    parameter: Option<&ObservedParameter>,
    value: &SecretString,
    consumers: &[Consumer],
    timeout: Duration,
    progress: &(dyn Fn(String) + Sync),
) -> Result<RotateReport, RotateError> {
    // The tasks running now hold the old value.
    let mut before: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for c in consumers {
        let tasks = aws.watched_tasks(&c.cluster, &c.service).await?;
        before.insert(
            (c.cluster.clone(), c.service.clone()),
            tasks
                .into_iter()
                .filter(|t| shared::rotate::holds_values(t.last_status.as_deref()))
                .map(|t| t.task_arn)
                .collect(),
        );
    }
    let rotated_at = now_millis();
    match parameter {
        Some(meta) => {
            let version = aws.overwrite_parameter(meta, value).await?;
            progress(format!("wrote {} (version {version}, {}, key kept)", secret.name, meta.parameter_type));
        }
        None => {
            let version = aws.put_secret_value(&secret.arn, value).await?;
            progress(format!("wrote {} (new AWSCURRENT version {version})", secret.name));
        }
    }
    let mut report = RotateReport::plan(secret, consumers);
    report.written = true;
    let mut targets = Vec::new();
    for c in consumers {
        match aws.update_service(&c.cluster, &c.service, None, true).await {
            Ok(started) => {
                progress(format!("redeploying {}/{}", c.cluster, c.service));
                targets.push(Some(WatchTarget {
                    deployment_id: started.id,
                    task_definition: started.task_definition,
                    known_tasks: before.get(&(c.cluster.clone(), c.service.clone())).cloned().unwrap_or_default(),
                }));
            }
            Err(err) => {
                progress(format!("cannot redeploy {}/{}: {err}", c.cluster, c.service));
                targets.push(None);
            }
        }
    }
    watch(aws, secret, consumers, &targets, &before, rotated_at, timeout, &mut report.services, progress).await?;
    Ok(report)
}

/// Polls every redeployed consumer until it is steady with no stale task,
/// it failed, or the timeout.
#[expect(clippy::too_many_arguments, reason = "one call site; the state of one rotation")]
async fn watch(
    aws: &Aws,
    secret: &RotatedSecret,
    consumers: &[Consumer],
    targets: &[Option<WatchTarget>],
    before: &BTreeMap<(String, String), BTreeSet<String>>,
    rotated_at: i64,
    timeout: Duration,
    services: &mut [ServiceReport],
    progress: &(dyn Fn(String) + Sync),
) -> Result<(), RotateError> {
    let ctx = shared::Context::new(secret.region.parse().ok(), secret.account.parse().ok());
    let started = Instant::now();
    let mut done = vec![false; consumers.len()];
    let mut last = vec![String::new(); consumers.len()];
    loop {
        for (i, c) in consumers.iter().enumerate() {
            let Some(target) = &targets[i] else {
                done[i] = true;
                continue;
            };
            if done[i] {
                continue;
            }
            let observation = aws.observe_service_tasks(&c.cluster, &c.service).await?;
            let assessment = shared::watch::assess(&observation, target, &ctx);
            let key = (c.cluster.clone(), c.service.clone());
            let stale =
                shared::rotate::staleness(&observation.tasks, before.get(&key).unwrap_or(&BTreeSet::new()), rotated_at);
            services[i].stale_tasks = stale.stale;
            services[i].stale_unknown = stale.unknown;
            services[i].redeployed = assessment.state == WatchState::Succeeded;
            let line = format!("{} — {} stale, {} unknown", assessment.summary, stale.stale, stale.unknown);
            if line != last[i] {
                progress(line.clone());
                last[i] = line;
            }
            if let Some(failure) = assessment.failure {
                progress(failure.summary());
                services[i].failure = Some(failure);
                done[i] = true;
            } else if services[i].redeployed && stale.stale == 0 && stale.unknown == 0 {
                done[i] = true;
            }
        }
        if done.iter().all(|d| *d) || started.elapsed() >= timeout {
            return Ok(());
        }
        tokio::time::sleep(POLL.min(timeout.saturating_sub(started.elapsed())).max(Duration::from_millis(200))).await;
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
