//! The `ecs-secrets` command line.
//!
//! On this branch only `serve` is wired; the full command set is merged in
//! from the CLI work.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecs_secrets::cli::serve::{self, ServeArgs};

#[derive(Debug, Parser)]
#[command(name = "ecs-secrets", version, about = "Get secrets into Amazon ECS containers safely")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the local web UI (bound to 127.0.0.1, guarded by a per-launch token).
    Serve(ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("ecs_secrets=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
        }
    });
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::FAILURE
    })
}
