//! Failures: a step that AWS rejects mid-apply, an emulator that dies
//! mid-apply, blocked plans (missing value, explicit Deny) — the report
//! lists what was done, and the next apply converges.

use e2e::{FullBundleEstate, full_bundle_values, texts};
use serde_json::{Value, json};
use shared::bundle::Bundle;
use shared::plan::ProgressEvent;
use shared::test_data::{FULL_BUNDLE_FIRST_APPLY, full_bundle};

fn quick() -> ecs_secrets::deploy::ApplyOptions {
    ecs_secrets::deploy::ApplyOptions {
        stable_timeout: std::time::Duration::from_secs(20),
        poll_interval: std::time::Duration::from_millis(200),
        ..ecs_secrets::deploy::ApplyOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_step_reports_completed_steps_and_rerun_converges() {
    let Some(FullBundleEstate { moto, key, dir, bundle }) = FullBundleEstate::start("reject").await else { return };
    // Fargate rejects pidMode "host": everything before the registration
    // succeeds, the registration fails.
    let mut broken: Value = serde_json::from_str(&full_bundle(&key)).unwrap();
    broken["taskDefinition"]["pidMode"] = json!("host");
    dir.write("bundle.json", &broken.to_string());
    let values = dir.write("values.json", r#"{"/web/db": "v1", "web/api": "v2", "/web/splunk": "v3"}"#);
    let args = ["apply", bundle.to_str().unwrap(), "--values", values.to_str().unwrap(), "--yes"];

    let out = moto.run(&args, &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Everything before the registration.
    for done in &FULL_BUNDLE_FIRST_APPLY[..6] {
        assert!(stdout.contains(&format!("done   {done}")), "{done} not reported as done:\n{stdout}");
    }
    assert!(
        stdout.contains("failed register-task-definition:web: ecs:RegisterTaskDefinition failed: ClientException"),
        "{stdout}"
    );
    assert!(stdout.contains("FAILED: 6 steps completed, 7 write calls"), "{stdout}");
    assert!(stdout.contains("(request id "), "the AWS request id of the failed call is reported:\n{stdout}");
    assert!(stderr.contains("failed register-task-definition:web"), "{stderr}");

    // Fix the bundle and apply again: only what is missing is done.
    dir.write("bundle.json", &full_bundle(&key));
    let out = moto.run(
        &["apply", bundle.to_str().unwrap(), "--values", values.to_str().unwrap(), "--yes", "--format", "json"],
        &[],
    );
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["completed"],
        json!(["register-task-definition:web", "update-service:prod/web", "wait-services-stable:prod"])
    );
    assert_eq!(report["writes"], 2);
    let out = moto.run(&["plan", bundle.to_str().unwrap(), "--format", "json"], &[]);
    let plan: Value = serde_json::from_str(&texts(&out).0).unwrap();
    assert_eq!(plan["writes"], 0, "{plan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn emulator_dying_mid_apply_is_reported_with_the_completed_steps() {
    let Some(FullBundleEstate { mut moto, key, .. }) = FullBundleEstate::start("dying").await else { return };
    let bundle = Bundle::parse(&full_bundle(&key)).unwrap();
    let aws = moto.aws().await;
    // Capacity 1: apply cannot run ahead of this consumer by more than one
    // event, so the emulator is gone before the step after create-role.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
    let values = full_bundle_values();
    let options = quick();
    let apply = ecs_secrets::deploy::apply_with(&aws, &bundle, &values, sender, &options);
    let watch = async {
        let mut events = Vec::new();
        while let Some(event) = receiver.recv().await {
            if matches!(&event, ProgressEvent::Done { step_id, .. } if step_id == "create-role:webExec") {
                moto.stop();
            }
            events.push(event);
        }
        events
    };
    let (report, events) = tokio::join!(apply, watch);
    let report = report.expect("apply started");
    assert!(!report.success);
    assert_eq!(
        report.completed,
        ["create-parameter:/web/db", "create-secret:web/api", "create-parameter:/web/splunk", "create-role:webExec"]
    );
    let failed = report.failed.expect("a failed step");
    assert_eq!(failed.step_id, "put-role-policy:webExec/ecs-secrets-web");
    assert!(failed.message.contains("iam:PutRolePolicy"), "{}", failed.message);
    assert!(matches!(events.last(), Some(ProgressEvent::Failed { step_id, .. }) if *step_id == failed.step_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn blocked_plans_write_nothing() {
    let Some(FullBundleEstate { moto, key, dir, bundle }) = FullBundleEstate::start("blocked").await else { return };
    // No values and no terminal: the secrets cannot be created.
    let values = dir.write("values.json", r#"{"/web/db": "v1"}"#);
    let out =
        moto.run(&["plan", bundle.to_str().unwrap(), "--values", values.to_str().unwrap(), "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let plan: Value = serde_json::from_str(&texts(&out).0).unwrap();
    assert_eq!(plan["blocked"], true);
    let codes: Vec<&str> = plan["problems"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["EP006", "EP006"], "{plan}");
    let out = moto.run(&["apply", bundle.to_str().unwrap(), "--values", values.to_str().unwrap(), "--yes"], &[]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("EP006 /secrets/1"), "{stderr}");

    // An explicit Deny on the existing role: pre-flight says AccessDenied.
    let config = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_role()
        .role_name("webExec")
        .assume_role_policy_document(shared::iam::generate::trust_policy().to_value().to_string())
        .send()
        .await
        .unwrap();
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]});
    iam.put_role_policy()
        .role_name("webExec")
        .policy_name("guardrail")
        .policy_document(deny.to_string())
        .send()
        .await
        .unwrap();
    let all = dir.write("all.json", r#"{"/web/db": "v1", "web/api": "v2", "/web/splunk": "v3"}"#);
    let aws = moto.aws().await;
    let parsed = Bundle::parse(&full_bundle(&key)).unwrap();
    let (sender, _receiver) = tokio::sync::mpsc::channel(64);
    let values = full_bundle_values();
    let result = ecs_secrets::deploy::apply_with(&aws, &parsed, &values, sender, &quick()).await;
    let Err(ecs_secrets::deploy::StartError::Blocked(plan)) = result else { panic!("not blocked: {result:?}") };
    let denied: Vec<_> = plan.preflight.problems().collect();
    assert_eq!(denied.len(), 1, "{:?}", plan.preflight);
    assert_eq!(denied[0].path, "/containerDefinitions/0/secrets/1/valueFrom");
    let check = denied[0].checks.iter().find(|c| c.action == "secretsmanager:GetSecretValue").unwrap();
    assert_eq!(check.decision, shared::iam::DecisionKind::ExplicitDeny);
    let shared::iam::PolicySource::Identity { index } = check.deciding_statements[0].policy else { panic!() };
    assert_eq!(plan.preflight_policies[index], "inline policy guardrail");
    assert_eq!(aws.calls().writes, 0);
    let out = moto.run(&["plan", bundle.to_str().unwrap(), "--values", all.to_str().unwrap()], &[]);
    let (stdout, _) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("Pre-flight: the task would fail with AccessDenied"), "{stdout}");
    assert!(stdout.contains("denied by statement #0 of inline policy guardrail"), "{stdout}");
}
