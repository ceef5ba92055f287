//! `ecs-secrets lint`: formats, exit codes and positions, on the real binary.

use crate::cli_support::{self, CONTEXT, ecs_secrets, fixture, redact_messages, redact_text_messages};
use serde_json::{Value, json};

/// `--format FORMAT` and the [`CONTEXT`] flags.
fn format_in_context(format: &str) -> Vec<&str> {
    ["--format", format].into_iter().chain(CONTEXT).collect()
}

/// Lints `files` (fixture names, or `-`) with `extra` flags and checks the
/// exit code.
fn lint(files: &[&str], extra: &[&str], stdin: &str, expect_code: i32) -> cli_support::Run {
    let paths: Vec<String> = files.iter().map(|f| if *f == "-" { "-".to_owned() } else { fixture(f) }).collect();
    let mut args = vec!["lint"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(extra);
    let run = ecs_secrets(&args, stdin);
    assert_eq!(run.code, expect_code, "{}", run.transcript());
    run
}

/// The diagnostic codes of the first file of a JSON report, in order.
fn first_file_codes(report: &Value) -> Vec<String> {
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    diagnostics.iter().map(|d| d["code"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn exit_codes_follow_the_worst_finding() {
    lint(&["clean.json"], &CONTEXT, "", 0);
    // Warnings alone do not fail the run.
    lint(&["warnings.json"], &CONTEXT, "", 0);
    lint(&["errors.json"], &CONTEXT, "", 1);
    lint(&["clean.json", "errors.json"], &CONTEXT, "", 1);
    // An unreadable or unparseable file is 2 even beside one with errors.
    lint(&["errors.json", "does-not-exist.json"], &[], "", 2);
    lint(&["malformed.json"], &[], "", 2);
    // A wrong-typed field is an error finding (ES005), the rest still checked;
    // 2 is only for what is not a task definition at all.
    lint(&["wrong-type.json"], &[], "", 1);
    lint(&["not-a-task-definition.json"], &[], "", 2);
    lint(&["-"], &[], "", 2);
    lint(&["-", "-"], &[], "{}", 2);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["lint"][..],
        &["lint", "x.json", "--format", "xml"],
        &["lint", "x.json", "--account", "12345"],
        &["lint", "x.json", "--region", "Europe"],
        &["lint", "x.json", "--platform-version", "1.4"],
        &["lint", "x.json", "--no-such-flag"],
        &["no-such-command"],
        &[],
    ] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.transcript());
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn text_report_is_grouped_by_file_with_positions_and_a_summary() {
    let run = lint(&["errors.json", "warnings.json", "describe-output.json"], &CONTEXT, "", 1);
    assert!(!run.stdout.contains('\x1b'), "no colours when stdout is not a terminal");
    insta::assert_snapshot!(redact_text_messages(&run.stdout));
}

#[test]
fn text_report_names_unreadable_files() {
    let run = lint(&["clean.json", "malformed.json", "wrong-type.json", "does-not-exist.json"], &[], "", 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_report_has_files_diagnostics_notes_and_errors() {
    let run = lint(
        &["errors.json", "describe-output.json", "container-definitions.json", "malformed.json", "does-not-exist.json"],
        &format_in_context("json"),
        "",
        2,
    );
    let mut report = run.json();
    // Every diagnostic has exactly the contract's fields (plus its position).
    for file in report["files"].as_array().unwrap() {
        for d in file["diagnostics"].as_array().unwrap() {
            let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            let expected: &[&str] = if d.get("fix").is_some() {
                &["code", "column", "fix", "line", "message", "path", "severity"]
            } else {
                &["code", "column", "line", "message", "path", "severity"]
            };
            assert_eq!(keys, expected);
        }
    }
    redact_messages(&mut report);
    insta::assert_json_snapshot!(report);
}

#[test]
fn json_report_of_a_clean_file() {
    let run = lint(&["clean.json"], &["--format", "json"], "", 0);
    assert_eq!(run.json(), json!({"files": [{"file": "tests/fixtures/clean.json", "diagnostics": [], "notes": []}]}));
}

#[test]
fn stdin_is_read_for_dash() {
    let text = std::fs::read_to_string(fixture("errors.json")).unwrap();
    let run = lint(&["-"], &["--format", "json"], &text, 1);
    let report = run.json();
    assert_eq!(report["files"][0]["file"], "<stdin>");
    let codes = first_file_codes(&report);
    assert!(codes.contains(&"ES020".to_owned()), "{codes:?}");
    // A byte-order mark does not shift positions.
    let with_bom = format!("\u{feff}{text}");
    let bom_report = lint(&["-"], &["--format", "json"], &with_bom, 1).json();
    assert_eq!(bom_report, report);
}

/// Positions point into the original document: inside the
/// `{"taskDefinition": …}` wrapper of describe output, into the bare array
/// of a containerDefinitions file, and at the nearest ancestor for a missing
/// field.
#[test]
fn positions_map_pointers_into_the_original_text() {
    let run =
        lint(&["describe-output.json", "container-definitions.json", "errors.json"], &format_in_context("json"), "", 1);
    let report = run.json();
    let at = |file: usize, code: &str| -> (u64, u64) {
        let d = report["files"][file]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} in file {file}: {report:#}"));
        (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
    };
    // The bad account id in "valueFrom" on line 14 of describe-output.json.
    assert_eq!(at(0, "ES032"), (14, 25));
    // No executionRoleArn: the task definition object inside the wrapper.
    assert_eq!(at(0, "ES015"), (2, 5));
    // A bare array leaves family and role to its resource: the document itself.
    assert_eq!(at(1, "ES013"), (1, 1));
    // `API_TOKEN` in environment, entry 1 of container 0.
    assert_eq!(at(2, "ES020"), (13, 10));
}

/// The official SARIF 2.1.0 JSON schema (fixtures/sarif-schema-2.1.0.json,
/// as shipped in the `@microsoft/jest-sarif` npm package).
pub(crate) fn schema_validator() -> jsonschema::Validator {
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("sarif-schema-2.1.0.json")).unwrap()).unwrap();
    // The published schema's `language` patterns have a stray `]` (fixed in
    // the OASIS errata as below); a strict validator rejects the schema itself.
    let fixed = fix_language_patterns(&mut schema);
    assert_eq!(fixed, 2, "the two known `language` patterns were fixed");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn fix_language_patterns(schema: &mut Value) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match schema {
        Value::Object(map) => {
            let mut fixed = 0;
            for (key, child) in map.iter_mut() {
                if key == "pattern" && child == BROKEN {
                    *child = json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    fixed += 1;
                } else {
                    fixed += fix_language_patterns(child);
                }
            }
            fixed
        }
        Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_is_valid_and_has_what_github_code_scanning_needs() {
    let run = lint(&["errors.json", "describe-output.json", "warnings.json"], &format_in_context("sarif"), "", 1);
    let log = run.json();
    let errors: Vec<String> =
        schema_validator().iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run0 = &log["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "ecs-secrets");
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 10, "every lint rule is listed");
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(id.starts_with("ES"));
        assert!(!rule["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["name"].as_str().unwrap().is_empty(), "{id}");
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 10, "{id}");
        assert!(rule["help"]["text"].as_str().unwrap().contains("Fix:"), "{id}");
        assert!(rule["help"]["markdown"].as_str().unwrap().starts_with(&format!("## {id} ")), "{id}");
        let uri = rule["helpUri"].as_str().unwrap();
        assert!(uri.contains("/docs/rules.md#") && uri.contains(&id.to_ascii_lowercase()), "{uri}");
        assert!(["error", "warning", "note"].contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at the result's rule");
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("tests/fixtures/"), "relative URI: {uri}");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!schema_validator().is_valid(&broken));

    let mut redacted = log.clone();
    redact_messages(&mut redacted);
    // The rule catalogue belongs to the lint; pin only the results here.
    redacted["runs"][0]["tool"]["driver"]["rules"] = json!("[checked above]");
    redacted["runs"][0]["tool"]["driver"]["semanticVersion"] = json!("[version]");
    for result in redacted["runs"][0]["results"].as_array_mut().unwrap() {
        result["ruleIndex"] = json!("[checked above]");
    }
    insta::assert_json_snapshot!(redacted);
}

#[test]
fn sarif_reports_unreadable_files_as_failed_execution() {
    let run = lint(&["clean.json", "malformed.json"], &["--format", "sarif"], "", 2);
    let log = run.json();
    let errors: Vec<String> = schema_validator().iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert!(notification["message"]["text"].as_str().unwrap().contains("malformed.json"));
    let region = &notification["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(4), Some(20)));
    assert_eq!(log["runs"][0]["results"], json!([]));
}

#[test]
fn plaintext_secret_values_never_reach_the_output() {
    // errors.json holds DB_PASSWORD=hunter2 in `environment`; the lint and
    // its fix point at the value but must not repeat it.
    for format in ["text", "json", "sarif"] {
        let run = lint(&["errors.json"], &["--format", format], "", 1);
        assert!(!run.stdout.contains("hunter2"), "{format}: {}", run.stdout);
        assert!(!run.stderr.contains("hunter2"), "{format}: {}", run.stderr);
    }
}

#[test]
fn platform_version_reaches_the_fargate_rules() {
    let codes = |version: &str, expect_code: i32| -> Vec<String> {
        let run = lint(&["json-key.json"], &["--format", "json", "--platform-version", version], "", expect_code);
        first_file_codes(&run.json())
    };
    // A JSON-key reference needs platform 1.4.0.
    assert!(codes("1.3.0", 1).contains(&"ES035".to_owned()));
    assert!(!codes("1.4.0", 0).contains(&"ES035".to_owned()));
}

/// A Terraform `container_definitions` array: no ES001/ES015 errors, one
/// info; `--family` and `--execution-role-arn` supply what the resource sets,
/// and are then checked like the file's own fields.
#[test]
fn a_bare_array_leaves_family_and_role_to_the_resource() {
    let run = lint(&["container-definitions.json"], &["--format", "json"], "", 0);
    let codes = first_file_codes(&run.json());
    assert!(codes.contains(&"ES013".to_owned()), "{codes:?}");
    assert!(!codes.iter().any(|c| c == "ES001" || c == "ES015"), "{codes:?}");
    let supplied = lint(
        &["container-definitions.json"],
        &["--format", "json", "--family", "web", "--execution-role-arn", "arn:aws:iam::123456789012:role/web-exec"],
        "",
        0,
    );
    let codes = first_file_codes(&supplied.json());
    assert!(!codes.iter().any(|c| c == "ES013" || c == "ES001" || c == "ES015"), "{codes:?}");
    // A supplied value is checked like one in the file.
    lint(&["container-definitions.json"], &["--family", "web app"], "", 1);
}

/// `ecs-secrets rule CODE` explains a code from the registry; `--list`
/// lists them all; `--list --format markdown` is docs/rules.md exactly.
#[test]
fn rule_explains_every_code() {
    let one = ecs_secrets(&["rule", "es084"], "");
    assert_eq!(one.code, 0, "{}", one.transcript());
    for part in [
        "## ES084 templated-secret",
        "Default severity: warning",
        "### What it finds",
        "### Why it matters",
        "### Example",
        "### Fix",
    ] {
        assert!(one.stdout.contains(part), "{part}: {}", one.stdout);
    }
    let json = ecs_secrets(&["rule", "EP040", "--format", "json"], "");
    assert_eq!(json.code, 0, "{}", json.transcript());
    let rule = json.json();
    assert_eq!(rule["code"], "EP040");
    assert_eq!(rule["origin"], "plan");
    assert!(rule["helpUri"].as_str().unwrap().ends_with("#ep040-preflight-access-denied"));

    let list = ecs_secrets(&["rule", "--list", "--format", "json"], "");
    assert_eq!(list.code, 0, "{}", list.transcript());
    let rules = list.json();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() > 60);
    for rule in rules {
        for field in ["code", "name", "severity", "fix", "summary", "what", "why", "example", "fixText"] {
            assert!(rule[field].as_str().is_some_and(|v| !v.is_empty()), "{field} of {rule}");
        }
    }
    let text = ecs_secrets(&["rule", "--list"], "");
    assert_eq!(text.stdout.lines().count(), rules.len());

    let markdown = ecs_secrets(&["rule", "--list", "--format", "markdown"], "");
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md")).unwrap();
    assert_eq!(markdown.stdout, on_disk, "docs/rules.md is generated by this command");

    let unknown = ecs_secrets(&["rule", "ES999"], "");
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("rule --list"), "{}", unknown.stderr);
    assert_eq!(ecs_secrets(&["rule"], "").code, 2, "a code or --list is required");
}

/// DescribeDaemonTaskDefinition output (`{"daemonTaskDefinition": …}`) is
/// linted like a task definition, positions pointing inside the wrapper,
/// and `policy` grants what its containers read.
#[test]
fn a_daemon_task_definition_is_linted_inside_its_wrapper() {
    let text = include_str!("../../../shared/tests/fixtures/lint/daemon_task_definition_describe.json");
    let context = ["--region", "eu-central-1", "--account", "210987654321"];
    let mut args = vec!["lint", "-", "--format", "json"];
    args.extend(context);
    let run = ecs_secrets(&args, text);
    let report = run.json();
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let line = 1 + text.lines().position(|l| l.contains("canary9f8e")).unwrap() as u64;
    assert_eq!((&diagnostics[0]["code"], diagnostics[0]["line"].as_u64()), (&json!("ES081"), Some(line)));
    let mut args = vec!["policy", "-"];
    args.extend(context);
    let policy = ecs_secrets(&args, text);
    assert_eq!(policy.code, 0, "{}", policy.transcript());
    for granted in [
        "secret:registry/mirror-pull-Qm3TzA",
        "secret:datadog/api-key-Xy7Pq2",
        "parameter/datadog/cluster-agent/auth-token",
    ] {
        assert!(policy.stdout.contains(granted), "{granted}: {}", policy.transcript());
    }
}
