//! The `ecs-secrets` command line.
fn main() {}
