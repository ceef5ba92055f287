//! The end-to-end tests, one test binary with a module per area: `browser_*`
//! drive the UI in headless Chromium, the others run `ecs-secrets` against
//! the moto AWS emulator. The harness is the `e2e` library (`tests/src/`).
//! One test: `cargo test -p e2e --test it browser_ui` (a module name is a
//! filter on the test path).

mod audit;
mod browser_apply;
mod browser_audit;
mod browser_benchmarks;
mod browser_drafts;
mod browser_flows;
mod browser_rotate;
mod browser_screenshots;
mod browser_ui;
mod concurrency;
mod deploy_script;
mod estate;
mod failures;
mod faults;
mod full_apply;
mod preflight_reads;
mod rotate;
mod watch;
