//! `ecs-secrets lint FILE...`: checks task definitions for secret-handling
//! mistakes.
//!
//! Exit codes (a contract): 0 when no error-severity diagnostic was found, 1
//! when any was (a wrong-typed field, ES005, included: the rest of the file is
//! still checked), 2 when a file could not be read or is not a task
//! definition at all (the other files are still linted and reported).

use std::process::ExitCode;

use clap::{Args as ClapArgs, ValueEnum};

use super::context_args::{ContextArgs, ResourceArgs};
use super::lint_report::{self, FileReport, Totals};
use super::sarif::{self, RuleDescription};
use super::style::Style;
use super::{exit, input, output};

/// Lint task definitions: plaintext secrets, malformed references, missing roles.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Task definition JSON files (register input, describe output or a containerDefinitions array); `-` reads stdin.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// Output format: text for people, json for scripts, sarif for GitHub code scanning.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub resource: ResourceArgs,
}

/// How the lint results are written: [`super::Format`] plus SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.files.iter().filter(|f| *f == input::STDIN).count() > 1 {
        anyhow::bail!("`-` (standard input) can be given only once");
    }
    let context = args.context.context();
    let reports: Vec<FileReport> = args
        .files
        .iter()
        .map(|path| match input::load(path) {
            Ok(mut loaded) => {
                output::stderr(&args.resource.apply(&mut loaded.imported.task_definition).concat());
                let diagnostics = shared::lint::lint_imported(&loaded.imported, &context);
                FileReport::Linted { path: path.clone(), loaded: Box::new(loaded), diagnostics }
            }
            Err(failure) => FileReport::Failed { path: path.clone(), failure },
        })
        .collect();
    let rendered = match args.format {
        LintFormat::Text => lint_report::text(&reports, Style::for_stdout()),
        LintFormat::Json => lint_report::json(&reports)?,
        LintFormat::Sarif => sarif::render(&reports, &rule_catalogue())?,
    };
    output::stdout(&rendered)?;
    Ok(ExitCode::from(exit_code(Totals::of(&reports))))
}

/// 2 beats 1 beats 0: an unreadable file is reported even when another file
/// has errors, because the run did not check everything it was asked to.
fn exit_code(totals: Totals) -> u8 {
    if totals.failed > 0 {
        exit::BAD_INPUT
    } else if totals.errors > 0 {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

/// Every lint rule, for the SARIF driver, with its documentation.
pub fn rule_catalogue() -> Vec<RuleDescription> {
    shared::lint::RULES
        .iter()
        .filter(|rule| rule.origin == shared::lint::Origin::Lint)
        .map(RuleDescription::of)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_input_outranks_errors() {
        let totals = |failed, errors, warnings| Totals { files: 3, failed, errors, warnings, infos: 0 };
        assert_eq!(exit_code(totals(0, 0, 5)), exit::CLEAN);
        assert_eq!(exit_code(totals(0, 1, 0)), exit::FINDINGS);
        assert_eq!(exit_code(totals(1, 1, 0)), exit::BAD_INPUT);
    }
}
