//! `ecs-secrets plan BUNDLE`: observe AWS and print what apply would do.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use shared::bundle::Bundle;
use shared::iam::access::VerdictStatus;
use shared::plan::Plan;

use super::Format;
use crate::aws::{AwsOptions, CallCounts};

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The deployment bundle (bundle.json).
    pub bundle: PathBuf,
    /// A values file `{"<secret name>": "<value>"}`; only the names are used.
    /// Without it, every missing secret marked `create` is assumed to get a
    /// value at apply time.
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub aws: AwsOptions,
}

/// The JSON form of `plan`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanJson<'a> {
    blocked: bool,
    #[serde(flatten)]
    plan: &'a Plan,
    /// AWS calls made to observe.
    calls: CallCounts,
}

/// Runs `plan`; returns the process exit code (1 when the plan is blocked).
pub async fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let bundle = super::load_bundle(&args.bundle)?;
    let values: Option<BTreeSet<String>> = match &args.values {
        Some(path) => Some(super::values_file::read_values(path)?.names().map(str::to_owned).collect()),
        None => None,
    };
    let aws = super::connect(&args.aws, Some(&bundle.region)).await?;
    let mut outcome = crate::deploy::plan(&aws, &bundle, values.as_ref().unwrap_or(&BTreeSet::new())).await?;
    if values.is_none() {
        // Without a values file, apply will be given (or prompt for) them.
        outcome.assume_values_at_apply(&bundle);
    }
    match args.format {
        Format::Json => {
            let json = PlanJson { blocked: outcome.plan.is_blocked(), plan: &outcome.plan, calls: outcome.calls };
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::Text => print!("{}", render(&bundle, &outcome.plan)),
    }
    Ok(if outcome.plan.is_blocked() { 1 } else { 0 })
}

/// The plan as text, for people.
pub fn render(bundle: &Bundle, plan: &Plan) -> String {
    let mut out = String::new();
    let family = bundle.task_definition.family.as_deref().unwrap_or("?");
    let _ = writeln!(
        out,
        "Plan for {family} in {}: {} step{}, {} write call{}",
        bundle.region,
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        plan.writes,
        if plan.writes == 1 { "" } else { "s" }
    );
    if plan.steps.is_empty() {
        let _ = writeln!(out, "  Nothing to do: AWS already matches the bundle.");
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}\n     because {}", i + 1, step.title, step.reason);
    }
    let references = &plan.preflight.references;
    let denied = references.iter().filter(|r| r.status == VerdictStatus::Denied).count();
    let open = references
        .iter()
        .filter(|r| matches!(r.status, VerdictStatus::DependsOnKeyPolicy | VerdictStatus::Unverified))
        .count();
    if open > 0 {
        let _ = writeln!(
            out,
            "Pre-flight: {open} reference(s) not proven readable: a KMS key policy decides or a policy could not be read (EP041 below says what would verify it)."
        );
    }
    if !references.is_empty() && denied == 0 && open == 0 {
        let _ = writeln!(
            out,
            "Pre-flight: the execution role can read all {} reference{}.",
            references.len(),
            if references.len() == 1 { "" } else { "s" }
        );
    } else if denied > 0 {
        let _ =
            writeln!(out, "Pre-flight: the task would fail with AccessDenied on {denied} reference(s) (EP040 below).");
    }
    for problem in plan.diagnostics() {
        let _ = writeln!(out, "{} {} {}: {}", problem.severity, problem.code, problem.path, problem.message);
    }
    if plan.is_blocked() {
        let _ = writeln!(out, "Blocked: fix the errors above, then plan again.");
    }
    out
}
