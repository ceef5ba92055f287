//! `ecs-secrets audit [--cluster C]...`: every service of the region's
//! clusters, checked live and read-only (see [`shared::audit`]).
//!
//! Exit codes (a contract): 0 when clean, 1 on any error diagnostic, denied
//! or missing reference (or a service whose task definition could not be
//! read, or an AWS failure), 2 on bad input (a `--cluster` that does not
//! exist, no region). It never reads a secret value: only metadata
//! (DescribeParameters, DescribeSecret) and policies.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::Mutex;

use anyhow::Context as _;
use serde::Serialize;
use shared::Severity;
use shared::audit::{AuditReport, ReferenceStatus, ServiceAudit, Summary};

use super::lint::LintFormat;
use super::style::Style;
use super::{BadInput, exit, output, sarif};
use crate::aws::{Aws, AwsOptions, CallCounts, EstateProgress};

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// A cluster to audit (name or ARN); repeat for more. Default: every cluster of the region.
    #[arg(long = "cluster", value_name = "C")]
    pub clusters: Vec<String>,
    /// Output format: text for people, json for scripts, sarif for GitHub code scanning.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    #[command(flatten)]
    pub aws: AwsOptions,
}

/// The JSON form of `audit`: the contract's `services`, plus the calls made.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditJson<'a> {
    services: &'a [ServiceAudit],
    region: &'a str,
    /// AWS calls made (all reads).
    calls: CallCounts,
}

/// Runs `audit`; returns the process exit code.
pub async fn run(args: AuditArgs) -> anyhow::Result<u8> {
    if let Some(empty) = args.clusters.iter().find(|c| c.trim().is_empty()) {
        return Err(BadInput(anyhow::anyhow!("--cluster `{empty}` is empty: give a cluster name or ARN")).into());
    }
    let aws = super::connect(&args.aws, None).await?;
    let (report, calls) = audit(&aws, &args.clusters, std::io::stderr().is_terminal()).await?;
    let rendered = match args.format {
        LintFormat::Text => text(&report, aws.region(), calls, Style::for_stdout()),
        LintFormat::Json => output::json(&AuditJson { services: &report.services, region: aws.region(), calls })?,
        LintFormat::Sarif => sarif::render_audit(&report, &super::lint::rule_catalogue())?,
    };
    output::stdout(&rendered)?;
    Ok(if report.failed() { exit::FINDINGS } else { exit::CLEAN })
}

/// Reads the estate and what the audit needs, then audits it; a progress
/// bar on stderr when it is a terminal.
pub async fn audit(aws: &Aws, clusters: &[String], progress: bool) -> anyhow::Result<(AuditReport, CallCounts)> {
    let bar = ProgressBar::new(progress);
    let outcome = aws.audit(clusters, &|p| bar.show(p)).await;
    bar.clear();
    let (estate, report) = outcome.context("auditing the services")?;
    if !estate.missing_clusters.is_empty() {
        return Err(BadInput(anyhow::anyhow!("{}", estate.missing_clusters_message())).into());
    }
    Ok((report, aws.calls()))
}

/// A one-line progress bar on stderr, redrawn in place.
struct ProgressBar {
    enabled: bool,
    drawn: Mutex<bool>,
}

impl ProgressBar {
    const WIDTH: usize = 24;

    fn new(enabled: bool) -> Self {
        ProgressBar { enabled, drawn: Mutex::new(false) }
    }

    fn show(&self, progress: EstateProgress) {
        if !self.enabled || progress.total == 0 {
            return;
        }
        let filled = progress.done * Self::WIDTH / progress.total;
        let line = format!(
            "\r\x1b[2K  [{}{}] {} {}/{}",
            "#".repeat(filled),
            "-".repeat(Self::WIDTH - filled),
            progress.phase.label(),
            progress.done,
            progress.total
        );
        let mut stderr = std::io::stderr();
        let _ = stderr.write_all(line.as_bytes());
        let _ = stderr.flush();
        if let Ok(mut drawn) = self.drawn.lock() {
            *drawn = true;
        }
    }

