//! Terminal colours for the human-readable output.
//!
//! Colour only when stdout is a terminal and `NO_COLOR` is unset or empty
//! (<https://no-color.org>), so pipes, files and CI logs get plain text.

use std::io::IsTerminal;

use shared::Severity;

/// Applies ANSI styles when enabled, passes text through otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    enabled: bool,
}

impl Style {
    /// Decides from the environment whether stdout gets colours.
    pub fn for_stdout() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self { enabled: !no_color && std::io::stdout().is_terminal() }
    }

    /// Never colours; for tests and for output that is not a terminal.
    pub fn plain() -> Self {
        Self { enabled: false }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// Colours text by severity: red errors, yellow warnings, cyan info.
    pub fn severity(self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("1;33", text),
            Severity::Info => self.paint("1;36", text),
        }
    }
}
