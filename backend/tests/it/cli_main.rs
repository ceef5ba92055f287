//! The top level of `ecs-secrets`: help, version, unknown commands.

use crate::cli_support::ecs_secrets;

#[test]
fn help_lists_every_command_and_exits_0() {
    let run = ecs_secrets(&["--help"], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    for command in ["lint", "normalize", "policy", "check", "iam", "diagnose"] {
        assert!(run.stdout.lines().any(|l| l.trim_start().starts_with(command)), "{command}: {}", run.stdout);
    }
    for args in [&["lint", "--help"][..], &["iam", "simulate", "--help"], &["help", "check"]] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 0, "{args:?}: {}", run.transcript());
        assert!(run.stdout.contains("Usage: ecs-secrets"), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn version_is_the_package_version() {
    let run = ecs_secrets(&["--version"], "");
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("ecs-secrets {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn no_or_unknown_command_is_a_usage_error() {
    for args in [&[][..], &["deploy-everything"], &["--frobnicate"]] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert_eq!(run.stdout, "");
    }
}
