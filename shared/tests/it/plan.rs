//! The pure planner: desired bundle + observed state → steps. Each case
//! starts from the fixture bundle and an observed world, changes one thing,
//! and states the expected step ids and problem codes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use shared::bundle::Bundle;
use shared::observed::{
    AttachedPolicy, CallerIdentity, Observed, ObservedDeployment, ObservedKey, ObservedParameter, ObservedRole,
    ObservedSecret, ObservedService, ObservedTaskDefinition,
};
use shared::plan::{Plan, Step, StepAction, plan};
use shared::test_data;

const ACCOUNT: &str = "123456789012";
const KEY: &str = test_data::FULL_BUNDLE_KEY;
const SECRET_ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbCdEf";
const MANAGED: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

fn bundle() -> Bundle {
    Bundle::parse(&test_data::full_bundle(KEY)).unwrap()
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
        ..Observed::default()
    }
}

fn key_arn() -> String {
    format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY}")
}

/// The key policy AWS gives a key created without one: IAM policies decide.
fn observed_key(policy: Option<Value>) -> ObservedKey {
    ObservedKey { arn: key_arn(), key_manager: Some("CUSTOMER".into()), key_state: Some("Enabled".into()), policy }
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
            ..ObservedDeployment::default()
        }],
        ..ObservedService::default()
    }
}

/// The world after a successful apply of the fixture: feeding the plan's
/// own outputs back in, the way AWS would report them.
fn applied_world() -> Observed {
    applied_world_with(SECRET_ARN)
}

