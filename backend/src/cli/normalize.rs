//! `ecs-secrets normalize FILE`: prints the register-ready task definition.
//!
//! Accepts everything import accepts (register input, describe output, a
//! bare containerDefinitions array) and writes what RegisterTaskDefinition
//! takes, with read-only fields stripped. The JSON goes to stdout so it can be
//! piped into `aws ecs register-task-definition --cli-input-json file:///dev/stdin`;
//! what import changed goes to stderr as notes.

use std::process::ExitCode;

use clap::Args as ClapArgs;

use super::{exit, input, output};

/// Print a task definition as register-ready JSON (read-only fields stripped).
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Task definition JSON (register input, describe output or a containerDefinitions array); `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = input::load_one(&args.file)?;
    output::stdout(&shared::export(&loaded.imported.task_definition))?;
    let mut notes: Vec<_> =
        loaded.imported.notes.iter().map(|note| (loaded.source_position(&note.path), note)).collect();
    notes.sort_by_key(|(at, _)| (at.line, at.column));
    let notes: String = notes
        .into_iter()
        .map(|(at, note)| {
            let path = if note.path.is_empty() { "(document)" } else { &note.path };
            format!("note: {}:{}:{}: {path}: {}\n", loaded.input.name, at.line, at.column, note.message)
        })
        .collect();
    output::stderr(&notes);
    Ok(ExitCode::from(exit::CLEAN))
}
