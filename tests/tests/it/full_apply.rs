//! A full apply against the emulator, verified by reading everything back;
//! then a re-apply that must write nothing; the canary value must never
//! appear anywhere but in the stores; the plan's task definition must be
//! accepted by the real `aws` CLI.

use e2e::{ACCOUNT, FullBundleEstate, REGION, json_of, texts};
use serde_json::{Value, json};

const CANARY: &str = "canary-7f3e9b1c";
const MANAGED: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

fn decode_policy(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| {
        let decoded: String = {
            let bytes = raw.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    out.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).expect("hex"));
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).expect("utf8")
        };
        serde_json::from_str(&decoded).expect("policy JSON")
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn full_apply_then_reapply_writes_nothing() {
    let Some(FullBundleEstate { moto, key, dir, bundle }) = FullBundleEstate::start("full").await else { return };
    let values = dir.write(
        "values.json",
        &json!({"/web/db": CANARY, "web/api": format!("{CANARY}-api"), "/web/splunk": format!("{CANARY}-splunk")})
            .to_string(),
    );
    let bundle_arg = bundle.to_str().unwrap();
    let values_arg = values.to_str().unwrap();

    // Without a values file, plan assumes apply gets the missing values.
    let out = moto.run(&["plan", bundle_arg, "--format", "json"], &[]);
    let assumed = json_of(&texts(&out).0);
    assert_eq!((assumed["writes"].as_u64(), assumed["blocked"].as_bool()), (Some(8), Some(false)), "{assumed}");

    // Plan first: the JSON says how many writes apply will make.
    let out = moto.run(&["plan", bundle_arg, "--values", values_arg, "--format", "json"], &[("RUST_LOG", "trace")]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "plan failed:\n{stderr}");
    let plan = json_of(&stdout);
    let ids: Vec<&str> = plan["steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, shared::test_data::FULL_BUNDLE_FIRST_APPLY);
    assert_eq!(plan["writes"], 8);
    assert_eq!(plan["blocked"], false);
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "the canary leaked from plan");
    }

    // Apply, logging everything.
    let out =
        moto.run(&["apply", bundle_arg, "--values", values_arg, "--yes", "--format", "json"], &[("RUST_LOG", "trace")]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "apply failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("TRACE") || stderr.contains("DEBUG"), "RUST_LOG=trace produced no logs");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(CANARY), "the canary leaked from apply");
    }
    let report = json_of(&stdout);
    assert_eq!(report["success"], true);
    assert_eq!(report["writes"], 8);
    assert_eq!(report["completed"].as_array().unwrap().len(), 9);
    assert_eq!(report["taskDefinitionArn"], format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:2"));

    // Read everything back.
    let config = moto.sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let ecs = aws_sdk_ecs::Client::new(&config);

    let parameter = ssm.get_parameter().name("/web/db").with_decryption(true).send().await.unwrap().parameter.unwrap();
    assert_eq!(parameter.value.as_deref(), Some(CANARY));
    assert_eq!(parameter.r#type, Some(aws_sdk_ssm::types::ParameterType::SecureString));
    let meta = e2e::parameter_metadata(&ssm, "/web/db").await;
    assert_eq!(meta.key_id.as_deref(), Some(key.as_str()));
    assert_eq!(meta.description.as_deref(), Some("database password"));
    let splunk = ssm.get_parameter().name("/web/splunk").with_decryption(true).send().await.unwrap();
    assert_eq!(splunk.parameter.unwrap().value.unwrap(), format!("{CANARY}-splunk"));

    let secret = secrets.get_secret_value().secret_id("web/api").send().await.unwrap();
    assert_eq!(secret.secret_string.unwrap(), format!("{CANARY}-api"));
    let secret_meta = secrets.describe_secret().secret_id("web/api").send().await.unwrap();
    assert_eq!(secret_meta.kms_key_id.as_deref(), Some(key.as_str()));
    let secret_arn = secret_meta.arn.unwrap();
    assert!(secret_arn.len() == format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-").len() + 6);

    let role = iam.get_role().role_name("webExec").send().await.unwrap().role.unwrap();
    let trust = decode_policy(role.assume_role_policy_document.as_deref().unwrap());
    assert!(same_policy(&trust, &shared::iam::generate::trust_policy().to_value()), "{trust}");
    let inline = iam.get_role_policy().role_name("webExec").policy_name("ecs-secrets-web").send().await.unwrap();
    let inline = decode_policy(&inline.policy_document);
    let kms_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}");
    let expected = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadSsmParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [
            format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db"),
            format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/splunk")]},
        {"Sid": "ReadSecretsManagerSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": secret_arn},
        {"Sid": "DecryptWithCustomerManagedKeys", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": kms_arn}
    ]});
    assert!(same_policy(&inline, &expected), "{inline:#}");
    let attached = iam.list_attached_role_policies().role_name("webExec").send().await.unwrap();
    let attached: Vec<String> = attached.attached_policies.unwrap().into_iter().filter_map(|p| p.policy_arn).collect();
    assert_eq!(attached, [MANAGED]);

    let td = ecs.describe_task_definition().task_definition("web").send().await.unwrap().task_definition.unwrap();
    assert_eq!(td.revision, 2);
    assert_eq!(td.execution_role_arn.as_deref(), Some(role.arn.as_str()));
    let container = &td.container_definitions.as_ref().unwrap()[0];
    let secrets_in_td: Vec<(String, String)> =
        container.secrets.clone().unwrap().into_iter().map(|s| (s.name, s.value_from)).collect();
    assert_eq!(
        secrets_in_td,
        [("DB_PASSWORD".to_owned(), "/web/db".to_owned()), ("API_KEY".to_owned(), secret_arn.clone())],
        "the partial ARN must be replaced by the full one"
    );
    let log = container.log_configuration.clone().unwrap();
    assert_eq!(log.secret_options.unwrap()[0].value_from, "/web/splunk");
    let services = ecs.describe_services().cluster("prod").services("web").send().await.unwrap();
    let service = &services.services.unwrap()[0];
    assert_eq!(service.task_definition.as_deref(), Some(td.task_definition_arn.as_deref().unwrap()));

    // The registered revision never contains a value.
    assert!(!format!("{td:?}").contains(CANARY));

    // Re-apply: the plan is empty, apply writes nothing, no new revision.
    let out = moto.run(&["plan", bundle_arg, "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "re-plan failed:\n{stderr}");
    let replan = json_of(&stdout);
    assert_eq!(replan["writes"], 0, "{stdout}");
    assert_eq!(replan["steps"], json!([]));
    let out = moto.run(&["apply", bundle_arg, "--values", values_arg, "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "re-apply (no --yes needed for 0 writes) failed:\n{stderr}");
    let report = json_of(&stdout);
    assert_eq!(report["writes"], 0);
    assert_eq!(report["taskDefinitionArn"], format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:2"));
    assert!(ecs.describe_task_definition().task_definition("web:3").send().await.is_err(), "a revision 3 exists");
    assert!(!stderr.contains(CANARY) && !stdout.contains(CANARY));

    // The plan's task definition is register-ready for the real aws CLI, and
    // what the CLI registers is recognised as the same revision.
    let Some(aws) = e2e::aws_cli() else {
        e2e::skip("the aws CLI was not found (ECS_SECRETS_AWS_CLI, .tools/venv/bin/aws, PATH)");
        return;
    };
    let exported = dir.write("td.json", &serde_json::to_string_pretty(&replan["taskDefinition"]).unwrap());
    let cli = std::process::Command::new(aws)
        .args(["ecs", "register-task-definition", "--cli-input-json"])
        .arg(format!("file://{}", exported.display()))
        .args(["--endpoint-url", &moto.endpoint, "--region", REGION, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    let (cli_out, cli_err) = texts(&cli);
    assert!(cli.status.success(), "aws CLI rejected the exported task definition:\n{cli_err}");
    assert_eq!(json_of(&cli_out)["taskDefinition"]["revision"], 3);
    let out = moto.run(&["plan", bundle_arg, "--format", "json"], &[]);
    let replan = json_of(&texts(&out).0);
    assert_eq!(replan["writes"], 1, "only the service (running web:2, latest is web:3) should change: {replan}");
    assert_eq!(replan["steps"][0]["id"], "update-service:prod/web");
}

/// Issue 14 item 2 against the emulator: when the random suffix of a secret
/// ARN is all lower case (1 in 64 on moto, 1 in 180 on AWS), the ARN AWS
/// returned is still full. The secret is created until moto picks such a
/// suffix; apply, then re-apply, must write nothing the second time and the
/// role's policy must name that one ARN, no `NAME-??????`.
#[tokio::test(flavor = "multi_thread")]
async fn reapply_with_a_lowercase_secret_suffix_writes_nothing() {
    let Some(FullBundleEstate { moto, key, dir, bundle }) = FullBundleEstate::start("lower-suffix").await else {
        return;
    };
    let config = moto.sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let mut arn = String::new();
    // (63/64)^2000 ≈ 2e-14: the loop finds one.
    for _ in 0..2000 {
        let created = secrets
            .create_secret()
            .name("web/api")
            .kms_key_id(&key)
            .secret_string(format!("{CANARY}-api"))
            .send()
            .await
            .expect("create secret");
        arn = created.arn.expect("ARN");
        if arn.rsplit('-').next().is_some_and(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_lowercase())) {
            break;
        }
        secrets.delete_secret().secret_id(&arn).force_delete_without_recovery(true).send().await.expect("delete");
    }
    let suffix = arn.rsplit('-').next().unwrap_or_default().to_owned();
    assert!(suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_lowercase()), "no lower-case suffix: {arn}");

    let values =
        dir.write("values.json", &json!({"/web/db": CANARY, "/web/splunk": format!("{CANARY}-splunk")}).to_string());
    let bundle_arg = bundle.to_str().unwrap();
    let out = moto.run(&["apply", bundle_arg, "--values", values.to_str().unwrap(), "--yes", "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "apply failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains("??????"), "the policy granted a name pattern for a secret AWS named in full:\n{stdout}");

    let iam = aws_sdk_iam::Client::new(&config);
    let inline = iam.get_role_policy().role_name("webExec").policy_name("ecs-secrets-web").send().await.unwrap();
    let inline = decode_policy(&inline.policy_document);
    let granted = inline["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "ReadSecretsManagerSecrets")
        .map(|s| s["Resource"].clone());
    assert_eq!(granted, Some(json!([arn])), "{inline:#}");

    let out = moto.run(&["plan", bundle_arg, "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "re-plan failed:\n{stderr}");
    assert_eq!(json_of(&stdout)["writes"], 0, "{stdout}");
    let out = moto.run(&["apply", bundle_arg, "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "re-apply failed:\n{stderr}");
    assert_eq!(json_of(&stdout)["writes"], 0, "{stdout}");
}

/// IAM's semantic policy equality (order and single-vs-list do not matter).
fn same_policy(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    let parse = |v| shared::iam::PolicyDocument::from_value(v).expect("a valid policy");
    parse(a).same_as(&parse(b))
}
