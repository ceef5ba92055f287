//! The execution-role policy generator on every task-definition fixture:
//! the lint fixtures (`tests/fixtures/lint/*.json`, options from their
//! `.context.json`) and the generator's own (`tests/fixtures/generate/*.json`,
//! options from `.options.json`, with KMS keys and ECR/awslogs overrides).
//!
//! For each one the generated policy is evaluated with the IAM evaluator: it
//! must allow every needed (action, resource) and deny an unrelated secret
//! or parameter in the same account, a sibling `NAME-other-AbCdEf` and, for
//! keys, an unrelated key. The policies themselves are snapshots.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use shared::iam::eval::{EvalRequest, evaluate};
use shared::iam::generate::{
    GenerateOptions, NO_INLINE_POLICY_NEEDED, NoteLevel, Requirement, is_ecr_image, managed_policy_recommendation,
    permission_policy, task_requirements, trust_policy,
};
use shared::iam::policy::{PolicyDocument, ResourceBlock};
use shared::{Location, TaskDefinition, import};

struct Case {
    name: String,
    td: TaskDefinition,
    opts: GenerateOptions,
}

/// The task definitions of a fixture area, without their sidecars.
fn fixtures(area: &str) -> Vec<PathBuf> {
    let mut files = crate::fixture_files(area, ".json");
    files.retain(|p| {
        let name = p.file_name().expect("name").to_string_lossy();
        !name.ends_with(".context.json") && !name.ends_with(".options.json")
    });
    files
}

fn sidecar(path: &Path, suffix: &str) -> Option<Value> {
    let file = path.with_extension(suffix);
    fs::read_to_string(file).ok().map(|text| serde_json::from_str(&text).expect("sidecar JSON"))
}

/// Every fixture that imports as a task definition (some lint fixtures are
/// deliberately broken documents; those have nothing to generate from).
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for path in fixtures("lint") {
        let Ok(imported) = import(&fs::read_to_string(&path).expect("fixture")) else { continue };
        let context = sidecar(&path, "context.json").unwrap_or_else(|| json!({}));
        let opts = GenerateOptions {
            location: Location::new(
                context["region"].as_str().map(|r| r.parse().expect("a region")),
                context["accountId"].as_str().map(|a| a.parse().expect("an account id")),
            ),
            ..GenerateOptions::default()
        };
        let name = format!("lint__{}", path.file_stem().expect("stem").to_string_lossy());
        cases.push(Case { name, td: imported.task_definition, opts });
    }
    for path in fixtures("generate") {
        let imported = import(&fs::read_to_string(&path).expect("fixture")).expect("generate fixtures import");
        let opts = sidecar(&path, "options.json")
            .map(|v| serde_json::from_value(v).expect("GenerateOptions"))
            .unwrap_or_default();
        let name = format!("generate__{}", path.file_stem().expect("stem").to_string_lossy());
        cases.push(Case { name, td: imported.task_definition, opts });
    }
    cases
}

/// Whether the generated identity policy allows the request. A KMS key is
/// given the default key policy of its account (it delegates to the
/// account's identity policies) and the caller is a role of that account,
/// so the identity policy is what is tested.
fn allowed(policy: &PolicyDocument, action: &str, resource: &str) -> bool {
    let key_policy = resource.split(':').nth(2).filter(|service| *service == "kms").map(|_| {
        let account = resource.split(':').nth(4).unwrap_or_default();
        let partition = resource.split(':').nth(1).unwrap_or_default();
        PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"}]}))
        .expect("the default key policy")
    });
    let mut request = EvalRequest::new(action, resource);
    if key_policy.is_some() {
        let account = resource.split(':').nth(4).unwrap_or_default();
        let partition = resource.split(':').nth(1).unwrap_or_default();
        request = request.with_principal(format!("arn:{partition}:iam::{account}:role/exec"));
    }
    evaluate(&request, std::slice::from_ref(policy), key_policy.as_ref()).is_allowed()
}

