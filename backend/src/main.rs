//! The `ecs-secrets` command line: parses arguments and hands each
//! subcommand to its module in `ecs_secrets::cli`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecs_secrets::cli;

/// Get secrets into Amazon ECS containers safely: lint task definitions,
/// generate and check IAM policies, explain errors.
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
    Iam(cli::iam::Args),
    Diagnose(cli::diagnose::Args),
}

fn main() -> ExitCode {
    // Usage errors exit with clap's code 2, the same as bad input.
    let args = Cli::parse();
    let result = match args.command {
        Command::Lint(args) => cli::lint::run(args),
        Command::Normalize(args) => cli::normalize::run(args),
        Command::Policy(args) => cli::policy::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Iam(args) => cli::iam::run(args),
        Command::Diagnose(args) => cli::diagnose::run(args),
    };
    cli::finish(result)
}
