//! Fixture-driven tests of import, lint and export.
//!
//! Every `tests/fixtures/lint/<name>.json` is a realistic task definition (in
//! any of the shapes import accepts) and goes through one [`check`]:
//! import it, lint it with the optional `<name>.context.json`, export it, and
//! - snapshot the import shape and notes, the read-only fields stripped and
//!   the diagnostics (`tests/it/snapshots/it__lint_fixtures__<name>.snap`);
//! - compare the diagnostics with `<name>.expect`, a hand-written list of
//!   `CODE SEVERITY PATH` lines: the snapshot records what the lint says,
//!   the expect file says what a reviewer decided it *should* say. A line
//!   ending in `! why` is emitted today but disputed by the reviewer (kept
//!   so that any change is noticed, its fix exempt from the fix checks);
//!   `#` comments name diagnostics that should exist but have no rule yet;
//! - assert export(import(x)) equals x minus the read-only fields, computed
//!   here independently of the import code;
//! - assert no diagnostic or note repeats a fake secret value (every fake
//!   secret in the fixtures contains `canary`);
//! - assert every fix applies, removes its own diagnostic and causes no new
//!   one (counted per code and severity), and that linting the export gives
//!   the same diagnostics as linting the import.
//!
//! A new case is a new fixture file plus one name in [`fixtures!`]; a test
//! fails when a file in the directory is not listed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};
use shared::fix::apply_fix;
use shared::import::{DAEMON_READ_ONLY_FIELDS, READ_ONLY_FIELDS};
use shared::{Context, Diagnostic, Fix, Severity, TaskDefinition, export, import, lint};

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The register-ready document a fixture should export as, and the JSON
/// pointers (into the fixture) of what import has to drop to get there.
/// (The read-only fields are import's own lists; the property tests'
/// `describe_output` spells every one of them out independently.)
fn register_view(input: &Value) -> (Value, Vec<String>) {
    let mut stripped = Vec::new();
    let daemon = input.get("daemonTaskDefinition").is_some() || input.get("daemonTaskDefinitionArn").is_some();
    let wrapper =
        if input.get("taskDefinition").is_some() || !daemon { "taskDefinition" } else { "daemonTaskDefinition" };
    let read_only: &[&str] =
        if wrapper == "taskDefinition" && !daemon { &READ_ONLY_FIELDS } else { &DAEMON_READ_ONLY_FIELDS };
    let (mut td, prefix) = match input {
        Value::Array(containers) => (json!({ "containerDefinitions": containers }), ""),
        Value::Object(root) => match root.get(wrapper) {
            Some(Value::Object(inner)) => {
                let mut inner = inner.clone();
                for (key, value) in root {
                    match key.as_str() {
                        k if k == wrapper => {}
                        "tags" if value.as_array().is_some_and(|t| !t.is_empty()) => {
                            inner.entry("tags").or_insert_with(|| value.clone());
                        }
                        _ => stripped.push(format!("/{key}")),
                    }
                }
                (
                    Value::Object(inner),
                    if wrapper == "taskDefinition" { "/taskDefinition" } else { "/daemonTaskDefinition" },
                )
            }
            _ => (input.clone(), ""),
        },
        other => panic!("fixture is neither an object nor an array: {other}"),
    };
    let obj = td.as_object_mut().expect("a task definition is an object");
    for field in read_only {
        if obj.remove(*field).is_some() {
            stripped.push(format!("{prefix}/{field}"));
        }
    }
    (td, stripped)
}

/// One `CODE SEVERITY PATH` line per diagnostic, sorted.
fn summary(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut lines: Vec<String> = diagnostics.iter().map(line_of).collect();
    lines.sort();
    lines
}

/// What a reviewer expects for one fixture, read from `<name>.expect`.
struct Expected {
    /// `CODE SEVERITY PATH` lines, sorted.
    lines: Vec<String>,
    /// Lines the lint emits today but the reviewer disputes (written as
    /// `CODE SEVERITY PATH ! why`): still required, so a change is noticed,
    /// but their fixes are not held to the fix checks. Each one is reported
    /// to the lint's owner.
    disputed: Vec<String>,
}

