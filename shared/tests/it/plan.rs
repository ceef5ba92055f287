//! The pure planner: desired bundle + observed state → steps. Each case
//! starts from the fixture bundle and an observed world, changes one thing,
//! and states the expected step ids and problem codes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use shared::bundle::Bundle;
use shared::observed::{
    AttachedPolicy, CallerIdentity, Observed, ObservedDeployment, ObservedParameter, ObservedRole, ObservedSecret,
    ObservedService, ObservedTaskDefinition,
};
use shared::plan::{Plan, StepAction, plan};

const ACCOUNT: &str = "123456789012";
const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET_ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbCdEf";
const MANAGED: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

fn bundle() -> Bundle {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/plan/bundle.json")).unwrap();
    Bundle::parse(&text).unwrap()
}

fn all_values() -> BTreeSet<String> {
    ["/web/db", "web/api", "/web/splunk"].map(String::from).into()
}

/// Nothing exists yet but the service.
fn empty_world() -> Observed {
    Observed {
        caller: CallerIdentity { account: ACCOUNT.into(), arn: format!("arn:aws:iam::{ACCOUNT}:user/dev") },
        region: "eu-west-1".into(),
        parameters: BTreeMap::from([("/web/db".into(), None), ("/web/splunk".into(), None)]),
        secrets: BTreeMap::from([("web/api".into(), None)]),
        role: None,
        task_definition: None,
        services: vec![service("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1")],
    }
}

fn service(td: &str) -> ObservedService {
    ObservedService {
        cluster: "prod".into(),
        service: "web".into(),
        found: true,
        status: Some("ACTIVE".into()),
        task_definition: Some(td.into()),
        desired_count: 1,
        running_count: 1,
        pending_count: 0,
        deployments: vec![ObservedDeployment {
            status: "PRIMARY".into(),
            task_definition: Some(td.into()),
            desired_count: 1,
            running_count: 1,
            pending_count: 0,
            rollout_state: Some("COMPLETED".into()),
        }],
    }
}

/// The world after a successful apply of the fixture: feeding the plan's
/// own outputs back in, the way AWS would report them.
fn applied_world() -> Observed {
    let first = plan(&bundle(), &empty_world(), &all_values());
    let mut world = empty_world();
    for name in ["/web/db", "/web/splunk"] {
        world.parameters.insert(
            name.into(),
            Some(ObservedParameter {
                name: name.into(),
                arn: None,
                parameter_type: "SecureString".into(),
                kms_key_id: (name == "/web/db").then(|| KEY.to_owned()),
            }),
        );
    }
    world.secrets.insert(
        "web/api".into(),
        Some(ObservedSecret { name: "web/api".into(), arn: SECRET_ARN.into(), kms_key_id: Some(KEY.into()) }),
    );
    let policy = step_action(&first, "put-role-policy:webExec/ecs-secrets-web");
    let StepAction::PutRolePolicy { policy, .. } = policy else { panic!() };
    // Apply swaps the created secret's real ARN into the policy.
    let policy: Value = serde_json::from_str(
        &policy.to_string().replace("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-??????", SECRET_ARN),
    )
    .unwrap();
    world.role = Some(ObservedRole {
        name: "webExec".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/webExec"),
        trust_policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        inline_policies: BTreeMap::from([("ecs-secrets-web".into(), policy)]),
        attached_policies: vec![AttachedPolicy {
            arn: MANAGED.into(),
            name: "AmazonECSTaskExecutionRolePolicy".into(),
            document: None,
        }],
    });
    // What DescribeTaskDefinition returns for the registered revision.
    let StepAction::RegisterTaskDefinition { task_definition, .. } =
        step_action(&first, "register-task-definition:web")
    else {
        panic!()
    };
    let mut described: Value = serde_json::from_str(
        &task_definition
            .to_string()
            .replace("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api\"", &format!("{SECRET_ARN}\"")),
    )
    .unwrap();
    let obj = described.as_object_mut().unwrap();
    obj.insert("taskDefinitionArn".into(), json!("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"));
    obj.insert("revision".into(), json!(2));
    obj.insert("status".into(), json!("ACTIVE"));
    obj.insert("cpu".into(), json!("256"));
    obj.insert("volumes".into(), json!([]));
    let container = &mut obj.get_mut("containerDefinitions").unwrap()[0];
    container["mountPoints"] = json!([]);
    container["cpu"] = json!(0);
    container["portMappings"][0]["hostPort"] = json!(8080);
    container["portMappings"][0]["protocol"] = json!("tcp");
    world.task_definition = Some(ObservedTaskDefinition {
        arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2".into(),
        revision: 2,
        task_definition: described,
    });
    world.services = vec![service("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2")];
    world
}

fn step_action(plan: &Plan, id: &str) -> StepAction {
    plan.steps.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no step {id}: {plan:#?}")).action.clone()
}

/// The one assertion helper: step ids, problem codes, write count.
fn check(bundle: &Bundle, world: &Observed, values: &BTreeSet<String>, steps: &[&str], codes: &[&str]) -> Plan {
    let plan = plan(bundle, world, values);
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, steps, "{:#?}", plan.problems);
    let got: Vec<&str> = plan.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(got, codes, "{:#?}", plan.problems);
    assert_eq!(plan.writes, plan.steps.iter().map(|s| s.writes).sum::<u32>());
    plan
}

