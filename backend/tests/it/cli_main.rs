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

#[test]
fn an_invalid_bundle_is_bad_input_for_plan_and_apply() {
    // Regression: plan and apply exited 1 (a failure) for a bundle they
    // refuse to read; the exit-code table says bad input is 2.
    let dir = std::env::temp_dir().join(format!("ecs-secrets-invalid-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("bundle.json");
    std::fs::write(
        &bundle,
        r#"{"version": 1, "region": "mars-1", "taskDefinition": {"family": "web", "containerDefinitions": [{"name": "a"}]},
            "executionRole": {"name": "webExec", "create": true, "attachManagedPolicy": null},
            "secrets": [{"store": "ssm", "name": "awsDb", "create": true}], "services": []}"#,
    )
    .unwrap();
    let path = bundle.to_str().unwrap();
    let valid = dir.join("valid.json");
    let text = std::fs::read_to_string(&bundle).unwrap().replace("mars-1", "eu-west-1").replace("awsDb", "/web/db");
    std::fs::write(&valid, text).unwrap();
    let missing = dir.join("missing.json");
    for args in [
        vec!["plan", path],
        vec!["apply", path, "--yes"],
        vec!["plan", missing.to_str().unwrap()],
        vec!["apply", valid.to_str().unwrap(), "--values", missing.to_str().unwrap()],
    ] {
        let run = ecs_secrets(&args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.transcript());
    }
    let run = ecs_secrets(&["plan", path], "");
    assert!(
        run.stderr.contains("/region (line 1, column 16): `mars-1` is not an AWS region name"),
        "{}",
        run.transcript()
    );
    assert!(run.stderr.contains("/secrets/0/name"), "{}", run.transcript());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression: `rotate --help` said `--region` defaulted to "the bundle's
/// region", and rotate reads no bundle: its region comes from SECRET's ARN.
#[test]
fn each_aws_command_says_where_its_region_comes_from() {
    for (command, default) in [
        ("plan", "the bundle's region"),
        ("apply", "the bundle's region"),
        ("rotate", "the region of a SECRET given as an ARN"),
        ("serve", "from the AWS configuration"),
    ] {
        let run = ecs_secrets(&[command, "--help"], "");
        assert_eq!(run.code, 0, "{command}: {}", run.transcript());
        let region = run.stdout.lines().find(|l| l.trim_start().starts_with("--region")).unwrap_or_default();
        assert!(region.contains(default), "{command}: {region}");
        if command != "plan" && command != "apply" {
            assert!(!region.contains("bundle"), "{command} reads no bundle: {region}");
        }
    }
}
