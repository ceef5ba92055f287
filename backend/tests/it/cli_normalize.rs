//! `ecs-secrets normalize`: register-ready JSON on stdout, notes on stderr.

use crate::cli_support::{ecs_secrets, fixture};
use serde_json::Value;

#[test]
fn describe_output_is_stripped_with_notes_on_stderr() {
    let run = ecs_secrets(&["normalize", &fixture("describe-output.json")], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    for field in ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt"] {
        assert!(out.get(field).is_none(), "{field} is stripped");
    }
    assert!(out.get("taskDefinition").is_none(), "the describe wrapper is gone");
    assert_eq!(out["tags"][0]["key"], "team", "tags move inside the task definition");
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn normalized_output_normalizes_to_itself_without_notes() {
    let first = ecs_secrets(&["normalize", &fixture("describe-output.json")], "");
    let second = ecs_secrets(&["normalize", "-"], &first.stdout);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(second.stderr, "");
}

#[test]
fn a_bare_container_definitions_array_becomes_a_task_definition() {
    let run = ecs_secrets(&["normalize", &fixture("container-definitions.json")], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
}

/// Bad input exits 2 with the file, the place and what to do on stderr, and
/// nothing on stdout.
fn check_bad_input(args: &[&str], stdin: &str, expect_stderr: &str) {
    let run = ecs_secrets(args, stdin);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(run.stdout, "", "{}", run.transcript());
    assert_eq!(run.stderr, expect_stderr, "{args:?}");
}

#[test]
fn bad_input_exits_2_with_where_and_what() {
    check_bad_input(
        &["normalize", "tests/fixtures/malformed.json"],
        "",
        "error: tests/fixtures/malformed.json: line 4, column 20: expected `,` or `}`; fix the JSON and try again\n",
    );
    check_bad_input(
        &["normalize", "tests/fixtures/wrong-type.json"],
        "",
        "error: tests/fixtures/wrong-type.json: line 7, column 7: /containerDefinitions/0/memory: invalid type: string \"512\", expected i64; fix the value and import again\n",
    );
    check_bad_input(
        &["normalize", "tests/fixtures/nope.json"],
        "",
        "error: tests/fixtures/nope.json: cannot read the file: No such file or directory (os error 2); check the path\n",
    );
    check_bad_input(
        &["normalize", "-"],
        "",
        "error: <stdin>: line 1, column 1: the input is empty: expected a task definition JSON document\n",
    );
    check_bad_input(
        &["normalize", "-"],
        "{\"family\": \"web\"}",
        "error: <stdin>: line 1, column 1: (document): no `containerDefinitions`: expected a task definition (register input or describe output) or a containerDefinitions array\n",
    );
    check_bad_input(
        &["normalize", "tests/fixtures"],
        "",
        "error: tests/fixtures: cannot read the file: Is a directory (os error 21); check the path\n",
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["normalize"][..], &["normalize", "a.json", "b.json"]] {
        let run = ecs_secrets(args, "");
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.contains("Usage: ecs-secrets normalize"), "{}", run.stderr);
    }
}

#[test]
fn non_utf8_input_is_refused() {
    let dir = std::env::temp_dir().join(format!("ecs-secrets-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.json");
    std::fs::write(&path, b"{\"family\": \"caf\xe9\"}").unwrap();
    let run = ecs_secrets(&["normalize", path.to_str().unwrap()], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("not UTF-8 text (invalid byte at offset 15)"), "{}", run.stderr);
}
