//! The `ecs-secrets` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecs_secrets::cli;

#[derive(Debug, Parser)]
#[command(name = "ecs-secrets", version, about = "Get secrets into Amazon ECS containers safely")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the local web UI (bound to 127.0.0.1, guarded by a per-launch token).
    Serve(cli::serve::ServeArgs),
    /// Show what apply would do (AWS reads only).
    Plan(cli::plan::PlanArgs),
    /// Create secrets, the execution role and a revision; redeploy services.
    Apply(cli::apply::ApplyArgs),
}

fn main() -> ExitCode {
    cli::init_logging();
    let args = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match args.command {
            Command::Serve(a) => cli::serve::run(a).await,
            Command::Plan(a) => cli::plan::run(a).await.map(ExitCode::from),
            Command::Apply(a) => cli::apply::run(a).await.map(ExitCode::from),
        }
    });
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(1)
    })
}
