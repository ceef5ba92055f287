//! Where things live: the repository, its git-ignored `.tools` folder and the install
//! locations of the tools (`~/.cargo/bin` for cargo-installed binaries, `/usr/bin` for apt).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Absolute paths used by the tasks. Nothing outside the repository is written to except
/// through the ordinary installers (`cargo install`, `rustup`, `apt-get`).
#[derive(Debug, Clone)]
pub struct Layout {
    /// The workspace root (holds Cargo.toml, Cargo.lock).
    pub root: PathBuf,
    /// `<root>/.tools/node`: the npm project holding wasm-opt and other npm tools.
    pub node_dir: PathBuf,
    /// `<root>/.tools/venv`: the Python venv holding moto and the AWS CLI.
    pub venv_dir: PathBuf,
    /// `<root>/frontend`: where trunk runs.
    pub frontend_dir: PathBuf,
    /// `<root>/frontend/dist`: trunk's output, served by `ecs-secrets serve`.
    pub dist_dir: PathBuf,
    /// `$CARGO_HOME/bin` (default `~/.cargo/bin`): where `cargo install` puts trunk and wasm-bindgen.
    pub cargo_bin: PathBuf,
}

impl Layout {
    /// The layout of the repository this xtask binary was built from.
    pub fn discover() -> anyhow::Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .ancestors()
            .nth(2)
            .filter(|root| root.join("Cargo.lock").is_file())
            .ok_or_else(|| anyhow::anyhow!("cannot find the workspace root above {}", manifest_dir.display()))?
            .to_path_buf();
        let cargo_home = match std::env::var_os("CARGO_HOME") {
            Some(home) => PathBuf::from(home),
            None => PathBuf::from(
                std::env::var_os("HOME").ok_or_else(|| anyhow::anyhow!("neither CARGO_HOME nor HOME is set"))?,
            )
            .join(".cargo"),
        };
        let tools = root.join(".tools");
        Ok(Self {
            node_dir: tools.join("node"),
            venv_dir: tools.join("venv"),
            frontend_dir: root.join("frontend"),
            dist_dir: root.join("frontend").join("dist"),
            cargo_bin: cargo_home.join("bin"),
            root,
        })
    }

    /// `node_modules/.bin` of the project-local npm tools.
    pub fn node_bin(&self) -> PathBuf {
        self.node_dir.join("node_modules").join(".bin")
    }

    /// A program in the Python venv (`moto_server`, `aws`, `python`).
    pub fn venv_program(&self, name: &str) -> PathBuf {
        self.venv_dir.join("bin").join(name)
    }

    /// The cargo that runs xtask, in the workspace root.
    pub fn cargo(&self) -> std::process::Command {
        let mut command = std::process::Command::new(crate::tools::cargo());
        command.current_dir(&self.root);
        command
    }

    /// A program installed by `cargo install`.
    pub fn cargo_program(&self, name: &str) -> PathBuf {
        self.cargo_bin.join(name)
    }

    /// `PATH` with the pinned tools first: the npm `wasm-opt` must shadow any system
    /// binaryen, and the cargo-installed trunk/wasm-bindgen any other copy.
    pub fn tool_path(&self) -> anyhow::Result<OsString> {
        let mut dirs = vec![self.node_bin(), self.cargo_bin.clone()];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        Ok(std::env::join_paths(dirs)?)
    }
}
