//! `audit --format sarif` is valid SARIF 2.1.0 (the official schema), with
//! a result per diagnostic and per reference that is not allowed, each
//! pointing at a rule of the driver. (The command itself runs against moto
//! in the e2e tests, `tests/tests/it/audit.rs`.)

use ecs_secrets::cli::sarif::render_audit;
use serde_json::Value;
use shared::Severity;
use shared::audit::{AuditDiagnostic, AuditReference, AuditReport, ReferenceStatus, ServiceAudit, Summary};

use crate::cli_lint::schema_validator;

fn reference(status: ReferenceStatus) -> AuditReference {
    AuditReference {
        path: "/containerDefinitions/0/secrets/0/valueFrom".into(),
        value_from: Some("/web/db".into()),
        status,
        reason: "because".into(),
    }
}

#[test]
fn audit_sarif_is_valid_and_every_finding_is_a_result() {
    let service = ServiceAudit {
        cluster: "prod".into(),
        service: "web".into(),
        task_definition: Some("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into()),
        execution_role_arn: Some("arn:aws:iam::123456789012:role/webExec".into()),
        diagnostics: vec![AuditDiagnostic {
            code: "ES080".into(),
            severity: Severity::Error,
            path: "/containerDefinitions/0/environment/0/value".into(),
            message: "plaintext credential".into(),
        }],
        references: vec![
            reference(ReferenceStatus::Allowed),
            reference(ReferenceStatus::Denied),
            reference(ReferenceStatus::Missing),
            reference(ReferenceStatus::Unverified),
        ],
        stale_tasks: None,
        summary: Summary::Denied,
        problems: vec!["task definition x: ECS could not describe it".into()],
    };
    let text = render_audit(&AuditReport { services: vec![service] }, &ecs_secrets::cli::lint::rule_catalogue())
        .expect("render");
    let log: Value = serde_json::from_str(&text).expect("JSON");
    let errors: Vec<String> =
        schema_validator().iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results: Vec<(&str, &str)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"
            );
            (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        results,
        [
            ("ES080", "error"),
            ("audit-denied", "error"),
            ("audit-missing", "error"),
            ("audit-unverified", "warning"),
            ("audit-unreadable", "error")
        ],
        "the allowed reference is no result"
    );
}
