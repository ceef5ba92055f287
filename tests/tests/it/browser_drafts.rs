//! Issue 8, items 1 and 2, in headless Chromium: nothing typed for a secret
//! reference is lost (navigation, region/account filled later, renaming,
//! switching store, reordering containers, undo, reload), "New, empty" takes
//! the backend's identity, and a Fix button applies the fix of the document
//! as it is at the click. Driven through labels, buttons and visible text.

use e2e::browser::Ui;
use e2e::{ACCOUNT, Moto, REGION};

const VARIABLE: &str = "Variable name";
const STORE: &str = "Store";
const SECRET_NAME: &str = "Secret name";
const PARAMETER_NAME: &str = "Parameter name";
const VALUE_FROM: &str = "valueFrom (built for you; edit by hand if you must)";
const CREATE: &str = "Create this secret at Apply";
const VALUE: &str = "Value (memory only, sent only with Apply)";

/// New, empty; one secret `API_TOKEN` in the first container.
async fn empty_with_one_secret(ui: &Ui) {
    ui.press("New, empty", 0).await;
    ui.go_to("Containers & secrets").await;
    ui.press_exact("+ Secret", 0).await;
    ui.type_labelled(VARIABLE, 0, "API_TOKEN").await;
}

/// Types [`REGION`] and [`ACCOUNT`] on the Task definition page, then goes
/// back to Containers & secrets.
async fn fill_location(ui: &Ui) {
    ui.go_to("Task definition").await;
    ui.type_labelled("Region", 0, REGION).await;
    ui.type_labelled("Account id", 0, ACCOUNT).await;
    ui.go_to("Containers & secrets").await;
}

