//! The Audit page in headless Chromium against the backend + moto, through
//! what a person sees: the services listed green or red, choosing one loads
//! its task definition into the editor with its findings; and with
//! `serve --offline` the page says that audit needs AWS.

use e2e::Moto;
use e2e::browser::Ui;
use fantoccini::Locator;

use crate::audit::{CANARY_PARAMETER, CANARY_SECRET, VERDICTS, estate};

/// The service button labelled `label` (its aria-label, `cluster/service: verdict`).
async fn service_button(ui: &Ui, label: &str) -> fantoccini::elements::Element {
    ui.labelled(label, 0).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_lists_services_red_and_green_and_loads_one_into_the_editor() {
    let Some(moto) = Moto::start() else { return };
    estate(&moto).await;
    let Some(ui) = Ui::start(Some(&moto.endpoint)).await else { return };
    ui.go_to("Audit").await;
    let run = ui.client.find(Locator::XPath("//button[normalize-space(.)='Run audit']")).await.expect("Run audit");
    ui.eventually("Run audit to be enabled", || async { run.is_enabled().await.unwrap_or(false) }).await;
    ui.press_exact("Run audit", 0).await;
    ui.eventually("the audit's answer", || async { ui.text_of("main").await.contains("with findings") }).await;
    let summary = ui.text_of("#audit-summary").await;
    assert!(summary.contains("4 service(s) in eu-west-1: 1 ok, 2 with findings, 1 denied"), "{summary}");

    // Green for ok, red for findings and denied.
    for (name, verdict) in VERDICTS {
        let (label, class) = (format!("{name}: {verdict}"), if verdict == "ok" { "pill ok" } else { "pill bad" });
        let button = service_button(&ui, &label).await;
        let pill = button.find(Locator::Css("span")).await.expect("verdict pill");
        assert_eq!(pill.attr("class").await.unwrap().as_deref(), Some(class), "{label}");
    }

    // Choosing a service loads what it runs, and the page's checks show its
    // diagnostics; the live findings are listed beside.
    service_button(&ui, "staging/plaintext: findings").await.click().await.unwrap();
    ui.eventually("the plaintext credential in Diagnostics", || async {
        ui.text_of("[aria-label='Diagnostics']").await.contains("ES080")
    })
    .await;
    assert!(ui.text_of("[aria-label='Live findings']").await.contains("1 error(s)"));
    service_button(&ui, "staging/denied: denied").await.click().await.unwrap();
    ui.eventually("the denied reference", || async {
        let findings = ui.text_of("[aria-label='Live findings']").await;
        findings.contains("denied") && findings.contains("ssm:GetParameters")
    })
    .await;
    assert!(ui.text_of("#status").await.contains("Loaded staging/denied"), "{}", ui.text_of("#status").await);
    ui.go_to("Task definition").await;
    assert_eq!(ui.labelled_value("Family", 0).await, "denied", "the editor holds the service's revision");

    let page = ui.text_of("body").await + &ui.storage_dump().await;
    for canary in [CANARY_PARAMETER, CANARY_SECRET] {
        assert!(!page.contains(canary), "a value reached the page");
    }
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_audit_page_says_it_needs_aws() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.go_to("Audit").await;
    let alert = ui
        .wait_for_element(
            Locator::XPath("//*[@role='alert'][contains(., 'Audit needs AWS')]"),
            "an alert saying audit needs AWS",
        )
        .await;
    assert!(alert.text().await.unwrap().contains("--offline"), "{}", alert.text().await.unwrap());
    let run = ui.client.find(Locator::XPath("//button[normalize-space(.)='Run audit']")).await.expect("Run audit");
    assert!(!run.is_enabled().await.unwrap(), "nothing to run without AWS");
    ui.close().await;
}
