//! The integration tests of `shared`, one test binary with a module per
//! area (one binary links and starts once instead of once per file).
//! Fixtures live in `shared/tests/fixtures/`, snapshots next to this file in
//! `snapshots/` (named `it__MODULE__NAME.snap`).

mod access;
mod decode;
mod evaluator;
mod exactness;
mod generate;
mod lint_fixtures;
mod plan;
mod properties;

use std::path::{Path, PathBuf};

/// The fixtures folder of an area: `shared/tests/fixtures/AREA`.
fn fixture_dir(area: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(area)
}

/// The files of `shared/tests/fixtures/AREA` whose names end with `suffix`,
/// sorted by path.
fn fixture_files(area: &str, suffix: &str) -> Vec<PathBuf> {
    let dir = fixture_dir(area);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.file_name().is_some_and(|name| name.to_string_lossy().ends_with(suffix)))
        .collect();
    files.sort();
    files
}