async fn select_store(ui: &Ui, nth: usize, value: &str) {
    ui.labelled(STORE, nth).await.select_by_value(value).await.expect("choose the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secrets_manager_draft_survives_navigation_and_becomes_its_arn_when_the_location_is_known() {
    let Some(ui) = Ui::start(None).await else { return };
    empty_with_one_secret(&ui).await;
    select_store(&ui, 0, "secretsmanager").await;
    ui.type_labelled(SECRET_NAME, 0, "web/api-token").await;
    // Offline: no region/account yet, so no ARN can be built.
    assert_eq!(ui.labelled_value(VALUE_FROM, 0).await, "");
    ui.go_to("Task definition").await;
    ui.go_to("Containers & secrets").await;
    assert_eq!(ui.labelled_value(STORE, 0).await, "secretsmanager", "the store is kept");
    assert_eq!(ui.labelled_value(SECRET_NAME, 0).await, "web/api-token", "the name is kept");
    fill_location(&ui).await;
    let arn = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-token");
    assert_eq!(ui.labelled_value(VALUE_FROM, 0).await, arn);
    assert!(ui.preview("task-definition.json").await.contains(&arn));
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_ssm_name_becomes_its_canonical_arn_when_the_location_is_known() {
    let Some(ui) = Ui::start(None).await else { return };
    empty_with_one_secret(&ui).await;
    ui.type_labelled(PARAMETER_NAME, 0, "/web/db/password").await;
    assert_eq!(ui.labelled_value(VALUE_FROM, 0).await, "/web/db/password");
    fill_location(&ui).await;
    assert_eq!(
        ui.labelled_value(VALUE_FROM, 0).await,
        format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db/password")
    );
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_create_secret_keeps_create_and_its_value() {
    let Some(ui) = Ui::start(None).await else { return };
    let canary = "canary-Rename-5tq-value";
    empty_with_one_secret(&ui).await;
    ui.type_labelled(PARAMETER_NAME, 0, "/web/token").await;
    ui.checkbox(CREATE, 0).await.click().await.expect("tick create");
    ui.type_labelled(VALUE, 0, canary).await;
    ui.eventually("value set", || async { ui.text_of(".create-row .pill").await == "value set" }).await;
    ui.type_labelled(PARAMETER_NAME, 0, "/web/token-2").await;
    let create = ui.checkbox(CREATE, 0).await;
    assert!(create.prop("checked").await.unwrap().is_some_and(|c| c == "true"), "create survives the rename");
    assert_eq!(ui.text_of(".create-row .pill").await, "value set", "the value follows the rename");
    let bundle = ui.preview("bundle.json").await;
    assert!(bundle.contains("\"/web/token-2\"") && bundle.contains("\"create\": true"), "{bundle}");
    assert!(!bundle.contains(canary));
    assert!(!ui.storage_dump().await.contains(canary));
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_an_ssm_name_to_secrets_manager_adds_no_leading_slash() {
    let Some(ui) = Ui::start(None).await else { return };
    empty_with_one_secret(&ui).await;
    fill_location(&ui).await;
    ui.type_labelled(PARAMETER_NAME, 0, "web/db").await;
    select_store(&ui, 0, "secretsmanager").await;
    assert_eq!(ui.labelled_value(SECRET_NAME, 0).await, "web/db");
    assert_eq!(
        ui.labelled_value(VALUE_FROM, 0).await,
        format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/db")
    );
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reordering_containers_undo_and_reload_keep_drafts_but_no_values() {
    let Some(ui) = Ui::start(None).await else { return };
    let canary = "canary-Reload-9vv-value";
    ui.press("New, empty", 0).await;
    ui.go_to("Containers & secrets").await;
    ui.press("+ Add container", 0).await;
    ui.type_labelled("Name", 1, "sidecar").await;
    ui.press_exact("+ Secret", 1).await;
    ui.type_labelled(VARIABLE, 0, "API_TOKEN").await;
    select_store(&ui, 0, "secretsmanager").await;
    ui.type_labelled(SECRET_NAME, 0, "web/api-token").await;
    ui.press("Move container up", 1).await;
    ui.eventually("sidecar first", || async { ui.labelled_value("Name", 0).await == "sidecar" }).await;
    assert_eq!(ui.labelled_value(SECRET_NAME, 0).await, "web/api-token", "the draft moved with its container");
    ui.press("↶ Undo", 0).await;
    ui.eventually("sidecar second again", || async { ui.labelled_value("Name", 1).await == "sidecar" }).await;
    assert_eq!(ui.labelled_value(STORE, 0).await, "secretsmanager");
    assert_eq!(ui.labelled_value(SECRET_NAME, 0).await, "web/api-token", "undo keeps the draft");
    // A "create" secret with a value, then F5.
    ui.press_exact("+ Secret", 0).await;
    ui.type_labelled(PARAMETER_NAME, 0, "/web/reload").await;
    ui.checkbox(CREATE, 0).await.click().await.expect("tick create");
    ui.type_labelled(VALUE, 0, canary).await;
    ui.settled().await;
    ui.client.refresh().await.expect("reload");
    ui.go_to("Containers & secrets").await;
    assert_eq!(ui.labelled_value(PARAMETER_NAME, 0).await, "/web/reload");
    assert_eq!(ui.labelled_value(SECRET_NAME, 0).await, "web/api-token", "the draft survives the reload");
    let create = ui.checkbox(CREATE, 0).await;
    assert!(create.prop("checked").await.unwrap().is_some_and(|c| c == "true"));
    assert_eq!(ui.labelled_value(VALUE, 0).await, "", "values are not kept");
    assert_eq!(ui.text_of(".create-row .pill").await, "no value yet");
    let stored = ui.storage_dump().await;
    assert!(stored.contains("web/api-token") && !stored.contains(canary), "{stored}");
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_empty_takes_region_and_account_from_the_backend() {
    let Some(moto) = Moto::start() else { return };
    let Some(ui) = Ui::start(Some(&moto.endpoint)).await else { return };
    // The identity is known once Apply shows it...
    ui.go_to("Apply").await;
    ui.eventually("the backend's identity", || async { ui.text_of("#whoami").await.contains(ACCOUNT) }).await;
    // ...and "New, empty" fills region and account from it, as the first load does.
    ui.go_to("Start").await;
    ui.press("New, empty", 0).await;
    ui.go_to("Task definition").await;
    assert_eq!(ui.labelled_value("Region", 0).await, REGION);
    assert_eq!(ui.labelled_value("Account id", 0).await, ACCOUNT);
    ui.close().await;
}

/// Seen: `API_SECRET_KEY=sk_live_…` added, then `LOG_LEVEL=info`; "Move
/// API_SECRET_KEY to SSM" (computed when `environment` had one entry) also
/// deleted `LOG_LEVEL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_api_secret_key_to_ssm_after_adding_log_level_keeps_log_level() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.press("New, empty", 0).await;
    ui.go_to("Containers & secrets").await;
    ui.press_exact("+ Variable", 0).await;
    ui.type_labelled("Variable name", 0, "API_SECRET_KEY").await;
    ui.type_labelled("Variable value", 0, "sk_live_4eC39HqLyjWDarjtT1zdp7dc").await;
    ui.settled().await;
    // The fix is on screen; a second variable is added before clicking it.
    ui.wait_for(".fix-button").await;
    ui.press_exact("+ Variable", 0).await;
    ui.type_labelled("Variable name", 1, "LOG_LEVEL").await;
    ui.type_labelled("Variable value", 1, "info").await;
    ui.press("Fix: Move API_SECRET_KEY", 0).await;
    ui.eventually("one variable left", || async {
        ui.client.find_all(fantoccini::Locator::Css(".env-row")).await.map(|r| r.len()).unwrap_or(0) == 1
    })
    .await;
    assert_eq!(ui.labelled_value("Variable name", 0).await, "LOG_LEVEL");
    assert_eq!(ui.labelled_value("Variable value", 0).await, "info");
    let td = ui.preview("task-definition.json").await;
    assert!(td.contains("LOG_LEVEL") && !td.contains("sk_live_"), "{td}");
    assert!(td.contains("\"name\": \"API_SECRET_KEY\""), "moved to secrets: {td}");
    ui.close().await;
}
