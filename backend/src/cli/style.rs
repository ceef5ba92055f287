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
        Self::decide(std::io::stdout().is_terminal(), std::env::var_os("NO_COLOR").as_deref())
    }

    /// Colour for a terminal unless `NO_COLOR` is set to something
    /// non-empty (the no-color.org convention).
    fn decide(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Self {
        let opted_out = no_color.is_some_and(|value| !value.is_empty());
        Self { enabled: is_terminal && !opted_out }
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

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn colours_only_a_terminal_without_no_color() {
        let red = |style: Style| style.severity(Severity::Error, "e");
        assert_eq!(red(Style::decide(true, None)), "\x1b[1;31me\x1b[0m");
        assert_eq!(red(Style::decide(true, Some(OsStr::new("")))), "\x1b[1;31me\x1b[0m");
        assert_eq!(red(Style::decide(true, Some(OsStr::new("1")))), "e");
        assert_eq!(red(Style::decide(false, None)), "e");
    }
}
