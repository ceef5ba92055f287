//! `ecs-secrets check`: exit 0 when every reference is allowed, 1 when any is
//! denied, 2 on bad input.

use crate::cli_support::{CONTEXT, Run, ecs_secrets, fixture};

/// Checks `task` against the role policies `policies` (fixture names) with
/// `extra` flags, and the exit code.
fn check(task: &str, policies: &[&str], extra: &[&str], expect_code: i32) -> Run {
    let task = if task == "-" { "-".to_owned() } else { fixture(task) };
    let mut args = vec!["check".to_owned(), task];
    for policy in policies {
        args.push("--role-policy".to_owned());
        args.push(if *policy == "-" { "-".to_owned() } else { fixture(policy) });
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = ecs_secrets(&args, "");
    assert_eq!(run.code, expect_code, "{args:?}: {}", run.transcript());
    run
}

#[test]
fn exit_codes() {
    check("clean.json", &["role-policy-allows-all.json"], &[], 0);
    // get-role-policy output, allowing only the SSM parameter.
    check("clean.json", &["role-policy-ssm-only.json"], &[], 1);
    // An explicit Deny beats the Allow of another policy.
    check("clean.json", &["role-policy-allows-all.json", "role-policy-deny-secrets.json"], &[], 1);
    // A task definition without secrets needs nothing.
    let none = check("no-secrets.json", &["role-policy-allows-all.json"], &[], 0);
    assert!(none.stdout.contains("the task definition references no secrets"), "{}", none.stdout);
    // Bad input.
    check("clean.json", &["role-policy-invalid.json"], &[], 2);
    check("clean.json", &["malformed.json"], &[], 2);
    check("malformed.json", &["role-policy-allows-all.json"], &[], 2);
    check("clean.json", &["nope.json"], &[], 2);
    check("-", &["-"], &[], 2);
    // A bare parameter name cannot be checked without region and account...
    check("container-definitions.json", &["role-policy-allows-all.json"], &[], 2);
    // ...and can with them.
    check("container-definitions.json", &["role-policy-allows-all.json"], &CONTEXT, 0);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "tests/fixtures/clean.json"][..],
        &["check", "--role-policy", "tests/fixtures/role-policy-allows-all.json"],
        &["check", "tests/fixtures/clean.json", "--role-policy", "p.json", "--format", "sarif"],
    ] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
}