    fn clear(&self) {
        if self.drawn.lock().is_ok_and(|d| *d) {
            let _ = std::io::stderr().write_all(b"\r\x1b[2K");
        }
    }
}

/// The report for people: one summary line per service, then the details
/// of every service that is not ok.
pub fn text(report: &AuditReport, region: &str, calls: CallCounts, style: Style) -> String {
    let mut out = String::new();
    let count = |summary| report.services.iter().filter(|s| s.summary == summary).count();
    let _ = writeln!(
        out,
        "Audit of {} service{} in {region}: {} ok, {} with findings, {} denied",
        report.services.len(),
        if report.services.len() == 1 { "" } else { "s" },
        count(Summary::Ok),
        count(Summary::Findings),
        count(Summary::Denied)
    );
    let width = report.services.iter().map(|s| s.cluster.len() + s.service.len() + 1).max().unwrap_or(0);
    for service in &report.services {
        let label = format!("{:<8}", service.summary.as_str());
        let label = match service.summary {
            Summary::Ok => style.green(&label),
            Summary::Findings => style.severity(Severity::Warning, &label),
            Summary::Denied => style.red(&label),
        };
        let name = format!("{}/{}", service.cluster, service.service);
        let _ = writeln!(out, "  {label} {name:<width$}  {}", counts(service));
    }
    for service in report.services.iter().filter(|s| s.summary != Summary::Ok) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} ({}, execution role {})",
            style.bold(&format!("{}/{}", service.cluster, service.service)),
            service.task_definition.as_deref().unwrap_or("no task definition"),
            service.execution_role_arn.as_deref().unwrap_or("none")
        );
        for problem in &service.problems {
            let _ = writeln!(out, "  {}: {problem}", style.red("error"));
        }
        for d in &service.diagnostics {
            let severity = style.severity(d.severity, d.severity.as_str());
            let _ = writeln!(out, "  {severity} {} {}: {}", d.code, d.path, d.message);
        }
        for r in service.references.iter().filter(|r| r.status != ReferenceStatus::Allowed) {
            let status = status_label(r.status);
            let status = match r.status {
                ReferenceStatus::Unverified => style.severity(Severity::Warning, status),
                _ => style.red(status),
            };
            let _ = writeln!(out, "  {status} {} ({}): {}", r.path, r.value_from.as_deref().unwrap_or("-"), r.reason);
        }
        match service.stale_tasks {
            Some(0) => {}
            Some(n) => {
                let _ = writeln!(
                    out,
                    "  stale: {n} running task{} started before a referenced value last changed; force a new deployment",
                    if n == 1 { "" } else { "s" }
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  stale tasks: unknown (a task's start time or a value's last change was not reported)"
                );
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{} AWS read call{}, no writes", calls.reads, if calls.reads == 1 { "" } else { "s" });
    out
}

/// `2 errors, 1 denied, 1 missing`, or `clean`.
fn counts(service: &ServiceAudit) -> String {
    let mut parts = Vec::new();
    if !service.problems.is_empty() {
        parts.push("task definition unreadable".to_owned());
    }
    for severity in [Severity::Error, Severity::Warning] {
        let n = service.diagnostics.iter().filter(|d| d.severity == severity).count();
        if n > 0 {
            parts.push(format!("{n} {}{}", severity.as_str(), if n == 1 { "" } else { "s" }));
        }
    }
    for status in [ReferenceStatus::Denied, ReferenceStatus::Missing, ReferenceStatus::Unverified] {
        let n = service.references.iter().filter(|r| r.status == status).count();
        if n > 0 {
            parts.push(format!("{n} {}", status_label(status)));
        }
    }
    match service.stale_tasks {
        Some(0) => {}
        Some(n) => parts.push(format!("{n} stale")),
        None => parts.push("stale unknown".to_owned()),
    }
    if parts.is_empty() { "clean".to_owned() } else { parts.join(", ") }
}

fn status_label(status: ReferenceStatus) -> &'static str {
    match status {
        ReferenceStatus::Allowed => "allowed",
        ReferenceStatus::Denied => "denied",
        ReferenceStatus::Missing => "missing",
        ReferenceStatus::Unverified => "unverified",
    }
}
