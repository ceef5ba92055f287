//! The pre-deploy access check: task definition + the execution role's
//! policies → one verdict per secret reference, each denial with its fix.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::Location;
use shared::TaskDefinition;
use shared::iam::access::{AccessCheck, AccessReport, CheckContext, OpenKind, PolicyKind, VerdictStatus, check};
use shared::iam::eval::{DecisionKind, PolicySource};
use shared::iam::generate::{GenerateOptions, Purpose, permission_policy};
use shared::iam::policy::PolicyDocument;

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
const PARAM: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api_key";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-22bb-33cc-44dd-555555eeeeee";
const ROLE: &str = "arn:aws:iam::123456789012:role/app-execution";

fn td(secrets: &[(&str, &str)]) -> TaskDefinition {
    let secrets: Vec<Value> = secrets.iter().map(|(n, v)| json!({"name": n, "valueFrom": v})).collect();
    serde_json::from_value(json!({
        "family": "app",
        "executionRoleArn": ROLE,
        "containerDefinitions": [{"name": "app", "image": "nginx", "secrets": secrets}]
    }))
    .expect("task definition")
}

fn policy(value: Value) -> PolicyDocument {
    PolicyDocument::from_value(&value).expect("policy")
}

/// An identity policy allowing `secretsmanager:GetSecretValue` on `resource`.
fn allow_get_secret_value(resource: &str) -> PolicyDocument {
    policy(json!({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": resource}]}))
}

fn ctx() -> CheckContext {
    CheckContext {
        location: Location::new(Some("us-east-1".parse().unwrap()), Some("123456789012".parse().unwrap())),
        ..CheckContext::default()
    }
}

/// The checks of the only reference, in requirement order.
fn only_reference(report: &AccessReport) -> &[AccessCheck] {
    assert_eq!(report.references.len(), 1, "{report:#?}");
    &report.references[0].checks
}

#[test]
fn a_generated_policy_passes_the_check() {
    let task = td(&[
        ("DB", SECRET),
        ("API_KEY", PARAM),
        ("PARTIAL", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/partial"),
        ("BARE", "/prod/bare"),
        ("KEYED", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::"),
    ]);
    let generated = permission_policy(
        &task,
        &GenerateOptions {
            location: Location::new(Some("us-east-1".parse().unwrap()), Some("123456789012".parse().unwrap())),
            ..Default::default()
        },
    );
    let report = check(&task, &[generated.policy], &ctx());
    assert!(report.all_allowed(), "{report:#?}");
    let partial = &report.references[2].checks[0];
    assert!(partial.representative);
    assert_eq!(partial.evaluated_resource, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/partial-AbCdEf");
    assert_eq!(partial.resource, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/partial-??????");
    let deciding = &report.references[0].checks[0].deciding_statements;
    assert_eq!(deciding.len(), 1);
    assert_eq!(deciding[0].sid.as_deref(), Some("ReadSecretsManagerSecrets"));
    assert_eq!(deciding[0].policy, PolicySource::Identity { index: 0 });
}

#[test]
fn an_implicit_deny_comes_with_the_minimal_allow_that_fixes_it() {
    let task = td(&[("DB", SECRET)]);
    let only_ssm = policy(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Ssm", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAM}
    ]}));
    let report = check(&task, std::slice::from_ref(&only_ssm), &ctx());
    assert!(!report.all_allowed());
    assert_eq!(report.references[0].status, VerdictStatus::Denied);
    let denied = &only_reference(&report)[0];
    assert_eq!(denied.decision, DecisionKind::ImplicitDeny);
    assert!(denied.deciding_statements.is_empty());
    let fix = denied.fix.as_ref().expect("a fix");
    let statement = fix.statement.clone().expect("an Allow");
    assert_eq!(
        serde_json::to_value(&statement).expect("json"),
        json!({"Sid": "ReadSecretsManagerSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]})
    );
    // Applying the fix makes the check pass.
    let mut fixed = only_ssm;
    fixed.statements.push(statement);
    assert!(check(&task, &[fixed], &ctx()).all_allowed());
}

#[test]
fn an_explicit_deny_names_the_deny_statement_and_offers_no_allow() {
    let task = td(&[("DB", SECRET)]);
    let policies = [
        allow_get_secret_value("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*"),
        policy(json!({"Statement": [
            {"Sid": "Other", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "DenyProd", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "arn:aws:secretsmanager:*:*:secret:prod/*"}
        ]})),
    ];
    let report = check(&task, &policies, &ctx());
    let denied = &only_reference(&report)[0];
    assert_eq!(denied.decision, DecisionKind::ExplicitDeny);
    assert_eq!(denied.deciding_statements.len(), 1);
    assert_eq!(denied.deciding_statements[0].policy, PolicySource::Identity { index: 1 });
    assert_eq!(denied.deciding_statements[0].statement_index, 1);
    assert_eq!(denied.deciding_statements[0].sid.as_deref(), Some("DenyProd"));
    let fix = denied.fix.as_ref().expect("a fix");
    assert!(fix.statement.is_none(), "an Allow cannot override a Deny");
    assert!(fix.message.contains("`DenyProd`") && fix.message.contains("scope"), "{}", fix.message);
}

/// The default key policy: the account's identity policies decide.
fn default_key_policy() -> PolicyDocument {
    policy(shared::test_data::default_key_policy())
}

#[test]
fn a_customer_managed_key_needs_decrypt_and_kms_via_service_is_supplied() {
    let task = td(&[("DB", SECRET)]);
    let mut context = ctx();
    context.kms_keys = BTreeMap::from([(SECRET.to_owned(), KEY.to_owned())]);
    context.resource_policies = BTreeMap::from([(KEY.to_owned(), default_key_policy())]);
    let read_only = allow_get_secret_value(SECRET);
    let report = check(&task, std::slice::from_ref(&read_only), &context);
    let checks = only_reference(&report);
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].decision, DecisionKind::Allowed);
    assert_eq!((checks[1].purpose, checks[1].action.as_str()), (Purpose::DecryptValue, "kms:Decrypt"));
    assert_eq!(checks[1].decision, DecisionKind::ImplicitDeny);
    let fix = checks[1].fix.as_ref().expect("a fix");
    assert_eq!(fix.policies, [PolicyKind::Identity], "the default key policy delegates: only the role must change");
    let statement = fix.statement.clone().expect("an Allow");
    assert_eq!(serde_json::to_value(&statement).expect("json")["Resource"], json!([KEY]));

    // A decrypt grant limited to use through Secrets Manager is honoured:
    // the check supplies kms:ViaService for the agent's request.
    let via_service = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}
    ]}));
    assert!(check(&task, std::slice::from_ref(&via_service), &context).all_allowed());
    let wrong_service = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}
    ]}));
    assert!(!check(&task, &[wrong_service], &context).all_allowed());

    // Without the key policy the identity grant is not enough to say "allowed".
    context.resource_policies.clear();
    let report = check(&task, std::slice::from_ref(&via_service), &context);
    assert_eq!(report.references[0].status, VerdictStatus::DependsOnKeyPolicy, "{report:#?}");
    assert!(!report.all_allowed() && !report.any_denied());
    let open = report.references[0].checks[1].open.as_ref().expect("open");
    assert_eq!(open.kind, OpenKind::KeyPolicy);
    assert!(open.message.starts_with("depends on the key policy"), "{}", open.message);
}

