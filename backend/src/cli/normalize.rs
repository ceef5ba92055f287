//! `ecs-secrets normalize FILE`: prints the register-ready task definition.
//!
//! Accepts everything import accepts (register input, describe output, a
//! bare containerDefinitions array) and writes what RegisterTaskDefinition
//! takes, with read-only fields stripped. The JSON goes to stdout so it can be
//! piped into `aws ecs register-task-definition --cli-input-json file:///dev/stdin`;
//! what import changed goes to stderr as notes, one `note:` line per path. A
//! field of the wrong JSON type (ES005) is bad input (exit 2): the output
//! would not register.
//!
//! RegisterTaskDefinition accepts no `null` (the AWS CLI's own parameter
//! validation rejects it), so every `null` member is dropped — modelled
//! fields and unknown ones alike — with a note for each. (Import itself keeps
//! unknown nulls, so that `export(import(x)) == x`; only normalize, whose
//! output is for registration, drops them.)

use std::process::ExitCode;

use clap::Args as ClapArgs;

use shared::ImportNote;

use super::input::{Loaded, TaskDefinitionFile};
use super::{exit, input, output};

/// Print a task definition as register-ready JSON (read-only fields stripped).
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: TaskDefinitionFile,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = input::load_one(&args.input.file)?;
    // A wrong-typed field imports (the lint reports it and checks the rest),
    // but the output would not register: refuse, naming the field.
    if let Some(wrong) = shared::lint::wrong_field_types(&loaded.imported.task_definition).into_iter().next() {
        let at = loaded.position(&wrong.path);
        anyhow::bail!(
            "{}: line {}, column {}: {}: {}",
            loaded.input.name,
            at.line,
            at.column,
            loaded.source_pointer(&wrong.path),
            wrong.message
        );
    }
    let mut td = loaded.imported.task_definition.clone();
    shared::import::drop_nulls(&mut td);
    output::stdout(&shared::export(&td))?;
    let null_notes = null_notes(&loaded);
    let mut notes: Vec<_> = loaded
        .imported
        .notes
        .iter()
        .chain(&null_notes)
        .map(|note| (loaded.source_position(&note.path), note))
        .collect();
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

/// A note for every `null` member of the input, except inside what import
/// already dropped (and noted): read-only fields, the describe envelope.
fn null_notes(loaded: &Loaded) -> Vec<ImportNote> {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(&loaded.input.text) else { return Vec::new() };
    shared::import::null_members(&document)
        .into_iter()
        .filter(|path| {
            !loaded
                .imported
                .notes
                .iter()
                .any(|n| !n.path.is_empty() && (*path == n.path || path.starts_with(&format!("{}/", n.path))))
        })
        .map(|path| ImportNote {
            path,
            message: "dropped `null`: RegisterTaskDefinition accepts no null values (omit the field instead)".into(),
        })
        .collect()
}
