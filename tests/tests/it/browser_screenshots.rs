//! Screenshots of the main screens at 1280×800, for the README (`docs/`).
//! Written to `ECS_SECRETS_SCREENSHOTS` (e.g. `docs`), else to a temporary
//! directory; each must be a real PNG of the window.

use std::path::PathBuf;

use e2e::browser::Ui;

async fn shot(ui: &Ui, dir: &std::path::Path, name: &str) {
    ui.js("if (document.activeElement) { document.activeElement.blur(); } document.getElementById('main').scrollTop = 0; return true;")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let png = ui.client.screenshot().await.expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
    assert!(png.len() > 20_000, "{name} is not blank ({} bytes)", png.len());
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_screens() {
    let Some(ui) = Ui::start(None).await else { return };
    let dir = std::env::var("ECS_SECRETS_SCREENSHOTS")
        .map(|d| e2e::browser::workspace_root().join(d))
        .unwrap_or_else(|_| std::env::temp_dir().join(format!("ecs-secrets-shots-{}", std::process::id())));
    let dir: PathBuf = dir;
    std::fs::create_dir_all(&dir).unwrap();

    ui.click("#start-example").await;
    ui.click("#add-env-0").await;
    ui.type_into("f:/containerDefinitions/0/environment/0/name", "DB_PASSWORD").await;
    ui.type_into("f:/containerDefinitions/0/environment/0/value", "s3cr3t-Pa55word!").await;
    ui.wait_for("#diagnostics .fix-button").await;
    shot(&ui, &dir, "containers").await;

    ui.click("#diagnostics .fix-button").await;
    ui.nav("role").await;
    ui.click("#add-policy").await;
    ui.type_into(
        "existing-policy-0",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/web/*"}]}"#,
    )
    .await;
    shot(&ui, &dir, "execution-role").await;
    ui.open_access_map().await;
    shot(&ui, &dir, "access-map").await;

    ui.nav("decoder").await;
    let reason = e2e::browser::SPLUNK_TOKEN_ACCESS_DENIED;
    ui.paste("decoder-input", reason).await;
    ui.wait_for("#apply-decoder-fix").await;
    shot(&ui, &dir, "error-decoder").await;

    ui.nav("apply").await;
    ui.wait_for("#whoami .pill").await;
    shot(&ui, &dir, "apply").await;

    ui.nav("rotate").await;
    shot(&ui, &dir, "rotate").await;
    ui.nav("audit").await;
    shot(&ui, &dir, "audit").await;

    ui.click("[id='tab-deploy.sh']").await;
    ui.nav("start").await;
    shot(&ui, &dir, "start").await;
    ui.close().await;
}
