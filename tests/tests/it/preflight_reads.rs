//! The live pre-flight reads every policy that decides (key policies,
//! secrets' resource policies), and a read the caller is denied does not
//! abort observe: against moto enforcing IAM, a deployer whose policy denies
//! kms:GetKeyPolicy still gets a plan, with the references encrypted by that
//! key "unverified" and the permission that would verify them — never
//! "allowed".

use e2e::{Moto, MotoOptions, TempDir, texts};
use serde_json::json;

/// CreateUser, PutUserPolicy and CreateAccessKey run before IAM is enforced.
const SETUP_ACTIONS: u32 = 3;

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_key_policy_read_leaves_those_references_unverified_and_plans_the_rest() {
    let Some(moto) = Moto::start_with(MotoOptions { enforce_iam_after: Some(SETUP_ACTIONS), ..MotoOptions::default() })
    else {
        return;
    };
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_user().user_name("deployer").send().await.expect("create user");
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:GetKeyPolicy", "Resource": "*"}
    ]});
    iam.put_user_policy()
        .user_name("deployer")
        .policy_name("deploy-but-no-key-policies")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("put user policy");
    let key = iam.create_access_key().user_name("deployer").send().await.expect("create access key");
    let key = key.access_key.expect("access key");
    moto.use_credentials(&key.access_key_id, &key.secret_access_key);

    // From here on every request is the deployer's, and moto checks it.
    let kms = aws_sdk_kms::Client::new(&moto.sdk_config().await);
    let denied = kms.get_key_policy().key_id("alias/none").policy_name("default").send().await;
    assert!(denied.is_err(), "moto enforces IAM: the deployer may not read key policies");
    let key_id = kms.create_key().description("e2e CMK").send().await.expect("create key");
    let key_id = key_id.key_metadata.expect("key metadata").key_id;
    moto.create_service("prod", "web", "web").await;

    let dir = TempDir::new("preflight-reads");
    let bundle = dir.write("bundle.json", &shared::test_data::full_bundle(&key_id));
    let out = moto.run(&["plan", bundle.to_str().unwrap()], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "not blocked: everything else is planned\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for step in
        ["create-parameter:/web/db", "create-secret:web/api", "create-role:webExec", "register-task-definition:web"]
    {
        let title_part = step.split(':').nth(1).unwrap_or(step);
        assert!(stdout.contains(title_part), "{step} is still planned:\n{stdout}");
    }
    assert!(stdout.contains("EP041"), "the open references are reported:\n{stdout}");
    assert!(stdout.contains("could not read the key policy"), "{stdout}");
    assert!(stdout.contains("kms:GetKeyPolicy on arn:aws:kms:"), "the permission that would verify it:\n{stdout}");
    assert!(!stdout.contains("can read all"), "never reported as allowed:\n{stdout}");

    // The JSON plan carries the same verdicts: the two references encrypted
    // with the key are unverified, the third (AWS managed key) is allowed.
    let out = moto.run(&["plan", bundle.to_str().unwrap(), "--format", "json"], &[]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).expect("plan JSON");
    let statuses: Vec<&str> = plan
        .pointer("/plan/preflight/references")
        .or_else(|| plan.pointer("/preflight/references"))
        .and_then(|r| r.as_array())
        .expect("pre-flight references")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["unverified", "unverified", "allowed"], "{stdout}");
}
