//! Embeds the built UI (`frontend/dist`, trunk's output) in the binary, so
//! `ecs-secrets serve` serves the UI it was built with, from any directory.
//!
//! Writes `$OUT_DIR/ui_files.rs`: a sorted table of `(url path, bytes)` with
//! one `include_bytes!` per file (rustc then tracks each file's content). A
//! missing `dist` gives an empty table, and the server shows the page that
//! explains how to build the UI. Cargo re-runs this script whenever anything
//! under `dist` changes (a directory given to `rerun-if-changed` is scanned
//! recursively), so `trunk build` followed by `cargo build` embeds the new UI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dist = manifest.join("../frontend/dist");
    println!("cargo::rerun-if-changed={}", dist.display());
    println!("cargo::rerun-if-changed=build.rs");
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut table =
        String::from("/// The built UI: `(path, content)`, sorted by path.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (url, path) in &files {
        let _ = writeln!(table, "    ({url:?}, include_bytes!({:?})),", path.display().to_string());
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("ui_files.rs");
    std::fs::write(&out, table).expect("write ui_files.rs");
}

/// Every regular file under `dir`, as (`/url/path`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            let url = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>();
            let absolute = std::fs::canonicalize(&path).unwrap_or(path.clone());
            files.push((format!("/{}", url.join("/")), absolute));
        }
    }
}
