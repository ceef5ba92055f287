//! `ecs-secrets rotate` against moto: consumers found through every
//! reference form across two clusters, the values written (the SSM
//! parameter keeping its type and KMS key), every consumer redeployed, the
//! JSON report, stale tasks, exit codes; the canary value never in any
//! output, log or argv.
//!
//! moto reports no `startedAt`: a task is known stale because it was
//! running when the rotation began (and still is), never because of a
//! guessed start time.

use std::time::{Duration, Instant};

use e2e::{ACCOUNT, Moto, REGION, TempDir, json_of, service_names, texts};
use serde_json::{Value, json};

const CANARY: &str = "canary-7f3e9b1c";

/// Registers `family` with `containers` (JSON) and creates `service` on
/// `cluster` running it (desired count 1).
async fn service(moto: &Moto, cluster: &str, name: &str, containers: Value) {
    let td = json!({
        "family": name,
        "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/exec"),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": containers,
    });
    let aws = e2e::aws_cli().expect("the aws CLI (cargo xtask test installs it)");
    let out = std::process::Command::new(aws)
        .args(["ecs", "register-task-definition", "--endpoint-url", &moto.endpoint, "--cli-input-json"])
        .arg(td.to_string())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .output()
        .expect("run aws");
    assert!(out.status.success(), "register {name}: {}", String::from_utf8_lossy(&out.stderr));
    moto.create_service_running(cluster, name, &format!("{name}:1")).await;
}

/// `rotate /web/db` with the values file `values`, confirmed, the report as
/// JSON, waiting at most `wait_timeout` seconds for the redeployments.
fn rotate_db_json<'a>(values: &'a std::path::Path, wait_timeout: &'a str) -> [&'a str; 9] {
    let values = values.to_str().unwrap();
    ["rotate", "/web/db", "--values", values, "--yes", "--format", "json", "--wait-timeout", wait_timeout]
}

fn container(secrets: &[&str], secret_options: &[&str], credentials: Option<&str>) -> Value {
    let mut c = json!({
        "name": "app",
        "image": "registry.example.com/app:1",
        "memory": 256,
        "secrets": secrets.iter().enumerate().map(|(i, v)| json!({"name": format!("S{i}"), "valueFrom": v})).collect::<Vec<_>>(),
    });
    if !secret_options.is_empty() {
        c["logConfiguration"] = json!({"logDriver": "splunk", "options": {"splunk-url": "https://splunk.example.com"},
            "secretOptions": secret_options.iter().map(|v| json!({"name": "splunk-token", "valueFrom": v})).collect::<Vec<_>>()});
    }
    if let Some(c2) = credentials {
        c["repositoryCredentials"] = json!({"credentialsParameter": c2});
    }
    json!([c])
}

