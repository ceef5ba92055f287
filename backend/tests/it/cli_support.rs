//! Runs the real `ecs-secrets` binary for the `cli_*` integration tests.
//!
//! Commands run in the package directory (`backend/`), so fixture paths are
//! `tests/fixtures/NAME` and SARIF's relative URIs are stable.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }

    /// Parses stdout as JSON, failing the test with the transcript if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.transcript()))
    }
}

/// The location flags of the runs that need one (bare parameter names).
pub const CONTEXT: [&str; 4] = ["--region", "eu-west-1", "--account", "123456789012"];

/// Path of a fixture relative to the working directory of the runs.
pub fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}

/// Runs `ecs-secrets ARGS` with `stdin` on standard input.
pub fn ecs_secrets(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-secrets"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ecs-secrets binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    // A command that does not read stdin may exit before we finish writing.
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    let output = child.wait_with_output().expect("the ecs-secrets binary runs to completion");
    Run {
        code: output.status.code().expect("the binary exits rather than being killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Replaces the value of every `message`/`text` string in a JSON document
/// with a placeholder. Lint messages are worded by the lint rules and tested
/// there; the CLI's snapshots pin the structure around them.
pub fn redact_messages(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if (key == "message" || key == "text") && child.is_string() {
                    *child = Value::String("[message]".into());
                } else {
                    redact_messages(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_messages),
        _ => {}
    }
}

/// The text report with each message cut off after its `severity[code]`
/// label, for the same reason.
pub fn redact_text_messages(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("] ") {
            Some(end) if line.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                format!("{} [message]", &line[..=end])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
