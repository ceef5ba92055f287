//! Every tool version the build and the tests depend on, in one place.
//!
//! A fresh machine and a developer laptop must build the same bytes, so each
//! tool is installed at exactly these versions and re-checked on every run.
//! `check_consistency` fails loudly when this file, `Cargo.lock` and
//! `frontend/Trunk.toml` disagree, because trunk refuses (offline) to use a
//! wasm-bindgen that differs from the crate it post-processes.

/// `trunk`, installed with `cargo install --locked`. 0.22 needs a newer rustc than 1.95.
pub const TRUNK: &str = "0.21.14";

/// `wasm-bindgen-cli`; must equal the `wasm-bindgen` crate pinned `=0.2.130` in the root Cargo.toml.
/// Installed without `--locked`: its own lock file pins crates that no longer build.
pub const WASM_BINDGEN: &str = "0.2.130";

/// The npm package `binaryen` provides `wasm-opt`. Debian's binaryen produces broken WASM.
pub const BINARYEN_MAJOR: &str = "132";

/// npm packages installed into `.tools/node` (exact versions). Add a line to add a package.
pub const NPM_PACKAGES: &[(&str, &str)] = &[("binaryen", "132.0.0")];

/// The AWS API emulator run by the end-to-end tests (`moto_server`).
pub const MOTO: &str = "5.2.5";

/// The AWS CLI the end-to-end tests use to seed and inspect the emulator. awscli 1.x pins
/// botocore exactly; this version resolves together with moto's boto3.
pub const AWSCLI: &str = "1.46.3";

/// Path, relative to the workspace root, of the fully pinned (`pip freeze`) requirements
/// for `.tools/venv`: moto's server, the AWS CLI and every dependency of both.
pub const PYTHON_REQUIREMENTS_FILE: &str = "crates/xtask/python-requirements.txt";

/// The contents of that file, compiled in so a changed file is noticed as "reinstall".
pub const PYTHON_REQUIREMENTS: &str = include_str!("../python-requirements.txt");

/// The Rust target the core and the UI are compiled to for the browser.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The `version_NNN` string trunk expects from `wasm-opt --version`.
pub fn wasm_opt_trunk_version() -> String {
    format!("version_{BINARYEN_MAJOR}")
}

/// The version `Cargo.lock` resolves for `package`, if it appears exactly once.
pub fn locked_version<'a>(cargo_lock: &'a str, package: &str) -> Option<&'a str> {
    let name_line = format!("name = \"{package}\"");
    let mut found = None;
    let mut lines = cargo_lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines.next()?.trim().strip_prefix("version = \"")?.strip_suffix('"')?;
            if found.is_some() {
                return None;
            }
            found = Some(version);
        }
    }
    found
}

/// Fails when `Cargo.lock` or `Trunk.toml` disagree with the pins above, saying what to change.
pub fn check_consistency(cargo_lock: &str, trunk_toml: &str) -> anyhow::Result<()> {
    match locked_version(cargo_lock, "wasm-bindgen") {
        Some(v) if v == WASM_BINDGEN => {}
        Some(v) => anyhow::bail!(
            "Cargo.lock resolves wasm-bindgen {v} but crates/xtask/src/pins.rs pins wasm-bindgen-cli {WASM_BINDGEN}; \
             they must be equal: change the `wasm-bindgen = \"={WASM_BINDGEN}\"` pin in the root Cargo.toml back, \
             or update WASM_BINDGEN in pins.rs and `wasm_bindgen` in frontend/Trunk.toml together"
        ),
        None => {
            anyhow::bail!("Cargo.lock has no single `wasm-bindgen` package; is the frontend still a workspace member?")
        }
    }
    let wanted = [
        format!("wasm_bindgen = \"{WASM_BINDGEN}\""),
        format!("wasm_opt = \"{}\"", wasm_opt_trunk_version()),
        "offline = true".to_owned(),
    ];
    for line in &wanted {
        if !trunk_toml.lines().any(|l| l.trim() == line) {
            anyhow::bail!("frontend/Trunk.toml must contain the line `{line}` to match crates/xtask/src/pins.rs");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"registry\"\n\n\
                        [[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.130\"\n";
    const TRUNK_TOML: &str =
        "[build]\noffline = true\n[tools]\nwasm_bindgen = \"0.2.130\"\nwasm_opt = \"version_132\"\n";

    #[test]
    fn locked_version_finds_the_exact_package_only() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen"), Some("0.2.130"));
        assert_eq!(locked_version(LOCK, "wasm"), None);
        let twice = format!("{LOCK}[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        assert_eq!(locked_version(&twice, "wasm-bindgen"), None, "two versions are ambiguous");
    }

    #[test]
    fn consistent_files_pass() {
        check_consistency(LOCK, TRUNK_TOML).expect("consistent");
    }

    #[test]
    fn a_different_locked_wasm_bindgen_is_reported_with_both_versions() {
        let lock = LOCK.replacen("0.2.130", "0.2.131", 1);
        let message = check_consistency(&lock, TRUNK_TOML).expect_err("mismatch").to_string();
        assert!(message.contains("0.2.131") && message.contains("0.2.130"), "{message}");
    }

    #[test]
    fn trunk_toml_without_offline_or_pins_is_reported() {
        for (from, to) in [("offline = true", "offline = false"), ("version_132", "version_123"), ("0.2.130", "0.2.1")]
        {
            let toml = TRUNK_TOML.replace(from, to);
            let message = check_consistency(LOCK, &toml).expect_err("must fail").to_string();
            assert!(message.contains(from), "{from}: {message}");
        }
    }

    #[test]
    fn python_requirements_pin_moto_server_and_the_aws_cli() {
        let lines: Vec<_> = PYTHON_REQUIREMENTS.lines().map(str::trim).collect();
        assert!(lines.contains(&format!("moto[server]=={MOTO}").as_str()), "moto pin");
        assert!(lines.contains(&format!("awscli=={AWSCLI}").as_str()), "awscli pin");
        for line in lines.iter().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            assert!(line.contains("=="), "every requirement is pinned exactly: {line}");
        }
    }

    /// The real files of this repository agree with the pins.
    #[test]
    fn repository_files_agree_with_the_pins() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
        let trunk = std::fs::read_to_string(root.join("frontend/Trunk.toml")).expect("Trunk.toml");
        check_consistency(&lock, &trunk).expect("pins agree with the repository");
    }
}