/// ARNs that look like a needed one but must not be granted.
fn lookalikes(requirement: &Requirement) -> Vec<String> {
    let probe = &requirement.probes[requirement.probes.len() - 1];
    let Some((prefix, resource)) = probe.rsplit_once(':').filter(|_| !probe.contains(":parameter/")) else {
        // SSM: arn:…:parameter/NAME
        let (base, name) = probe.split_once(":parameter/").expect("an SSM parameter ARN");
        return vec![
            format!("{base}:parameter/unrelated/other"),
            format!("{base}:parameter/{name}-other"),
            format!("{base}:parameter/{name}/child"),
            format!("{base}:parameter/{name}x"),
        ];
    };
    if requirement.action == "kms:Decrypt" {
        return vec![format!("{prefix}:key/00000000-0000-0000-0000-000000000000")];
    }
    // Secrets Manager: arn:…:secret:NAME-XXXXXX (the probe always carries a suffix).
    let name = resource.rsplit_once('-').map_or(resource, |(name, _)| name);
    vec![
        format!("{prefix}:unrelated/other-ZyXwVu"),
        format!("{prefix}:{name}-other-AbCdEf"),
        format!("{prefix}:{name}x-AbCdEf"),
    ]
}

#[test]
fn generated_policies_allow_exactly_what_each_fixture_needs() {
    let cases = cases();
    assert!(cases.len() >= 30, "expected the lint and generate fixtures, found {}", cases.len());
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    for case in &cases {
        let generated = permission_policy(&case.td, &case.opts);
        let policy = &generated.policy;
        let needs = task_requirements(&case.td, &case.opts.context(), &case.opts.kms_keys);
        let needed: BTreeSet<(String, String)> =
            needs.requirements.iter().flat_map(|r| r.probes.iter().map(|p| (r.action.clone(), p.clone()))).collect();
        for statement in &policy.statements {
            let Some(ResourceBlock::Resource(resources)) = &statement.resource else {
                failures.push(format!("{}: a statement without Resource", case.name));
                continue;
            };
            let list: Vec<&str> = resources.iter().collect();
            if list.iter().any(|r| r.contains('*')) {
                failures.push(format!("{}: a resource with `*`: {list:?}", case.name));
            }
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted != list {
                failures.push(format!("{}: resources not sorted and unique: {list:?}", case.name));
            }
        }
        for requirement in &needs.requirements {
            for probe in &requirement.probes {
                if !allowed(policy, &requirement.action, probe) {
                    failures.push(format!("{}: {} on {probe} is not allowed", case.name, requirement.action));
                }
            }
            for other in lookalikes(requirement) {
                if !needed.contains(&(requirement.action.clone(), other.clone()))
                    && allowed(policy, &requirement.action, &other)
                {
                    failures
                        .push(format!("{}: {} on the look-alike {other} is allowed", case.name, requirement.action));
                }
            }
        }
        if generated.is_empty() != needs.requirements.is_empty() {
            failures.push(format!("{}: empty policy but requirements, or the reverse", case.name));
        }
        let recommendation = managed_policy_recommendation(&case.td, &case.opts);
        snapshots.push((
            case.name.clone(),
            json!({ "policy": policy, "notes": generated.notes, "managedPolicy": recommendation }),
        ));
    }
    // Semantics first, so a broken generator reports what it allows, not
    // just a changed snapshot.
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (name, snapshot) in snapshots {
        insta::with_settings!({ snapshot_path => "snapshots/generate", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(name.as_str(), snapshot);
        });
    }
}

#[test]
fn generation_is_deterministic_whatever_the_container_order() {
    for case in cases() {
        let once = permission_policy(&case.td, &case.opts);
        let mut reversed = case.td.clone();
        reversed.container_definitions.reverse();
        let again = permission_policy(&reversed, &case.opts);
        assert_eq!(once.policy, again.policy, "{}", case.name);
        assert_eq!(once.policy.to_pretty_json(), permission_policy(&case.td, &case.opts).policy.to_pretty_json());
    }
}

