//! `ecs-secrets audit` against moto, run as a user runs it: a clean
//! service, one with a plaintext credential, one whose execution role may
//! not read its secret (denied), one referencing a parameter that does not
//! exist (missing), across two clusters; the JSON contract, SARIF, exit
//! codes — and it never reads a secret value: the canary values are in no
//! output, and the calls (recorded by a loopback proxy) include no
//! GetSecretValue and no GetParameter(s).
//!
//! moto's tasks carry no `startedAt`, so a service with running tasks has
//! `staleTasks: null` (unknown), never an invented number.

use e2e::fault_proxy::FaultProxy;
use e2e::{ACCOUNT, Moto, REGION, json_of, service_names, texts};
use serde_json::{Value, json};

use crate::estate::{create_service, register, run_service_tasks};

pub(crate) const CANARY_PARAMETER: &str = "canary-parameter-value-7f3a91";
pub(crate) const CANARY_SECRET: &str = "canary-secret-value-c04e22";

/// The verdict audit gives each service of [`estate`].
pub(crate) const VERDICTS: [(&str, &str); 4] = [
    ("prod/clean", "ok"),
    ("staging/plaintext", "findings"),
    ("staging/denied", "denied"),
    ("staging/missing", "findings"),
];

/// Roles, values and four services in two clusters:
/// `prod/clean` (ok), `staging/plaintext` (ES080), `staging/denied`,
/// `staging/missing`.
pub(crate) async fn estate(moto: &Moto) {
    let config = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&config);
    let read_all = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/*")},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:*")}
    ]});
    let logs_only = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"}]});
    for (role, policy) in [("goodExec", read_all), ("weakExec", logs_only)] {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        iam.create_role().role_name(role).assume_role_policy_document(trust.to_string()).send().await.expect("role");
        iam.put_role_policy()
            .role_name(role)
            .policy_name("inline")
            .policy_document(policy.to_string())
            .send()
            .await
            .expect("policy");
    }
    let ssm = aws_sdk_ssm::Client::new(&config);
    ssm.put_parameter()
        .name("/clean/db")
        .value(CANARY_PARAMETER)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("parameter");
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let secret = sm.create_secret().name("clean/api").secret_string(CANARY_SECRET).send().await.expect("secret");
    let secret_arn = secret.arn.expect("secret ARN");

    let role = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    let td = |family: &str, role_name: &str, secrets: Value, environment: Value| {
        json!({"family": family, "executionRoleArn": role(role_name), "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 256, "essential": true,
                "secrets": secrets, "environment": environment}]})
    };
    let clean = register(
        moto,
        &td(
            "clean",
            "goodExec",
            json!([{"name": "DB", "valueFrom": "/clean/db"}, {"name": "API", "valueFrom": secret_arn}]),
            json!([]),
        ),
    );
    create_service(moto, "prod", "clean", &clean);
    run_service_tasks(moto, "prod", "clean", &clean, 2);
    let plaintext = register(
        moto,
        &td(
            "plaintext",
            "goodExec",
            json!([]),
            json!([{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAZ2CANARYQ4XW7PLM"}]),
        ),
    );
    create_service(moto, "staging", "plaintext", &plaintext);
    let denied =
        register(moto, &td("denied", "weakExec", json!([{"name": "DB", "valueFrom": "/clean/db"}]), json!([])));
    create_service(moto, "staging", "denied", &denied);
    let missing =
        register(moto, &td("missing", "goodExec", json!([{"name": "DB", "valueFrom": "/nope/db"}]), json!([])));
    create_service(moto, "staging", "missing", &missing);
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"].as_array().expect("services").iter().find(|s| s["service"] == name).expect(name)
}

fn statuses(service: &Value) -> Vec<&str> {
    service["references"].as_array().expect("references").iter().map(|r| r["status"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_checks_every_service_of_every_cluster_without_reading_a_value() {
    let Some(moto) = Moto::start() else { return };
    estate(&moto).await;
    let proxy = FaultProxy::start(moto.port).await;
    let mut outputs = Vec::new();

    // One clean cluster: exit 0, one "ok" line.
    let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "prod"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "a clean cluster\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("1 ok, 0 with findings, 0 denied"), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("ok") && l.contains("prod/clean")), "{stdout}");
    outputs.push(stdout + &stderr);

    // Every cluster (no --cluster): exit 1, each finding where it belongs.
    let out = moto.run_at(&proxy.endpoint, &["audit", "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "error, denied and missing\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let report = json_of(&stdout);
    assert_eq!(service_names(&report), ["prod/clean", "staging/denied", "staging/missing", "staging/plaintext"]);

    // The JSON contract, field by field.
    for s in report["services"].as_array().unwrap() {
        for key in ["cluster", "service", "taskDefinition", "executionRoleArn"] {
            assert!(s[key].is_string(), "{key} is a string: {s}");
        }
        assert!(s["staleTasks"].is_u64() || s["staleTasks"].is_null(), "staleTasks is N or null: {s}");
        for d in s["diagnostics"].as_array().expect("diagnostics") {
            for key in ["code", "severity", "path", "message"] {
                assert!(d[key].is_string(), "diagnostic {key}: {d}");
            }
        }
        for r in s["references"].as_array().expect("references") {
            for key in ["path", "valueFrom", "status", "reason"] {
                assert!(r[key].is_string(), "reference {key}: {r}");
            }
            assert!(["allowed", "denied", "missing", "unverified"].contains(&r["status"].as_str().unwrap()), "{r}");
        }
    }
    let clean = service(&report, "clean");
    assert_eq!(statuses(clean), ["allowed", "allowed"], "{clean}");
    assert_eq!(clean["executionRoleArn"], format!("arn:aws:iam::{ACCOUNT}:role/goodExec"));
    assert!(clean["taskDefinition"].as_str().unwrap().ends_with(":task-definition/clean:1"), "{clean}");
    assert_eq!(clean["staleTasks"], Value::Null, "moto reports no startedAt: unknown, never invented");
    let plaintext = service(&report, "plaintext");
    assert!(
        plaintext["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "ES080" && d["severity"] == "error"),
        "{plaintext}"
    );
    assert_eq!(plaintext["staleTasks"], 0, "no running tasks: none stale");
    let denied = service(&report, "denied");
    assert_eq!(statuses(denied), ["denied"], "{denied}");
    assert!(denied["references"][0]["reason"].as_str().unwrap().contains("ssm:GetParameters"), "{denied}");
    let missing = service(&report, "missing");
    assert_eq!(statuses(missing), ["missing"], "{missing}");
    assert!(missing["references"][0]["reason"].as_str().unwrap().contains("/nope/db"), "{missing}");
    outputs.push(stdout + &stderr);

    // Text: one summary line per service, then the details.
    let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "prod", "--cluster", "staging"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("Audit of 4 services in eu-west-1: 1 ok, 2 with findings, 1 denied"), "{stdout}");
    for (name, summary) in VERDICTS {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(summary) && l.contains(name)),
            "{summary} {name}:\n{stdout}"
        );
    }
    assert!(stdout.contains("error ES080"), "{stdout}");
    assert!(stdout.contains("missing /containerDefinitions/0/secrets/0/valueFrom (/nope/db)"), "{stdout}");
    outputs.push(stdout + &stderr);

    // SARIF: the findings as results with valid rule indexes.
    let out = moto.run_at(&proxy.endpoint, &["audit", "--format", "sarif"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let log = json_of(&stdout);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    let ids: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    for id in ["ES080", "audit-denied", "audit-missing"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at its rule");
    }
    outputs.push(stdout + &stderr);

    // A --cluster that does not exist is bad input.
    let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "nope"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("nope") && stderr.contains("--cluster"), "{stderr}");
    outputs.push(stdout + &stderr);

    // Never a value: not in any output, and no call that returns one.
    for output in &outputs {
        for canary in [CANARY_PARAMETER, CANARY_SECRET, "AKIAZ2CANARYQ4XW7PLM"] {
            assert!(!output.contains(canary), "a value leaked into the output:\n{output}");
        }
    }
    let calls = proxy.calls();
    for forbidden in
        ["secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    {
        assert!(!calls.iter().any(|c| c == forbidden), "{forbidden} was called: {calls:?}");
    }
    assert!(calls.iter().any(|c| c == "ssm:DescribeParameters"), "metadata only: {calls:?}");
    assert!(calls.iter().any(|c| c == "secretsmanager:DescribeSecret"), "{calls:?}");
    let writes = ["Put", "Create", "Update", "Register", "Delete", "Attach", "Tag"];
    assert!(
        !calls.iter().any(|c| writes.iter().any(|w| c.split(':').nth(1).is_some_and(|op| op.starts_with(w)))),
        "read-only: {calls:?}"
    );
}

/// moto's tasks carry no `startedAt`: a loopback proxy (the fault proxy's
/// documented rewrite hook, test scaffolding only) adds one to every
/// DescribeTasks answer. Tasks that started before the parameter and the
/// secret were written hold old values (stale); tasks started after do not.
#[tokio::test(flavor = "multi_thread")]
async fn tasks_started_before_the_last_change_are_stale() {
    let Some(moto) = Moto::start() else { return };
    estate(&moto).await;
    let proxy = FaultProxy::start(moto.port).await;
    let started = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let at = std::sync::Arc::clone(&started);
    proxy.rewrite("ecs:DescribeTasks", move |answer| {
        for task in answer["tasks"].as_array_mut().into_iter().flatten() {
            task["startedAt"] = json!(at.load(std::sync::atomic::Ordering::Relaxed));
        }
    });
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let audit = |started_at: u64| {
        started.store(i64::try_from(started_at).expect("seconds"), std::sync::atomic::Ordering::Relaxed);
        let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "prod", "--format", "json"], &[]);
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "stale tasks are findings, not failures\n{stdout}\n{stderr}");
        json_of(&stdout)
    };

    // An hour before the values were written: both tasks hold old values.
    let report = audit(now - 3600);
    let clean = service(&report, "clean");
    assert_eq!(clean["staleTasks"], 2, "{clean}");
    assert_eq!(clean["summary"], "findings", "{clean}");
    // An hour after: they read the current values.
    let report = audit(now + 3600);
    let clean = service(&report, "clean");
    assert_eq!(clean["staleTasks"], 0, "{clean}");
    assert_eq!(clean["summary"], "ok", "{clean}");
    let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "prod"], &[]);
    assert!(texts(&out).0.contains("1 ok"), "{}", texts(&out).0);
    started.store(i64::try_from(now - 3600).expect("seconds"), std::sync::atomic::Ordering::Relaxed);
    let out = moto.run_at(&proxy.endpoint, &["audit", "--cluster", "prod"], &[]);
    let text = texts(&out).0;
    assert!(text.contains("stale: 2 running tasks started before a referenced value last changed"), "{text}");
}
