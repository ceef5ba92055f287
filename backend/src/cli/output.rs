//! Writing results to stdout and stderr without panicking.
//!
//! `println!` panics when stdout is a closed pipe (`ecs-secrets lint … |
//! head -1`); commands build their output in a string and write it here, so a
//! closed pipe becomes an ordinary error that [`super::finish`] ignores.

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it.
pub fn stdout(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `text` to stderr. Failing to write a note to stderr is not worth
/// failing the command over, so errors are dropped.
pub fn stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Serialises `value` as pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// True when the error is (caused by) writing to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io_err| io_err.kind() == io::ErrorKind::BrokenPipe)
}
