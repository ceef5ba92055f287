//! Benchmark: the pre-deploy access check of a maximum-size task definition.
//!
//! The input is `shared::test_data::max_size_task_definition`, as large as
//! ECS allows: 10 containers (the most a task definition may have) with as
//! many secret references as fit in the 64 KiB RegisterTaskDefinition limit —
//! several hundred, over every reference form (SSM names and ARNs, Secrets
//! Manager ARNs with and without JSON keys, partial ARNs,
//! `/aws/reference/secretsmanager/…`) and every site (`secrets`, log
//! `secretOptions`, `repositoryCredentials`), a third of them encrypted with
//! a customer-managed key. The role has one 10-statement policy with
//! wildcards, conditions and Denies, so every request walks every statement;
//! the key has the default key policy (it delegates to the account), as the
//! pre-flight reads it. Measured: `iam::access::check` (what the CLI and the
//! UI run before a deploy), the evaluator alone on the same requests
//! (`iam::evaluate`, what the 1 µs-per-request target is about), and for
//! scale the generator on the same input.
//!
//! With `ACCESS_CHECK_REQUESTS_JSON=FILE` the setup also writes the evaluated
//! requests to FILE as a JSON array of `iam simulate` requests, for
//! `tests/bench/iam-simulate-peer.sh` to run the same requests through
//! another evaluator.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use shared::Location;
use shared::iam::access::{CheckContext, check, evaluated_requests};
use shared::iam::evaluate;
use shared::iam::generate::{GenerateOptions, permission_policy};
use shared::iam::policy::PolicyDocument;
use shared::test_data::{self, ACCOUNT, CONTAINERS, MAX_BYTES, REGION};
use shared::{TaskDefinition, import};

const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-22bb-33cc-44dd-555555eeeeee";

/// The largest task definition that still fits in 64 KiB, imported, and its
/// size in bytes.
fn max_size_task_definition() -> (TaskDefinition, usize) {
    let text = test_data::max_size_task_definition().text;
    let td = import(&text).expect("the benchmark input imports").task_definition;
    (td, text.len())
}

fn policy() -> PolicyDocument {
    PolicyDocument::from_value(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Parameters", "Effect": "Allow", "Action": "ssm:GetParameters",
             "Resource": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc*/prod/*")},
            {"Sid": "SharedParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
             "Resource": "arn:aws:ssm:us-east-1:210987654321:parameter/shared/*"},
            {"Sid": "Secrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc*/prod/*-??????")},
            {"Sid": "DbSecretsCurrent", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc*/prod/db-*"),
             "Condition": {"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}},
            {"Sid": "Registry", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:registry/*")},
            {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
             "Condition": {"StringLike": {"kms:ViaService": ["ssm.*.amazonaws.com", "secretsmanager.*.amazonaws.com"]}}},
            {"Sid": "NoLegacy", "Effect": "Deny", "Action": "secretsmanager:*",
             "Resource": format!("arn:aws:secretsmanager:*:{ACCOUNT}:secret:legacy/*")},
            {"Sid": "NoWrites", "Effect": "Deny", "Action": ["ssm:Put*", "ssm:Delete*", "secretsmanager:Put*"], "Resource": "*"},
            {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/max-size:*")},
            {"Sid": "TlsOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        ]
    }))
    .expect("policy")
}

/// What AWS gives a key created without a policy: IAM policies decide.
fn default_key_policy() -> PolicyDocument {
    PolicyDocument::from_value(&test_data::default_key_policy()).expect("key policy")
}

fn bench(c: &mut Criterion) {
    let (td, bytes) = max_size_task_definition();
    let references = td.secret_sites().len();
    assert!(bytes <= MAX_BYTES && bytes > MAX_BYTES - 2048, "input is {bytes} bytes");
    assert!(references >= 300, "only {references} references");
    let kms_keys: BTreeMap<String, String> = td
        .secret_sites()
        .iter()
        .filter_map(|s| s.value_from)
        .enumerate()
        .filter(|(i, _)| i % 3 == 0)
        .map(|(_, v)| (v.to_owned(), KEY.to_owned()))
        .collect();
    let ctx = CheckContext {
        location: Location::new(Some(REGION.parse().unwrap()), Some(ACCOUNT.parse().unwrap())),
        kms_keys: kms_keys.clone(),
        principal: Some(format!("arn:aws:iam::{ACCOUNT}:role/max-size-execution")),
        resource_policies: BTreeMap::from([(KEY.to_owned(), default_key_policy())]),
        ..CheckContext::default()
    };
    let policies = [policy()];
    let report = check(&td, &policies, &ctx);
    let checks: usize = report.references.iter().map(|r| r.checks.len()).sum();
    let requests = evaluated_requests(&td, &ctx);
    assert!(report.all_allowed() || report.any_denied(), "every check is decided: the key policy is known");
    eprintln!(
        "access_check input: {bytes} bytes, {CONTAINERS} containers, {references} references, {checks} checks, {} evaluated requests",
        requests.len()
    );
    if let Ok(path) = std::env::var("ACCESS_CHECK_REQUESTS_JSON") {
        let exported: Vec<Value> = requests
            .iter()
            .map(|(request, resource_policy)| {
                let context: serde_json::Map<String, Value> =
                    request.context.iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
                let decision = evaluate(request, &policies, *resource_policy).decision;
                json!({
                    "action": request.action,
                    "resource": request.resource,
                    "principal": request.principal,
                    "context": context,
                    "identityPolicies": [policies[0].to_value()],
                    "resourcePolicy": resource_policy.map(|p| p.to_value()),
                    "expected": decision,
                })
            })
            .collect();
        std::fs::write(&path, serde_json::to_string(&exported).expect("json")).expect("write the requests");
        eprintln!("wrote {} requests to {path}", exported.len());
    }

    c.bench_function("access_check/max_size_task_definition", |b| {
        b.iter(|| check(black_box(&td), black_box(&policies), black_box(&ctx)))
    });
    c.bench_function("access_check/evaluate_requests", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter(|(request, resource_policy)| {
                    evaluate(black_box(request), black_box(&policies), *resource_policy).is_allowed()
                })
                .count()
        })
    });
    let opts = GenerateOptions {
        location: Location::new(Some(REGION.parse().unwrap()), Some(ACCOUNT.parse().unwrap())),
        kms_keys,
        ..GenerateOptions::default()
    };
    c.bench_function("access_check/generate_policy_max_size", |b| {
        b.iter(|| permission_policy(black_box(&td), black_box(&opts)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
