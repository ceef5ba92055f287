//! The commands of `ecs-secrets`, one module per subcommand.
//!
//! The offline commands (lint, normalize, policy, check, rule, iam, diagnose, export) each
//! have an `Args` struct (clap derive) and a `run(args) ->
//! anyhow::Result<ExitCode>`: `Ok` with the exit code its contract gives (0
//! clean, 1 findings) and `Err` for bad input, which [`finish`] prints and
//! turns into exit code 2. The AWS-facing commands (serve, plan, apply,
//! audit, rotate) are async and flatten [`AwsOptions`] (the ones that
//! connect at once do so through [`connect`]); their failures exit 1.

pub mod context_args;
pub mod input;
pub mod output;
pub mod style;

pub mod check;
pub mod diagnose;
pub mod export;
pub mod iam;
pub mod lint;
pub mod lint_report;
pub mod normalize;
pub mod policy;
pub mod rule;
pub mod sarif;

pub mod apply;
pub mod audit;
pub mod plan;
mod progress;
pub mod rotate;
pub mod serve;
pub mod values_file;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use shared::bundle::Bundle;

use crate::aws::{Aws, AwsError, AwsOptions};

/// Exit codes shared by every command. Scripts depend on them.
pub mod exit {
    /// Nothing wrong was found.
    pub const CLEAN: u8 = 0;
    /// The command ran and found something wrong (an error diagnostic, a
    /// denied reference).
    pub const FINDINGS: u8 = 1;
    /// The input could not be read or understood, or the command line was
    /// wrong (clap uses 2 for usage errors too).
    pub const BAD_INPUT: u8 = 2;
}

/// Turns a command's result into the process exit code, printing the error
/// (with its chain of causes) on stderr. A closed stdout pipe (`| head`) is
/// not an error worth reporting.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}

/// Connects to AWS as the `--region`/`--profile`/`--endpoint-url` flags say,
/// in `default_region` (the bundle's, a SECRET ARN's) when `--region` names
/// none. No region at all is bad input.
pub async fn connect(aws: &AwsOptions, default_region: Option<&str>) -> anyhow::Result<Aws> {
    let options =
        AwsOptions { region: aws.region.clone().or_else(|| default_region.map(str::to_owned)), ..aws.clone() };
    Aws::connect(&options).await.map_err(|e| match e {
        AwsError::NoRegion => BadInput(e.into()).into(),
        other => other.into(),
    })
}

/// Output of a command's report: text for people or JSON for programs
/// (`lint` adds SARIF: [`lint::LintFormat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// A failure of the AWS-facing commands that is the input's fault (an
/// unreadable or invalid bundle or values file): exit code
/// [`exit::BAD_INPUT`], where other failures of those commands exit 1.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BadInput(#[from] anyhow::Error);

/// The exit code of a failed AWS-facing command.
pub fn failure_exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<BadInput>().is_some() { exit::BAD_INPUT } else { exit::FINDINGS }
}

/// Reads and validates a bundle file.
pub fn load_bundle(path: &Path) -> anyhow::Result<Bundle> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read bundle {}", path.display()))
        .map_err(BadInput)?;
    Ok(Bundle::parse(&text).with_context(|| format!("bundle {}", path.display())).map_err(BadInput)?)
}

/// Logging to stderr, filtered by `RUST_LOG` (default `warn`). Whatever
/// `RUST_LOG` says, the HTTP and SDK internals are capped below `trace`:
/// at trace level they print whole request bodies, which for PutParameter
/// and CreateSecret contain secret values.
pub fn init_logging() {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let cap = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(
            [
                "aws_smithy_runtime",
                "aws_smithy_runtime_api",
                "aws_smithy_http_client",
                "aws_smithy_types",
                "aws_sigv4",
                "aws_runtime",
            ]
            .map(|t| (t, LevelFilter::DEBUG)),
        )
        .with_targets(["hyper", "hyper_util", "h2", "rustls"].map(|t| (t, LevelFilter::INFO)));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(stderr_is_tty())
        .with_filter(wanted.and(cap));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

fn stdin_is_tty() -> bool {
    std::io::stdin().is_terminal()
}

fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}
