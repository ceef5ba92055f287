//! The UI in headless Chromium against the real `ecs-secrets serve`: build
//! the seed configuration by clicking and typing, downloads, lossless
//! import/export, the move-to-secret fix, the access map with the decoder's
//! fix, and persistence without secret values.

use std::time::Duration;

use e2e::browser::Ui;
use serde_json::Value;
use shared::workspace::Workspace;

/// The files the UI offers, computed from a workspace by the same `shared`
/// function `ecs-secrets export` uses.
fn expected_files(ws: &Workspace) -> Vec<(&'static str, String)> {
    let (bundle, analysis) = (&ws.bundle, ws.analyze());
    shared::downloads::Download::ALL.iter().map(|d| (d.file_name(), d.text(bundle, &analysis))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_the_seed_configuration_from_scratch_and_downloads_the_expected_files() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.click("#start-empty").await;
    // Task definition.
    ui.type_into("f:/family", "web").await;
    ui.type_into("f:region", "us-east-1").await;
    ui.type_into("f:account", "123456789012").await;
    ui.nav("role").await;
    ui.type_into("f:roleName", "webTaskExecutionRole").await;
    // The container.
    ui.nav("containers").await;
    let c = "/containerDefinitions/0";
    ui.type_into(&format!("f:{c}/name"), "web").await;
    ui.type_into(&format!("f:{c}/image"), "httpd:2.4").await;
    ui.click("#add-port-0").await;
    ui.type_into(&format!("f:{c}/portMappings/0/containerPort"), "80").await;
    ui.click("#add-secret-0").await;
    ui.type_into(&format!("f:{c}/secrets/0/name"), "DATABASE_PASSWORD").await;
    ui.select(&format!("f:{c}/secrets/0/store"), "ssm").await;
    ui.type_into(&format!("f:{c}/secrets/0/refName"), "/web/db/password").await;
    assert_eq!(
        ui.value_of(&format!("f:{c}/secrets/0/valueFrom")).await,
        "arn:aws:ssm:us-east-1:123456789012:parameter/web/db/password",
        "the canonical valueFrom is built from the parts"
    );
    ui.select(&format!("f:{c}/logConfiguration/logDriver"), "splunk").await;
    ui.type_into(
        &format!("f:{c}/logConfiguration/options"),
        "splunk-url=https://http-inputs-example.splunkcloud.com:443\nsplunk-source=web\nsplunk-format=json",
    )
    .await;
    ui.click("#add-secret-option-0").await;
    let so = format!("{c}/logConfiguration/secretOptions/0");
    ui.type_into(&format!("f:{so}/name"), "splunk-token").await;
    ui.select(&format!("f:{so}/store"), "secretsmanager").await;
    ui.type_into(&format!("f:{so}/refName"), "web/splunk-token").await;
    ui.by_id(&format!("f:{c}/secrets/0/create")).await.click().await.unwrap();
    ui.by_id(&format!("f:{so}/create")).await.click().await.unwrap();

    let seed = Workspace::seed_example();
    for (file, expected) in expected_files(&seed) {
        let shown = ui.preview(file).await;
        assert_eq!(shown, expected, "{file} differs from the seed's");
    }
    // The download buttons hand the browser exactly these bytes under these
    // names: read each Blob back as the browser receives it.
    ui.capture_downloads().await;
    ui.click("[id='tab-deploy.sh']").await;
    ui.click("#download").await;
    ui.click("#download-all").await;
    let downloads = ui.captured_download_bytes(2).await;
    assert_eq!(downloads[0].0, "deploy.sh");
    assert_eq!(
        String::from_utf8_lossy(&downloads[0].1),
        expected_files(&seed).into_iter().find(|(n, _)| *n == "deploy.sh").unwrap().1,
        "downloaded deploy.sh"
    );
    // "Download all" is one zip that unzip and Python's zipfile read, holding
    // exactly the single downloads (deploy.sh executable).
    assert_eq!(downloads[1].0, "ecs-secrets.zip");
    let dir = e2e::TempDir::new("zip");
    let zip = dir.0.join("ecs-secrets.zip");
    std::fs::write(&zip, &downloads[1].1).unwrap();
    let listing = e2e::zip_contents(&zip);
    let expected: Vec<(String, String)> = expected_files(&seed).into_iter().map(|(n, t)| (n.to_owned(), t)).collect();
    assert_eq!(listing.files, expected);
    assert_eq!(listing.executable, ["deploy.sh"]);
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_describe_output_and_exports_it_losslessly() {
    let Some(ui) = Ui::start(None).await else { return };
    let fixture = e2e::browser::workspace_root().join("shared/tests/fixtures/lint/describe_output_wrapped.json");
    let text = std::fs::read_to_string(fixture).unwrap();
    ui.nav("start").await;
    // Typing 3 KB key by key is slow; paste it and fire the input event.
    ui.paste("import-text", &text).await;
    ui.click("#import-button").await;
    let notes = ui.text_of("#import-notes").await;
    assert!(notes.contains("taskDefinitionArn"), "the stripped read-only fields are reported: {notes}");
    let exported: Value = serde_json::from_str(&ui.preview("task-definition.json").await).unwrap();
    let mut expected: Value = serde_json::from_str::<Value>(&text).unwrap()["taskDefinition"].clone();
    for field in shared::import::READ_ONLY_FIELDS {
        expected.as_object_mut().unwrap().remove(field);
    }
    // DescribeTaskDefinition --include TAGS returns the tags beside the
    // task definition; RegisterTaskDefinition takes them inside.
    if let Some(tags) = serde_json::from_str::<Value>(&text).unwrap().get("tags") {
        expected["tags"] = tags.clone();
    }
    assert_eq!(exported, expected);
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_password_is_flagged_and_moved_to_a_secret_with_one_click() {
    let Some(ui) = Ui::start(None).await else { return };
    let canary = "canary-7Qx9-hunter2-Zp";
    ui.click("#start-example").await;
    ui.click("#add-env-0").await;
    ui.type_into("f:/containerDefinitions/0/environment/0/name", "DB_PASSWORD").await;
    ui.type_into("f:/containerDefinitions/0/environment/0/value", canary).await;
    // A diagnostic is a link to its field: from another section, a click
    // shows the containers and focuses the flagged value.
    ui.nav("role").await;
    ui.click("#diagnostics li[data-code='ES081'] .diagnostic-body").await;
    ui.eventually("the flagged field to be focused", || async {
        ui.js("return document.activeElement && document.activeElement.id;").await.as_str()
            == Some("f:/containerDefinitions/0/environment/0/value")
    })
    .await;
    let fix = ui.wait_for("#diagnostics .fix-button").await;
    let title = fix.text().await.unwrap();
    assert!(title.contains("Move DB_PASSWORD to"), "{title}");
    fix.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let td: Value = serde_json::from_str(&ui.preview("task-definition.json").await).unwrap();
    assert!(!td.to_string().contains(canary), "{td}");
    let secrets = td["containerDefinitions"][0]["secrets"].as_array().unwrap();
    assert!(secrets.iter().any(|s| s["name"] == "DB_PASSWORD"), "{td}");
    assert!(td["containerDefinitions"][0].get("environment").is_none(), "{td}");
    for file in ["bundle.json", "deploy.sh"] {
        assert!(!ui.preview(file).await.contains(canary), "{file} leaks the value");
    }
    assert!(!ui.storage_dump().await.contains(canary), "browser storage leaks the value");
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_reference_turns_the_access_map_red_and_the_decoder_fix_clears_it() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.click("#start-example").await;
    ui.nav("role").await;
    ui.click("#add-policy").await;
    ui.type_into(
        "existing-policy-0",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/web/db/password"}]}"#,
    )
    .await;
    // The check follows the settled document (a person sees it a moment
    // after typing stops), so wait for what they would read.
    ui.settled().await;
    ui.eventually("the access check to report one denial", || async {
        ui.text_of("#access-summary").await.starts_with("Denied: 1 of 2")
    })
    .await;
    ui.open_access_map().await;
    assert_eq!(ui.access_map_rows("denied").await, 1);
    let stroke =
        ui.js("return getComputedStyle(document.querySelector('#access-map g.node.denied rect')).stroke;").await;
    assert_eq!(stroke.as_str(), Some("rgb(198, 40, 40)"), "denied nodes are drawn red");

    ui.nav("decoder").await;
    let reason = e2e::browser::SPLUNK_TOKEN_ACCESS_DENIED;
    ui.paste("decoder-input", reason).await;
    ui.click("#apply-decoder-fix").await;
    ui.settled().await;
    ui.open_access_map().await;
    assert_eq!(ui.access_map_rows("denied").await, 0, "the fix allows the reference");
    assert_eq!(ui.access_map_rows("allowed").await, 2);
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reload_the_configuration_is_back_without_any_secret_value() {
    let Some(ui) = Ui::start(None).await else { return };
    let canary = "canary-Reload-4Tq8-secret";
    ui.click("#start-example").await;
    ui.type_into("f:/containerDefinitions/0/image", "httpd:2.4-alpine").await;
    ui.type_into("f:/containerDefinitions/0/secrets/0/value", canary).await;
    ui.wait_for(".pill.ok").await;
    ui.client.goto(&ui.origin).await.unwrap();
    ui.wait_for("#nav-start").await;
    let status = ui.text_of("#status").await;
    assert!(status.contains("Restored"), "{status}");
    ui.nav("containers").await;
    assert_eq!(ui.value_of("f:/containerDefinitions/0/image").await, "httpd:2.4-alpine");
    let storage = ui.storage_dump().await;
    assert!(storage.contains("httpd:2.4-alpine"), "the configuration is saved: {storage}");
    assert!(!storage.contains(canary), "no secret value in browser storage: {storage}");
    ui.close().await;
}

/// Regression: the saved copy follows the document once typing pauses
/// (120 ms), so a reload right after the last key lost that edit (seen as a
/// flaky browser_flows test: an import gone after F5). The page saves once
/// more as it goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_right_after_typing_keeps_what_was_typed() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.click("#start-example").await;
    ui.settled().await;
    ui.type_into("f:/containerDefinitions/0/image", "httpd:2.4-alpine").await;
    // No wait for the pause: the reload follows the last key at once.
    ui.js("location.reload(); return true;").await;
    ui.wait_for("#nav-start").await;
    ui.nav("containers").await;
    assert_eq!(ui.value_of("f:/containerDefinitions/0/image").await, "httpd:2.4-alpine");
    ui.close().await;
}

/// Regression (issue 10): a Terraform `container_definitions` file pasted
/// into the UI gets the command line's verdict — one ES013 note that the
/// resource sets `family` and the execution role — not ES001/ES015 errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terraform_container_definitions_array_gets_one_note_not_errors() {
    let Some(ui) = Ui::start(None).await else { return };
    let fixture =
        e2e::browser::workspace_root().join("shared/tests/fixtures/lint/terraform_container_definitions.json");
    ui.import(&std::fs::read_to_string(fixture).unwrap()).await;
    ui.settled().await;
    let listed = ui.text_of("#diagnostics").await;
    assert!(listed.contains("ES013"), "{listed}");
    assert!(listed.contains("must set `family` and `execution_role_arn`"), "{listed}");
    assert!(!listed.contains("ES001") && !listed.contains("ES015"), "{listed}");
    assert!(ui.text_of("#diagnostics-summary").await.starts_with("0 error(s), 0 warning(s), 1 note(s)"));
    // A family typed in the UI is the resource's: checked like any other.
    ui.nav("task").await;
    ui.type_into("f:/family", "not a family!").await;
    ui.settled().await;
    ui.eventually("ES001 for the typed family", || async { ui.text_of("#diagnostics").await.contains("ES001") }).await;
    ui.close().await;
}

/// Regression (issue 14 item 5): the UI's WASM parses floats exactly
/// (serde_json's `float_roundtrip`, as on the command line), so a number
/// survives import and export unchanged (`1e-28` does not come back as
/// `1.0000000000000001e-28`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floats_survive_import_and_export_in_the_browser() {
    let Some(ui) = Ui::start(None).await else { return };
    let numbers = ["1e-28", "0.1", "2.718281828459045", "1.7976931348623157e+308", "5e-324"];
    let text = format!(
        r#"{{"family": "floats", "containerDefinitions": [{{"name": "app", "image": "nginx"}}], "x-tuning": [{}]}}"#,
        numbers.join(", ")
    );
    ui.import(&text).await;
    // The numbers as the preview writes them (not re-printed by this test).
    let exported = ui.preview("task-definition.json").await;
    let list = exported.split("\"x-tuning\": [").nth(1).and_then(|rest| rest.split(']').next());
    let shown: Vec<&str> = list.unwrap_or_default().split(',').map(str::trim).collect();
    assert_eq!(shown, numbers, "{exported}");
    ui.close().await;
}
