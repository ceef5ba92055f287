//! The read-only estate observer against moto: every service of two
//! clusters (more than one DescribeServices batch), the revision each runs
//! (raw JSON, unknown fields kept), its tasks by `group` (moto ignores
//! ListTasks' `serviceName`), the calls it made — and a throttled call is
//! retried, not fatal.

use e2e::fault_proxy::{Fault, FaultProxy, Injection, Lifetime};
use e2e::{ACCOUNT, Moto, REGION};
use serde_json::{Value, json};

/// Registers `task_definition` exactly as written; returns its ARN.
pub(crate) fn register(moto: &Moto, task_definition: &Value) -> String {
    let out = moto.ecs("RegisterTaskDefinition", task_definition);
    out["taskDefinition"]["taskDefinitionArn"].as_str().expect("registered ARN").to_owned()
}

/// Creates `cluster` (again is fine) and `service` running `task_definition`.
pub(crate) fn create_service(moto: &Moto, cluster: &str, service: &str, task_definition: &str) {
    moto.ecs("CreateCluster", &json!({"clusterName": cluster}));
    moto.ecs(
        "CreateService",
        &json!({"cluster": cluster, "serviceName": service, "taskDefinition": task_definition, "desiredCount": 1}),
    );
}

/// Starts `count` Fargate tasks the way a service's scheduler does
/// (`group: service:<name>`, `startedBy: ecs-svc/…`); returns their ARNs.
pub(crate) fn run_service_tasks(
    moto: &Moto,
    cluster: &str,
    service: &str,
    task_definition: &str,
    count: u32,
) -> Vec<String> {
    let out = moto.ecs(
        "RunTask",
        &json!({
            "cluster": cluster, "taskDefinition": task_definition, "count": count, "launchType": "FARGATE",
            "group": format!("service:{service}"), "startedBy": "ecs-svc/1234567890123456789",
            "networkConfiguration": network(moto)
        }),
    );
    out["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["taskArn"].as_str().expect("task ARN").to_owned())
        .collect()
}

/// The awsvpc network configuration of a Fargate task in moto.
fn network(moto: &Moto) -> Value {
    json!({"awsvpcConfiguration": {"subnets": [moto.default_subnet()], "securityGroups": []}})
}

/// A task definition with one secret and a field the model does not know.
pub(crate) fn web_task_definition(family: &str, role: &str) -> Value {
    json!({
        "family": family,
        "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "ephemeralStorage": {"sizeInGiB": 30},
        "containerDefinitions": [{
            "name": "app", "image": "nginx", "essential": true, "memory": 256,
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{family}/db")}]
        }]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_estate_is_every_service_with_its_revision_and_tasks() {
    let Some(moto) = Moto::start() else { return };
    let web = register(&moto, &web_task_definition("web", "webExec"));
    create_service(&moto, "prod", "web", &web);
    let tasks = run_service_tasks(&moto, "prod", "web", &web, 2);
    // Not the service's: a one-off task of the same family.
    moto.ecs(
        "RunTask",
        &json!({"cluster": "prod", "taskDefinition": web, "launchType": "FARGATE", "networkConfiguration": network(&moto)}),
    );
    let plain = register(
        &moto,
        &json!({"family": "plain", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128}]}),
    );
    for i in 0..11 {
        create_service(&moto, "prod", &format!("worker-{i:02}"), &plain);
    }
    create_service(&moto, "staging", "api", &plain);

    let proxy = FaultProxy::start(moto.port).await;
    proxy.arm(Some(Injection {
        operation: "ecs:DescribeServices".into(),
        occurrence: 1,
        fault: Fault::Throttling,
        lifetime: Lifetime::FirstAttempt,
    }));
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&proxy.endpoint)
        .credentials_provider(aws_sdk_ecs::config::Credentials::new("testing", "testing", None, None, "e2e"))
        .load()
        .await;
    let aws = ecs_secrets::aws::Aws::from_config(&config).expect("Aws handle");
    let seen = std::sync::Mutex::new(Vec::new());
    let estate =
        aws.estate(&[], &|p| seen.lock().expect("progress").push((p.phase, p.done, p.total))).await.expect("estate");
    assert!(proxy.fired(), "the first DescribeServices was throttled");

    let mut clusters = estate.clusters.clone();
    clusters.sort();
    assert_eq!(clusters, ["prod", "staging"], "every cluster of the region");
    assert_eq!(estate.services.len(), 13);
    let web_service = estate.service("prod", "web").expect("web");
    assert_eq!(web_service.task_definition_arn(), Some(web.as_str()));
    assert_eq!(web_service.execution_role_arn(), Some(format!("arn:aws:iam::{ACCOUNT}:role/webExec").as_str()));
    let td = web_service.task_definition.as_ref().expect("web's revision");
    assert_eq!(td.extra.get("ephemeralStorage"), Some(&json!({"sizeInGiB": 30})), "raw JSON: nothing dropped");
    assert!(!td.extra.contains_key("revision"), "read-only fields are stripped");
    let mut task_arns: Vec<&str> = web_service.described.tasks.iter().map(|t| t.task_arn.as_str()).collect();
    task_arns.sort_unstable();
    let mut expected: Vec<&str> = tasks.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(task_arns, expected, "only the service's tasks, not the family's one-off");
    assert!(web_service.described.tasks.iter().all(|t| t.task_definition_arn.as_deref() == Some(web.as_str())));
    assert!(estate.service("staging", "api").is_some_and(|s| s.described.tasks.is_empty() && s.problems.is_empty()));

    // Calls: ListClusters 1, ListServices 2, DescribeServices 2 + 1 (ten
    // per call), DescribeTaskDefinition 2 (one per distinct revision),
    // ListTasks 2 and DescribeTasks 1 (prod has tasks, staging none).
    let calls = proxy.calls();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(count("ecs:ListClusters"), 1, "{calls:?}");
    assert_eq!(count("ecs:ListServices"), 2, "{calls:?}");
    assert_eq!(count("ecs:DescribeServices"), 3, "{calls:?}");
    assert_eq!(count("ecs:DescribeTaskDefinition"), 2, "{calls:?}");
    assert_eq!(count("ecs:ListTasks"), 2, "{calls:?}");
    assert_eq!(count("ecs:DescribeTasks"), 1, "{calls:?}");
    assert_eq!(aws.calls().reads, 11, "every call is counted once (a retry is not a new call)");
    assert_eq!(aws.calls().writes, 0, "read-only");
    let seen = seen.into_inner().expect("progress");
    assert!(
        seen.iter()
            .any(|&(phase, done, total)| phase == ecs_secrets::aws::EstatePhase::Services && done == 3 && total == 3),
        "{seen:?}"
    );

    // A named cluster that does not exist is reported, not an error.
    let estate = aws.estate(&["staging".into(), "nope".into()], &|_| {}).await.expect("estate");
    assert_eq!(estate.missing_clusters, ["nope"]);
    assert_eq!(estate.services.iter().map(|s| s.described.service.as_str()).collect::<Vec<_>>(), ["api"]);

    // One service's tasks, as watch and rotate read them.
    let tasks = aws.service_tasks("prod", "web").await.expect("service tasks");
    assert_eq!(tasks.len(), 2);
}
