//! Faults during apply, injected by a proxy in front of moto
//! ([`e2e::fault_proxy`]) into every AWS call of a full apply in turn: a
//! 500, throttling, a connection reset before the request reached AWS and
//! one after AWS carried it out (the answer is lost), and a stall.
//!
//! - A fault on the first attempt only is absorbed: the SDK retries reads
//!   and idempotent writes, and the writes that must not be repeated
//!   (PutParameter, CreateSecret, CreateRole, RegisterTaskDefinition)
//!   re-read after an uncertain failure and continue when their own write is
//!   there; a stall times out and is retried.
//! - A fault that lasts (AWS unreachable from that call on) fails apply: its
//!   report lists the completed steps and the failed one, whose message
//!   names the call (a stall says it timed out).
//! - Either way, a second apply without faults converges, and AWS then holds
//!   exactly one parameter or secret per name with the right value, one
//!   role with one inline policy, one new revision (no duplicate), the
//!   service on the latest revision, and a re-plan makes zero writes.
//!
//! Each case uses its own family, role, secrets and service (`c0042…`) on
//! one moto, several cases at a time; the SDK's timeouts are short so that
//! the whole matrix runs in about two minutes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use e2e::fault_proxy::{Fault, FaultProxy, Injection, Lifetime};
use e2e::{ACCOUNT, Moto, REGION};
use secrecy::SecretString;
use serde_json::json;
use shared::bundle::{Bundle, SecretValues};
use shared::plan::ApplyReport;

/// A stalled attempt is abandoned after this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1500);
/// Cases run at once (each waits mostly on timeouts and moto).
const PARALLEL: usize = 4;

/// The name stem of case `n`: fixed width, so that one case's names never
/// contain another's.
fn stem(n: usize) -> String {
    format!("c{n:04}")
}

fn bundle(n: usize, kms_key: &str) -> Bundle {
    let c = stem(n);
    let doc = json!({
        "version": 1,
        "region": REGION,
        "taskDefinition": {
            "family": c.clone(),
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{
                "name": "app",
                "image": format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1"),
                "essential": true,
                "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": format!("/{c}/db")},
                    {"name": "API_KEY", "valueFrom": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{c}/api")}
                ]
            }]
        },
        "executionRole": {"name": format!("{c}Exec"), "create": true, "attachManagedPolicy": null},
        "secrets": [
            {"store": "ssm", "name": format!("/{c}/db"), "kmsKeyId": kms_key, "description": "database password", "create": true},
            {"store": "secretsmanager", "name": format!("{c}/api"), "create": true}
        ],
        "services": [{"cluster": "prod", "service": c.clone(), "forceNewDeployment": true}]
    });
    Bundle::parse(&doc.to_string()).expect("valid bundle")
}

fn values(n: usize) -> SecretValues {
    let c = stem(n);
    let mut map = BTreeMap::new();
    map.insert(format!("/{c}/db"), SecretString::from(format!("db-value-{c}")));
    map.insert(format!("{c}/api"), SecretString::from(format!("api-value-{c}")));
    SecretValues(map)
}

fn options() -> ecs_secrets::deploy::ApplyOptions {
    ecs_secrets::deploy::ApplyOptions {
        stable_timeout: Duration::from_secs(20),
        poll_interval: Duration::from_millis(100),
        ..ecs_secrets::deploy::ApplyOptions::default()
    }
}

/// The product's AWS handle on `endpoint`, with short timeouts and quick
/// retries (the product's defaults are 30 s per attempt, 3 attempts).
async fn aws_on(endpoint: &str) -> ecs_secrets::aws::Aws {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ecs::config::Credentials::new("testing", "testing", None, None, "e2e"))
        .retry_config(RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(10)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        )
        .load()
        .await;
    ecs_secrets::aws::Aws::from_config(&config).expect("Aws handle")
}

/// How an apply ended: its report, or the error that stopped it before
/// any step (observe failed).
type Outcome = Result<ApplyReport, String>;

