//! The subcommands of the `ecs-secrets` command line, one module each.

pub mod serve;