/// The estate: `/web/db` (SSM SecureString with a customer key) and
/// `web/api` (Secrets Manager), used in every form by services of two
/// clusters. Returns the secret's full ARN and the key id.
pub(crate) async fn estate(moto: &Moto) -> (String, String) {
    let config = moto.sdk_config().await;
    let key = moto.create_kms_key();
    aws_sdk_ssm::Client::new(&config)
        .put_parameter()
        .name("/web/db")
        .value("old-db")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .key_id(&key)
        .send()
        .await
        .expect("put parameter");
    let arn = aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name("web/api")
        .secret_string(r#"{"password": "old-api"}"#)
        .send()
        .await
        .expect("create secret")
        .arn
        .unwrap();
    let partial = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api");
    let ssm_arn = format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db");
    service(moto, "blue", "web", container(&["/web/db", &format!("{arn}:password::")], &[], None)).await;
    service(moto, "blue", "api", container(&[&ssm_arn], &[&partial], None)).await;
    service(moto, "blue", "other", container(&["/other/db"], &[], None)).await;
    service(moto, "green", "worker", container(&[&format!("{partial}:password:AWSPREVIOUS:")], &[], Some(&arn))).await;
    service(moto, "green", "reader", container(&["/aws/reference/secretsmanager/web/api"], &[], None)).await;
    (arn, key)
}

/// The consumer `cluster/service` of a report.
fn consumer<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| format!("{}/{}", s["cluster"].as_str().unwrap(), s["service"].as_str().unwrap()) == name)
        .unwrap_or_else(|| panic!("{name} is not in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_lists_consumers_through_every_reference_form_across_two_clusters() {
    let Some(moto) = Moto::start() else { return };
    let (arn, _) = estate(&moto).await;

    // A bare name: the Secrets Manager secret (no parameter has that name).
    let out = moto.run(&["rotate", "web/api", "--dry-run", "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let report = json_of(&stdout);
    assert_eq!(report["secret"], arn.as_str());
    assert_eq!(report["written"], false);
    assert_eq!(service_names(&report), ["blue/api", "blue/web", "green/reader", "green/worker"]);
    let worker = consumer(&report, "green/worker");
    assert_eq!(worker["taskDefinition"], format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/worker:1"));
    assert_eq!(worker["redeployed"], false);
    assert_eq!(worker["staleTasks"], 0);
    let sites: Vec<&str> =
        worker["references"].as_array().unwrap().iter().map(|r| r["site"].as_str().unwrap()).collect();
    assert_eq!(sites, ["secret", "repositoryCredentials"]);
    assert!(consumer(&report, "blue/api")["references"][0]["path"].as_str().unwrap().contains("secretOptions"));

    // The full ARN finds the same; --cluster narrows; the text plan warns
    // about the reference pinned to AWSPREVIOUS.
    let out = moto.run(&["rotate", &arn, "--dry-run", "--cluster", "green"], &[]);
    let (stdout, _) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("green/worker") && stdout.contains("green/reader") && !stdout.contains("blue/"),
        "{stdout}"
    );
    assert!(stdout.contains("warning: pinned to version stage AWSPREVIOUS"), "{stdout}");

    // The SSM parameter, by name and by ARN.
    for secret in ["/web/db", &format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db")] {
        let out = moto.run(&["rotate", secret, "--dry-run", "--format", "json"], &[]);
        let report = json_of(&texts(&out).0);
        assert_eq!(service_names(&report), ["blue/api", "blue/web"], "{secret}");
        assert_eq!(report["secret"], format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db"));
    }

    // Bad input exits 2: an unknown secret, a cluster that does not exist.
    let out = moto.run(&["rotate", "/no/such", "--dry-run"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("does not exist"), "{}", texts(&out).1);
    let out = moto.run(&["rotate", "/web/db", "--dry-run", "--cluster", "nope"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    // Said as audit says it: one message for clusters that do not exist.
    assert!(texts(&out).1.contains("cluster nope does not exist in"), "{}", texts(&out).1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_writes_the_values_and_redeploys_every_consumer() {
    let Some(moto) = Moto::start() else { return };
    let (arn, key) = estate(&moto).await;
    let dir = TempDir::new("rotate");
    let config = moto.sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let deployment = |cluster: &'static str, service: &'static str| {
        let ecs = ecs.clone();
        async move {
            let out = ecs.describe_services().cluster(cluster).services(service).send().await.unwrap();
            out.services()[0].deployments()[0].id().unwrap().to_owned()
        }
    };
    let before = [deployment("blue", "web").await, deployment("blue", "api").await, deployment("blue", "other").await];

    // A values file without the secret: exit 2, nothing written.
    let values = dir.write("values.json", &json!({"/other": CANARY}).to_string());
    let out = moto.run(&["rotate", "/web/db", "--values", values.to_str().unwrap(), "--yes"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("no value for `/web/db`"), "{}", texts(&out).1);

    let values = dir.write("values.json", &json!({"/web/db": CANARY, "web/api": format!("{CANARY}-api")}).to_string());
    let out = moto.run(&rotate_db_json(&values, "60"), &[("RUST_LOG", "debug")]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "the canary leaked");
    }
    let report = json_of(&stdout);
    assert_eq!(report["secret"], format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db"));
    assert_eq!(report["written"], true);
    assert_eq!(service_names(&report), ["blue/api", "blue/web"]);
    for name in ["web", "api"] {
        let service = consumer(&report, &format!("blue/{name}"));
        assert_eq!(service["taskDefinition"], format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:1"));
        assert_eq!(service["redeployed"], true);
        assert_eq!(service["staleTasks"], 0);
        assert!(service["staleTasks"].is_u64());
    }
    assert_eq!(report["services"].as_array().unwrap().len(), 2);

    // The value changed; type and key stayed.
    let ssm = aws_sdk_ssm::Client::new(&config);
    let parameter = ssm.get_parameter().name("/web/db").with_decryption(true).send().await.unwrap().parameter.unwrap();
    assert_eq!(parameter.value.as_deref(), Some(CANARY));
    assert_eq!(parameter.version, 2);
    assert_eq!(parameter.r#type, Some(aws_sdk_ssm::types::ParameterType::SecureString));
    let meta = e2e::parameter_metadata(&ssm, "/web/db").await;
    assert_eq!(meta.key_id.as_deref(), Some(key.as_str()));
    // The consumers got a new deployment; the other service did not.
    assert_ne!(deployment("blue", "web").await, before[0]);
    assert_ne!(deployment("blue", "api").await, before[1]);
    assert_eq!(deployment("blue", "other").await, before[2]);

    // The Secrets Manager secret, by its partial ARN, in text.
    let partial = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api");
    let values = dir.write("values.json", &json!({partial.clone(): format!("{CANARY}-api")}).to_string());
    let out = moto.run(&["rotate", &partial, "--values", values.to_str().unwrap(), "--yes"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains(&format!("Rotated: {arn} written")), "{stdout}");
    for service in ["blue/web", "blue/api", "green/worker", "green/reader"] {
        assert!(stdout.contains(&format!("{service}: redeployed, 0 stale tasks")), "{service}:\n{stdout}");
    }
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "the canary leaked");
    }
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let value = secrets.get_secret_value().secret_id(&arn).send().await.unwrap();
    assert_eq!(value.secret_string(), Some(format!("{CANARY}-api").as_str()));
    assert!(value.version_stages().iter().any(|s| s == "AWSCURRENT"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_running_before_the_rotation_are_stale_until_they_go() {
    let Some(moto) = Moto::start() else { return };
    estate(&moto).await;
    moto.hold_task_states();
    // A task of blue/web, as ECS's scheduler would have started it (moto
    // starts none by itself, and keeps it RUNNING).
    moto.run_service_task("blue", "web:1", "web", "ecs-svc/4242").await;

    let dir = TempDir::new("rotate-stale");
    let values = dir.write("values.json", &json!({"/web/db": CANARY}).to_string());
    let started = Instant::now();
    let child = moto
        .command(&rotate_db_json(&values, "4"), &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn rotate");
    // While it waits for the stale task to go, its command line holds no value.
    std::thread::sleep(Duration::from_millis(500));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).expect("rotate is still running");
    assert!(!String::from_utf8_lossy(&cmdline).contains(CANARY), "the canary is in rotate's argv");
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60));
    let report = json_of(&stdout);
    assert_eq!(report["written"], true);
    let web = consumer(&report, "blue/web");
    assert_eq!((web["staleTasks"].as_u64(), web["staleUnknown"].as_u64()), (Some(1), Some(0)), "{report}");
    assert_eq!(web["redeployed"], true, "the deployment itself is steady: {report}");
    assert_eq!(consumer(&report, "blue/api")["staleTasks"], 0);
    assert!(stderr.contains("1 stale"), "{stderr}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "the canary leaked");
    }
}
