//! `cargo xtask`: the two commands a newcomer needs, and CI runs.
//!
//! - `cargo xtask run [--release] [-- SERVER-ARGS]`: install the pinned WASM tools, build
//!   the UI with trunk and start `ecs-secrets serve` on 127.0.0.1.
//! - `cargo xtask test`: install everything the tests need (browser, AWS emulator, WASM
//!   tools), prove the core builds for wasm32, build the UI, run every test, fuzz the core.
//!
//! Plain Rust instead of shell scripts so it runs wherever cargo does and fails with
//! readable errors; every command it runs is echoed so the log is a recipe.

mod layout;
mod pins;
mod shell;
mod system;
mod tools;

use std::ffi::OsString;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::layout::Layout;
use crate::system::Purpose;

const USAGE: &str = "\
Usage:
    cargo xtask run [--release] [-- SERVER-ARGS...]
        Build the UI and start the local server (127.0.0.1; offline; no AWS account needed).
        SERVER-ARGS go to `ecs-secrets serve`, e.g. `cargo xtask run -- --port 8080 --open`.
        --release builds the server with the optimised `release-native` profile.
    cargo xtask test
        Install every pinned tool the tests need (as root also apt packages), then build
        the core for wasm32, build the UI with trunk, run `cargo test --workspace` and
        fuzz the core (`crates/fuzz`, 200,000 inputs or 150 s).
    cargo xtask setup
        Only the installation part of `cargo xtask test`.
    cargo xtask env
        Print `export` lines for the variables the tests read, to run single tests by hand:
        eval \"$(cargo xtask env)\" && cargo test -p e2e
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") if args.len() == 1 => test(),
        Some("setup") if args.len() == 1 => setup(Purpose::Test).map(|_| ()),
        Some("env") if args.len() == 1 => print_env(),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Installs (or checks) everything `purpose` needs; returns the repository layout.
fn setup(purpose: Purpose) -> anyhow::Result<Layout> {
    let layout = Layout::discover()?;
    let task = if purpose == Purpose::Test { "test" } else { "run" };
    println!("==> checking tools (pinned versions in crates/xtask/src/pins.rs)");
    let cargo_lock = std::fs::read_to_string(layout.root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let trunk_toml =
        std::fs::read_to_string(layout.frontend_dir.join("Trunk.toml")).context("reading frontend/Trunk.toml")?;
    pins::check_consistency(&cargo_lock, &trunk_toml)?;
    // System packages first: a non-root user learns everything missing before any long compile.
    system::ensure_packages(purpose, task)?;
    tools::ensure_wasm_target()?;
    for tool in tools::CARGO_TOOLS {
        tools::ensure_cargo_tool(&layout, tool)?;
    }
    tools::ensure_npm_packages(&layout)?;
    if purpose == Purpose::Test {
        tools::ensure_venv(&layout)?;
        let (browser, driver) = system::check_browser()?;
        println!("ok   {browser} ({})", system::CHROMIUM);
        println!("ok   {driver} ({})", system::CHROMEDRIVER);
    }
    Ok(layout)
}

/// The environment the tests read: tool locations, the built UI and "missing tools fail".
fn test_env(layout: &Layout) -> anyhow::Result<Vec<(&'static str, OsString)>> {
    Ok(vec![
        ("ECS_SECRETS_MOTO_SERVER", layout.venv_program("moto_server").into()),
        ("ECS_SECRETS_AWS_CLI", layout.venv_program("aws").into()),
        ("CHROMEDRIVER", system::CHROMEDRIVER.into()),
        ("CHROMIUM", system::CHROMIUM.into()),
        ("ECS_SECRETS_DIST", layout.dist_dir.clone().into()),
        ("ECS_SECRETS_REQUIRE_E2E", "1".into()),
        // Node resolves `require("playwright-core")` etc. from the pinned npm tools.
        ("NODE_PATH", layout.node_dir.join("node_modules").into()),
        ("PATH", layout.tool_path()?),
    ])
}

fn print_env() -> anyhow::Result<()> {
    let layout = Layout::discover()?;
    for (name, value) in test_env(&layout)? {
        let value = value.to_string_lossy().replace('\'', r"'\''");
        println!("export {name}='{value}'");
    }
    Ok(())
}

/// `trunk build --release` in frontend/, with the pinned wasm-bindgen and wasm-opt first on PATH.
fn build_frontend(layout: &Layout) -> anyhow::Result<()> {
    shell::run(
        Command::new(layout.cargo_program("trunk"))
            .args(["build", "--release"])
            .current_dir(&layout.frontend_dir)
            .env("PATH", layout.tool_path()?)
            // Trunk's update check is a network call; builds must work offline.
            .env("TRUNK_SKIP_VERSION_CHECK", "true"),
    )?;
    let index = layout.dist_dir.join("index.html");
    if !index.is_file() {
        anyhow::bail!("trunk reported success but {} is missing", index.display());
    }
    Ok(())
}

/// Records each stage's outcome and time for the closing summary.
#[derive(Debug, Default)]
struct Stages {
    done: Vec<(&'static str, Duration)>,
}

impl Stages {
    fn run(&mut self, name: &'static str, body: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
        println!("\n==> {name}");
        let started = Instant::now();
        body().with_context(|| format!("stage `{name}` failed; see its output above"))?;
        self.done.push((name, started.elapsed()));
        Ok(())
    }

    fn summary(&self) -> String {
        if self.done.is_empty() {
            return "none".to_owned();
        }
        self.done.iter().map(|(name, took)| format!("{name} {}", minutes(*took))).collect::<Vec<_>>().join(", ")
    }
}

fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 { format!("{}m{:02}s", secs / 60, secs % 60) } else { format!("{secs}s") }
}

/// How much `cargo xtask test` fuzzes: this many inputs…
const FUZZ_INPUTS: &str = "200000";
/// …unless this many seconds pass first (the CI run must stay under 40 min).
const FUZZ_SECONDS: &str = "150";

fn test() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut stages = Stages::default();
    let mut layout = None;
    let outcome = (|| {
        stages.run("install and check tools", || {
            layout = Some(setup(Purpose::Test)?);
            Ok(())
        })?;
        let layout = layout.as_ref().context("setup produced no layout")?;
        stages.run("cargo build -p shared --target wasm32-unknown-unknown", || {
            // Proves the core stays IO-free: tokio, files or sockets would not build for wasm32.
            shell::run(layout.cargo().args(["build", "-p", "shared", "--target", pins::WASM_TARGET]))
        })?;
        stages.run("trunk build --release", || build_frontend(layout))?;
        stages.run("cargo test --workspace", || {
            let mut cmd = layout.cargo();
            cmd.args(["test", "--workspace"]);
            // `cargo test --workspace` builds the ecs-secrets binary for its own
            // integration tests before any test runs; the e2e tests use that one
            // instead of building it again with other features (which would
            // recompile the whole AWS SDK).
            let target_dir = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| layout.root.join("target"), std::path::PathBuf::from);
            let binary = target_dir.join("debug").join(format!("ecs-secrets{}", std::env::consts::EXE_SUFFIX));
            let env = test_env(layout)?.into_iter().chain([("ECS_SECRETS_BIN", binary.into_os_string())]);
            for (name, value) in env {
                println!("export {name}={}", value.to_string_lossy());
                cmd.env(name, value);
            }
            shell::run(&mut cmd)
        })?;
        stages.run("fuzz the core", || {
            // A bounded run of `crates/fuzz` over the corpus in the repository:
            // it stops after FUZZ_INPUTS inputs or FUZZ_SECONDS, whichever
            // comes first, and fails on a panic, a slow input or a broken
            // guarantee (failing inputs are written to target/fuzz-artifacts).
            shell::run(layout.cargo().args([
                "run",
                "-p",
                "fuzz",
                "--profile",
                "fuzz",
                "--",
                "--inputs",
                FUZZ_INPUTS,
                "--seconds",
                FUZZ_SECONDS,
            ]))
        })
    })();
    let total = minutes(started.elapsed());
    match outcome {
        Ok(()) => {
            println!("\nxtask test: PASSED in {total} ({})", stages.summary());
            Ok(())
        }
        Err(error) => {
            eprintln!("\nxtask test: FAILED after {total} (passed: {})", stages.summary());
            Err(error)
        }
    }
}

