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