#[test]
fn a_key_policy_that_does_not_delegate_needs_a_key_policy_statement() {
    let task = td(&[("DB", SECRET)]);
    let mut context = ctx();
    context.kms_keys = BTreeMap::from([(SECRET.to_owned(), KEY.to_owned())]);
    let admins_only = policy(json!({"Statement": [{"Sid": "Admins", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/admin"}, "Action": "kms:*", "Resource": "*"}]}));
    context.resource_policies = BTreeMap::from([(KEY.to_owned(), admins_only)]);
    let generous = policy(
        json!({"Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "kms:Decrypt"], "Resource": "*"}]}),
    );
    let report = check(&task, std::slice::from_ref(&generous), &context);
    assert_eq!(report.references[0].status, VerdictStatus::Denied);
    let fix = report.references[0].checks[1].fix.clone().expect("a fix");
    assert_eq!(fix.policies, [PolicyKind::Key]);
    assert!(fix.statement.is_none(), "the identity policy already allows");
    let key_statement = fix.resource_policy_statement.expect("a key-policy statement");
    assert_eq!(serde_json::to_value(&key_statement).expect("json")["Principal"], json!({"AWS": [ROLE]}));

    // With that statement in the key policy, the role is allowed.
    let mut fixed = context.resource_policies[KEY].clone();
    fixed.statements.push(key_statement);
    context.resource_policies.insert(KEY.to_owned(), fixed);
    assert!(check(&task, std::slice::from_ref(&generous), &context).all_allowed());

    // A key policy that could not be read leaves the check unverified.
    context.resource_policies.clear();
    context.unreadable = BTreeMap::from([(KEY.to_owned(), "could not read the key policy (AccessDenied)".to_owned())]);
    let report = check(&task, &[generous], &context);
    assert_eq!(report.references[0].status, VerdictStatus::Unverified);
    let open = report.references[0].checks[1].open.as_ref().expect("open");
    assert_eq!(open.message, "unverified: could not read the key policy (AccessDenied)");
}

#[test]
fn a_missing_context_key_is_reported_and_can_be_supplied() {
    let task = td(&[("API_KEY", PARAM)]);
    let conditional = policy(json!({"Statement": [{"Sid": "FromVpc", "Effect": "Allow", "Action": "ssm:GetParameters",
        "Resource": PARAM, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0abc"}}}]}));
    let report = check(&task, std::slice::from_ref(&conditional), &ctx());
    let result = &only_reference(&report)[0];
    assert_eq!(result.decision, DecisionKind::ImplicitDeny);
    let keys: Vec<&str> = result.missing_context_keys.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["aws:SourceVpc"]);
    assert_eq!(result.missing_context_keys[0].sid.as_deref(), Some("FromVpc"));
    assert!(result.fix.as_ref().expect("fix").message.contains("aws:SourceVpc"));

    let mut supplied = ctx();
    supplied.request_context = BTreeMap::from([("aws:SourceVpc".to_owned(), vec!["vpc-0abc".to_owned()])]);
    let report = check(&task, &[conditional], &supplied);
    assert!(report.all_allowed(), "{report:#?}");
    assert!(report.references[0].checks[0].missing_context_keys.is_empty());
}

#[test]
fn partial_arns_are_checked_against_a_representative_full_arn() {
    let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db";
    let task = td(&[("DB", partial)]);
    let exact_partial = allow_get_secret_value(partial);
    let report = check(&task, &[exact_partial], &ctx());
    let result = &only_reference(&report)[0];
    assert_eq!(
        result.decision,
        DecisionKind::ImplicitDeny,
        "a grant on the partial ARN does not match the real secret"
    );
    assert!(result.representative);
    let pattern = allow_get_secret_value("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????");
    assert!(check(&task, &[pattern], &ctx()).all_allowed());
}

#[test]
fn an_ambiguous_name_is_allowed_when_either_reading_is() {
    let task = td(&[("S", "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret")]);
    for resource in [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-??????",
    ] {
        let grant = allow_get_secret_value(resource);
        let report = check(&task, &[grant], &ctx());
        assert!(report.all_allowed(), "{resource}: {report:#?}");
        assert_eq!(report.references[0].checks[0].resource, resource);
    }
    let report = check(&task, &[], &ctx());
    let fix = report.references[0].checks[0].fix.as_ref().and_then(|f| f.statement.clone()).expect("fix");
    assert_eq!(serde_json::to_value(fix).expect("json")["Resource"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_reference_parameter_also_needs_the_secret_behind_it() {
    let task = td(&[("DB", "/aws/reference/secretsmanager/prod/db")]);
    let report = check(&task, &[], &ctx());
    let checks = only_reference(&report);
    let needed: Vec<(&str, Purpose)> = checks.iter().map(|c| (c.resource.as_str(), c.purpose)).collect();
    assert_eq!(
        needed,
        [
            ("arn:aws:ssm:us-east-1:123456789012:parameter/aws/reference/secretsmanager/prod/db", Purpose::ReadValue),
            ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????", Purpose::ReadReferencedSecret),
        ]
    );
}

#[test]
fn unresolvable_references_are_unchecked_not_allowed() {
    let task = td(&[("BARE", "/prod/bare")]);
    let report = check(&task, &[], &CheckContext::default());
    assert_eq!(report.references[0].status, VerdictStatus::Unchecked);
    assert!(report.references[0].checks.is_empty());
    assert!(report.references[0].notes[0].contains("--region"), "{:?}", report.references[0].notes);
    assert!(!report.all_allowed());
    assert!(check(&td(&[]), &[], &CheckContext::default()).all_allowed(), "no references: nothing to deny");
}

#[test]
fn cross_account_reads_need_the_resource_policy_too() {
    let shared_secret = "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/db-Ab12Cd";
    let task = td(&[("DB", shared_secret)]);
    let identity = allow_get_secret_value(shared_secret);
    let mut context = ctx();
    context.principal = Some(ROLE.to_owned());
    let report = check(&task, std::slice::from_ref(&identity), &context);
    let result = &only_reference(&report)[0];
    assert_eq!(result.decision, DecisionKind::ImplicitDeny);
    let resource_statement =
        result.fix.as_ref().and_then(|f| f.resource_policy_statement.clone()).expect("resource policy statement");
    assert_eq!(serde_json::to_value(&resource_statement).expect("json")["Principal"], json!({"AWS": [ROLE]}));

    context.resource_policies =
        BTreeMap::from([(shared_secret.to_owned(), PolicyDocument::new(vec![resource_statement]))]);
    assert!(check(&task, &[identity], &context).all_allowed());
}

#[test]
fn the_report_serialises_in_camel_case_for_the_cli() {
    let task = td(&[("DB", SECRET), ("API_KEY", PARAM)]);
    let deny = policy(json!({"Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["ssm:GetParameters", "secretsmanager:GetSecretValue"], "Resource": [PARAM, SECRET]},
        {"Sid": "NoDb", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET}
    ]}));
    let report = check(&task, &[deny], &ctx());
    let json = serde_json::to_value(&report).expect("json");
    insta::assert_json_snapshot!("access_report_shape", json);
    let back: AccessReport = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, report);
}

#[test]
fn the_task_definitions_execution_role_is_the_default_principal() {
    let shared_secret = "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/db-Ab12Cd";
    let task = td(&[("DB", shared_secret)]);
    let identity = allow_get_secret_value(shared_secret);
    // executionRoleArn (account 123456789012) reads a secret of 444455556666:
    // without the secret's resource policy that is denied.
    let report = check(&task, std::slice::from_ref(&identity), &ctx());
    let fix = report.references[0].checks[0].fix.as_ref().expect("denied with a fix");
    let statement = fix.resource_policy_statement.clone().expect("resource policy statement");
    assert_eq!(serde_json::to_value(statement).expect("json")["Principal"], json!({"AWS": [ROLE]}));
}
