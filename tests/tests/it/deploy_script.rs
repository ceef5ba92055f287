//! The downloaded `deploy.sh` runs as written: bash and the pinned aws CLI
//! against the emulator, values from `SECRET_FILE_<n>`; afterwards `plan`
//! on the same bundle finds nothing to write (script and Apply converge).

use std::process::{Command, Stdio};

use e2e::{ACCOUNT, FullBundleEstate, REGION, TempDir, aws_cli, ecs_secrets_binary, skip, texts};
use serde_json::Value;

const CANARY: &str = "canary-deploy-sh-5Kq2";

/// `ecs-secrets export BUNDLE --format FORMAT` into `dir/name`.
fn export(dir: &TempDir, bundle: &str, format: &str, name: &str) {
    let out = Command::new(ecs_secrets_binary()).args(["export", bundle, "--format", format]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "export --format {format}: {stderr}");
    dir.write(name, &stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_sh_runs_as_written_and_plan_then_writes_nothing() {
    let Some(FullBundleEstate { moto, key, dir, .. }) = FullBundleEstate::start("deploy-sh").await else { return };
    let Some(aws) = aws_cli() else {
        skip("the aws CLI was not found (ECS_SECRETS_AWS_CLI, .tools/venv/bin/aws, PATH)");
        return;
    };
    // With the account known (the UI fills it from the identity), the
    // downloaded policy names the same resources Apply grants.
    let mut fixture: Value = serde_json::from_str(&shared::test_data::full_bundle(&key)).unwrap();
    fixture["accountId"] = Value::String(ACCOUNT.into());
    let bundle = dir.write("bundle.json", &fixture.to_string());
    let bundle = bundle.to_str().unwrap();
    for (format, name) in [
        ("task-definition", "task-definition.json"),
        ("trust-policy", "trust-policy.json"),
        ("execution-role-policy", "execution-role-policy.json"),
        ("deploy-sh", "deploy.sh"),
    ] {
        export(&dir, bundle, format, name);
    }
    // One value file per secret to create, in the bundle's order.
    let values = [CANARY.to_owned(), format!("{CANARY}-api"), format!("{CANARY}-splunk")];
    let mut script = Command::new("bash");
    script.arg("deploy.sh").current_dir(&dir.0);
    for (i, value) in values.iter().enumerate() {
        script.env(format!("SECRET_FILE_{}", i + 1), dir.write(&format!("value-{i}"), value));
    }
    let path = format!("{}:{}", aws.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL"] {
        script.env_remove(var);
    }
    let out = script
        .env("PATH", path)
        .env("ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "deploy.sh failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("registered arn:aws:ecs:"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "a value leaked from deploy.sh: {text}");
    }

    // What the script did, read back.
    let config = moto.sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let db = ssm.get_parameter().name("/web/db").with_decryption(true).send().await.unwrap().parameter.unwrap();
    assert_eq!(db.value.as_deref(), Some(CANARY));
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let api = secrets.describe_secret().secret_id("web/api").send().await.unwrap();
    let full_arn = api.arn.unwrap();
    let iam = aws_sdk_iam::Client::new(&config);
    let policies = iam.list_role_policies().role_name("webExec").send().await.unwrap().policy_names;
    assert_eq!(policies, ["ecs-secrets-web"], "the same inline policy name as Apply");
    let ecs = aws_sdk_ecs::Client::new(&config);
    let td = ecs.describe_task_definition().task_definition("web").send().await.unwrap().task_definition.unwrap();
    assert_eq!(td.execution_role_arn.as_deref(), Some(format!("arn:aws:iam::{ACCOUNT}:role/webExec").as_str()));
    let registered: Vec<String> =
        td.container_definitions()[0].secrets().iter().map(|s| s.value_from().to_owned()).collect();
    assert!(registered.contains(&full_arn), "the full ARN is registered: {registered:?}");
    let service = ecs.describe_services().cluster("prod").services("web").send().await.unwrap();
    assert_eq!(service.services()[0].task_definition(), td.task_definition_arn());

    // The same bundle planned: the script left nothing for Apply to do.
    let out = moto.run(&["plan", bundle, "--format", "json", "--region", REGION], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "plan failed:\n{stdout}\n{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["writes"], 0, "{plan:#}");
    assert_eq!(plan["steps"], Value::Array(vec![]), "{plan:#}");

    // A lost inline policy (tasks now fail with AccessDenied) is a write to
    // the role's permissions: with forceNewDeployment the service is
    // redeployed so its tasks start now, not after ECS's retry back-off.
    iam.delete_role_policy().role_name("webExec").policy_name("ecs-secrets-web").send().await.unwrap();
    let out = moto.run(&["plan", bundle, "--format", "json", "--region", REGION], &[]);
    let plan: Value = serde_json::from_str(&texts(&out).0).unwrap();
    let ids: Vec<&str> = plan["steps"].as_array().unwrap().iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["put-role-policy:webExec/ecs-secrets-web", "update-service:prod/web", "wait-services-stable:prod"]
    );
    assert_eq!(plan["writes"], 2, "{plan:#}");
}