async fn apply(aws: &ecs_secrets::aws::Aws, n: usize) -> Outcome {
    let kms_key = KEY.get().expect("key made").clone();
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
    let result = ecs_secrets::deploy::apply_with(aws, &bundle(n, &kms_key), &values(n), sender, &options()).await;
    let _ = drain.await;
    result.map_err(|e| e.to_string())
}

static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// What AWS must hold after a converged apply of case `n`.
async fn check_converged(moto: &Moto, n: usize, label: &str) {
    let c = stem(n);
    let config = moto.sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let ecs = aws_sdk_ecs::Client::new(&config);

    let db = ssm.get_parameter().name(format!("/{c}/db")).with_decryption(true).send().await;
    let db = db.unwrap_or_else(|e| panic!("{label}: parameter: {e:?}")).parameter.unwrap();
    assert_eq!(db.value.as_deref(), Some(format!("db-value-{c}").as_str()), "{label}");
    assert_eq!(db.version, 1, "{label}: the parameter was written once");

    let listed = secrets
        .list_secrets()
        .filters(
            aws_sdk_secretsmanager::types::Filter::builder()
                .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
                .values(format!("{c}/api"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let named: Vec<_> =
        listed.secret_list().iter().filter(|s| s.name.as_deref() == Some(&format!("{c}/api"))).collect();
    assert_eq!(named.len(), 1, "{label}: one secret per name");
    let api = secrets.get_secret_value().secret_id(format!("{c}/api")).send().await.unwrap();
    assert_eq!(api.secret_string.as_deref(), Some(format!("api-value-{c}").as_str()), "{label}");

    let role = format!("{c}Exec");
    iam.get_role().role_name(&role).send().await.unwrap_or_else(|e| panic!("{label}: role: {e:?}"));
    let inline = iam.list_role_policies().role_name(&role).send().await.unwrap();
    assert_eq!(inline.policy_names, [format!("ecs-secrets-{c}")], "{label}: one inline policy");

    let revisions = ecs.list_task_definitions().family_prefix(c.clone()).send().await.unwrap();
    let arns = revisions.task_definition_arns();
    assert_eq!(arns.len(), 2, "{label}: the seed revision and exactly one registered by apply: {arns:?}");
    let latest = arns.iter().find(|arn| arn.ends_with(&format!("{c}:2"))).expect("revision 2");
    let services = ecs.describe_services().cluster("prod").services(c.clone()).send().await.unwrap();
    let service = &services.services()[0];
    assert_eq!(service.task_definition.as_deref(), Some(latest.as_str()), "{label}: the service runs the latest");

    let aws = moto.aws().await;
    let kms_key = KEY.get().unwrap();
    let plan = ecs_secrets::deploy::plan(&aws, &bundle(n, kms_key), &Default::default()).await.unwrap();
    // Re-planning writes nothing, also when moto's random secret suffix is
    // all lower case (the ARN observe read from AWS is full, never
    // "ambiguous").
    assert!(plan.plan.writes == 0, "{label}: converged, nothing left to write: {:?}", plan.plan.steps);
}

/// One case: the faulted apply, its expected outcome, the fault-free apply
/// and the state.
async fn run_case(moto: Arc<Moto>, n: usize, injection: Injection, clean_steps: Arc<Vec<String>>) {
    let c = stem(n);
    let label = format!(
        "case {c}: {:?} at {} #{} ({:?})",
        injection.fault, injection.operation, injection.occurrence, injection.lifetime
    );
    moto.create_service("prod", &c, &c).await;
    let proxy = FaultProxy::start(moto.port).await;
    proxy.arm(Some(injection.clone()));
    let faulted = apply(&aws_on(&proxy.endpoint).await, n).await;
    assert!(proxy.fired(), "{label}: the call was never made: {:?}", proxy.calls());
    match injection.lifetime {
        Lifetime::FirstAttempt => {
            let report = faulted.unwrap_or_else(|e| panic!("{label}: a transient fault stopped apply: {e}"));
            assert!(report.success, "{label}: a transient fault was not absorbed: {report:?}");
            assert_eq!(generic(&report.completed, n), *clean_steps, "{label}");
        }
        Lifetime::FromThenOn => match faulted {
            Err(message) => {
                // Observe reads in parallel: the first error may be another call's.
                assert!(message.contains(" failed: "), "{label}: the error names the call: {message}");
                expect_timeout_message(&injection, &message, &label);
            }
            Ok(report) => {
                assert!(!report.success, "{label}: apply succeeded although AWS went away: {report:?}");
                let failed = report.failed.as_ref().expect("a failed step");
                let done = report.completed.len();
                let completed = generic(&report.completed, n);
                assert_eq!(completed[..], clean_steps[..done], "{label}: completed steps are the plan's first ones");
                let failed_step = generic(std::slice::from_ref(&failed.step_id), n);
                assert_eq!(failed_step[0], clean_steps[done], "{label}: the failed step is the next one");
                assert!(!failed.message.is_empty(), "{label}");
                expect_timeout_message(&injection, &failed.message, &label);
            }
        },
    }
    drop(proxy);
    let converged = apply(&moto.aws().await, n).await.unwrap_or_else(|e| panic!("{label}: re-apply: {e}"));
    assert!(converged.success, "{label}: re-apply did not converge: {converged:?}");
    check_converged(&moto, n, &label).await;
}

/// Step ids with case `n`'s stem replaced by `cN`, to compare cases.
fn generic(steps: &[String], n: usize) -> Vec<String> {
    steps.iter().map(|step| step.replace(&stem(n), "cN")).collect()
}

fn expect_timeout_message(injection: &Injection, message: &str, label: &str) {
    if injection.fault == Fault::Stall {
        assert!(message.contains("no answer from AWS in time"), "{label}: a stall must say it timed out: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_call_of_a_full_apply_survives_each_fault() {
    let Some(moto) = Moto::start() else { return };
    let moto = Arc::new(moto);
    KEY.get_or_init(|| moto.create_kms_key());
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk_config().await);
    ecs.create_cluster().cluster_name("prod").send().await.expect("cluster");

    // A clean run through the proxy: the calls of a full apply, in order.
    moto.create_service("prod", &stem(0), &stem(0)).await;
    let proxy = FaultProxy::start(moto.port).await;
    proxy.arm(None);
    let clean = apply(&aws_on(&proxy.endpoint).await, 0).await.expect("clean apply");
    assert!(clean.success, "{clean:?}");
    let calls = FaultProxy::numbered(&proxy.calls());
    drop(proxy);
    check_converged(&moto, 0, "clean run").await;
    let steps = Arc::new(generic(&clean.completed, 0));
    let writes: Vec<&str> = calls.iter().map(|(op, _)| op.as_str()).collect();
    for write in ["ssm:PutParameter", "secretsmanager:CreateSecret", "iam:CreateRole", "ecs:RegisterTaskDefinition"] {
        assert!(writes.contains(&write), "a full apply calls {write}: {writes:?}");
    }
    eprintln!("a full apply makes {} AWS calls: {writes:?}", calls.len());

    let mut cases = Vec::new();
    for (operation, occurrence) in &calls {
        for fault in Fault::ALL {
            for lifetime in [Lifetime::FirstAttempt, Lifetime::FromThenOn] {
                cases.push(Injection { operation: operation.clone(), occurrence: *occurrence, fault, lifetime });
            }
        }
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut running = tokio::task::JoinSet::new();
    for (i, injection) in cases.into_iter().enumerate() {
        let permit = Arc::clone(&slots).acquire_owned().await.unwrap();
        let (moto, steps) = (Arc::clone(&moto), Arc::clone(&steps));
        running.spawn(async move {
            run_case(moto, i + 1, injection, steps).await;
            drop(permit);
        });
    }
    while let Some(result) = running.join_next().await {
        if let Err(panic) = result {
            std::panic::resume_unwind(panic.into_panic());
        }
    }
}
