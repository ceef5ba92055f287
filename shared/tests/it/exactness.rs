//! Regressions of issue 14 ("exactness under fuzz"), one test per defect,
//! named after it. The fuzz harness (`crates/fuzz`) keeps them from coming
//! back; these pin the exact inputs that found them.

use shared::Location;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use shared::bundle::{Bundle, BundleError};
use shared::decode::decode;
use shared::iam::generate::{GenerateOptions, permission_policy};
use shared::iam::policy::PolicyDocument;
use shared::json_pointer::{MAX_DEPTH, drop_iteratively};
use shared::workspace::{Workspace, WorkspaceImportError};
use shared::{ImportError, export, import};

const WILDCARD_KEYS: [&str; 3] = [
    "arn:aws:kms:*:*:key/*",
    "arn:aws:kms:eu-west-1:123456789012:key/${aws:username}",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-12345678?0ab",
];

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbCdEf";

fn bundle_with_key(key: &str) -> String {
    json!({
        "version": 1, "region": "eu-west-1", "accountId": "123456789012",
        "taskDefinition": {"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx", "secrets": [{"name": "API", "valueFrom": SECRET}]}]},
        "executionRole": {"name": "webExec", "create": true},
        "secrets": [{"store": "secretsmanager", "name": "web/api", "kmsKeyId": key, "create": false}]
    })
    .to_string()
}

#[test]
fn wildcard_kms_keys_never_reach_the_policy() {
    let td = import(
        &json!({"containerDefinitions": [{"name": "app", "secrets": [{"name": "API", "valueFrom": SECRET}]}]})
            .to_string(),
    )
    .unwrap()
    .task_definition;
    for key in WILDCARD_KEYS {
        // The library API: left out of the policy, with a warning at the reference.
        let opts = GenerateOptions {
            location: Location::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap())),
            kms_keys: BTreeMap::from([(SECRET.to_owned(), key.to_owned())]),
            ..GenerateOptions::default()
        };
        let generated = permission_policy(&td, &opts);
        let policy = generated.policy.to_compact_json();
        assert!(!policy.contains("kms:"), "{key}: {policy}");
        assert!(!policy.contains('*') && !policy.contains("${"), "{key}: {policy}");
        let warning = generated.warnings().find(|n| n.message.contains(key)).expect("a warning naming the key");
        assert_eq!(warning.path.as_deref(), Some("/containerDefinitions/0/secrets/0/valueFrom"), "{warning:?}");

        // A bundle's kmsKeyId: refused by validation, at its JSON path.
        let Err(BundleError::Invalid { problems }) = Bundle::parse(&bundle_with_key(key)) else {
            panic!("{key}: the bundle was accepted")
        };
        assert!(problems.iter().any(|p| p.path == "/secrets/0/kmsKeyId" && p.message.contains(key)), "{problems:?}");

        // The planner (a library caller that skipped validation): an error, so apply is blocked.
        let bundle: Bundle = serde_json::from_str(&bundle_with_key(key)).unwrap();
        let plan = shared::plan::plan(&bundle, &shared::observed::Observed::default(), &BTreeSet::new());
        assert!(plan.is_blocked(), "{key}");
        assert!(plan.errors().any(|p| p.code == "EP011" && p.path == "/secrets/0/kmsKeyId"), "{:?}", plan.problems);
        assert!(!serde_json::to_string(&plan.steps).unwrap().contains("kms:Decrypt"), "{key}");

        // The UI's workspace: the analysis shows the warning; the policy has no KMS grant.
        let mut ws = Workspace::from_bundle(bundle);
        ws.set_kms_key(SECRET, key);
        let analysis = ws.analyze();
        assert!(!analysis.permission_policy.policy.to_compact_json().contains("kms:"), "{key}");
        assert!(analysis.permission_policy.warnings().any(|n| n.message.contains(key)), "{key}");
    }
}

#[test]
fn consecutive_arn_lines_stay_separate_resources() {
    let a = "arn:aws:ssm:eu-west-1:123456789012:parameter/a";
    let b = "arn:aws:ssm:eu-west-1:123456789012:parameter/b";
    // Lines of different lengths (joined with a space) and of the same length
    // (which looks like a terminal's hard wrap and is concatenated).
    for second in [b.to_owned(), format!("{b}-and-more")] {
        let text = format!("ResourceInitializationError: invalid ssm parameters: {a}\n{second}");
        let decoded = decode(&text);
        assert_eq!(decoded.resource.as_deref(), Some(a), "{decoded:#?}");
        assert!(!decoded.explanation.contains("aarn:"), "{}", decoded.explanation);
        let same_width = format!("{a}\n{b}");
        let decoded = decode(&format!("{same_width}\nParameterNotFound"));
        assert_eq!(decoded.resource.as_deref(), Some(a), "{decoded:#?}");
    }
    // A real wrap inside an ARN is still glued back.
    let wrapped = "failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:sec\nret:web/api-AbCdEf from secrets manager: ResourceNotFoundException";
    assert_eq!(decode(wrapped).resource.as_deref(), Some(SECRET));
}

