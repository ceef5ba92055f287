//! `ecs-secrets iam …`: IAM tools. `iam simulate REQUEST.json` evaluates one
//! request against identity policies (and a resource policy) the way AWS
//! does, offline.

use std::process::ExitCode;

use clap::{Args as ClapArgs, Subcommand};
use shared::iam::simulate::{SimulateRequest, simulate};

use super::input::{self, Failure, InputProblem};
use super::{exit, output};

/// IAM tools: evaluate policies offline.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    pub command: IamCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum IamCommand {
    Simulate(SimulateArgs),
}

/// Evaluate one request (action, resource, context) against policies, as AWS would.
///
/// REQUEST.json: {"action", "resource", "principal"?, "context"?, "identityPolicies": [...],
/// "resourcePolicy"?}. Prints {"decision", "matchedStatements", "missingContextKeys"};
/// exits 0 whatever the decision.
#[derive(Debug, Clone, ClapArgs)]
pub struct SimulateArgs {
    /// The simulation request JSON; `-` reads stdin.
    #[arg(value_name = "REQUEST.json")]
    pub request: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        IamCommand::Simulate(args) => run_simulate(args),
    }
}

fn run_simulate(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let (source, value) = input::read_json(&args.request)?;
    let request = SimulateRequest::from_value(&value).map_err(|error| Failure {
        name: source.name.clone(),
        problem: InputProblem::from_json(&source.text, error),
    })?;
    output::stdout(&output::json(&simulate(&request))?)?;
    Ok(ExitCode::from(exit::CLEAN))
}
