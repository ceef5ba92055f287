//! Test data shared by the benchmarks and tests (cargo feature `test-data`,
//! never part of the product): the maximum-size task definition, and the
//! fixture bundle the planner tests and the end-to-end tests deploy.
//!
//! It is as large as ECS allows: [`CONTAINERS`] containers (the most a task
//! definition may have) with as many secret references as fit in the
//! [`MAX_BYTES`] RegisterTaskDefinition limit — several hundred, over every
//! reference form (SSM names and ARNs, Secrets Manager ARNs with and without
//! JSON keys, partial ARNs, `/aws/reference/secretsmanager/…`, another
//! account's parameters) and every site (`secrets`, log `secretOptions`,
//! `repositoryCredentials`).

use serde_json::{Value, json};

/// RegisterTaskDefinition's limit on the whole JSON document (lint ES011).
pub const MAX_BYTES: usize = 64 * 1024;
/// The most containers a task definition may have (lint ES010).
pub const CONTAINERS: usize = 10;
/// The region every same-account reference names.
pub const REGION: &str = "eu-west-1";
/// The account of the execution role and the same-account references.
pub const ACCOUNT: &str = "123456789012";

/// The maximum-size task definition as compact JSON text, and how many
/// secret references each container has in `secrets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxSize {
    pub text: String,
    pub secrets_per_container: usize,
}

/// The largest task definition of [`task_definition`]'s shape whose JSON
/// text fits in [`MAX_BYTES`].
pub fn max_size_task_definition() -> MaxSize {
    let mut per_container = 1;
    while task_definition(per_container + 1).len() <= MAX_BYTES {
        per_container += 1;
    }
    MaxSize { text: task_definition(per_container), secrets_per_container: per_container }
}

/// A task definition of [`CONTAINERS`] containers with `per_container`
/// secret references each (plus one log `secretOptions` entry and one
/// `repositoryCredentials` each), as compact JSON text.
pub fn task_definition(per_container: usize) -> String {
    let containers: Vec<Value> = (0..CONTAINERS).map(|index| container(index, per_container)).collect();
    json!({
        "family": "max-size",
        "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/max-size-execution"),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "4096",
        "memory": "8192",
        "containerDefinitions": containers
    })
    .to_string()
}

/// The `n`-th secret reference of a container, cycling through the forms
/// people write.
pub fn reference(container: usize, n: usize) -> String {
    match n % 7 {
        0 => format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc{container}/prod/key_{n}"),
        1 => format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/key{n}-Ab{n:04}"),
        2 => format!(
            "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/db-Xy{container:02}Zq:field_{n}::"
        ),
        3 => format!("/svc{container}/prod/param_{n}"),
        4 => format!("/aws/reference/secretsmanager/svc{container}/prod/ref_{n}"),
        5 => format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:svc{container}/prod/partial_{n}"),
        _ => format!("arn:aws:ssm:us-east-1:210987654321:parameter/shared/svc{container}/token_{n}"),
    }
}

fn container(index: usize, references: usize) -> Value {
    let secrets: Vec<Value> =
        (0..references).map(|n| json!({"name": format!("SECRET_{n}"), "valueFrom": reference(index, n)})).collect();
    json!({
        "name": format!("svc{index}"),
        "image": format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc{index}:1.{index}.0"),
        "essential": index == 0,
        "memoryReservation": 256,
        "secrets": secrets,
        "repositoryCredentials": {
            "credentialsParameter": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:registry/svc{index}-Rc{index:02}Zz")
        },
        "logConfiguration": {
            "logDriver": "splunk",
            "options": {"splunk-url": "https://splunk.example.com:8088"},
            "secretOptions": [{"name": "splunk-token", "valueFrom": format!("/svc{index}/splunk_token")}]
        }
    })
}

/// The KMS key id [`full_bundle`]'s fixture file names; the planner tests
/// observe a key of this id.
pub const FULL_BUNDLE_KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

/// The fixture bundle (`shared/tests/fixtures/plan/bundle.json`) with its two
/// customer-managed secrets encrypted by `kms_key_id`: SSM SecureString
/// parameters `/web/db` and `/web/splunk` (a log `secretOptions` entry), the
/// Secrets Manager secret `web/api` by its partial ARN, all to create; role
/// `webExec` to create; family `web` on Fargate; service `prod/web`, forced
/// to redeploy.
pub fn full_bundle(kms_key_id: &str) -> String {
    include_str!("../tests/fixtures/plan/bundle.json").replace(FULL_BUNDLE_KEY, kms_key_id)
}

/// The key policy AWS gives a key created without one (in [`ACCOUNT`]):
/// the account's IAM policies decide who may use the key.
pub fn default_key_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]})
}

/// The steps of [`full_bundle`]'s plan in an account where only the service
/// exists (running an older revision of `web`), in order.
pub const FULL_BUNDLE_FIRST_APPLY: [&str; 9] = [
    "create-parameter:/web/db",
    "create-secret:web/api",
    "create-parameter:/web/splunk",
    "create-role:webExec",
    "put-role-policy:webExec/ecs-secrets-web",
    "attach-managed-policy:webExec",
    "register-task-definition:web",
    "update-service:prod/web",
    "wait-services-stable:prod",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_size_task_definition_fills_the_limit_and_imports() {
        let max = max_size_task_definition();
        assert!(max.text.len() <= MAX_BYTES && max.text.len() > MAX_BYTES - 2048, "{} bytes", max.text.len());
        let td = crate::import(&max.text).expect("imports").task_definition;
        assert_eq!(td.container_definitions.len(), CONTAINERS);
        assert_eq!(td.secret_sites().len(), CONTAINERS * (max.secrets_per_container + 2));
    }
}
