//! The results of `ecs-secrets lint`, and their text and JSON renderings.
//! (SARIF lives in [`super::sarif`].)

use serde::Serialize;
use shared::json_locate::Position;
use shared::{Diagnostic, Severity};

use super::input::{Failure, InputProblem, Loaded};
use super::style::Style;

/// What happened to one file.
#[derive(Debug)]
pub enum FileReport {
    /// The file was imported and linted.
    Linted { path: String, loaded: Box<Loaded>, diagnostics: Vec<Diagnostic> },
    /// The file could not be read or imported.
    Failed { path: String, failure: Failure },
}

impl FileReport {
    /// The path as given on the command line (`-` for stdin).
    pub fn path(&self) -> &str {
        match self {
            FileReport::Linted { path, .. } | FileReport::Failed { path, .. } => path,
        }
    }

    /// The name to show people (`<stdin>` for `-`).
    pub fn name(&self) -> &str {
        match self {
            FileReport::Linted { loaded, .. } => &loaded.input.name,
            FileReport::Failed { failure, .. } => &failure.name,
        }
    }
}

/// Counts over all files, for the summary line and the exit code.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Totals {
    pub fn of(reports: &[FileReport]) -> Self {
        let mut totals = Totals { files: reports.len(), ..Totals::default() };
        for report in reports {
            match report {
                FileReport::Failed { .. } => totals.failed += 1,
                FileReport::Linted { diagnostics, .. } => {
                    for d in diagnostics {
                        match d.severity {
                            Severity::Error => totals.errors += 1,
                            Severity::Warning => totals.warnings += 1,
                            Severity::Info => totals.infos += 1,
                        }
                    }
                }
            }
        }
        totals
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The human-readable report: grouped by file, each finding on a line as
/// `line:col  path  severity[code] message`, its fix title below, then a
/// summary.
pub fn text(reports: &[FileReport], style: Style) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&style.bold(report.name()));
        out.push('\n');
        match report {
            FileReport::Failed { failure, .. } => {
                let at = match (failure.problem.line, failure.problem.column) {
                    (Some(line), Some(column)) => format!("{line}:{column}"),
                    _ => "-".to_owned(),
                };
                let problem = InputProblem { line: None, column: None, ..failure.problem.clone() };
                out.push_str(&format!("  {}  {} {problem}\n", style.dim(&at), style.red("error:")));
            }
            FileReport::Linted { loaded, diagnostics, .. } => {
                let mut lines: Vec<ReportLine<'_>> = diagnostics
                    .iter()
                    .map(|d| ReportLine {
                        at: loaded.position(&d.path),
                        pointer: &d.path,
                        label: style.severity(d.severity, &format!("{}[{}]", d.severity, d.code)),
                        message: &d.message,
                        fix_title: d.fix.as_ref().map(|f| f.title.as_str()),
                    })
                    .collect();
                lines.extend(loaded.imported.notes.iter().map(|note| ReportLine {
                    at: loaded.source_position(&note.path),
                    pointer: &note.path,
                    label: style.dim("note:"),
                    message: &note.message,
                    fix_title: None,
                }));
                // Stable: at one position, findings (in lint order) come before notes.
                lines.sort_by_key(|line| (line.at.line, line.at.column));
                let place = |at: Position| format!("{}:{}", at.line, at.column);
                let width = lines.iter().map(|line| place(line.at).len()).max().unwrap_or(0);
                for line in lines {
                    out.push_str(&format!(
                        "  {}  {}  {} {}\n",
                        style.dim(&format!("{:<width$}", place(line.at))),
                        display_pointer(line.pointer),
                        line.label,
                        line.message
                    ));
                    if let Some(title) = line.fix_title {
                        out.push_str(&format!("  {:width$}  {} {title}\n", "", style.green("fix:")));
                    }
                }
                if diagnostics.is_empty() {
                    out.push_str(&format!("  {}\n", style.green("no problems")));
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(Totals::of(reports), style));
    out.push('\n');
    out
}

/// One line of the text report: a finding or an import note.
struct ReportLine<'a> {
    at: Position,
    pointer: &'a str,
    /// `error[ES015]` or `note:`, already styled.
    label: String,
    message: &'a str,
    fix_title: Option<&'a str>,
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "(document)" } else { pointer }
}

fn summary(totals: Totals, style: Style) -> String {
    let linted = totals.files - totals.failed;
    let problems = totals.errors + totals.warnings + totals.infos;
    let mut line = if linted == 0 {
        String::new()
    } else if problems == 0 {
        style.green(&format!("no problems in {}", plural(linted, "file", "files")))
    } else {
        let counts = format!(
            "{}, {}, {}",
            plural(totals.errors, "error", "errors"),
            plural(totals.warnings, "warning", "warnings"),
            plural(totals.infos, "info", "infos")
        );
        let counts = if totals.errors > 0 { style.red(&counts) } else { style.bold(&counts) };
        format!("{counts} in {}", plural(linted, "file", "files"))
    };
    if totals.failed > 0 {
        if !line.is_empty() {
            line.push_str("; ");
        }
        line.push_str(&format!("{} could not be linted", style.red(&plural(totals.failed, "file", "files"))));
    }
    line
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a InputProblem>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    path: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
}

/// The machine-readable report: `{"files": [{"file", "diagnostics", "notes",
/// "error"?}]}`. Diagnostics keep the lint's fields (`code`, `severity`,
/// `path`, `message`, `fix`?) plus `line`/`column` in the original file;
/// `notes` are what import changed; `error` says why a file could not be
/// linted.
pub fn json(reports: &[FileReport]) -> anyhow::Result<String> {
    let files = reports
        .iter()
        .map(|report| match report {
            FileReport::Failed { failure, .. } => JsonFile {
                file: report.name(),
                error: Some(&failure.problem),
                diagnostics: Vec::new(),
                notes: Vec::new(),
            },
            FileReport::Linted { loaded, diagnostics, .. } => JsonFile {
                file: report.name(),
                error: None,
                diagnostics: diagnostics
                    .iter()
                    .map(|diagnostic| {
                        let at = loaded.position(&diagnostic.path);
                        JsonDiagnostic { diagnostic, line: at.line, column: at.column }
                    })
                    .collect(),
                notes: loaded
                    .imported
                    .notes
                    .iter()
                    .map(|note| {
                        let at = loaded.source_position(&note.path);
                        JsonNote { path: &note.path, message: &note.message, line: at.line, column: at.column }
                    })
                    .collect(),
            },
        })
        .collect();
    super::output::json(&JsonReport { files })
}
