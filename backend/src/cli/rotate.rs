//! `ecs-secrets rotate SECRET`: write a secret's new value and redeploy
//! every service that uses it, until none of their tasks holds the old one.
//!
//! 1. Find the secret (DescribeParameters / DescribeSecret: metadata, never
//!    the value) and its consumers: every service of the clusters (the
//!    estate observer) whose current task definition references it in any
//!    form ([`shared::rotate::consumers`]). Print that plan; `--dry-run`
//!    stops here.
//! 2. Write the value (PutSecretValue; PutParameter `--overwrite` keeping
//!    type and KMS key), from `--values FILE` or a no-echo prompt, never argv.
//! 3. Force a new deployment of each consumer and watch it
//!    ([`shared::watch`]) until it is steady and none of its tasks started
//!    before the rotation ([`shared::rotate::staleness`]), a new task fails
//!    to start, or `--wait-timeout`.
//!
//! Exit codes (a contract): 0 when every consumer is redeployed with no
//! stale task, 1 otherwise, 2 on bad input (an unknown or ambiguous secret,
//! a missing value, an unreadable values file, a missing cluster).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret as _, SecretString};
use shared::rotate::{Consumer, RotateReport, RotatedSecret, ServiceReport};
use shared::secret_ref::{SecretRef, Store};
use shared::watch::{WatchState, WatchTarget};

use super::{AwsArgs, BadInput, Format, exit, output};
use crate::aws::{Aws, AwsOptions, ParameterMeta};

#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The secret: an SSM parameter name or ARN, or a Secrets Manager secret name or ARN (full or partial).
    pub secret: String,
    /// A cluster to look for consumers in (name or ARN); repeat for more. Default: every cluster of the region.
    #[arg(long = "cluster", value_name = "C")]
    pub clusters: Vec<String>,
    /// The new value as JSON: {"<secret>": "<value>"} (keyed by SECRET as given, its name or its ARN).
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// Rotate without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print the consumers found and stop: nothing is written.
    #[arg(long)]
    pub dry_run: bool,
    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds to wait for the consumers' new deployments and their old tasks to go.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How often the consumers are looked at while waiting.
const POLL: Duration = Duration::from_secs(3);

