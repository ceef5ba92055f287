//! The integration tests of `ecs-secrets`, one test binary with a module per
//! area: `cli_*` run the real binary, `server_*` drive the router (and a
//! real socket or browser where they say so). One binary links the AWS SDK
//! once instead of once per file. Fixtures live in `backend/tests/fixtures/`
//! and `backend/tests/server_fixtures/`, snapshots next to this file in
//! `snapshots/` (named `it__MODULE__NAME.snap`).

mod cli_support;
mod server_support;

mod cli_audit;
mod cli_check;
mod cli_diagnose;
mod cli_export;
mod cli_iam;
mod cli_lint;
mod cli_main;
mod cli_normalize;
mod cli_policy;
mod server_api;
mod server_browser;
mod server_secret_values;
mod server_security;
mod server_session;
mod server_socket;
