//! The pinned developer tools: the wasm32 Rust target, trunk, wasm-bindgen-cli, npm tools
//! (wasm-opt) in `.tools/node` and the AWS emulator (moto) with the AWS CLI in `.tools/venv`.
//!
//! Each `ensure_*` first probes what is installed and skips it when the version is right,
//! so a re-run costs a few process spawns. None of these needs root.

use std::process::Command;

use anyhow::{Context as _, bail};

use crate::layout::Layout;
use crate::pins;
use crate::shell;

/// `rustup target add wasm32-unknown-unknown` unless it is already installed.
pub fn ensure_wasm_target() -> anyhow::Result<()> {
    if shell::on_path("rustup") {
        let installed = shell::probe("rustup", &["target", "list", "--installed"]).unwrap_or_default();
        if installed.lines().any(|line| line.trim() == pins::WASM_TARGET) {
            println!("ok   rust target {}", pins::WASM_TARGET);
            return Ok(());
        }
        return shell::run(Command::new("rustup").args(["target", "add", pins::WASM_TARGET]));
    }
    // Without rustup (a distribution's Rust), the target's standard library must already be there.
    let sysroot = shell::probe("rustc", &["--print", "sysroot"]).context("rustc --print sysroot failed")?;
    if std::path::Path::new(&sysroot).join("lib/rustlib").join(pins::WASM_TARGET).is_dir() {
        println!("ok   rust target {}", pins::WASM_TARGET);
        return Ok(());
    }
    bail!(
        "the Rust target {} is missing and rustup is not installed; install Rust with rustup \
         (https://rustup.rs), then run `rustup target add {}`",
        pins::WASM_TARGET,
        pins::WASM_TARGET
    )
}

/// A tool installed with `cargo install` into `~/.cargo/bin`.
#[derive(Debug, Clone, Copy)]
pub struct CargoTool {
    /// The binary, e.g. `wasm-bindgen`.
    pub binary: &'static str,
    /// The crate on crates.io, e.g. `wasm-bindgen-cli`.
    pub krate: &'static str,
    pub version: &'static str,
    /// Whether to pass `--locked` (use the crate's own Cargo.lock).
    pub locked: bool,
}

/// The cargo-installed tools trunk needs, at their pinned versions.
pub const CARGO_TOOLS: [CargoTool; 2] = [
    CargoTool { binary: "trunk", krate: "trunk", version: pins::TRUNK, locked: true },
    CargoTool { binary: "wasm-bindgen", krate: "wasm-bindgen-cli", version: pins::WASM_BINDGEN, locked: false },
];

/// Installs `tool` at its pinned version unless `~/.cargo/bin` already has exactly that version.
pub fn ensure_cargo_tool(layout: &Layout, tool: CargoTool) -> anyhow::Result<()> {
    let path = layout.cargo_program(tool.binary);
    let installed = shell::probe(&path, &["--version"]);
    if installed.as_deref().and_then(shell::version_word) == Some(tool.version) {
        println!("ok   {} {} ({})", tool.binary, tool.version, path.display());
        return Ok(());
    }
    match &installed {
        Some(found) => println!("install {} {} (found `{found}`)", tool.krate, tool.version),
        None => println!("install {} {} (not installed; this compiles it, a few minutes)", tool.krate, tool.version),
    }
    let mut cmd = Command::new(cargo());
    cmd.arg("install");
    if tool.locked {
        cmd.arg("--locked");
    }
    // --force replaces a different installed version in place.
    cmd.args([tool.krate, "--version", tool.version, "--force"]);
    shell::run(&mut cmd)?;
    let now = shell::probe(&path, &["--version"]);
    if now.as_deref().and_then(shell::version_word) != Some(tool.version) {
        bail!("installed {} {} but `{} --version` says {:?}", tool.krate, tool.version, path.display(), now);
    }
    Ok(())
}

