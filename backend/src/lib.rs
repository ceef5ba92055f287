//! The `ecs-secrets` backend: the command line (and, beside it, the server
//! and the only code that talks to AWS). Everything that decides anything is
//! in the `shared` crate; this crate reads files, talks to the terminal and
//! the network, and turns results into exit codes.

pub mod cli;