/// [`applied_world`] where CreateSecret returned `secret_arn` (AWS chose its
/// random suffix).
fn applied_world_with(secret_arn: &str) -> Observed {
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
                last_changed: None,
                ..ObservedParameter::default()
            }),
        );
    }
    world.secrets.insert(
        "web/api".into(),
        Some(ObservedSecret {
            name: "web/api".into(),
            arn: secret_arn.into(),
            kms_key_id: Some(KEY.into()),
            last_changed: None,
        }),
    );
    world.kms_keys.insert(KEY.into(), observed_key(Some(test_data::default_key_policy())));
    world.secret_policies.insert(SECRET_ARN.into(), None);
    let policy = step_action(&first, "put-role-policy:webExec/ecs-secrets-web");
    let StepAction::PutRolePolicy { policy, .. } = policy else { panic!() };
    // Apply swaps the created secret's real ARN into the policy.
    let policy: Value = serde_json::from_str(
        &policy.to_string().replace("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-??????", secret_arn),
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
            .replace("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api\"", &format!("{secret_arn}\"")),
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

#[test]
fn a_fresh_account_gets_everything() {
    let plan = check(&bundle(), &empty_world(), &all_values(), &test_data::FULL_BUNDLE_FIRST_APPLY, &[]);
    assert_eq!(plan.writes, 8);
    assert!(!plan.is_blocked());
    assert_eq!(plan.task_definition["executionRoleArn"], "arn:aws:iam::123456789012:role/webExec");
    // What the UI forgets the values of once the steps ran.
    let created: Vec<&str> = plan.steps.iter().filter_map(|s| Step::created_secret(&s.id)).collect();
    assert_eq!(created, ["/web/db", "web/api", "/web/splunk"]);
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
fn reapply_is_zero_writes_when_the_secret_suffix_aws_returned_is_all_lower_case() {
    // About 1 in 64 moto (1 in 180 AWS) suffixes look like the end of a
    // name. The ARN came from AWS, so it is full: one exact grant, no
    // `web/api-abcdef-??????` for a secret that does not exist.
    let lower = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-abcdef";
    let world = applied_world_with(lower);
    let plan = check(&bundle(), &world, &BTreeSet::new(), &[], &[]);
    assert_eq!(plan.writes, 0);
    assert!(!serde_json::to_string(&plan).unwrap().contains("??????"), "{plan:#?}");
    assert!(plan.task_definition.to_string().contains(lower));
}

#[test]
fn missing_values_block_and_name_the_secret() {
    let values: BTreeSet<String> = ["/web/db".to_owned()].into();
    // Everything but creating the two secrets that have no value.
    let steps: Vec<&str> = test_data::FULL_BUNDLE_FIRST_APPLY
        .into_iter()
        .filter(|id| !["create-secret:web/api", "create-parameter:/web/splunk"].contains(id))
        .collect();
    let plan = check(&bundle(), &empty_world(), &values, &steps, &["EP006", "EP006"]);
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
    let denied: Vec<&str> = plan
        .preflight
        .problems()
        .filter(|r| r.status == shared::iam::access::VerdictStatus::Denied)
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        denied,
        [
            "/containerDefinitions/0/secrets/0/valueFrom",
            "/containerDefinitions/0/logConfiguration/secretOptions/0/valueFrom"
        ]
    );
}

/// The codes of `plan`'s problems and diagnostics (pre-flight denials as `EP040`).
fn codes_of(bundle: &Bundle, world: &Observed, values: &BTreeSet<String>) -> BTreeSet<String> {
    plan(bundle, world, values).diagnostics().into_iter().map(|d| d.code).collect()
}

/// One case per plan code not covered above: each changes one thing and the
/// code must be among what the plan reports.
#[test]
fn every_plan_code_has_its_case() {
    let assert_has = |code: &str, codes: BTreeSet<String>| assert!(codes.contains(code), "{code} missing: {codes:?}");

    let mut world = applied_world();
    if let Some(Some(splunk)) = world.parameters.get_mut("/web/splunk") {
        splunk.parameter_type = "String".into();
    }
    assert_has("EP004", codes_of(&bundle(), &world, &all_values()));

    let mut no_create = bundle();
    no_create.secrets[2].create = false;
    assert_has("EP005", codes_of(&no_create, &empty_world(), &all_values()));

    let mut missing_ref = bundle();
    missing_ref.task_definition.container_definitions[0].secrets.as_mut().unwrap()[0].value_from = None;
    assert_has("EP010", codes_of(&missing_ref, &empty_world(), &all_values()));

    let mut alias = bundle();
    alias.secrets[0].kms_key_id = Some("alias/web".into());
    assert_has("EP011", codes_of(&alias, &empty_world(), &all_values()));

    let mut unlisted = bundle();
    let secrets = unlisted.task_definition.container_definitions[0].secrets.as_mut().unwrap();
    secrets.push(serde_json::from_value(json!({"name": "EXTRA", "valueFrom": "/web/extra"})).unwrap());
    let mut world = empty_world();
    world.parameters.insert("/web/extra".into(), None);
    assert_has("EP012", codes_of(&unlisted, &world, &all_values()));

    let mut selector = bundle();
    let secrets = selector.task_definition.container_definitions[0].secrets.as_mut().unwrap();
    secrets.push(serde_json::from_value(json!({"name": "PINNED", "valueFrom": "/web/db:3"})).unwrap());
    assert_has("EP013", codes_of(&selector, &empty_world(), &all_values()));

    let mut world = applied_world();
    world.role.as_mut().unwrap().inline_policies.insert("broken".into(), json!({"Statement": "not a list"}));
    assert_has("EP014", codes_of(&bundle(), &world, &BTreeSet::new()));

    let mut no_role = bundle();
    no_role.execution_role.create = false;
    assert_has("EP021", codes_of(&no_role, &empty_world(), &all_values()));

    let mut world = applied_world();
    world.role.as_mut().unwrap().inline_policies.insert(
        "guardrail".into(),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ssm:*", "Resource": "*"}]}),
    );
    assert_has("EP040", codes_of(&bundle(), &world, &BTreeSet::new()));
}

#[test]
fn the_key_policy_decides_kms_decrypt_in_the_preflight() {
    use shared::iam::access::VerdictStatus;
    let statuses = |plan: &Plan| -> Vec<VerdictStatus> { plan.preflight.references.iter().map(|r| r.status).collect() };
    // The default key policy delegates to the account: the generated
    // identity policy is enough.
    let plan = check(&bundle(), &applied_world(), &BTreeSet::new(), &[], &[]);
    assert!(plan.preflight.all_allowed(), "{:#?}", plan.preflight);

    // Key policy not known: the references encrypted with it depend on it.
    let mut world = applied_world();
    world.kms_keys.clear();
    let plan = check(&bundle(), &world, &BTreeSet::new(), &[], &[]);
    assert!(statuses(&plan).contains(&VerdictStatus::DependsOnKeyPolicy), "{:#?}", plan.preflight);
    assert!(!plan.preflight.all_allowed() && !plan.is_blocked());
    assert!(plan.diagnostics().iter().any(|d| d.code == "EP041" && d.message.contains("depends on the key policy")));

    // A key policy that only names an administrator denies the role.
    let mut world = applied_world();
    world.kms_keys.insert(
        KEY.into(),
        observed_key(Some(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/admin")}, "Action": "kms:*", "Resource": "*"}]}))),
    );
    let plan = check(&bundle(), &world, &BTreeSet::new(), &[], &[]);
    assert!(plan.is_blocked());
    assert!(
        plan.diagnostics().iter().any(|d| d.code == "EP040" && d.message.contains("key policy")),
        "{:#?}",
        plan.diagnostics()
    );

    // A key policy the caller may not read: unverified, with the permission to ask for.
    let mut world = applied_world();
    world.kms_keys.insert(KEY.into(), observed_key(None));
    world.unreadable.insert(
        key_arn(),
        format!(
            "could not read the key policy of {} (AccessDenied); kms:GetKeyPolicy on it would let the check verify it",
            key_arn()
        ),
    );
    let plan = check(&bundle(), &world, &BTreeSet::new(), &[], &[]);
    assert!(statuses(&plan).contains(&VerdictStatus::Unverified), "{:#?}", plan.preflight);
    assert!(!plan.is_blocked(), "everything else is still planned");
    assert!(plan.diagnostics().iter().any(|d| d.code == "EP041" && d.message.contains("kms:GetKeyPolicy")));
}

#[test]
fn an_alias_resolved_by_observe_is_granted_on_its_key() {
    let mut desired = bundle();
    for spec in &mut desired.secrets {
        spec.kms_key_id = Some("alias/web".into());
    }
    let mut world = empty_world();
    world.kms_keys.insert("alias/web".into(), observed_key(Some(test_data::default_key_policy())));
    let plan = plan(&desired, &world, &all_values());
    assert!(!plan.problems.iter().any(|p| p.code == "EP011"), "{:#?}", plan.problems);
    let StepAction::PutRolePolicy { policy, .. } = step_action(&plan, "put-role-policy:webExec/ecs-secrets-web") else {
        panic!()
    };
    assert!(policy.to_string().contains(&key_arn()), "{policy}");
}

#[test]
fn a_step_action_needs_its_json_documents() {
    for (action, field) in [
        (json!({"type": "createRole", "roleName": "r"}), "trustPolicy"),
        (json!({"type": "updateTrustPolicy", "roleName": "r"}), "trustPolicy"),
        (json!({"type": "putRolePolicy", "roleName": "r", "policyName": "p"}), "policy"),
        (json!({"type": "registerTaskDefinition", "family": "f"}), "taskDefinition"),
    ] {
        let error = serde_json::from_value::<StepAction>(action).unwrap_err();
        assert!(error.to_string().contains(&format!("missing field `{field}`")), "{error}");
    }
    let update: StepAction = serde_json::from_value(
        json!({"type": "updateService", "cluster": "c", "service": "s", "forceNewDeployment": true}),
    )
    .unwrap();
    assert_eq!(
        update,
        StepAction::UpdateService {
            cluster: "c".into(),
            service: "s".into(),
            force_new_deployment: true,
            task_definition: None
        }
    );
}
