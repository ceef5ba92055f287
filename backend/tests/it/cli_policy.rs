//! `ecs-secrets policy`: policy JSON on stdout, advice on stderr.

use crate::cli_support::{self, CONTEXT, ecs_secrets, fixture};
use serde_json::json;

/// `policy container-definitions.json` with the [`CONTEXT`] flags and `extra`.
fn policy_in_context(extra: &[&str]) -> cli_support::Run {
    let file = fixture("container-definitions.json");
    let args: Vec<&str> = ["policy", &file].into_iter().chain(CONTEXT).chain(extra.iter().copied()).collect();
    ecs_secrets(&args, "")
}

#[test]
fn permission_policy_grants_exactly_the_referenced_secrets() {
    let run = ecs_secrets(&["policy", &fixture("clean.json")], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.json(),
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadSsmParameters",
                    "Effect": "Allow",
                    "Action": ["ssm:GetParameters"],
                    "Resource": ["arn:aws:ssm:eu-west-1:123456789012:parameter/web/db/password"]
                },
                {
                    "Sid": "ReadSecretsManagerSecrets",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token-AbC123"]
                }
            ]
        })
    );
    // The image is in ECR: the managed policy is recommended on stderr.
    assert!(
        run.stderr.contains("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("AmazonECSTaskExecutionRolePolicy"));
}

#[test]
fn trust_policy_lets_ecs_tasks_assume_the_role() {
    let run = ecs_secrets(&["policy", "--trust", &fixture("clean.json")], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    let policy = run.json();
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Principal"], json!({"Service": "ecs-tasks.amazonaws.com"}));
    assert_eq!(statement["Action"], json!(["sts:AssumeRole"]));
    assert_eq!(run.stderr, "");
}

#[test]
fn bare_names_need_region_and_account_and_kms_keys_are_granted() {
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let kms = format!("/web/token={key}");
    // Without --region/--account the bare name cannot be granted: a warning
    // says so, pointing at the reference in the file.
    // It is the only reference, so there is no policy at all: exit 1.
    let without = ecs_secrets(&["policy", &fixture("container-definitions.json")], "");
    assert_eq!(without.code, 1, "{}", without.transcript());
    assert_eq!(without.stdout, "");
    assert!(
        without.stderr.contains(
            "warning: tests/fixtures/container-definitions.json:5:35: /containerDefinitions/0/secrets/0/valueFrom: "
        ),
        "{}",
        without.stderr
    );
    let with = policy_in_context(&["--kms-key", &kms]);
    assert_eq!(with.code, 0, "{}", with.transcript());
    insta::assert_snapshot!(with.transcript());
}

#[test]
fn policy_reads_stdin() {
    let text = std::fs::read_to_string(fixture("clean.json")).unwrap();
    let from_stdin = ecs_secrets(&["policy", "-"], &text);
    let from_file = ecs_secrets(&["policy", &fixture("clean.json")], "");
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.transcript());
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn bad_input_and_usage_exit_2() {
    for args in [
        vec!["policy".to_owned(), fixture("malformed.json")],
        vec!["policy".to_owned(), "--trust".to_owned(), fixture("does-not-exist.json")],
        vec!["policy".to_owned()],
        vec!["policy".to_owned(), fixture("clean.json"), "--kms-key".to_owned(), "no-equals-sign".to_owned()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = ecs_secrets(&args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
    }
}

/// Nothing grantable: no policy on stdout (never an empty one), exit 1, and
/// every reference with why on stderr, the lint's code included; an empty
/// `credentialsParameter` is warned about too.
#[test]
fn nothing_grantable_is_exit_1_without_a_policy() {
    let run = ecs_secrets(&["policy", &fixture("templated-secrets.json"), "--region", "eu-west-1"], "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(run.stdout, "", "no policy a script would attach");
    for expected in ["(ES033)", "(ES047)", "(ES030)", "credentialsParameter", "no policy was printed"] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
}

/// `--family` / `--execution-role-arn` are accepted here too.
#[test]
fn resource_flags_are_accepted() {
    let run =
        policy_in_context(&["--family", "web", "--execution-role-arn", "arn:aws:iam::123456789012:role/web-exec"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("arn:aws:ssm:eu-west-1:123456789012:parameter/web/token"), "{}", run.stdout);
}

#[test]
fn key_policy_prints_the_statement_each_customer_managed_key_needs() {
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let kms = format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-token-AbC123={key}");
    let run = ecs_secrets(
        &[
            "policy",
            "--key-policy",
            "--role-arn",
            "arn:aws:iam::123456789012:role/webExec",
            "--kms-key",
            &kms,
            &fixture("clean.json"),
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.json(),
        json!([{
            "policy": "keyPolicy",
            "resource": key,
            "statement": {
                "Sid": "AllowEcsExecutionRoleToDecrypt",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::123456789012:role/webExec"]},
                "Action": ["kms:Decrypt"],
                "Resource": ["*"]
            }
        }])
    );
    assert!(run.stderr.contains("put-key-policy"), "{}", run.stderr);

    // No key given: an empty list, and stderr says why.
    let none = ecs_secrets(
        &["policy", "--key-policy", "--role-arn", "arn:aws:iam::123456789012:role/webExec", &fixture("clean.json")],
        "",
    );
    assert_eq!((none.code, none.json()), (0, json!([])), "{}", none.transcript());
    assert!(none.stderr.contains("no customer-managed KMS key"), "{}", none.stderr);
}
