//! Command-line glue: argument structs and `run` functions. Errors here are
//! `anyhow` (reported once by `main`); the decisions live in `shared` and
//! [`crate::deploy`].

pub mod apply;
pub mod plan;
mod progress;
pub mod serve;

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context as _;
use shared::bundle::Bundle;

use crate::aws::{Aws, AwsOptions};

/// How to reach AWS (shared by `plan` and `apply`).
#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// AWS region (default: the bundle's region).
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config.
    #[arg(long)]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl AwsArgs {
    pub async fn connect(&self, bundle: &Bundle) -> anyhow::Result<Aws> {
        let options = AwsOptions {
            region: Some(self.region.clone().unwrap_or_else(|| bundle.region.clone())),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        };
        Ok(Aws::connect(&options).await?)
    }
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Reads and validates a bundle file.
pub fn load_bundle(path: &Path) -> anyhow::Result<Bundle> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read bundle {}", path.display()))?;
    Bundle::parse(&text).with_context(|| format!("bundle {}", path.display()))
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
