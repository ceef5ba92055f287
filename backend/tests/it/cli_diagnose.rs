//! `ecs-secrets diagnose`: an ECS error message on stdin, the cause and fix
//! on stdout.

use crate::cli_support::ecs_secrets;
use serde_json::Value;

const MISSING_PERMISSION: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/8f3b1c2d is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action status code: 400, request id: 5b3e";

const SSM_NOT_FOUND: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: /prod/db/password";

const NETWORK: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded";

/// Diagnoses `message` as JSON and checks the contract's fields and the cause.
fn check(message: &str, expect_cause: &str) -> Value {
    let run = ecs_secrets(&["diagnose", "--format", "json"], message);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let decoded = run.json();
    for field in ["role", "action", "resource", "cause", "explanation", "fix"] {
        assert!(decoded.get(field).is_some(), "`{field}` in {decoded:#}");
    }
    assert_eq!(decoded["cause"], expect_cause, "{decoded:#}");
    assert!(!decoded["explanation"].as_str().unwrap().is_empty());
    assert!(!decoded["fix"]["steps"].as_array().unwrap().is_empty(), "{decoded:#}");
    decoded
}

#[test]
fn json_names_role_action_resource_cause_and_fix() {
    let decoded = check(MISSING_PERMISSION, "missingPermission");
    assert_eq!(decoded["role"], "arn:aws:iam::123456789012:role/ecsTaskExecutionRole");
    assert_eq!(decoded["action"], "secretsmanager:GetSecretValue");
    assert_eq!(decoded["resource"], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf");
    assert_eq!(decoded["fix"]["statement"]["Action"][0], "secretsmanager:GetSecretValue");

    let not_found = check(SSM_NOT_FOUND, "notFound");
    assert!(not_found["resource"].as_str().unwrap().contains("/prod/db/password"), "{not_found:#}");
    check(NETWORK, "network");
    let unknown = check("the container exited with code 137", "unknown");
    assert_eq!(unknown["role"], Value::Null);
}

#[test]
fn text_leads_with_the_cause_and_numbers_the_fix_steps() {
    let run = ecs_secrets(&["diagnose"], MISSING_PERMISSION);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "cause: missingPermission");
    assert!(lines.contains(&"role: arn:aws:iam::123456789012:role/ecsTaskExecutionRole"), "{}", run.stdout);
    assert!(lines.contains(&"action: secretsmanager:GetSecretValue"), "{}", run.stdout);
    assert!(lines.contains(&"fix:"), "{}", run.stdout);
    assert!(lines.iter().any(|l| l.starts_with("  1. ")), "{}", run.stdout);
    assert!(run.stdout.contains("\"secretsmanager:GetSecretValue\""), "the statement is printed: {}", run.stdout);
    assert!(!run.stdout.contains('\x1b'));
}

#[test]
fn empty_stdin_is_bad_input() {
    for stdin in ["", "  \n\t"] {
        let run = ecs_secrets(&["diagnose"], stdin);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.starts_with("error: no error text on standard input"), "{}", run.stderr);
    }
    let run = ecs_secrets(&["diagnose", "--format", "yaml"], MISSING_PERMISSION);
    assert_eq!(run.code, 2, "{}", run.transcript());
}
