//! The one error for JSON input that could not be used: a task definition
//! to import, a policy, a simulation request, a bundle, a pasted workspace.
//!
//! Every such error has one of two shapes, each with one `Display`:
//! - [`JsonSyntax`]: the text is not JSON — `line L, column C: message`;
//! - [`JsonProblem`]: JSON, but not what was expected, at an RFC 6901 JSON
//!   pointer — `/path (line L, column C): message` (`(document)` for the
//!   whole document), the line and column of the pointer in the text once
//!   the text is known ([`JsonInputError::placed_in`]: bundles and the
//!   workspace place their own; the command line places the others, which
//!   the `*_value` functions build without seeing any text).
//!
//! Messages never repeat the position (serde_json appends " at line L
//! column C" to its own; [`JsonSyntax::from_serde`] strips it).

use serde::{Deserialize, Serialize};

/// The text is not JSON: where the parser stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct JsonSyntax {
    /// 1-based.
    pub line: usize,
    /// 1-based, in Unicode code points (what editors show).
    pub column: usize,
    pub message: String,
}

impl JsonSyntax {
    /// serde_json's syntax error, its position reported once. serde_json
    /// says column 0 for an error right after a line break; editors count
    /// from 1.
    pub fn from_serde(err: &serde_json::Error) -> JsonSyntax {
        JsonSyntax {
            line: err.line().max(1),
            column: err.column().max(1),
            message: crate::json_locate::message_without_position(err),
        }
    }
}

/// JSON, but a value that does not fit: where (a JSON pointer, and its line
/// and column in the text when the text is known) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct JsonProblem {
    /// RFC 6901 JSON pointer into the input; empty for the whole document.
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl JsonProblem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> JsonProblem {
        JsonProblem { path: path.into(), message: message.into(), line: None, column: None }
    }

    /// Fills in the line and column of the path in `text` (of the nearest
    /// ancestor that is there, for a missing field), unless known already.
    pub fn placed_in(mut self, text: &str) -> JsonProblem {
        if self.line.is_none()
            && let Some(location) = crate::json_locate::locate(text, &self.path)
        {
            self.line = Some(location.start.line);
            self.column = Some(location.start.column);
        }
        self
    }
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() { "(document)" } else { &self.path };
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{path} (line {line}, column {column}): {}", self.message),
            _ => write!(f, "{path}: {}", self.message),
        }
    }
}

/// Why a JSON input could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonInputError {
    /// The text is not JSON.
    #[error("{0}")]
    Syntax(JsonSyntax),
    /// JSON, but not what was expected.
    #[error("{0}")]
    Invalid(JsonProblem),
}

impl JsonInputError {
    /// A value at `path` (a JSON pointer) that does not fit.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> JsonInputError {
        JsonInputError::Invalid(JsonProblem::new(path, message))
    }

    /// serde_json's syntax error.
    pub fn syntax(err: &serde_json::Error) -> JsonInputError {
        JsonInputError::Syntax(JsonSyntax::from_serde(err))
    }

    /// The JSON pointer of the problem (empty for syntax errors and the
    /// whole document).
    pub fn path(&self) -> &str {
        match self {
            JsonInputError::Syntax(_) => "",
            JsonInputError::Invalid(problem) => &problem.path,
        }
    }

    /// The message alone, without the place.
    pub fn message(&self) -> &str {
        match self {
            JsonInputError::Syntax(syntax) => &syntax.message,
            JsonInputError::Invalid(problem) => &problem.message,
        }
    }

    /// The line and column of the problem in `text`, filled in.
    pub fn placed_in(self, text: &str) -> JsonInputError {
        match self {
            JsonInputError::Invalid(problem) => JsonInputError::Invalid(problem.placed_in(text)),
            syntax => syntax,
        }
    }

    /// The same error inside a larger document: `prefix` (a JSON pointer)
    /// goes before the path.
    pub fn under(self, prefix: &str) -> JsonInputError {
        match self {
            JsonInputError::Invalid(JsonProblem { path, message, .. }) => {
                JsonInputError::invalid(format!("{prefix}{path}"), message)
            }
            syntax => syntax,
        }
    }
}

/// Parses `text` as JSON, a syntax error with its position.
pub fn parse(text: &str) -> Result<serde_json::Value, JsonInputError> {
    serde_json::from_str(text).map_err(|e| JsonInputError::syntax(&e))
}

/// What a JSON value is, for messages (never the value itself: it may be a
/// secret).
pub(crate) fn kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position is printed once, in one format for every input.
    #[test]
    fn one_display_with_the_position_once() {
        let syntax = parse("{\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(syntax.to_string(), "line 2, column 8: expected value");
        let problem = JsonInputError::invalid("/a~1b", "expected a string").placed_in("{\"a/b\": 1}");
        assert_eq!(problem.to_string(), "/a~1b (line 1, column 2): expected a string");
        assert_eq!(JsonInputError::invalid("", "expected an object").to_string(), "(document): expected an object");
        assert_eq!(parse("").unwrap_err().to_string(), "line 1, column 1: EOF while parsing a value");
    }

    /// Regression (issue 12 step 2): the policy, simulate and workspace
    /// readers printed serde_json's " at line L column C" after their own
    /// "line L, column C" — every reader now says it once, the same way.
    #[test]
    fn every_reader_prints_a_syntax_position_once() {
        let text = "{\n  \"Statement\": [,]\n}";
        let errors = [
            crate::import::import(text).unwrap_err().to_string(),
            crate::iam::policy::PolicyDocument::parse(text).unwrap_err().to_string(),
            crate::iam::simulate::simulate_json(text).unwrap_err().to_string(),
            crate::workspace::Workspace::empty().import_text(text).unwrap_err().to_string(),
            crate::bundle::Bundle::parse(text).unwrap_err().to_string().replace("bundle is not JSON: ", ""),
        ];
        for shown in errors {
            assert_eq!(shown, "line 2, column 17: expected value", "{shown}");
        }
        // A policy given as a JSON string inside a simulate request.
        let request = r#"{"action": "s3:GetObject", "resource": "*", "identityPolicies": ["{,}"]}"#;
        let shown = crate::iam::simulate::simulate_json(request).unwrap_err().to_string();
        assert_eq!(
            shown,
            "/identityPolicies/0: the policy string is not JSON (line 1, column 2): key must be a string"
        );
    }

    #[test]
    fn under_prefixes_the_path_and_forgets_the_old_place() {
        let inner = JsonInputError::invalid("/Effect", "bad").placed_in("{\"Effect\": 1}");
        assert_eq!(inner.under("/policies/0").to_string(), "/policies/0/Effect: bad");
    }
}