/// The expect file: `CODE SEVERITY PATH` lines, optionally followed by
/// ` ! why it is disputed`; `#` comments and blank lines are ignored. A
/// fixture with nothing to report has an expect file of comments only.
fn expected(name: &str) -> Expected {
    let path = crate::fixture_dir("lint").join(format!("{name}.expect"));
    let mut lines = Vec::new();
    let mut disputed = Vec::new();
    for raw in read(&path).lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (line, dispute) = match raw.split_once(" ! ") {
            Some((line, why)) => {
                assert!(!why.trim().is_empty(), "{}: `!` without a reason: {raw}", path.display());
                (line, true)
            }
            None => (raw, false),
        };
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if dispute {
            disputed.push(line.clone());
        }
        lines.push(line);
    }
    lines.sort();
    Expected { lines, disputed }
}

fn line_of(d: &Diagnostic) -> String {
    format!("{} {} {}", d.code, d.severity, d.path).trim_end().to_owned()
}

fn check(name: &str) {
    let dir = crate::fixture_dir("lint");
    let text = read(&dir.join(format!("{name}.json")));
    let context_path = dir.join(format!("{name}.context.json"));
    let ctx: Context = if context_path.exists() {
        serde_json::from_str(&read(&context_path)).unwrap_or_else(|e| panic!("{}: {e}", context_path.display()))
    } else {
        Context::default()
    };

    let imported = import(&text).unwrap_or_else(|e| panic!("{name}: import failed: {e}"));
    // What `ecs-secrets lint` does: a bare containerDefinitions array is linted as one.
    let ctx = shared::lint::context_for(&imported, &ctx);
    let diagnostics = lint(&imported.task_definition, &ctx);

    // Round trip: export equals the input minus what import must drop.
    let input: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let (expected_export, stripped) = register_view(&input);
    let exported_text = export(&imported.task_definition);
    let exported: Value = serde_json::from_str(&exported_text).expect("export is JSON");
    assert_eq!(exported, expected_export, "{name}: export(import(x)) lost or changed something");
    let noted: Vec<&str> = imported.notes.iter().map(|n| n.path.as_str()).collect();
    for path in &stripped {
        assert!(noted.contains(&path.as_str()), "{name}: dropped {path} without a note (notes: {noted:?})");
    }

    // The export lints exactly like the import.
    let reimported = import(&exported_text).expect("export imports");
    assert_eq!(lint(&reimported.task_definition, &ctx), diagnostics, "{name}: export lints differently");

    // Fake secret values never reach diagnostics, fixes or notes.
    let report = json!({
        "shape": imported.shape,
        "notes": imported.notes,
        "stripped": stripped,
        "diagnostics": diagnostics,
    });
    let rendered = report.to_string().to_lowercase();
    assert!(!rendered.contains("canary"), "{name}: a secret value leaked into the report: {report:#}");

    let expected = expected(name);
    for diagnostic in &diagnostics {
        if let Some(fix) = diagnostic.fix.as_ref().filter(|_| !expected.disputed.contains(&line_of(diagnostic))) {
            check_fix(name, &imported.task_definition, &ctx, &diagnostics, diagnostic, fix);
        }
    }

    insta::assert_json_snapshot!(name, report);
    assert_eq!(summary(&diagnostics), expected.lines, "{name}: diagnostics differ from {name}.expect");
}

/// How many diagnostics of each code and severity a lint run gave.
fn counts(diagnostics: &[Diagnostic]) -> BTreeMap<(String, Severity), usize> {
    let mut counts = BTreeMap::new();
    for d in diagnostics {
        *counts.entry((d.code.clone(), d.severity)).or_insert(0) += 1;
    }
    counts
}