/// Runs `rotate`; returns the exit code.
pub async fn run(args: RotateArgs) -> anyhow::Result<u8> {
    let secret = args.secret.trim().to_owned();
    if secret.is_empty() {
        return Err(
            BadInput(anyhow::anyhow!("SECRET is empty: give an SSM parameter or a Secrets Manager secret")).into()
        );
    }
    let parsed = SecretRef::parse(&secret).map_err(|e| BadInput(anyhow::anyhow!("SECRET `{secret}`: {e}")))?;
    // An ARN names its region; a name lives in the configured one.
    let region = args.aws.region.clone().or_else(|| parsed.location().map(|l| l.region.clone()));
    let values = match &args.values {
        Some(path) => Some(super::values_file::read_values(path)?),
        None => None,
    };
    let options = AwsOptions { region, profile: args.aws.profile.clone(), endpoint_url: args.aws.endpoint_url.clone() };
    let aws = Aws::connect(&options).await.map_err(|e| match e {
        crate::aws::AwsError::NoRegion => BadInput(e.into()).into(),
        other => anyhow::Error::from(other),
    })?;
    let caller = aws.whoami().await?;
    let (target, parameter) = resolve(&aws, &secret, &parsed, &caller.account).await?;
    let consumers = find_consumers(&aws, &target, &args.clusters, &caller.account).await?;

    let plan = RotateReport::plan(&target, &consumers);
    let plan_text = render_plan(&target, &consumers);
    if args.dry_run {
        match args.format {
            Format::Text => output::stdout(&plan_text)?,
            Format::Json => output::stdout(&output::json(&plan)?)?,
        }
        return Ok(exit::CLEAN);
    }
    eprint!("{plan_text}");

    let value = match values {
        Some(values) => {
            let keys = [secret.as_str(), target.name.as_str(), target.full_name(), target.arn.as_str()];
            let found = keys.iter().find_map(|k| values.get(k)).cloned();
            found.ok_or_else(|| {
                BadInput(anyhow::anyhow!(
                    "the values file has no value for `{secret}`: add {{\"{}\": \"…\"}}",
                    target.name
                ))
            })?
        }
        None => {
            if !super::stdin_is_tty() {
                return Err(BadInput(anyhow::anyhow!(
                    "no value: pass --values FILE ({{\"{}\": \"<value>\"}}) or run on a terminal to be prompted",
                    target.name
                ))
                .into());
            }
            crate::prompt::read_secret(&format!("New value for {} (not echoed): ", target.name))
                .context("cannot read the value from the terminal")?
        }
    };
    if value.expose_secret().is_empty() {
        return Err(BadInput(anyhow::anyhow!("the new value of `{}` is empty", target.name)).into());
    }
    if !args.yes {
        if !super::stdin_is_tty() {
            bail!("refusing to rotate without confirmation: stdin is not a terminal; review --dry-run and pass --yes");
        }
        eprint!("Write the new value and redeploy {} service(s)? [y/N] ", consumers.len());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("Not rotated.");
            return Ok(exit::FINDINGS);
        }
    }

    let report = rotate(
        &aws,
        &target,
        parameter.as_ref(),
        &value,
        &consumers,
        Duration::from_secs(args.wait_timeout),
        &|line| eprintln!("{line}"),
    )
    .await;
    drop(value);
    let report = match report {
        Ok(report) => report,
        // Nothing was written: the plan, as it stands.
        Err(err) => {
            eprintln!("error: {err}");
            if args.format == Format::Json {
                output::stdout(&output::json(&plan)?)?;
            }
            return Ok(exit::FINDINGS);
        }
    };
    let calls = aws.calls();
    eprintln!("AWS API calls: {} reads, {} writes", calls.reads, calls.writes);
    match args.format {
        Format::Text => output::stdout(&render_report(&report))?,
        Format::Json => output::stdout(&output::json(&report)?)?,
    }
    Ok(if report.success() { exit::CLEAN } else { exit::FINDINGS })
}

