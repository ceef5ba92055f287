//! `ecs-secrets apply BUNDLE`: plan, confirm, execute, report.
//!
//! Secret values come from a JSON file (`--values FILE`) or are prompted
//! for without echo on a terminal; never from the command line.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use secrecy::ExposeSecret;
use shared::bundle::SecretValues;
use shared::plan::ApplyReport;
use tokio::sync::mpsc;

use super::Format;
use crate::aws::AwsOptions;
use crate::deploy::StartError;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The deployment bundle (bundle.json).
    pub bundle: PathBuf,
    /// Secret values as JSON: {"<secret name>": "<value>"}.
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Format of the final report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds to wait for services to become stable.
    #[arg(long, default_value_t = crate::deploy::WAIT_TIMEOUT.as_secs(), value_name = "SECONDS")]
    pub wait_timeout: u64,
    #[command(flatten)]
    pub aws: AwsOptions,
}

/// Runs `apply`; returns the exit code (0 success, 1 failure).
pub async fn run(args: ApplyArgs) -> anyhow::Result<u8> {
    let bundle = super::load_bundle(&args.bundle)?;
    let mut values = match &args.values {
        Some(path) => super::values_file::read_values(path)?,
        None => SecretValues::default(),
    };
    let aws = super::connect(&args.aws, Some(&bundle.region)).await?;
    let present: BTreeSet<String> = values.names().map(str::to_owned).collect();
    let mut outcome = crate::deploy::plan(&aws, &bundle, &present).await?;
    let needed = outcome.values_needed(&bundle, &present);
    if !needed.is_empty() && super::stdin_is_tty() {
        for name in &needed {
            let value = crate::prompt::read_secret(&format!("Value for {name} (not echoed): "))
                .context("cannot read the value from the terminal")?;
            if !value.expose_secret().is_empty() {
                values.0.insert(name.clone(), value);
            }
        }
        let present: BTreeSet<String> = values.names().map(str::to_owned).collect();
        outcome.replan(&bundle, &present);
    }
    eprint!("{}", super::plan::render(&bundle, &outcome.plan));
    if outcome.plan.is_blocked() {
        return Ok(1);
    }
    if outcome.plan.writes > 0 && !args.yes {
        if !super::stdin_is_tty() {
            bail!(
                "refusing to apply without confirmation: stdin is not a terminal; review `ecs-secrets plan` and pass --yes"
            );
        }
        eprint!("Apply these {} steps? [y/N] ", outcome.plan.steps.len());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("Not applied.");
            return Ok(1);
        }
    }
    if outcome.plan.steps.is_empty() {
        // Nothing to do: report without observing AWS a second time.
        let report = ApplyReport {
            success: true,
            completed: Vec::new(),
            failed: None,
            task_definition_arn: outcome.plan.current_revision.clone(),
            writes: 0,
        };
        return finish(&aws, &report, args.format);
    }
    let (sender, receiver) = mpsc::channel(32);
    let printer = tokio::spawn(super::progress::print(receiver, super::stderr_is_tty()));
    let options = crate::deploy::ApplyOptions {
        stable_timeout: std::time::Duration::from_secs(args.wait_timeout),
        ..crate::deploy::ApplyOptions::default()
    };
    let result = crate::deploy::apply_with(&aws, &bundle, &values, sender, &options).await;
    let _ = printer.await;
    drop(values);
    let report = match result {
        Ok(report) => report,
        Err(StartError::Blocked(plan)) => {
            eprint!("{}", super::plan::render(&bundle, &plan));
            return Ok(1);
        }
        Err(err) => return Err(err.into()),
    };
    finish(&aws, &report, args.format)
}

/// Prints the call counts (stderr) and the report (stdout); the exit code.
fn finish(aws: &crate::aws::Aws, report: &ApplyReport, format: Format) -> anyhow::Result<u8> {
    let calls = aws.calls();
    eprintln!("AWS API calls: {} reads, {} writes", calls.reads, calls.writes);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
        Format::Text => print!("{}", render_report(report)),
    }
    Ok(if report.success { 0 } else { 1 })
}

/// The final report as text.
pub fn render_report(report: &ApplyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} step{} completed, {} write call{}",
        if report.success { "Applied" } else { "FAILED" },
        report.completed.len(),
        if report.completed.len() == 1 { "" } else { "s" },
        report.writes,
        if report.writes == 1 { "" } else { "s" }
    );
    for id in &report.completed {
        let _ = writeln!(out, "  done   {id}");
    }
    if let Some(failed) = &report.failed {
        let request = failed.request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default();
        let _ = writeln!(out, "  failed {}: {}{request}", failed.step_id, failed.message);
        if let Some(cause) = &failed.cause {
            out.push_str(&render_watch_failure(cause));
        }
        let _ = writeln!(out, "Fix the cause and run apply again: it continues from what exists.");
    }
    if let Some(arn) = &report.task_definition_arn {
        let _ = writeln!(out, "Task definition: {arn}");
    }
    out
}

/// A failed deployment as text: the stopped reason, then the decoder's
/// explanation, the fix's steps and the statement to add.
pub fn render_watch_failure(failure: &shared::watch::WatchFailure) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  reason: {}", failure.reason);
    if let Some(decoded) = &failure.decoded {
        let _ = writeln!(out, "  cause:  {} ({})", decoded.cause.label(), decoded.cause);
        let _ = writeln!(out, "  {}", decoded.explanation);
        for (i, step) in decoded.fix.steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 1);
        }
        if let Some(statement) = &decoded.fix.statement
            && let Ok(json) = serde_json::to_string_pretty(statement)
        {
            let _ = writeln!(out, "  statement to add:");
            for line in json.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}
