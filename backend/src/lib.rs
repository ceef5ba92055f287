//! ecs-secrets: CLI and server glue around the pure core in `shared`.

pub mod cli;
pub mod server;
