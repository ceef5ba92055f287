//! `ecs-secrets rule CODE` and `ecs-secrets rule --list`: what a diagnostic
//! code means, from the rule registry (`shared::lint::RULES` and its
//! documentation), in the manner of `ruff rule`.
//!
//! `rule CODE` prints the rule's documentation as Markdown (or JSON);
//! `rule --list` prints every code as a table, JSON, or the whole of
//! `docs/rules.md` (`--format markdown`, which is how that file is made).
//! Exit codes: 0, or 2 for an unknown code.

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args as ClapArgs, ValueEnum};
use serde::Serialize;
use shared::RuleInfo;
use shared::lint::rule_docs;

use super::{exit, output};

/// Explain a diagnostic code (ES0xx, EP0xx), or list them all.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// The code to explain, e.g. ES084 (any case).
    #[arg(value_name = "CODE", required_unless_present = "list", conflicts_with = "list")]
    pub code: Option<String>,
    /// List every code.
    #[arg(long)]
    pub list: bool,
    /// Output format: text (Markdown for one rule, a table for --list), json, or markdown
    /// (the generated docs/rules.md, with --list).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How a rule is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// One rule for scripts: the registry entry and its documentation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleJson {
    #[serde(flatten)]
    rule: &'static RuleInfo,
    what: Option<&'static str>,
    why: Option<&'static str>,
    example: Option<&'static str>,
    fix_text: Option<&'static str>,
    help_uri: String,
}

impl RuleJson {
    fn of(rule: &'static RuleInfo) -> Self {
        let docs = rule_docs::docs(rule.code);
        RuleJson {
            rule,
            what: docs.map(|d| d.what),
            why: docs.map(|d| d.why),
            example: docs.map(|d| d.example),
            fix_text: docs.map(|d| d.fix),
            help_uri: rule_docs::help_uri(rule),
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rendered = match (&args.code, args.format) {
        (Some(code), format) => {
            let Some(rule) = shared::lint::rule_info(&code.trim().to_ascii_uppercase()) else {
                bail!("unknown rule code `{code}`: `ecs-secrets rule --list` lists every code");
            };
            match format {
                Format::Text | Format::Markdown => rule_docs::rule_markdown(rule),
                Format::Json => output::json(&RuleJson::of(rule))?,
            }
        }
        (None, Format::Text) => table(),
        (None, Format::Json) => output::json(&shared::lint::RULES.iter().map(RuleJson::of).collect::<Vec<_>>())?,
        (None, Format::Markdown) => rule_docs::markdown(),
    };
    output::stdout(&rendered)?;
    Ok(ExitCode::from(exit::CLEAN))
}

/// `CODE  SEVERITY  FIX        NAME  summary`, one line per code.
fn table() -> String {
    let rules = shared::lint::RULES;
    let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        out.push_str(&format!(
            "{}  {:<7}  {:<9}  {:<width$}  {}\n",
            rule.code,
            rule.severity.as_str(),
            rule.fix.as_str(),
            rule.name,
            rule.summary
        ));
    }
    out
}
