//! Table-driven test helpers shared by the rule families' unit tests.

use serde_json::Value;

use super::{RULES, rule_info};
use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::task_def::TaskDefinition;

/// A task definition from JSON (the model is lenient, so any object with
/// the right field types works).
pub(super) fn td(value: Value) -> TaskDefinition {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("test input is not a task definition: {e}"))
}

/// The task runs in eu-west-1, account 123456789012.
pub(super) fn known_ctx() -> Context {
    Context::new(Some("eu-west-1".parse().unwrap()), Some("123456789012".parse().unwrap()))
}

/// Runs the one rule `code` on `td`.
pub(super) fn run(code: &str, td: &TaskDefinition, ctx: &Context) -> Vec<Diagnostic> {
    let rule = rule_info(code).unwrap_or_else(|| panic!("no rule {code}"));
    let mut out = Vec::new();
    super::run_rule(rule, &super::Input::new(td, ctx), &mut out);
    for d in &out {
        assert_eq!(d.code, code, "rule {code} emitted {}", d.code);
        assert!(!d.message.is_empty(), "{code} with an empty message");
    }
    out
}

/// Checks one rule against a table of `(task definition, expected paths)`:
/// the rule must report exactly those paths, in that order.
pub(super) fn check(code: &str, ctx: &Context, cases: &[(Value, &[&str])]) {
    for (i, (input, expected)) in cases.iter().enumerate() {
        let got = run(code, &td(input.clone()), ctx);
        let paths: Vec<&str> = got.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(&paths, expected, "{code} case {i}: {input}\n{got:#?}");
    }
}

/// A minimal valid container with extra fields merged in.
pub(super) fn container(extra: Value) -> Value {
    let mut base = serde_json::json!({"name": "app", "image": "nginx"});
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        base.extend(extra);
    }
    base
}

/// A task definition with one container that has `extra` fields and an
/// execution role, so that only the rule under test has something to say.
pub(super) fn one_container(extra: Value) -> Value {
    serde_json::json!({
        "family": "web",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [container(extra)]
    })
}

/// One container whose `secrets` are `refs`, named `S0`, `S1`, ….
pub(super) fn secrets(refs: &[&str]) -> Value {
    let secrets: Vec<Value> =
        refs.iter().enumerate().map(|(i, r)| serde_json::json!({"name": format!("S{i}"), "valueFrom": r})).collect();
    one_container(serde_json::json!({ "secrets": secrets }))
}

#[test]
fn every_rule_is_registered_once() {
    let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
    codes.dedup();
    assert_eq!(codes.len(), RULES.len());
}