/// The secret `raw` names, with the parameter's metadata for an SSM one.
/// A bare name may be either store's: exactly one must have it.
pub async fn resolve(
    aws: &Aws,
    raw: &str,
    parsed: &SecretRef,
    account: &str,
) -> anyhow::Result<(RotatedSecret, Option<ParameterMeta>)> {
    let region = aws.region().to_owned();
    let ssm = |meta: ParameterMeta| {
        let arn = meta.arn.clone().unwrap_or_else(|| {
            let location = shared::secret_ref::ArnLocation {
                partition: shared::secret_ref::partition_for_region(&region).to_owned(),
                region: region.clone(),
                account: account.to_owned(),
            };
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
    let sm = |(name, arn): (String, String)| RotatedSecret {
        store: Store::SecretsManager,
        name,
        region: arn.split(':').nth(3).unwrap_or(&region).to_owned(),
        account: arn.split(':').nth(4).unwrap_or(account).to_owned(),
        arn,
    };
    let not_found = |what: &str| {
        BadInput(anyhow::anyhow!("{what} `{raw}` does not exist in {region}: check the name and --region"))
    };
    match parsed {
        SecretRef::SsmArn { name, .. } => {
            let meta = aws.describe_parameter(name).await?.ok_or_else(|| not_found("SSM parameter"))?;
            Ok(ssm(meta))
        }
        SecretRef::SecretsManager(_) => {
            let found = aws.describe_secret_arn(raw).await?.ok_or_else(|| not_found("secret"))?;
            Ok((sm(found), None))
        }
        SecretRef::SsmName { name } => {
            let parameter = aws.describe_parameter(name).await?;
            let secret = aws.describe_secret_arn(name).await?;
            match (parameter, secret) {
                (Some(meta), None) => Ok(ssm(meta)),
                (None, Some(found)) => Ok((sm(found), None)),
                (Some(_), Some((_, arn))) => Err(BadInput(anyhow::anyhow!(
                    "`{raw}` is both an SSM parameter and a Secrets Manager secret ({arn}): give the ARN of the one to rotate"
                ))
                .into()),
                (None, None) => Err(not_found("no SSM parameter or Secrets Manager secret named").into()),
            }
        }
    }
}

/// The services of `clusters` (default: every cluster) that reference
/// `secret`. A named cluster that does not exist is bad input.
pub async fn find_consumers(
    aws: &Aws,
    secret: &RotatedSecret,
    clusters: &[String],
    account: &str,
) -> anyhow::Result<Vec<Consumer>> {
    let estate = aws.estate(clusters, &|_| {}).await.context("reading the services")?;
    if !estate.missing_clusters.is_empty() {
        return Err(BadInput(anyhow::anyhow!(
            "cluster(s) {} do not exist in {}: check --cluster",
            estate.missing_clusters.join(", "),
            aws.region()
        ))
        .into());
    }
    Ok(shared::rotate::consumers(secret, &estate, account))
}

/// Writes the value, redeploys every consumer and watches them. `Err` only
/// when the value could not be written (nothing changed).
pub async fn rotate(
    aws: &Aws,
    secret: &RotatedSecret,
    parameter: Option<&ParameterMeta>,
    value: &SecretString,
    consumers: &[Consumer],
    timeout: Duration,
    progress: &(dyn Fn(String) + Sync),
) -> anyhow::Result<RotateReport> {
    // The tasks running now hold the old value.
    let mut before: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for c in consumers {
        let tasks = aws.watched_tasks(&c.cluster, &c.service).await?;
        before.insert(
            (c.cluster.clone(), c.service.clone()),
            tasks
                .into_iter()
                .filter(|t| shared::rotate::holds_values(t.last_status.as_deref()))
                .map(|t| t.arn)
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
) -> anyhow::Result<()> {
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

/// The plan as text: the secret, then each consumer with its references.
pub fn render_plan(secret: &RotatedSecret, consumers: &[Consumer]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Rotate {} ({})", secret.arn, secret.store.as_str());
    if consumers.is_empty() {
        let _ = writeln!(out, "  no service references it: only the value would be written");
    }
    for c in consumers {
        let _ = writeln!(
            out,
            "  {}/{} runs {} ({} running task{})",
            c.cluster,
            c.service,
            c.task_definition,
            c.running_tasks.len(),
            if c.running_tasks.len() == 1 { "" } else { "s" }
        );
        for r in &c.references {
            let container = r.container.as_deref().unwrap_or("?");
            let _ = writeln!(out, "    {} ({container}): {}", r.path, r.value_from);
            if let Some(pinned) = &r.pinned {
                let _ = writeln!(out, "      warning: {pinned}");
            }
        }
    }
    out
}

/// The final report as text, one line per consumer.
pub fn render_report(report: &RotateReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} {}",
        if report.success() { "Rotated" } else { "NOT DONE" },
        report.secret,
        if report.written { "written" } else { "not written" }
    );
    for s in &report.services {
        let _ = writeln!(
            out,
            "  {}/{}: {}, {} stale task{}{}",
            s.cluster,
            s.service,
            if s.redeployed { "redeployed" } else { "not redeployed" },
            s.stale_tasks,
            if s.stale_tasks == 1 { "" } else { "s" },
            if s.stale_unknown > 0 { format!(", {} of unknown age", s.stale_unknown) } else { String::new() }
        );
        if let Some(failure) = &s.failure {
            let _ = writeln!(out, "    {}", failure.summary());
            out.push_str(&super::apply::render_watch_failure(failure));
        }
    }
    out
}
