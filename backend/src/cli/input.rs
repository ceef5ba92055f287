//! Reading task definitions from files or stdin (`-`), and relating the
//! imported model back to the text the user wrote.
//!
//! Diagnostics point into the imported task definition; a DescribeTaskDefinition
//! output wraps it in `{"taskDefinition": …}` (a daemon's in `{"daemonTaskDefinition": …}`) and a Terraform-style file is a
//! bare `containerDefinitions` array, so pointers are translated back to the
//! original document before they are turned into line and column numbers.

use std::fmt;
use std::io::Read;

use serde::Serialize;
use shared::json_locate::{self, Position};
use shared::{Imported, InputShape, JsonInputError, JsonSyntax};

/// The command-line spelling of "read standard input".
pub const STDIN: &str = "-";

/// A file (or stdin) read as text.
#[derive(Clone)]
pub struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The text, without a leading byte-order mark.
    pub text: String,
}

/// The text may hold plaintext secrets (that is what lint looks for), so
/// `Debug` shows only its size.
impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .finish()
    }
}

/// Why an input could not be used, in a form both people and programs can
/// read: what went wrong and, when known, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    pub kind: ProblemKind,
    pub message: String,
    /// JSON pointer into the input document (shape errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// What kind of problem stopped an input from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// The file could not be read (missing, a directory, not UTF-8 …).
    Read,
    /// The text is not JSON.
    Syntax,
    /// JSON, but not a task definition.
    Shape,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "line {line}, column {column}: ")?;
        }
        if let Some(path) = &self.path {
            write!(f, "{}: ", if path.is_empty() { "(document)" } else { path })?;
        }
        f.write_str(&self.message)
    }
}

/// An input that failed, with the name to report it under.
#[derive(Debug, Clone)]
pub struct Failure {
    pub name: String,
    pub problem: InputProblem,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.problem)
    }
}

impl std::error::Error for Failure {}

/// The display name of a path argument.
pub fn display_name(path: &str) -> String {
    if path == STDIN { "<stdin>".to_owned() } else { path.to_owned() }
}

/// Reads a file, or stdin for `-`, as UTF-8 text.
pub fn read(path: &str) -> Result<Input, Failure> {
    let name = display_name(path);
    let read_problem = |message: String| Failure {
        name: name.clone(),
        problem: InputProblem { kind: ProblemKind::Read, message, path: None, line: None, column: None },
    };
    let bytes = if path == STDIN {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| read_problem(format!("cannot read standard input: {e}")))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| read_problem(format!("cannot read the file: {e}; check the path")))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        read_problem(format!(
            "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8 JSON",
            e.utf8_error().valid_up_to()
        ))
    })?;
    // Editors on Windows like to start files with a byte-order mark, which
    // JSON parsers reject and which no editor counts as a column.
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    Ok(Input { name, text })
}

/// A task definition read and imported.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub input: Input,
    pub imported: Imported,
    /// The member that wraps the task definition in the document:
    /// `taskDefinition` (DescribeTaskDefinition output) or
    /// `daemonTaskDefinition` (DescribeDaemonTaskDefinition output).
    wrapper: Option<&'static str>,
}

impl Loaded {
    /// Translates a pointer into the imported task definition into a
    /// pointer into the original document.
    pub fn source_pointer(&self, model_pointer: &str) -> String {
        if let Some(key) = self.wrapper {
            return format!("/{key}{model_pointer}");
        }
        if self.imported.shape == InputShape::ContainerDefinitions {
            // The document is the containerDefinitions array itself; fields of
            // the task definition around it do not exist, so point at the
            // whole document.
            return model_pointer.strip_prefix("/containerDefinitions").unwrap_or("").to_owned();
        }
        model_pointer.to_owned()
    }

    /// Where a pointer into the imported task definition is in the text: the
    /// field itself, or its nearest ancestor when the field is missing.
    pub fn position(&self, model_pointer: &str) -> Position {
        self.source_position(&self.source_pointer(model_pointer))
    }

    /// Where a pointer into the original document is in the text.
    pub fn source_position(&self, source_pointer: &str) -> Position {
        locate_or_start(&self.input.text, source_pointer)
    }
}

fn locate_or_start(text: &str, pointer: &str) -> Position {
    json_locate::locate(text, pointer).map_or_else(|| json_locate::position(text, 0), |loc| loc.start)
}

/// Reads and imports a task definition.
pub fn load(path: &str) -> Result<Loaded, Failure> {
    let input = read(path)?;
    match shared::import(&input.text) {
        Ok(imported) => {
            let wrapper = imported
                .shape
                .wrapper()
                .filter(|key| json_locate::locate(&input.text, &format!("/{key}")).is_some_and(|loc| loc.exact));
            Ok(Loaded { input, imported, wrapper })
        }
        Err(error) => {
            let problem = import_problem(&input.text, error);
            Err(Failure { name: input.name, problem })
        }
    }
}

/// The one task definition a command reads (`check`, `normalize`,
/// `policy`): the `FILE` argument, in any form [`load`] reads.
#[derive(Debug, Clone, clap::Args)]
pub struct TaskDefinitionFile {
    /// Task definition JSON (register input, describe output or a containerDefinitions array); `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Reads and imports a task definition, for commands that take one file and
/// fail as a whole when it is bad.
pub fn load_one(path: &str) -> anyhow::Result<Loaded> {
    Ok(load(path)?)
}

impl InputProblem {
    /// A JSON input error placed in `text`: a syntax error at its line and
    /// column; a value that does not fit at its JSON pointer and where that
    /// is in the text (the nearest ancestor for a missing field, the start
    /// of the document when nothing there matches).
    pub fn from_json(text: &str, error: JsonInputError) -> InputProblem {
        match error {
            JsonInputError::Syntax(JsonSyntax { line, column, message }) => {
                InputProblem { kind: ProblemKind::Syntax, message, path: None, line: Some(line), column: Some(column) }
            }
            JsonInputError::Invalid(problem) => {
                let at = locate_or_start(text, &problem.path);
                InputProblem {
                    kind: ProblemKind::Shape,
                    message: problem.message,
                    path: Some(problem.path),
                    line: Some(problem.line.unwrap_or(at.line)),
                    column: Some(problem.column.unwrap_or(at.column)),
                }
            }
        }
    }
}

/// Describes an import error with its place in the text.
pub fn import_problem(text: &str, error: JsonInputError) -> InputProblem {
    let mut problem = InputProblem::from_json(text, error);
    if problem.kind == ProblemKind::Syntax {
        problem.message = if text.trim().is_empty() {
            "the input is empty: expected a task definition JSON document".to_owned()
        } else {
            format!("{}; fix the JSON and try again", problem.message)
        };
    }
    problem
}

/// Reads a JSON document that is not a task definition (a policy, a
/// simulation request), reporting syntax errors with line and column.
pub fn read_json(path: &str) -> anyhow::Result<(Input, serde_json::Value)> {
    let input = read(path)?;
    match serde_json::from_str(&input.text) {
        Ok(value) => Ok((input, value)),
        Err(e) => {
            let message = if input.text.trim().is_empty() {
                "the input is empty: expected a JSON document".to_owned()
            } else {
                shared::json_locate::message_without_position(&e)
            };
            Err(Failure {
                name: input.name,
                problem: InputProblem {
                    kind: ProblemKind::Syntax,
                    message: format!("{message}; fix the JSON and try again"),
                    path: None,
                    line: Some(e.line()),
                    column: Some(e.column().max(1)),
                },
            }
            .into())
        }
    }
}