/// A fix must apply, make its own diagnostic go away and not cause any new
/// one. Counted per code rather than per path, because a fix that removes
/// an `environment` entry renumbers the entries after it.
fn check_fix(name: &str, td: &TaskDefinition, ctx: &Context, before: &[Diagnostic], fixed: &Diagnostic, fix: &Fix) {
    let what = format!("{name}: fix `{}` for {} at {}", fix.title, fixed.code, fixed.path);
    let (after_td, pending) = apply_fix(td, fix).unwrap_or_else(|e| panic!("{what} does not apply: {e}"));
    assert_eq!(pending.is_some(), fix.create_secret.is_some(), "{what}: lifted a secret value iff it creates a secret");
    let after = lint(&after_td, ctx);
    let (before_counts, after_counts) = (counts(before), counts(&after));
    assert!(
        after_counts.get(&(fixed.code.clone(), fixed.severity))
            < before_counts.get(&(fixed.code.clone(), fixed.severity)),
        "{what} leaves the diagnostic in place: {:#?}",
        summary(&after)
    );
    for (code, count) in &after_counts {
        assert!(
            count <= before_counts.get(code).unwrap_or(&0),
            "{what} causes a new {code:?}: before {:#?}, after {:#?}",
            summary(before),
            summary(&after)
        );
    }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

fixtures! {
    app_mesh_envoy_xray_sidecars,
    arm64_graviton_unit_strings,
    bad_names,
    bare_names_without_context,
    cross_region_and_cross_account_refs,
    daemon_task_definition_describe,
    describe_output_bare_inactive,
    describe_output_wrapped,
    duplicate_env_and_secret_names,
    ec2_bridge_multi_container,
    ec2_gpu_batch_worker,
    ecspresso_templated_plaintext,
    eleven_containers,
    empty_container_definitions,
    environment_files_and_secrets,
    environment_files_s3_problems,
    execution_role_same_as_task_role,
    fargate_and_ec2_bridge_mode,
    fargate_large_task_old_platform,
    fargate_missing_task_size,
    fargate_web_ssm_and_secretsmanager,
    firelens_datadog_templated,
    firelens_fluent_bit_secret_options,
    govcloud_and_china_partitions,
    hand_edited_task_definition_mistakes,
    invalid_fargate_cpu_memory,
    json_key_and_version_fields,
    log_driver_secrets_in_plain_options,
    lowercase_requires_compatibilities,
    malformed_references,
    missing_execution_role,
    oversized_feature_flag_environment,
    partial_secret_arns,
    plaintext_secrets_in_environment,
    private_registry_auth,
    rds_managed_master_secrets,
    registry_auth_problems,
    secret_options_only_without_execution_role,
    splunk_token_seed_example,
    ssm_name_rules_and_aws_reference,
    ssm_version_selectors,
    terraform_container_definitions,
    terraform_templated_plaintext,
    unknown_fields_everywhere,
    windows_fargate,
    windows_fargate_cpu_too_small,
    wrong_typed_fields,
}

/// Every registered lint code is expected by at least one fixture (a line of
/// some `.expect` file), so every rule is exercised on a realistic input;
/// every plan code appears in the plan tests.
#[test]
fn every_code_appears_in_a_fixture() {
    let mut expected = String::new();
    for entry in std::fs::read_dir(crate::fixture_dir("lint")).expect("fixture directory") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "expect") {
            for line in read(&path).lines().filter(|l| !l.trim_start().starts_with('#')) {
                expected.push_str(line);
                expected.push('\n');
            }
        }
    }
    let plan_tests = include_str!("plan.rs");
    let missing: Vec<&str> = shared::RULES
        .iter()
        .filter(|rule| match rule.origin {
            shared::lint::Origin::Lint => {
                !expected.lines().any(|l| l.starts_with(&format!("{} ", rule.code)) || l == rule.code)
            }
            shared::lint::Origin::Plan => !plan_tests.contains(&format!("\"{}\"", rule.code)),
        })
        .map(|rule| rule.code)
        .collect();
    assert!(missing.is_empty(), "codes no fixture exercises: {missing:?}");
}

/// Every fixture in the directory runs, and every listed one has its files.
#[test]
fn every_fixture_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(crate::fixture_dir("lint"))
        .expect("fixture directory")
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter_map(|file| {
            let stem = file.strip_suffix(".json")?;
            (!stem.ends_with(".context")).then(|| stem.to_owned())
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = LISTED.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/fixtures/lint and the fixtures! list differ");
    for name in LISTED {
        assert!(crate::fixture_dir("lint").join(format!("{name}.expect")).exists(), "{name}.expect is missing");
    }
}

/// Context files belong to a fixture and use the `shared::Context` serde
/// shape; a typo such as `account_id` would silently lint without an account.
#[test]
fn context_files_have_known_fields_only() {
    for entry in std::fs::read_dir(crate::fixture_dir("lint")).expect("fixture directory") {
        let path = entry.expect("directory entry").path();
        if !path.to_string_lossy().ends_with(".context.json") {
            continue;
        }
        let fixture = path.to_string_lossy().replace(".context.json", ".json");
        assert!(PathBuf::from(&fixture).exists(), "{}: no fixture {fixture} beside it", path.display());
        let value: Map<String, Value> = serde_json::from_str(&read(&path)).expect("context is a JSON object");
        for key in value.keys() {
            assert!(
                ["region", "accountId", "platformVersion"].contains(&key.as_str()),
                "{}: unknown {key}",
                path.display()
            );
        }
    }
}