/// The version recorded in `node_modules/<name>/package.json`, if installed.
fn installed_npm_version(layout: &Layout, name: &str) -> Option<String> {
    let manifest = layout.node_dir.join("node_modules").join(name).join("package.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("version")?.as_str().map(str::to_owned)
}

/// Installs `pins::NPM_PACKAGES` at exact versions into `.tools/node`, then checks wasm-opt.
pub fn ensure_npm_packages(layout: &Layout) -> anyhow::Result<()> {
    let stale: Vec<_> = pins::NPM_PACKAGES
        .iter()
        .filter(|(name, version)| installed_npm_version(layout, name).as_deref() != Some(*version))
        .collect();
    if stale.is_empty() {
        let list: Vec<_> = pins::NPM_PACKAGES.iter().map(|(n, v)| format!("{n}@{v}")).collect();
        println!("ok   npm {} ({})", list.join(" "), layout.node_dir.display());
    } else {
        let dependencies: serde_json::Map<_, _> = pins::NPM_PACKAGES
            .iter()
            .map(|(name, version)| ((*name).to_owned(), serde_json::Value::from(*version)))
            .collect();
        let manifest = serde_json::json!({
            "name": "ecs-secrets-dev-tools",
            "private": true,
            "description": "Written by `cargo xtask` from crates/xtask/src/pins.rs; do not edit.",
            "dependencies": dependencies,
        });
        std::fs::create_dir_all(&layout.node_dir).with_context(|| format!("creating {}", layout.node_dir.display()))?;
        std::fs::write(layout.node_dir.join("package.json"), format!("{manifest:#}\n"))
            .context("writing .tools/node/package.json")?;
        let names: Vec<_> = stale.iter().map(|(n, v)| format!("{n}@{v}")).collect();
        println!("install npm {} into {}", names.join(" "), layout.node_dir.display());
        shell::run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--no-update-notifier"])
                .current_dir(&layout.node_dir),
        )?;
        for (name, version) in pins::NPM_PACKAGES {
            let found = installed_npm_version(layout, name);
            if found.as_deref() != Some(*version) {
                bail!("npm install finished but {name} is {found:?}, not {version}");
            }
        }
    }
    let wasm_opt = layout.node_bin().join("wasm-opt");
    let version = shell::probe(&wasm_opt, &["--version"]).unwrap_or_default();
    if !version.contains(&pins::wasm_opt_trunk_version()) {
        bail!(
            "`{} --version` printed {version:?}, expected {}; is Node.js working (`node --version`)?",
            wasm_opt.display(),
            pins::wasm_opt_trunk_version()
        );
    }
    Ok(())
}

/// The versions of moto and awscli installed in the venv, if its Python runs.
fn installed_pip_versions(layout: &Layout) -> Option<(String, String)> {
    let script = "import importlib.metadata as m\nprint(m.version('moto'))\nprint(m.version('awscli'))";
    let out = shell::probe(layout.venv_program("python"), &["-c", script])?;
    let mut lines = out.lines().map(str::to_owned);
    Some((lines.next()?, lines.next()?))
}

/// Creates `.tools/venv` and installs `python-requirements.txt` (moto's server, the AWS CLI,
/// all dependencies pinned) unless the venv already holds exactly that file's packages.
pub fn ensure_venv(layout: &Layout) -> anyhow::Result<()> {
    let wanted = (pins::MOTO.to_owned(), pins::AWSCLI.to_owned());
    let programs = [layout.venv_program("moto_server"), layout.venv_program("aws")];
    // A copy of the requirements the venv was last built from: a changed file means reinstall.
    let marker = layout.venv_dir.join("installed-requirements.txt");
    let up_to_date = std::fs::read_to_string(&marker).is_ok_and(|text| text == pins::PYTHON_REQUIREMENTS)
        && installed_pip_versions(layout).as_ref() == Some(&wanted)
        && programs.iter().all(|p| p.is_file());
    if up_to_date {
        println!("ok   python moto[server]=={} awscli=={} ({})", pins::MOTO, pins::AWSCLI, layout.venv_dir.display());
        return Ok(());
    }
    if shell::probe(layout.venv_program("python"), &["--version"]).is_none() {
        if layout.venv_dir.exists() {
            // A venv whose interpreter no longer runs (Python upgraded or moved) is rebuilt.
            println!("remove broken venv {}", layout.venv_dir.display());
            std::fs::remove_dir_all(&layout.venv_dir)
                .with_context(|| format!("removing {}", layout.venv_dir.display()))?;
        }
        shell::run(Command::new("python3").arg("-m").arg("venv").arg(&layout.venv_dir))?;
    }
    shell::run(Command::new(layout.venv_program("python")).current_dir(&layout.root).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-r",
        pins::PYTHON_REQUIREMENTS_FILE,
    ]))?;
    let found = installed_pip_versions(layout);
    if found.as_ref() != Some(&wanted) {
        bail!("pip install finished but the venv reports (moto, awscli) = {found:?}, not {wanted:?}");
    }
    for program in &programs {
        if !program.is_file() {
            bail!("pip install finished but {} is missing", program.display());
        }
    }
    std::fs::write(&marker, pins::PYTHON_REQUIREMENTS).with_context(|| format!("writing {}", marker.display()))?;
    Ok(())
}

/// The cargo that runs this xtask (cargo sets `$CARGO`), so nested builds use the same toolchain.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
