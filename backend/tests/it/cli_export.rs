//! `ecs-secrets export BUNDLE --format …`: each download of the UI, byte for
//! byte, on stdout; bad input exits 2 naming the file.

use crate::cli_support::ecs_secrets;
use serde_json::Value;
use shared::downloads::Download;
use shared::workspace::Workspace;

/// The seed example's `bundle.json`, as the UI downloads it, in a file.
fn seed_bundle() -> String {
    static WRITTEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    WRITTEN
        .get_or_init(|| {
            let ws = Workspace::seed_example();
            let text = Download::Bundle.text(&ws.bundle, &ws.analyze());
            let path = std::env::temp_dir().join(format!("ecs-secrets-export-seed-{}.json", std::process::id()));
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        })
        .clone()
}

/// What the page offers for the seed example (the UI computes its
/// downloads from its workspace; export reads them back from bundle.json).
fn expected(download: Download) -> String {
    let ws = Workspace::seed_example();
    download.text(&ws.bundle, &ws.analyze())
}

#[test]
fn every_format_prints_the_ui_download() {
    let formats = [
        ("task-definition", Download::TaskDefinition),
        ("trust-policy", Download::TrustPolicy),
        ("execution-role-policy", Download::ExecutionRolePolicy),
        ("deploy-sh", Download::DeployScript),
    ];
    for (format, download) in formats {
        let run = ecs_secrets(&["export", &seed_bundle(), "--format", format], "");
        assert_eq!(run.code, 0, "{format}: {}", run.transcript());
        assert_eq!(run.stdout, expected(download), "{format}");
        assert_eq!(run.stderr, "", "{format}");
    }
}

#[test]
fn each_format_is_what_its_consumer_reads() {
    let td: Value =
        serde_json::from_str(&ecs_secrets(&["export", &seed_bundle(), "--format", "task-definition"], "").stdout)
            .expect("task-definition is JSON");
    assert_eq!(td["family"], "web");
    assert_eq!(td["containerDefinitions"][0]["secrets"][0]["name"], "DATABASE_PASSWORD");
    let trust: Value =
        serde_json::from_str(&ecs_secrets(&["export", &seed_bundle(), "--format", "trust-policy"], "").stdout).unwrap();
    assert_eq!(trust["Statement"][0]["Principal"]["Service"], "ecs-tasks.amazonaws.com");
    let policy: Value =
        serde_json::from_str(&ecs_secrets(&["export", &seed_bundle(), "--format", "execution-role-policy"], "").stdout)
            .unwrap();
    let actions = policy.to_string();
    assert!(actions.contains("ssm:GetParameters") && actions.contains("secretsmanager:GetSecretValue"), "{policy}");
    let script = ecs_secrets(&["export", &seed_bundle(), "--format", "deploy-sh"], "").stdout;
    assert!(script.starts_with("#!/usr/bin/env bash\n"), "{script}");
    assert!(script.contains("--policy-name 'ecs-secrets-web'"), "{script}");
}

#[test]
fn bad_bundles_and_formats_exit_2() {
    let missing = ecs_secrets(&["export", "tests/fixtures/no-such-bundle.json", "--format", "deploy-sh"], "");
    assert_eq!(missing.code, 2, "{}", missing.transcript());
    assert!(missing.stderr.contains("no-such-bundle.json"), "{}", missing.transcript());
    assert_eq!(missing.stdout, "");
    let wrong = ecs_secrets(&["export", &seed_bundle(), "--format", "zip"], "");
    assert_eq!(wrong.code, 2, "{}", wrong.transcript());
    assert!(wrong.stderr.contains("task-definition"), "the error lists the formats: {}", wrong.transcript());
}
