//! System packages (Debian/Ubuntu `apt-get`): Chromium, chromedriver, Python venv support
//! and Node.js. Installed only when missing; as non-root the exact commands are printed.
//!
//! Debian pins these by release, not by us: `chromium` and `chromium-driver` come from the
//! same source package, so their versions always match (checked below anyway, because a
//! driver for another major version cannot drive the browser).

use std::process::Command;

use anyhow::bail;

use crate::shell;

/// Chromium as installed by Debian's `chromium` package.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// chromedriver as installed by Debian's `chromium-driver` package.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What the caller is about to do, which decides what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Build and run the product: Node.js for the npm wasm-opt.
    Run,
    /// Everything the tests need on top: a browser, its driver and Python for moto.
    Test,
}

/// The apt packages `purpose` needs that are not installed, in install order.
pub fn missing_packages(purpose: Purpose) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !shell::on_path("node") {
        missing.push("nodejs");
    }
    if !shell::on_path("npm") {
        missing.push("npm");
    }
    if purpose == Purpose::Test {
        if !shell::on_path(CHROMIUM) {
            missing.push("chromium");
        }
        if !shell::on_path(CHROMEDRIVER) {
            missing.push("chromium-driver");
        }
        if !shell::on_path("python3") {
            missing.extend(["python3", "python3-venv"]);
        } else if shell::probe("python3", &["-c", "import venv, ensurepip"]).is_none() {
            // Debian splits `ensurepip` (needed by `python3 -m venv`) into python3-venv.
            missing.push("python3-venv");
        }
    }
    missing
}

/// What to do about missing packages, decided without side effects so it can be tested.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Nothing,
    Install,
    /// Cannot install here; the message says what the user must run.
    Refuse(String),
}

fn decide(missing: &[&str], is_root: bool, has_apt: bool, task: &str) -> Decision {
    if missing.is_empty() {
        return Decision::Nothing;
    }
    let list = missing.join(" ");
    if !has_apt {
        return Decision::Refuse(format!(
            "missing system packages: {list}\n\
             This machine has no apt-get; install the equivalents of these Debian packages \
             with your package manager, then run `cargo xtask {task}` again."
        ));
    }
    if !is_root {
        return Decision::Refuse(format!(
            "missing system packages: {list}\n\
             Installing them needs root. Run:\n\n    \
             sudo apt-get update\n    \
             sudo apt-get install -y --no-install-recommends {list}\n\n\
             then run `cargo xtask {task}` again."
        ));
    }
    Decision::Install
}

/// Installs the missing packages as root, or fails with the commands to run.
pub fn ensure_packages(purpose: Purpose, task: &str) -> anyhow::Result<()> {
    let missing = missing_packages(purpose);
    let is_root = shell::probe("id", &["-u"]).as_deref() == Some("0");
    match decide(&missing, is_root, shell::on_path("apt-get"), task) {
        Decision::Nothing => {
            let extra = if purpose == Purpose::Test { ", chromium, chromedriver, python3 venv" } else { "" };
            println!("ok   system packages present (node, npm{extra})");
            Ok(())
        }
        Decision::Refuse(message) => bail!(message),
        Decision::Install => {
            println!("install system packages: {}", missing.join(" "));
            shell::run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
            shell::run(
                Command::new("apt-get")
                    .args(["install", "-y", "--no-install-recommends"])
                    .args(&missing)
                    .env("DEBIAN_FRONTEND", "noninteractive"),
            )?;
            let still_missing = missing_packages(purpose);
            if !still_missing.is_empty() {
                bail!("apt-get succeeded but these are still missing: {}", still_missing.join(" "));
            }
            Ok(())
        }
    }
}

/// Checks that Chromium and chromedriver run and share a major version; returns their versions.
pub fn check_browser() -> anyhow::Result<(String, String)> {
    let browser = shell::probe(CHROMIUM, &["--version"])
        .ok_or_else(|| anyhow::anyhow!("{CHROMIUM} --version failed; reinstall the `chromium` package"))?;
    let driver = shell::probe(CHROMEDRIVER, &["--version"])
        .ok_or_else(|| anyhow::anyhow!("{CHROMEDRIVER} --version failed; reinstall the `chromium-driver` package"))?;
    let major = |text: &str| -> Option<String> {
        let version = shell::version_word(text)?;
        Some(version.split('.').next()?.to_owned())
    };
    match (major(&browser), major(&driver)) {
        (Some(b), Some(d)) if b == d => Ok((browser, driver)),
        _ => bail!(
            "Chromium and chromedriver versions differ ({browser} / {driver}); \
             run `apt-get install -y --no-install-recommends chromium chromium-driver` to upgrade both together"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_missing_needs_nothing() {
        assert_eq!(decide(&[], false, false, "test"), Decision::Nothing);
    }

    #[test]
    fn root_with_apt_installs() {
        assert_eq!(decide(&["chromium"], true, true, "test"), Decision::Install);
    }

    #[test]
    fn non_root_gets_the_exact_commands() {
        let Decision::Refuse(message) = decide(&["chromium", "chromium-driver"], false, true, "test") else {
            panic!("non-root must not install");
        };
        assert!(message.contains("sudo apt-get update\n"), "{message}");
        assert!(message.contains("sudo apt-get install -y --no-install-recommends chromium chromium-driver\n"));
        assert!(message.contains("`cargo xtask test`"), "{message}");
    }

    #[test]
    fn no_apt_names_the_debian_packages() {
        let Decision::Refuse(message) = decide(&["nodejs"], true, false, "run") else {
            panic!("cannot install without apt");
        };
        assert!(message.contains("nodejs") && message.contains("`cargo xtask run`"), "{message}");
    }
}