#[test]
fn text_shows_each_reference_and_the_fix_for_a_denial() {
    let run = check("clean.json", &["role-policy-ssm-only.json", "role-policy-allows-all.json"], &[], 0);
    assert!(run.stdout.contains("2 references: 2 allowed, 0 denied, 0 not checked"), "{}", run.stdout);
    let run = check("clean.json", &["role-policy-ssm-only.json"], &[], 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn json_has_a_verdict_per_reference_with_positions() {
    let run = check("clean.json", &["role-policy-ssm-only.json"], &["--format", "json"], 1);
    let report = run.json();
    assert_eq!(report["file"], "tests/fixtures/clean.json");
    assert_eq!(report["allAllowed"], false);
    let references = report["references"].as_array().unwrap();
    assert_eq!(references.len(), 2);
    assert_eq!(references[0]["status"], "allowed");
    assert_eq!(references[0]["path"], "/containerDefinitions/0/secrets/0/valueFrom");
    assert_eq!((references[0]["line"].as_u64(), references[0]["column"].as_u64()), (Some(16), Some(33)));
    assert_eq!(references[1]["status"], "denied");
    assert_eq!(references[1]["variable"], "API_TOKEN");
    let denied = &references[1]["checks"][0];
    assert_eq!(denied["action"], "secretsmanager:GetSecretValue");
    assert_eq!(denied["decision"], "implicitDeny");
    assert_eq!(
        denied["fix"]["statement"]["Resource"][0],
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token-AbC123"
    );

    let allowed = check("clean.json", &["role-policy-allows-all.json"], &["--format", "json"], 0).json();
    assert_eq!(allowed["allAllowed"], true);
}

#[test]
fn the_task_definition_can_come_from_stdin() {
    let text = std::fs::read_to_string(fixture("clean.json")).unwrap();
    let run = ecs_secrets(&["check", "-", "--role-policy", &fixture("role-policy-ssm-only.json")], &text);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.starts_with("<stdin>\n"), "{}", run.stdout);
}

#[test]
fn a_customer_managed_key_must_be_decryptable() {
    // Keyed by the reference exactly as written in valueFrom.
    let kms = concat!(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token-AbC123",
        "=arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
    let run = check("clean.json", &["role-policy-allows-all.json"], &["--kms-key", kms, "--format", "json"], 1);
    let report = run.json();
    let checks = report["references"][1]["checks"].as_array().unwrap();
    let decrypt = checks.iter().find(|c| c["action"] == "kms:Decrypt").unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(decrypt["decision"], "implicitDeny");
    // Without the key policy the identity grant proves nothing: the key decides.
    assert_eq!(report["references"][1]["status"], "dependsOnKeyPolicy");
    assert_eq!(decrypt["open"]["kind"], "keyPolicy");
    assert!(run.stderr.contains("--resource-policy KEY_ARN=key-policy.json"), "{}", run.stderr);
}

#[test]
fn the_key_policy_given_decides_kms_decrypt() {
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let kms = format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token-AbC123={key}");
    let dir = std::env::temp_dir().join(format!("ecs-secrets-cli-check-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, value: serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.to_string_lossy().into_owned()
    };
    let default_policy = write(
        "default.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}),
    );
    let admins_only = write(
        "admins.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/admin"}, "Action": "kms:*", "Resource": "*"}]}),
    );
    let decrypt = write(
        "decrypt.json",
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "kms:Decrypt", "Resource": key}]}),
    );
    let with_key = |policy: &str| format!("{key}={policy}");
    let allowed = with_key(&default_policy);
    let run = |key_policy: &str, code| {
        let args = ["--role-policy", &decrypt, "--kms-key", &kms, "--resource-policy", key_policy];
        check("clean.json", &["role-policy-allows-all.json"], &args, code)
    };
    // The default key policy delegates to the account: the role's grant counts.
    run(&allowed, 0);
    // A key policy that names only an administrator: the key policy must change.
    let run = run(&with_key(&admins_only), 1);
    assert!(run.stdout.contains("policies to change: the KMS key's key policy"), "{}", run.stdout);
    assert!(run.stdout.contains("add to the KMS key's key policy: "), "{}", run.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cross_account_reads_need_the_resource_policy_too() {
    let role = ["--role-arn", "arn:aws:iam::123456789012:role/web-execution"];
    let denied = check("cross-account.json", &["role-policy-cross-account.json"], &role, 1);
    assert!(denied.stdout.contains("add to the secret's resource policy: "), "{}", denied.stdout);
    assert!(denied.stdout.contains("policies to change: the secret's resource policy"), "{}", denied.stdout);
    // The role defaults to the task definition's executionRoleArn.
    let by_default = check("cross-account.json", &["role-policy-cross-account.json"], &[], 1);
    assert_eq!(by_default.stdout, denied.stdout);
    let resource_policy = format!(
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shared/token-XyZ789={}",
        fixture("secret-resource-policy.json")
    );
    let mut extra = role.to_vec();
    extra.extend(["--resource-policy", &resource_policy]);
    check("cross-account.json", &["role-policy-cross-account.json"], &extra, 0);
    // A malformed flag or policy file is bad input.
    let mut bad = role.to_vec();
    bad.extend(["--resource-policy", "secret-policy.json"]);
    check("cross-account.json", &["role-policy-cross-account.json"], &bad, 2);
    let broken =
        format!("arn:aws:secretsmanager:eu-west-1:111122223333:secret:x={}", fixture("role-policy-invalid.json"));
    check("cross-account.json", &["role-policy-cross-account.json"], &["--resource-policy", &broken], 2);
}
