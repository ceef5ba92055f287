//! Rotate from the UI against the backend + moto: type the secret's name,
//! see its consumers across two clusters, type the new value in the
//! no-echo field, rotate with streamed progress, then read the value back
//! from the emulator. Everything is found by its label or visible text.

use e2e::browser::Ui;
use e2e::{ACCOUNT, Moto, REGION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_from_the_ui_writes_the_value_and_redeploys_the_consumers() {
    let Some(moto) = Moto::start() else { return };
    let (arn, _) = super::rotate::estate(&moto).await;
    let Some(ui) = Ui::start(Some(&moto.endpoint)).await else { return };
    let canary = "canary-Rotate-5Kq8-value";

    ui.go_to("Rotate").await;
    ui.type_labelled("Secret (name or ARN)", 0, "web/api").await;
    ui.press("Find consumers", 0).await;
    let plan = ui.wait_for("#rotate-plan").await;
    ui.eventually("the consumers", || async { plan.text().await.is_ok_and(|t| t.contains("service(s) use")) }).await;
    let text = plan.text().await.unwrap();
    assert!(text.contains(&format!("4 service(s) use {arn}")), "{text}");
    for (cluster, service) in [("blue", "web"), ("blue", "api"), ("green", "worker"), ("green", "reader")] {
        assert!(text.contains(cluster) && text.contains(service), "{service}: {text}");
    }
    assert!(!text.contains("other"), "blue/other does not use the secret: {text}");
    assert!(text.contains("pinned to version stage AWSPREVIOUS"), "{text}");

    let label = "New value (not shown, kept in this page's memory only)";
    let field = ui.labelled(label, 0).await;
    assert_eq!(field.attr("type").await.unwrap().as_deref(), Some("password"), "the value is not echoed");
    ui.type_labelled(label, 0, canary).await;
    ui.press("Write the value and redeploy", 0).await;
    let report = ui.wait_for("#rotate-report").await;
    ui.eventually("the rotation's report", || async {
        report.text().await.is_ok_and(|t| t.contains("Rotated") || t.contains("failed"))
    })
    .await;
    let text = report.text().await.unwrap();
    assert!(text.starts_with("Rotated") && !text.contains("not everywhere"), "{text}");
    assert!(text.contains("green/worker: redeployed, 0 stale task(s)"), "{text}");
    let progress = ui.text_of("#rotate-progress").await;
    assert!(progress.contains("redeploying blue/web") && progress.contains("wrote web/api"), "{progress}");
    assert!(!progress.contains(canary) && !text.contains(canary));
    assert_eq!(ui.labelled_value(label, 0).await, "", "the value left the page once written");

    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    let value = secrets.get_secret_value().secret_id(&arn).send().await.expect("the secret");
    assert_eq!(value.secret_string(), Some(canary), "the value typed in the UI");
    assert!(arn.starts_with(&format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-")));
    assert!(!ui.storage_dump().await.contains(canary), "no secret value in browser storage");
    ui.close().await;
}