#[test]
fn the_trust_policy_lets_ecs_tasks_assume_the_role() {
    assert_eq!(
        serde_json::to_value(trust_policy()).expect("json"),
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "ecs-tasks.amazonaws.com" },
                "Action": ["sts:AssumeRole"]
            }]
        })
    );
    let request = EvalRequest::new("sts:AssumeRole", "arn:aws:iam::123456789012:role/exec")
        .with_principal("ecs-tasks.amazonaws.com");
    assert!(evaluate(&request, &[], Some(&trust_policy())).is_allowed());
}

fn td(value: Value) -> TaskDefinition {
    serde_json::from_value(value).expect("task definition")
}

#[test]
fn no_references_means_no_inline_policy() {
    let generated = permission_policy(
        &td(json!({"containerDefinitions": [{"name": "a", "image": "nginx"}]})),
        &GenerateOptions::default(),
    );
    assert!(generated.is_empty());
    assert!(!generated.nothing_grantable());
    assert!(generated.notes.iter().any(|n| n.message == NO_INLINE_POLICY_NEEDED));
}

#[test]
fn a_bare_name_without_region_is_skipped_with_a_warning_never_a_wildcard() {
    let generated = permission_policy(
        &td(json!({"containerDefinitions": [{"name": "a", "secrets": [{"name": "X", "valueFrom": "/app/x"}]}]})),
        &GenerateOptions {
            location: Location::new(None, Some("123456789012".parse().unwrap())),
            ..GenerateOptions::default()
        },
    );
    assert!(generated.is_empty());
    assert!(generated.nothing_grantable(), "an empty policy is never offered for secrets");
    let warnings: Vec<_> = generated.warnings().filter(|n| n.path.is_some()).collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].level, NoteLevel::Warning);
    assert_eq!(warnings[0].path.as_deref(), Some("/containerDefinitions/0/secrets/0/valueFrom"));
    assert!(warnings[0].message.contains("--region"), "{}", warnings[0].message);
}

#[test]
fn the_managed_policy_is_recommended_only_for_ecr_or_awslogs() {
    let plain = td(json!({"containerDefinitions": [{"name": "a", "image": "nginx"}]}));
    assert_eq!(managed_policy_recommendation(&plain, &GenerateOptions::default()), None);
    let forced = GenerateOptions { images_from_ecr: Some(true), ..GenerateOptions::default() };
    assert!(managed_policy_recommendation(&plain, &forced).is_some());
    let ecr = td(json!({"containerDefinitions": [
        {"name": "web", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"},
        {"name": "log", "image": "fluent/fluent-bit", "logConfiguration": {"logDriver": "awslogs"}}
    ]}));
    let recommendation = managed_policy_recommendation(&ecr, &GenerateOptions::default()).expect("recommended");
    assert_eq!(recommendation.policy_arn, "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy");
    assert_eq!(recommendation.reasons.len(), 2);
    assert!(recommendation.reasons[0].contains("web") && recommendation.reasons[1].contains("log"));
    assert!(recommendation.note.contains("no access to secrets"));
    let denied =
        GenerateOptions { images_from_ecr: Some(false), uses_awslogs: Some(false), ..GenerateOptions::default() };
    assert_eq!(managed_policy_recommendation(&ecr, &denied), None);
}

#[test]
fn ecr_image_names() {
    for (image, expected) in [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", true),
        ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app@sha256:abc", true),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app", true),
        ("public.ecr.aws/docker/library/nginx:latest", false),
        ("nginx", false),
        ("12345.dkr.ecr.us-east-1.amazonaws.com/app", false),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", false),
    ] {
        assert_eq!(is_ecr_image(image), expected, "{image}");
    }
}

