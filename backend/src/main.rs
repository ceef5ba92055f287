//! The `ecs-secrets` command line: parses arguments and hands each
//! subcommand to its module in `ecs_secrets::cli`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecs_secrets::cli;

/// Get secrets into Amazon ECS containers safely: lint task definitions,
/// generate and check IAM policies, explain errors, and apply the whole
/// configuration to AWS.
#[derive(Debug, Parser)]
#[command(name = "ecs-secrets", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Lint(cli::lint::Args),
    Normalize(cli::normalize::Args),
    Policy(cli::policy::Args),
    Check(cli::check::Args),
    Rule(cli::rule::Args),
    Iam(cli::iam::Args),
    Diagnose(cli::diagnose::Args),
    Export(cli::export::Args),
    /// Start the local web UI (bound to 127.0.0.1, guarded by a per-launch token).
    Serve(cli::serve::ServeArgs),
    /// Show what apply would do (AWS reads only).
    Plan(cli::plan::PlanArgs),
    /// Create secrets, the execution role and a revision; redeploy services.
    Apply(cli::apply::ApplyArgs),
    /// Check every service of the region's clusters live, read-only: lint, references, access, stale tasks.
    Audit(cli::audit::AuditArgs),
    /// Write a secret's new value and redeploy every service that uses it, until no task holds the old one.
    Rotate(cli::rotate::RotateArgs),
}

fn main() -> ExitCode {
    // Before any credential or secret value is in memory.
    for warning in ecs_secrets::protect::protect_process() {
        eprintln!("warning: {warning}");
    }
    // Usage errors exit with clap's code 2, the same as bad input.
    let args = Cli::parse();
    let offline = match args.command {
        Command::Lint(args) => cli::lint::run(args),
        Command::Normalize(args) => cli::normalize::run(args),
        Command::Policy(args) => cli::policy::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Rule(args) => cli::rule::run(args),
        Command::Iam(args) => cli::iam::run(args),
        Command::Diagnose(args) => cli::diagnose::run(args),
        Command::Export(args) => cli::export::run(args),
        Command::Serve(args) => return run_async(cli::serve::run(args)),
        Command::Plan(args) => return run_async(async { cli::plan::run(args).await.map(ExitCode::from) }),
        Command::Apply(args) => return run_async(async { cli::apply::run(args).await.map(ExitCode::from) }),
        Command::Audit(args) => return run_async(async { cli::audit::run(args).await.map(ExitCode::from) }),
        Command::Rotate(args) => return run_async(async { cli::rotate::run(args).await.map(ExitCode::from) }),
    };
    cli::finish(offline)
}

/// Runs an AWS-facing command on a tokio runtime; its failures exit 1, bad
/// input 2.
fn run_async(command: impl Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    cli::init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(command).unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(cli::failure_exit_code(&err))
    })
}
