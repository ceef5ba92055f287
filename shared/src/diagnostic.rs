//! Diagnostics: what the lint (and import) found, where, and what to do.

use serde::{Deserialize, Serialize};

use crate::fix::Fix;

/// How bad a finding is. `Error` means AWS would reject the task definition
/// or the task would fail to start; `Warning` means it works but is unsafe or
/// fragile; `Info` is advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding. `code` is stable across releases (`ES…`), `path` is a JSON
/// pointer into the task definition, `message` says what is wrong and what
/// to do, `fix` is a machine-applicable repair when one exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: &str, severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), severity, path: path.into(), message: message.into(), fix: None }
    }

    pub fn error(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, path, message)
    }

    pub fn warning(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, path, message)
    }

    pub fn info(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Info, path, message)
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}