#[test]
fn wildcards_and_policy_variables_in_a_reference_are_never_copied_into_the_policy() {
    let generated = permission_policy(
        &td(json!({"containerDefinitions": [{"name": "a", "secrets": [
            {"name": "ALL", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*"},
            {"name": "ONE", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db?"},
            {"name": "VAR", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/${aws:username}/pw"}
        ]}]})),
        &GenerateOptions::default(),
    );
    assert!(generated.is_empty(), "{}", generated.policy.to_pretty_json());
    assert!(generated.nothing_grantable());
    assert_eq!(generated.warnings().filter(|n| n.path.is_some()).count(), 3);
}

#[test]
fn key_policy_and_cross_account_statements_name_the_role() {
    use shared::iam::generate::{ResourceSide, resource_side_statements};
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-22bb-33cc-44dd-555555eeeeee";
    let remote = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:shared/db-Ab12Cd";
    let role = "arn:aws:iam::123456789012:role/app-execution";
    let td: shared::TaskDefinition = serde_json::from_value(json!({
        "family": "app", "executionRoleArn": role,
        "containerDefinitions": [{"name": "app", "image": "nginx", "secrets": [
            {"name": "LOCAL", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:local/db-Xy12Zq"},
            {"name": "REMOTE", "valueFrom": remote}]}]
    }))
    .expect("task definition");
    let opts = GenerateOptions {
        location: Location::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap())),
        kms_keys: std::collections::BTreeMap::from([(
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:local/db-Xy12Zq".to_owned(),
            key.to_owned(),
        )]),
        ..GenerateOptions::default()
    };
    let statements = resource_side_statements(&td, &opts, role);
    let summary: Vec<(ResourceSide, &str)> = statements.iter().map(|s| (s.policy, s.resource.as_str())).collect();
    assert_eq!(summary, [(ResourceSide::KeyPolicy, key), (ResourceSide::ResourcePolicy, remote)]);
    for statement in &statements {
        let value = serde_json::to_value(&statement.statement).expect("json");
        assert_eq!(value["Principal"], json!({"AWS": [role]}));
        assert_eq!(value["Resource"], json!(["*"]));
    }
    // The key-policy statement makes the role's decrypt allowed by the key
    // policy itself, so the identity policy is no longer the only gate.
    let key_policy = PolicyDocument::new(vec![statements[0].statement.clone()]);
    let request = EvalRequest::new("kms:Decrypt", key).with_principal(role);
    assert!(evaluate(&request, &[], Some(&key_policy)).is_allowed());
}

#[test]
fn the_placeholder_role_of_a_key_policy_statement_is_in_the_regions_partition() {
    use shared::iam::generate::key_policy_statements;
    let key = "arn:aws-cn:kms:cn-north-1:123456789012:key/1111aaaa-22bb-33cc-44dd-555555eeeeee";
    let reference = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:local/db-Xy12Zq";
    let td: shared::TaskDefinition = serde_json::from_value(json!({
        "family": "app",
        "containerDefinitions": [{"name": "app", "image": "nginx", "secrets": [{"name": "DB", "valueFrom": reference}]}]
    }))
    .expect("task definition");
    let principal = |region: &str, account: Option<&str>| {
        let opts = GenerateOptions {
            location: Location::new(Some(region.parse().unwrap()), account.map(|a| a.parse().unwrap())),
            kms_keys: std::collections::BTreeMap::from([(reference.to_owned(), key.to_owned())]),
            ..GenerateOptions::default()
        };
        let statements = key_policy_statements(&td, &opts);
        assert_eq!(statements.len(), 1);
        serde_json::to_value(&statements[0].statement).expect("json")["Principal"].clone()
    };
    assert_eq!(
        principal("cn-north-1", Some("123456789012")),
        json!({"AWS": ["arn:aws-cn:iam::123456789012:role/EXECUTION-ROLE"]})
    );
    assert_eq!(principal("cn-north-1", None), json!({"AWS": ["arn:aws-cn:iam::ACCOUNT:role/EXECUTION-ROLE"]}));
}
