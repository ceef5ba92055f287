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
    let mut notes = String::new();
    for note in &loaded.imported.notes {
        let at = loaded.source_position(&note.path);
        let path = if note.path.is_empty() { "(document)" } else { &note.path };
        notes.push_str(&format!("note: {}:{}:{}: {path}: {}\n", loaded.input.name, at.line, at.column, note.message));
    }
    output::stderr(&notes);
    Ok(ExitCode::from(exit::CLEAN))
}
