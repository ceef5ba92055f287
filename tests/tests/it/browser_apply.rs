//! Apply from the UI against the backend + the moto emulator: build a
//! configuration by clicking and typing, plan, confirm, watch the streamed
//! progress and the report, then read the registered task definition and
//! the created parameter back from the emulator.

use aws_sdk_ssm::Client as Ssm;
use e2e::browser::Ui;
use e2e::{ACCOUNT, Moto, REGION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_the_ui_registers_the_task_definition_in_the_emulator() {
    let Some(moto) = Moto::start() else { return };
    let Some(ui) = Ui::start(Some(&moto.endpoint)).await else { return };
    let canary = "canary-Apply-8Hw2-value";

    ui.click("#start-empty").await;
    // The backend's identity fills region and account.
    let who = ui.backend_identity().await;
    assert!(who.contains(ACCOUNT) && who.contains(REGION), "{who}");
    ui.nav("task").await;
    assert_eq!(ui.value_of("f:region").await, REGION);
    ui.type_into("f:/family", "ui-e2e").await;
    ui.nav("role").await;
    ui.type_into("f:roleName", "uiE2eExecutionRole").await;
    ui.nav("containers").await;
    let c = "/containerDefinitions/0";
    ui.type_into(&format!("f:{c}/name"), "app").await;
    ui.type_into(&format!("f:{c}/image"), "nginx:1.27").await;
    ui.click("#add-secret-0").await;
    ui.type_into(&format!("f:{c}/secrets/0/name"), "DATABASE_PASSWORD").await;
    ui.type_into(&format!("f:{c}/secrets/0/refName"), "/ui-e2e/db/password").await;
    ui.by_id(&format!("f:{c}/secrets/0/create")).await.click().await.unwrap();
    ui.type_into(&format!("f:{c}/secrets/0/value"), canary).await;

    ui.nav("apply").await;
    let plan_button = ui.wait_for("#plan-button").await;
    ui.eventually("Plan to be enabled", || async { plan_button.is_enabled().await.unwrap_or(false) }).await;
    plan_button.click().await.unwrap();
    let plan = ui.text_of("#plan").await;
    assert!(plan.contains("ui-e2e") || plan.contains("task definition"), "{plan}");
    ui.click("#confirm-apply").await;
    let report = ui.wait_for("#report").await;
    ui.eventually("the final report", || async {
        report.text().await.is_ok_and(|t| t.contains("Applied") || t.contains("failed"))
    })
    .await;
    let text = report.text().await.unwrap();
    assert!(text.contains("Applied"), "{text}\nprogress: {}", ui.text_of("#progress").await);
    let arn = ui.text_of("#registered-arn").await;
    assert!(arn.contains("task-definition/ui-e2e:"), "{arn}");
    let steps = ui.text_of("#progress").await;
    assert!(steps.to_lowercase().contains("done"), "{steps}");

    // Read back from the emulator.
    let config = moto.sdk_config().await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let described = ecs.describe_task_definition().task_definition("ui-e2e").send().await.expect("registered");
    let td = described.task_definition().expect("a task definition");
    let container = &td.container_definitions()[0];
    assert_eq!(container.image(), Some("nginx:1.27"));
    let secret = &container.secrets()[0];
    assert_eq!(secret.name(), "DATABASE_PASSWORD");
    assert_eq!(secret.value_from(), format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/ui-e2e/db/password"));
    assert_eq!(td.execution_role_arn(), Some(format!("arn:aws:iam::{ACCOUNT}:role/uiE2eExecutionRole").as_str()));
    let parameter = Ssm::new(&config)
        .get_parameter()
        .name("/ui-e2e/db/password")
        .with_decryption(true)
        .send()
        .await
        .expect("the parameter was created");
    assert_eq!(parameter.parameter().and_then(|p| p.value()), Some(canary), "the value typed in the UI");
    assert!(!ui.storage_dump().await.contains(canary), "no secret value in browser storage");
    ui.close().await;
}