#[test]
fn the_decoder_is_linear_and_caps_what_it_reads() {
    // 1 MB of ARNs on separate lines, and of host names without separators:
    // both were quadratic. Correctness, not time, is asserted here (timing is
    // the fuzz harness's and BENCHMARKS.md's business): the text beyond the
    // cap is not read, so an ARN only there is not found.
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1_000_000 {
        text.push_str(&format!("arn:aws:ssm:eu-west-1:123456789012:parameter/p{i}\n"));
        i += 1;
    }
    text.push_str("on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/beyond-the-cap");
    let decoded = decode(&text);
    assert_ne!(decoded.resource.as_deref(), Some("arn:aws:ssm:eu-west-1:123456789012:parameter/beyond-the-cap"));
    let hosts = "x.amazonaws.com".repeat(70_000);
    assert!(!decode(&hosts).explanation.is_empty());
}

#[test]
fn every_error_names_its_place() {
    // The UI's bundle import names the JSON path, as the CLI does.
    let bundle = r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true},"secrets":[{"store":"SSM","name":"x","create":true}]}"#;
    let Err(WorkspaceImportError::Bundle(message)) = Workspace::empty().import_text(bundle) else { panic!() };
    assert!(message.starts_with("/secrets/0/store (line 1, column 152): unknown variant `SSM`"), "{message}");

    // A key written twice at the top level: the pointer of the key.
    let twice = r#"{"version":1,"region":"eu-west-1","region":"eu-west-2","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true}}"#;
    let Err(BundleError::Invalid { problems }) = Bundle::parse(twice) else { panic!() };
    assert_eq!(problems[0].path, "/region", "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (Some(1), Some(42)), "{problems:?}");
    assert!(problems[0].to_string().starts_with("/region (line 1, column 42): duplicate field"), "{}", problems[0]);

    // Problems found after parsing are placed in the text too.
    let bad_region = "{\"version\":1,\n \"region\":\"Europe\",\"taskDefinition\":{\"family\":\"web\",\"containerDefinitions\":[{}]},\"executionRole\":{\"name\":\"r\",\"create\":true}}";
    let Err(BundleError::Invalid { problems }) = Bundle::parse(bad_region) else { panic!() };
    assert_eq!((problems[0].path.as_str(), problems[0].line, problems[0].column), ("/region", Some(2), Some(2)));

    // The describe-wrapper note escapes its pointer (RFC 6901).
    let imported = import(r#"{"taskDefinition":{"containerDefinitions":[]},"a/b~c":1}"#).unwrap();
    assert_eq!(imported.notes[0].path, "/a~1b~0c");
}

#[test]
fn round_trips_do_not_drift() {
    // Floats come back as written, however many cycles.
    let text = r#"{"family":"f","containerDefinitions":[{"name":"a","x":1e-28,"y":0.1,"z":123456789.123456789}]}"#;
    let first = export(&import(text).unwrap().task_definition);
    let second = export(&import(&first).unwrap().task_definition);
    assert_eq!(first, second);
    let back: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(back["containerDefinitions"][0]["x"], json!(1e-28));
    assert!(first.contains("1e-28"), "{first}");

    // A bare containerDefinitions array either imports and exports to
    // something that imports again, or is refused with its path.
    for depth in [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH] {
        let inner = format!("{}{}", "[".repeat(depth - 2), "]".repeat(depth - 2));
        let text = format!(r#"[{{"name":"a","deep":{inner}}}]"#);
        match import(&text) {
            Ok(imported) => {
                let again = export(&imported.task_definition);
                assert!(import(&again).is_ok(), "depth {depth} exported to something that does not import");
            }
            Err(ImportError::Shape { path, .. }) => assert!(path.starts_with("/0/deep"), "{path}"),
            Err(ImportError::Syntax { line, column, .. }) => assert!(line >= 1 && column >= 1),
        }
    }

    // An empty condition operator survives a policy round trip.
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/k", "Condition": {"StringEquals": {}, "Bool": {"aws:SecureTransport": "true"}}}]});
    let parsed = PolicyDocument::from_value(&policy).unwrap();
    assert_eq!(parsed.to_value(), policy);
    assert_eq!(PolicyDocument::parse(&parsed.to_compact_json()).unwrap(), parsed);
}

/// `depth` arrays inside one another, built without recursion.
fn nested(depth: usize) -> Value {
    let mut value = json!({"containerDefinitions": []});
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

#[test]
fn values_nested_100000_deep_are_refused_not_overflowed() {
    for depth in [10_000, 100_000] {
        let Err(ImportError::Shape { path, message }) = shared::import::import_value(nested(depth)) else {
            panic!("a {depth}-deep value imported")
        };
        assert!(path.starts_with("/0/0/0") && message.contains("levels deep"), "{path}: {message}");

        // Not through `json!`, which would serialise (recursively) what it is given.
        let mut statement = json!({"Effect": "Allow", "Action": "*", "Resource": "x"});
        statement.as_object_mut().unwrap().insert("Extra".into(), nested(depth));
        let policy = Value::Object([("Statement".to_owned(), Value::Array(vec![statement]))].into_iter().collect());
        let error = PolicyDocument::from_value(&policy).unwrap_err();
        assert!(error.path().starts_with("/Statement/0/Extra/0/0"), "{error}");
        drop_iteratively(policy);
    }
}
