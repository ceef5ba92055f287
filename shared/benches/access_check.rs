//! Benchmark: the pre-deploy access check of a maximum-size task definition.
//!
//! The input is `shared::test_data::max_size_task_definition`: 10 containers
//! with as many secret references as fit in the 64 KiB RegisterTaskDefinition
//! limit over every reference form and site, a third of them encrypted with a
//! customer-managed key. The role has one 10-statement policy with
//! wildcards, conditions and Denies, so every request walks every statement.
//! Measured: `iam::access::check` (what the CLI and the UI run before a
//! deploy), and for scale the generator on the same input.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use shared::iam::access::{CheckContext, check};
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
        region: Some(REGION.into()),
        account_id: Some(ACCOUNT.into()),
        kms_keys: kms_keys.clone(),
        principal: Some(format!("arn:aws:iam::{ACCOUNT}:role/max-size-execution")),
        ..CheckContext::default()
    };
    let policies = [policy()];
    let report = check(&td, &policies, &ctx);
    let checks: usize = report.references.iter().map(|r| r.checks.len()).sum();
    eprintln!(
        "access_check input: {bytes} bytes, {CONTAINERS} containers, {references} references, {checks} evaluated requests"
    );

    c.bench_function("access_check/max_size_task_definition", |b| {
        b.iter(|| check(black_box(&td), black_box(&policies), black_box(&ctx)))
    });
    let opts = GenerateOptions {
        region: Some(REGION.into()),
        account_id: Some(ACCOUNT.into()),
        kms_keys,
        ..GenerateOptions::default()
    };
    c.bench_function("access_check/generate_policy_max_size", |b| {
        b.iter(|| permission_policy(black_box(&td), black_box(&opts)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
