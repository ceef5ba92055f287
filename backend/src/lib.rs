//! ecs-secrets: the CLI and server glue around the pure core in `shared`.
//!
//! [`aws`] is the only module that talks to AWS; [`deploy`] runs observe →
//! plan → apply; [`server`] is the local web server; [`cli`] holds the
//! command-line arguments and their `run` functions.

pub mod aws;
pub mod cli;
pub mod deploy;
pub mod server;
