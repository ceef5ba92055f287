//! `ecs-secrets policy FILE`: the execution role's least-privilege
//! permission policy for a task definition (or, with `--trust`, its trust
//! policy).
//!
//! The policy JSON goes to stdout, ready for `aws iam put-role-policy
//! --policy-document file:///dev/stdin`; what the generator left out, advice
//! and the managed-policy recommendation go to stderr.
//!
//! Exit codes (a contract): 0 with a policy (or with none when the task
//! definition references nothing to read), 1 when it references secrets but
//! none can be granted — then stdout stays empty and stderr lists each
//! reference with why (never an empty policy a script would attach) — and 2
//! on bad input.

use std::process::ExitCode;

use clap::Args as ClapArgs;
use shared::iam::generate::{self, GenerateOptions, NoteLevel};

use super::context_args::{KmsKeyArgs, LocationArgs, ResourceArgs};
use super::input::Loaded;
use super::{exit, input, output};

/// Print the execution role's least-privilege permission policy (or trust policy) for a task definition.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Task definition JSON (register input, describe output or a containerDefinitions array); `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Print the execution role's trust policy (ecs-tasks.amazonaws.com may assume it) instead.
    #[arg(long)]
    pub trust: bool,
    #[command(flatten)]
    pub location: LocationArgs,
    #[command(flatten)]
    pub kms: KmsKeyArgs,
    #[command(flatten)]
    pub resource: ResourceArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Read the task definition even for --trust: a typo in the path or a
    // broken file should not go unnoticed.
    let mut loaded = input::load_one(&args.file)?;
    let mut advice = args.resource.apply(&mut loaded.imported.task_definition).concat();
    if args.trust {
        output::stdout(&output::json(&generate::trust_policy())?)?;
        return Ok(ExitCode::from(exit::CLEAN));
    }
    let options = GenerateOptions {
        region: args.location.region.clone(),
        account_id: args.location.account.clone(),
        kms_keys: args.kms.by_reference(),
        images_from_ecr: None,
        uses_awslogs: None,
        known_secret_arns: Default::default(),
    };
    let td = &loaded.imported.task_definition;
    let generated = generate::permission_policy(td, &options);
    if !generated.nothing_grantable() {
        output::stdout(&output::json(&generated.policy)?)?;
    }
    for note in &generated.notes {
        let level = match note.level {
            NoteLevel::Warning => "warning",
            NoteLevel::Info => "note",
        };
        advice.push_str(&format!("{level}: {}{}\n", place(&loaded, note.path.as_deref()), note.message));
    }
    if let Some(recommendation) = generate::managed_policy_recommendation(td, &options) {
        advice.push_str(&format!(
            "recommendation: also attach the AWS managed policy {} to the execution role:\n",
            recommendation.policy_arn
        ));
        for reason in &recommendation.reasons {
            advice.push_str(&format!("  - {reason}\n"));
        }
        advice.push_str(&format!("  ({})\n", recommendation.note));
    }
    if generated.nothing_grantable() {
        advice.push_str("error: no policy was printed: fix the references above (`ecs-secrets lint` explains each)\n");
        output::stderr(&advice);
        return Ok(ExitCode::from(exit::FINDINGS));
    }
    output::stderr(&advice);
    Ok(ExitCode::from(exit::CLEAN))
}

/// `FILE:LINE:COLUMN: POINTER: ` for a note about one reference, `FILE: `
/// for a note about the whole task definition.
fn place(loaded: &Loaded, path: Option<&str>) -> String {
    match path {
        Some(path) => {
            let at = loaded.position(path);
            format!("{}:{}:{}: {path}: ", loaded.input.name, at.line, at.column)
        }
        None => format!("{}: ", loaded.input.name),
    }
}