const EVERYTHING: [&str; 9] = [
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

#[test]
fn a_fresh_account_gets_everything() {
    let plan = check(&bundle(), &empty_world(), &all_values(), &EVERYTHING, &[]);
    assert_eq!(plan.writes, 8);
    assert!(!plan.is_blocked());
    assert_eq!(plan.task_definition["executionRoleArn"], "arn:aws:iam::123456789012:role/webExec");
}

#[test]
fn reapplying_an_applied_bundle_is_a_no_op() {
    let plan = check(&bundle(), &applied_world(), &BTreeSet::new(), &[], &[]);
    assert_eq!(plan.writes, 0);
    assert_eq!(plan.current_revision.as_deref(), Some("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"));
    // The partial ARN in the bundle is registered as the full one.
    assert_eq!(plan.task_definition["containerDefinitions"][0]["secrets"][1]["valueFrom"], SECRET_ARN);
}

#[test]
fn missing_values_block_and_name_the_secret() {
    let values: BTreeSet<String> = ["/web/db".to_owned()].into();
    let plan = check(
        &bundle(),
        &empty_world(),
        &values,
        &[
            "create-parameter:/web/db",
            "create-role:webExec",
            "put-role-policy:webExec/ecs-secrets-web",
            "attach-managed-policy:webExec",
            "register-task-definition:web",
            "update-service:prod/web",
            "wait-services-stable:prod",
        ],
        &["EP006", "EP006"],
    );
    assert!(plan.is_blocked());
    assert_eq!(plan.problems[0].path, "/secrets/1");
}

#[test]
fn existing_values_are_never_overwritten() {
    check(&bundle(), &applied_world(), &all_values(), &[], &["EP003", "EP003", "EP003"]);
}

#[test]
fn a_foreign_trust_policy_is_replaced() {
    let mut world = applied_world();
    world.role.as_mut().unwrap().trust_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    check(
        &bundle(),
        &world,
        &BTreeSet::new(),
        &["update-trust-policy:webExec", "update-service:prod/web", "wait-services-stable:prod"],
        &[],
    );
}

#[test]
fn a_role_permission_write_redeploys_only_when_forced() {
    // The tasks failed with AccessDenied; the inline policy was lost.
    let mut world = applied_world();
    world.role.as_mut().unwrap().inline_policies.clear();
    let plan = check(
        &bundle(),
        &world,
        &BTreeSet::new(),
        &["put-role-policy:webExec/ecs-secrets-web", "update-service:prod/web", "wait-services-stable:prod"],
        &[],
    );
    assert_eq!(plan.writes, 2);
    let StepAction::UpdateService { force_new_deployment, .. } = step_action(&plan, "update-service:prod/web") else {
        panic!()
    };
    assert!(force_new_deployment);
    let mut calm = bundle();
    calm.services[0].force_new_deployment = false;
    check(&calm, &world, &BTreeSet::new(), &["put-role-policy:webExec/ecs-secrets-web"], &[]);
    // Nothing to write: nothing redeployed.
    check(&bundle(), &applied_world(), &BTreeSet::new(), &[], &[]);
}

#[test]
fn a_service_left_on_an_old_revision_is_updated_without_registering() {
    // A previous apply registered web:2 and failed before UpdateService.
    let mut world = applied_world();
    world.services = vec![service("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1")];
    let plan =
        check(&bundle(), &world, &BTreeSet::new(), &["update-service:prod/web", "wait-services-stable:prod"], &[]);
    let StepAction::UpdateService { task_definition, .. } = step_action(&plan, "update-service:prod/web") else {
        panic!()
    };
    assert_eq!(task_definition.as_deref(), Some("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"));
}

#[test]
fn a_new_secret_value_redeploys_only_when_forced() {
    let mut world = applied_world();
    world.parameters.insert("/web/splunk".into(), None);
    let values: BTreeSet<String> = ["/web/splunk".to_owned()].into();
    check(
        &bundle(),
        &world,
        &values,
        &["create-parameter:/web/splunk", "update-service:prod/web", "wait-services-stable:prod"],
        &[],
    );
    let mut calm = bundle();
    calm.services[0].force_new_deployment = false;
    check(&calm, &world, &values, &["create-parameter:/web/splunk"], &[]);
}

#[test]
fn an_image_change_registers_and_redeploys() {
    let mut changed = bundle();
    changed.task_definition.container_definitions[0].image =
        Some("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:2".into());
    check(
        &changed,
        &applied_world(),
        &BTreeSet::new(),
        &["register-task-definition:web", "update-service:prod/web", "wait-services-stable:prod"],
        &[],
    );
}

#[test]
fn wrong_account_region_role_and_missing_service_are_errors() {
    let mut wrong = bundle();
    wrong.account_id = Some("999999999999".into());
    wrong.task_definition.execution_role_arn = Some("arn:aws:iam::123456789012:role/other".into());
    let mut world = applied_world();
    world.region = "us-east-1".into();
    world.services[0].found = false;
    let plan = plan(&wrong, &world, &BTreeSet::new());
    let codes: BTreeSet<&str> = plan.problems.iter().map(|p| p.code.as_str()).collect();
    for code in ["EP001", "EP002", "EP020", "EP030"] {
        assert!(codes.contains(code), "{code} missing: {:#?}", plan.problems);
    }
    assert!(plan.is_blocked());
}

#[test]
fn an_explicit_deny_fails_the_preflight() {
    let mut world = applied_world();
    world.role.as_mut().unwrap().inline_policies.insert(
        "guardrail".into(),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ssm:*", "Resource": "*"}]}),
    );
    let plan = check(&bundle(), &world, &BTreeSet::new(), &[], &[]);
    assert!(plan.is_blocked());
    let denied: Vec<&str> = plan.preflight.problems().map(|r| r.path.as_str()).collect();
    assert_eq!(
        denied,
        [
            "/containerDefinitions/0/secrets/0/valueFrom",
            "/containerDefinitions/0/logConfiguration/secretOptions/0/valueFrom"
        ]
    );
}
