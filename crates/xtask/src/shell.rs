//! Running external programs the way a person at a terminal would see them.
//!
//! Every command that changes something is echoed (`$ program args`) before
//! it runs, so the log of `cargo xtask test` doubles as a set-up recipe.
//! Version probes are quiet: they only read a program's output.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// How a command line is shown: program and arguments, quoted when they contain spaces.
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![quote(cmd.get_program())];
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    if word.is_empty() || word.contains([' ', '\'', '"', '[', ']', '*', '$']) {
        format!("'{}'", word.replace('\'', r"'\''"))
    } else {
        word.into_owned()
    }
}

/// Echoes and runs `cmd` with inherited stdio; fails naming the command if it fails.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = display(cmd);
    match cmd.get_current_dir() {
        Some(dir) => println!("$ (cd {} && {shown})", dir.display()),
        None => println!("$ {shown}"),
    }
    let status = cmd.status().with_context(|| format!("could not start `{shown}`; is the program installed?"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `program args` quietly and returns its trimmed stdout (or stderr, for the few tools
/// that print their version there), or `None` if it cannot be started or fails. Used to probe
/// for installed tools and their versions.
pub fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).stdin(Stdio::null()).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if stdout.is_empty() { Some(String::from_utf8_lossy(&output.stderr).trim().to_owned()) } else { Some(stdout) }
}

/// True if `program` can be found on `PATH` (or is a path to an executable file).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return is_executable(Path::new(program));
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(program))))
        .unwrap_or(false)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// The second whitespace-separated word of a `name X.Y.Z` version line (`trunk 0.21.14`).
pub fn version_word(output: &str) -> Option<&str> {
    output.lines().next()?.split_whitespace().nth(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_words_that_need_it() {
        let mut cmd = Command::new("pip");
        cmd.args(["install", "moto[server]==5.2.5", "a b", "plain"]);
        assert_eq!(display(&cmd), "pip install 'moto[server]==5.2.5' 'a b' plain");
    }

    #[test]
    fn version_word_reads_the_first_line() {
        assert_eq!(version_word("trunk 0.21.14\n"), Some("0.21.14"));
        assert_eq!(version_word("wasm-bindgen 0.2.130"), Some("0.2.130"));
        assert_eq!(version_word("trunk"), None);
        assert_eq!(version_word(""), None);
    }

    #[test]
    fn probe_reports_missing_programs_as_none() {
        assert_eq!(probe("/nonexistent/definitely-not-a-program", &["--version"]), None);
        assert_eq!(probe("sh", &["-c", "echo hello"]).as_deref(), Some("hello"));
        assert_eq!(probe("sh", &["-c", "exit 3"]), None);
        assert_eq!(probe("sh", &["-c", "echo out; echo noise >&2"]).as_deref(), Some("out"));
        assert_eq!(probe("sh", &["-c", "echo only-err >&2"]).as_deref(), Some("only-err"));
    }
}
