//! The offline commands of `ecs-secrets`, one module per subcommand.
//!
//! Each subcommand module has an `Args` struct (clap derive) and a
//! `run(args) -> anyhow::Result<ExitCode>`. A command returns `Ok` with the
//! exit code its contract gives (0 clean, 1 findings) and `Err` for bad
//! input, which [`finish`] prints and turns into exit code 2.

pub mod context_args;
pub mod input;
pub mod output;
pub mod style;

pub mod check;
pub mod diagnose;
pub mod iam;
pub mod lint;
pub mod lint_report;
pub mod normalize;
pub mod policy;
pub mod sarif;

use std::process::ExitCode;

/// Exit codes shared by every command. Scripts depend on them.
pub mod exit {
    /// Nothing wrong was found.
    pub const CLEAN: u8 = 0;
    /// The command ran and found something wrong (an error diagnostic, a
    /// denied reference).
    pub const FINDINGS: u8 = 1;
    /// The input could not be read or understood, or the command line was
    /// wrong (clap uses 2 for usage errors too).
    pub const BAD_INPUT: u8 = 2;
}

/// Turns a command's result into the process exit code, printing the error
/// (with its chain of causes) on stderr. A closed stdout pipe (`| head`) is
/// not an error worth reporting.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}
