//! Table-driven tests of the IAM evaluator.
//!
//! Every `tests/fixtures/eval/*.json` file holds named `policies`, request
//! `defaults` and `cases`. A case's `request` is a simulate request (see
//! `shared::iam::simulate`) merged over the defaults; in `identityPolicies`
//! and `resourcePolicy` a string naming one of the file's policies stands
//! for that policy. Each case runs through `simulate_json` — the same entry
//! point as `ecs-secrets iam simulate` — and `check` compares:
//! - `decision`: `allowed` | `explicitDeny` | `implicitDeny`;
//! - `matched`: the applying statements in order, each as its `Sid`, or
//!   `identity<N>#<M>` / `resource#<M>` for statements without one;
//! - `missing`: the reported missing context keys, each as `"<statement> <key>"`.
//!
//! `matched` and `missing` default to empty, so every case pins all three.
//! A case may name the AWS documentation page it encodes in `source`.

use std::fs;

use serde::Deserialize;
use serde_json::{Map, Value};
use shared::iam::{Decision, DecisionKind, PolicySource, simulate_json};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[expect(dead_code, reason = "documentation for the reader of the fixture")]
    about: String,
    #[serde(default)]
    policies: Map<String, Value>,
    #[serde(default)]
    defaults: Map<String, Value>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// The AWS documentation page the expectation comes from.
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for the reader of the fixture")]
    source: Option<String>,
    request: Map<String, Value>,
    expect: Expectation,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Expectation {
    decision: DecisionKind,
    #[serde(default)]
    matched: Vec<String>,
    #[serde(default)]
    missing: Vec<String>,
}

fn label(policy: PolicySource, statement_index: usize, sid: Option<&str>) -> String {
    match (sid, policy) {
        (Some(sid), _) => sid.to_owned(),
        (None, PolicySource::Identity { index }) => format!("identity{index}#{statement_index}"),
        (None, PolicySource::Resource) => format!("resource#{statement_index}"),
    }
}

fn observed(decision: &Decision) -> Expectation {
    Expectation {
        decision: decision.decision,
        matched: decision
            .matched_statements
            .iter()
            .map(|m| label(m.policy, m.statement_index, m.sid.as_deref()))
            .collect(),
        missing: decision
            .missing_context_keys
            .iter()
            .map(|m| format!("{} {}", label(m.policy, m.statement_index, m.sid.as_deref()), m.key))
            .collect(),
    }
}

/// Replaces a policy name by the named policy.
fn resolve_policy(value: Value, policies: &Map<String, Value>, case: &str) -> Value {
    match value {
        Value::String(name) => match policies.get(&name) {
            Some(policy) => policy.clone(),
            None => panic!("case {case:?}: no policy named {name:?} in this file"),
        },
        other => other,
    }
}

/// Builds the simulate request of a case, runs it and compares.
fn check(file: &FixtureFile, case: &Case) -> Result<(), String> {
    let mut request = file.defaults.clone();
    for (key, value) in &case.request {
        request.insert(key.clone(), value.clone());
    }
    if let Some(Value::Array(items)) = request.remove("identityPolicies") {
        let resolved = items.into_iter().map(|p| resolve_policy(p, &file.policies, &case.name)).collect();
        request.insert("identityPolicies".into(), Value::Array(resolved));
    }
    if let Some(policy) = request.remove("resourcePolicy") {
        request.insert("resourcePolicy".into(), resolve_policy(policy, &file.policies, &case.name));
    }
    let text = Value::Object(request).to_string();
    let decision = simulate_json(&text).map_err(|e| format!("request rejected: {e}"))?;
    let got = observed(&decision);
    if got == case.expect { Ok(()) } else { Err(format!("expected {:?}\n       got {got:?}", case.expect)) }
}

#[test]
fn evaluator_fixtures() {
    let paths = crate::fixture_files("eval", ".json");
    let mut failures = Vec::new();
    let mut count = 0;
    for path in &paths {
        let text = fs::read_to_string(path).expect("readable fixture");
        let file: FixtureFile = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        for case in &file.cases {
            count += 1;
            if let Err(message) = check(&file, case) {
                failures.push(format!("{file_name} / {}:\n       {message}", case.name));
            }
        }
    }
    assert!(count >= 90, "the evaluator suite should keep at least 90 cases, found {count}");
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// Case names are unique, so a failure report points at one case.
#[test]
fn case_names_are_unique_per_file() {
    for entry in fs::read_dir(crate::fixture_dir("eval")).expect("fixture directory") {
        let path = entry.expect("directory entry").path();
        let file: FixtureFile = serde_json::from_str(&fs::read_to_string(&path).expect("readable")).expect("valid");
        let mut names: Vec<&str> = file.cases.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "{}: duplicate case names", path.display());
    }
}