/// Splits `run` arguments into xtask's own flag and the arguments for `ecs-secrets serve`.
fn split_run_args(args: &[String]) -> anyhow::Result<(bool, Vec<String>)> {
    let mut release = false;
    let mut rest = args;
    while let Some(first) = rest.first() {
        match first.as_str() {
            "--release" => release = true,
            "--" => {
                rest = &rest[1..];
                break;
            }
            other if other.starts_with('-') => {
                anyhow::bail!("unknown option `{other}` for `cargo xtask run`; pass server options after `--`")
            }
            _ => break,
        }
        rest = &rest[1..];
    }
    Ok((release, rest.to_vec()))
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let (release, server_args) = split_run_args(args)?;
    let layout = setup(Purpose::Run)?;
    println!("\n==> trunk build --release");
    build_frontend(&layout)?;
    println!("\n==> starting ecs-secrets serve (it prints the URL to open, with its one-time token)");
    let mut cmd = layout.cargo();
    cmd.arg("run");
    if release {
        // `release` is tuned for WASM size; the native server wants speed.
        cmd.args(["--profile", "release-native"]);
    }
    // No --dist: this build of the server embeds the UI just built
    // (backend/build.rs), the way an installed binary serves it.
    cmd.args(["-p", "ecs-secrets", "--", "serve"]);
    cmd.args(&server_args);
    println!("$ {}", shell::display(&cmd));
    // Become the server: Ctrl-C and the exit code then belong to it alone.
    use std::os::unix::process::CommandExt as _;
    let error = cmd.exec();
    Err(error).context("could not start cargo")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn run_args_split_at_the_double_dash() {
        let check = |args: &[&str], release: bool, rest: &[&str]| {
            let (r, s) = split_run_args(&strings(args)).expect("valid");
            assert_eq!((r, s), (release, strings(rest)), "{args:?}");
        };
        check(&[], false, &[]);
        check(&["--", "--port", "8080"], false, &["--port", "8080"]);
        check(&["--release", "--", "--open"], true, &["--open"]);
        check(&["--release"], true, &[]);
        check(&["--", "--release"], false, &["--release"]);
    }

    #[test]
    fn unknown_run_options_are_rejected_with_advice() {
        let message = split_run_args(&strings(&["--port", "1"])).expect_err("unknown").to_string();
        assert!(message.contains("--port") && message.contains("after `--`"), "{message}");
    }

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(minutes(Duration::from_secs(59)), "59s");
        assert_eq!(minutes(Duration::from_secs(61)), "1m01s");
    }
}
