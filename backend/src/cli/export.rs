//! `ecs-secrets export BUNDLE --format FORMAT`: prints one of the UI's
//! downloads for a bundle, byte for byte what the page offers
//! (`shared::downloads`), so the files can be scripted and reviewed.
//!
//! Formats: `task-definition` (task-definition.json), `trust-policy`
//! (trust-policy.json), `execution-role-policy` (execution-role-policy.json)
//! and `deploy-sh` (deploy.sh, which expects the three JSON files beside it).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;
use shared::downloads::Download;
use shared::workspace::Workspace;

use super::{exit, output};

/// Print a download of a bundle: task definition, policies or deploy.sh.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// The deployment bundle (bundle.json, as the UI downloads it).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Which file to print.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
}

/// The files `export` prints, named as in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// task-definition.json: register-ready (`--cli-input-json`).
    TaskDefinition,
    /// trust-policy.json: who may assume the execution role.
    TrustPolicy,
    /// execution-role-policy.json: the least-privilege read policy.
    ExecutionRolePolicy,
    /// key-policy-statement.json: the statement each customer-managed KMS
    /// key's policy needs for the execution role.
    KeyPolicyStatement,
    /// deploy.sh: the deployment as aws CLI commands.
    DeploySh,
}

impl ExportFormat {
    pub fn download(self) -> Download {
        match self {
            ExportFormat::TaskDefinition => Download::TaskDefinition,
            ExportFormat::TrustPolicy => Download::TrustPolicy,
            ExportFormat::ExecutionRolePolicy => Download::ExecutionRolePolicy,
            ExportFormat::KeyPolicyStatement => Download::KeyPolicyStatement,
            ExportFormat::DeploySh => Download::DeployScript,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bundle = super::load_bundle(&args.bundle)?;
    let analysis = Workspace::from_bundle(bundle.clone()).analyze();
    output::stdout(&args.format.download().text(&bundle, &analysis))?;
    Ok(ExitCode::from(exit::CLEAN))
}
