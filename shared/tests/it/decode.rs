//! The error decoder on real-looking ECS failure messages: one fixture per
//! message variant under `tests/fixtures/decode/` (`NAME.txt` is the text as
//! pasted, `NAME.expect.json` the facts it must yield), and one snapshot of
//! the whole decoded result per fixture.

use std::fs;

use proptest::prelude::*;
use serde_json::{Value, json};
use shared::Context;
use shared::decode::{Cause, Decoded, decode, decode_with};

/// Compares the fields named in `expect` with the decoded result; returns
/// one line per mismatch.
fn check(decoded: &Decoded, expect: &Value) -> Vec<String> {
    let actual = serde_json::to_value(decoded).expect("Decoded serialises");
    let statement = &actual["fix"]["statement"];
    let mut problems = Vec::new();
    let expect = expect.as_object().expect("an expectation is a JSON object");
    for (key, want) in expect {
        let got = match key.as_str() {
            "context" => continue,
            "statementResources" => match statement {
                Value::Null => Value::Null,
                s => s["Resource"].clone(),
            },
            "statementActions" => statement["Action"].clone(),
            "statementPrincipal" => statement["Principal"]["AWS"][0].clone(),
            "stepsMention" => {
                let needle = want.as_str().expect("stepsMention is a string");
                let steps = decoded.fix.steps.join("\n");
                if !steps.contains(needle) {
                    problems.push(format!("steps do not mention `{needle}`:\n{steps}"));
                }
                continue;
            }
            field => actual.get(field).cloned().unwrap_or_else(|| panic!("no field `{field}` in Decoded")),
        };
        if &got != want {
            problems.push(format!("{key}: expected {want}, got {got}"));
        }
    }
    problems
}

#[test]
fn every_fixture_decodes_to_its_expected_facts() {
    let mut names: Vec<String> = crate::fixture_files("decode", ".txt")
        .iter()
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 18, "expected at least 18 message variants, found {}", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let text = fs::read_to_string(crate::fixture_dir("decode").join(format!("{name}.txt"))).expect("message");
        let expect: Value = serde_json::from_str(
            &fs::read_to_string(crate::fixture_dir("decode").join(format!("{name}.expect.json"))).expect("expect"),
        )
        .unwrap_or_else(|e| panic!("{name}.expect.json: {e}"));
        let ctx: Context =
            expect.get("context").map(|c| serde_json::from_value(c.clone()).expect("context")).unwrap_or_default();
        let decoded = decode_with(&text, &ctx);
        for problem in check(&decoded, &expect) {
            failures.push(format!("{name}: {problem}"));
        }
        assert!(!decoded.explanation.is_empty() && !decoded.fix.steps.is_empty(), "{name}: empty explanation or steps");
        insta::with_settings!({ snapshot_path => "snapshots/decode", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(name.as_str(), decoded);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn decoded_results_round_trip_through_json() {
    let text = fs::read_to_string(crate::fixture_dir("decode").join("05_sm_cross_account_no_resource_policy.txt"))
        .expect("fixture");
    let decoded = decode(&text);
    let json = serde_json::to_string(&decoded).expect("serialise");
    let back: Decoded = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, decoded);
    assert_eq!(serde_json::to_value(Cause::MissingPermission).expect("cause"), json!("missingPermission"));
}

#[test]
fn the_task_region_from_the_context_exposes_a_wrong_region() {
    let text = "failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.";
    assert_eq!(decode(text).cause, Cause::NotFound);
    let ctx = Context::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap()));
    assert_eq!(decode_with(text, &ctx).cause, Cause::WrongRegion);
}

#[test]
fn a_bare_parameter_name_is_completed_from_the_context() {
    let text = "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/x is not authorized to perform: ssm:GetParameters on resource: db_password because no identity-based policy allows the ssm:GetParameters action";
    let without = decode(text);
    assert_eq!(without.cause, Cause::MissingPermission);
    assert!(without.fix.statement.is_none(), "a bare name without a region gives no statement, never `*`");
    let with = decode_with(text, &Context::new(Some("eu-west-1".parse().unwrap()), None));
    let statement = serde_json::to_value(with.fix.statement.expect("statement")).expect("json");
    assert_eq!(statement["Resource"], json!(["arn:aws:ssm:eu-west-1:123456789012:parameter/db_password"]));
}

proptest! {
    #[test]
    fn decoding_never_panics(text in ".{0,400}") {
        let decoded = decode(&text);
        prop_assert!(!decoded.explanation.is_empty());
    }

    #[test]
    fn decoding_never_panics_on_message_fragments(
        parts in proptest::collection::vec(prop_oneof![
            Just("arn:"), Just("arn:aws:secretsmanager:us-east-1:1:secret:x"), Just(" is not authorized to perform: "),
            Just(" on resource: "), Just("explicit deny"), Just("invalid parameters:"), Just("\""), Just("\\"),
            Just("assumed-role/"), Just(".amazonaws.com"), Just("{"), Just("ü"), Just(":"), Just(" "), Just("kms:Decrypt"),
        ], 0..24)
    ) {
        let text: String = parts.concat();
        let decoded = decode(&text);
        prop_assert!(!decoded.fix.steps.is_empty());
    }
}
