//! `ecs-secrets iam simulate`: one request evaluated offline.

use crate::cli_support::{ecs_secrets, fixture};
use serde_json::json;

/// Simulates `request` (JSON text on stdin) and checks the decision.
fn check(request: serde_json::Value, expect_decision: &str) -> serde_json::Value {
    let run = ecs_secrets(&["iam", "simulate", "-"], &request.to_string());
    assert_eq!(run.code, 0, "exit 0 whatever the decision: {}", run.transcript());
    let response = run.json();
    assert_eq!(response["decision"], expect_decision, "{request}");
    response
}

#[test]
fn decisions_are_reported_with_exit_0() {
    let policy = |effect: &str| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "S", "Effect": effect, "Action": "ssm:GetParameters", "Resource": "arn:aws:ssm:eu-west-1:123456789012:parameter/web/*"}
        ]})
    };
    let request = |policies: serde_json::Value| {
        json!({
            "action": "ssm:GetParameters",
            "resource": "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db",
            "identityPolicies": policies
        })
    };
    let allowed = check(request(json!([policy("Allow")])), "allowed");
    assert_eq!(
        allowed,
        json!({
            "decision": "allowed",
            "matchedStatements": [{"policy": "identity", "policyIndex": 0, "statementIndex": 0, "sid": "S", "effect": "Allow"}],
            "missingContextKeys": [],
            "notes": ["allowed by an identity policy"]
        })
    );
    check(request(json!([policy("Allow"), policy("Deny")])), "explicitDeny");
    check(request(json!([])), "implicitDeny");
}

#[test]
fn a_request_file_with_a_missing_context_key() {
    let run = ecs_secrets(&["iam", "simulate", &fixture("simulate-request.json")], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn bad_requests_exit_2_with_the_place() {
    for (args, expect) in [
        (
            vec!["iam", "simulate", "tests/fixtures/simulate-invalid.json"],
            "error: tests/fixtures/simulate-invalid.json: line 5, column 65: /identityPolicies/0/Statement/0/Action: expected a string or an array of strings, found a number\n",
        ),
        (
            vec!["iam", "simulate", "tests/fixtures/malformed.json"],
            "error: tests/fixtures/malformed.json: line 4, column 20: expected `,` or `}`; fix the JSON and try again\n",
        ),
        (
            vec!["iam", "simulate", "tests/fixtures/none.json"],
            "error: tests/fixtures/none.json: cannot read the file: No such file or directory (os error 2); check the path\n",
        ),
    ] {
        let run = ecs_secrets(&args, "");
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert_eq!(run.stdout, "");
        assert_eq!(run.stderr, expect);
    }
    let missing_action = ecs_secrets(&["iam", "simulate", "-"], r#"{"resource": "*"}"#);
    assert_eq!(missing_action.code, 2, "{}", missing_action.transcript());
    assert!(missing_action.stderr.contains("/action"), "{}", missing_action.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["iam"][..], &["iam", "simulate"], &["iam", "evaluate", "x.json"]] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
    }
}
