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

use std::fmt::Write as _;
use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use secrecy::ExposeSecret as _;
use shared::rotate::{Consumer, RotateReport, RotatedSecret};
use shared::secret_ref::SecretRef;

use super::{BadInput, Format, exit, output};
use crate::aws::AwsOptions;
use crate::rotation::{self, RotateError};

#[derive(Debug, clap::Args)]
#[command(mut_arg("region", |region| region.help(
    "AWS region (default: the region of a SECRET given as an ARN; for a name, AWS_REGION or the profile's)"
)))]
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
    #[arg(long, default_value_t = crate::deploy::WAIT_TIMEOUT.as_secs(), value_name = "SECONDS")]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub aws: AwsOptions,
}

/// Runs `rotate`; returns the exit code.
pub async fn run(args: RotateArgs) -> anyhow::Result<u8> {
    let secret = args.secret.trim().to_owned();
    if secret.is_empty() {
        return Err(
            BadInput(anyhow::anyhow!("SECRET is empty: give an SSM parameter or a Secrets Manager secret")).into()
        );
    }
    let parsed = SecretRef::parse(&secret).map_err(|e| BadInput(anyhow::anyhow!("SECRET `{secret}`: {e}")))?;
    let values = match &args.values {
        Some(path) => Some(super::values_file::read_values(path)?),
        None => None,
    };
    // An ARN names its region; a name lives in the configured one.
    let aws = super::connect(&args.aws, parsed.location().map(|l| l.region.as_str())).await?;
    let rotation::Found { secret: target, parameter, consumers } =
        rotation::find(&aws, &secret, &parsed, &args.clusters).await.map_err(cli_error)?;

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

    let report = rotation::rotate(
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

/// Bad input exits 2, an AWS failure 1.
fn cli_error(err: RotateError) -> anyhow::Error {
    match err {
        RotateError::BadInput(message) => BadInput(anyhow::anyhow!(message)).into(),
        RotateError::Aws(err) => err.into(),
    }
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
