//! `ecs-secrets diagnose`: explains an ECS error message read from stdin —
//! typically a stopped task's `stoppedReason` with
//! `ResourceInitializationError` — and says how to fix it.
//!
//! `aws ecs describe-tasks … --query 'tasks[0].stoppedReason' --output text |
//! ecs-secrets diagnose`. Text nobody recognises is still answered (cause
//! `unknown`, with advice on what to paste instead), so the exit code is 0
//! unless stdin is empty.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args as ClapArgs;
use shared::decode::{self, Decoded};

use super::context_args::LocationArgs;
use super::style::Style;
use super::{Format, exit, output};

/// Explain an ECS error message (e.g. a stopped task's ResourceInitializationError) read from stdin.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Output format: text for people, json for scripts
    /// ({"role", "action", "resource", "cause", "explanation", "fix", …}).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub location: LocationArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if std::io::stdin().is_terminal() {
        // Run by hand without a pipe: say what we are waiting for.
        output::stderr("Paste the error message, then press Ctrl-D (Ctrl-Z, Enter on Windows):\n");
    }
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes).context("cannot read standard input")?;
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        bail!(
            "no error text on standard input: pipe in the message, e.g. `aws ecs describe-tasks --cluster C --tasks T --query 'tasks[0].stoppedReason' --output text | ecs-secrets diagnose`"
        );
    }
    let decoded = decode::decode_with(&text, &args.location.context());
    let rendered = match args.format {
        Format::Text => render_text(&decoded, Style::for_stdout())?,
        Format::Json => output::json(&decoded)?,
    };
    output::stdout(&rendered)?;
    Ok(ExitCode::from(exit::CLEAN))
}

fn render_text(decoded: &Decoded, style: Style) -> anyhow::Result<String> {
    let mut out = format!("{} {}\n", style.bold("cause:"), decoded.cause);
    for (label, value) in [
        ("role:", &decoded.role),
        ("action:", &decoded.action),
        ("resource:", &decoded.resource),
        ("region:", &decoded.region),
        ("account:", &decoded.account),
        ("policy:", &decoded.policy),
    ] {
        if let Some(value) = value {
            out.push_str(&format!("{} {value}\n", style.bold(label)));
        }
    }
    out.push('\n');
    out.push_str(&decoded.explanation);
    out.push_str("\n\n");
    out.push_str(&format!("{}\n", style.green("fix:")));
    for (index, step) in decoded.fix.steps.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", index + 1));
    }
    if let Some(statement) = &decoded.fix.statement {
        let pretty = serde_json::to_string_pretty(statement)?;
        out.push_str("\n  statement:\n");
        for line in pretty.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    Ok(out)
}
