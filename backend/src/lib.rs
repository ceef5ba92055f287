//! ecs-secrets: the command line and the local server around the pure core
//! in `shared`. Everything that decides anything is in `shared`; this crate
//! reads files, talks to the terminal, the browser and AWS, and turns
//! results into exit codes and HTTP responses.
//!
//! [`aws`] is the only module that talks to AWS; [`deploy`] runs observe →
//! plan → apply; [`server`] is the local web server; [`cli`] holds the
//! command-line arguments and their `run` functions.

pub mod aws;
pub mod cli;
pub mod deploy;
pub mod prompt;
pub mod protect;
pub mod rotation;
pub mod server;
