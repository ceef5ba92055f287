//! The UI flows of issue 8 in headless Chromium, through what a person sees
//! and clicks: layout (Fix buttons clickable, nothing off screen at 420 px,
//! full names in the access map, badge colours), the session surviving a
//! reload with a one-time launch code, Apply's failures, empty plans and
//! re-plans, the service rows, and the decoder's fix.

use std::time::Duration;

use e2e::browser::Ui;
use e2e::{ACCOUNT, Moto, REGION};
use fantoccini::Locator;
use serde_json::{Value, json};

/// Whether the page scrolls sideways.
async fn scrolls_sideways(ui: &Ui) -> bool {
    ui.js("return document.scrollingElement.scrollWidth > window.innerWidth;").await.as_bool().unwrap_or(true)
}

/// Whether every element matching `css` lies within the viewport's width.
async fn all_on_screen(ui: &Ui, css: &str) -> Value {
    ui.client
        .execute(
            "const all = [...document.querySelectorAll(arguments[0])]; \
             return all.length > 0 && all.every(e => { const r = e.getBoundingClientRect(); \
               return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; });",
            vec![Value::String(css.into())],
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_buttons_are_never_covered_and_nothing_is_off_screen_at_420_px() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.click("#start-example").await;
    // Several diagnostics with fixes: plaintext passwords in variables.
    for (i, (name, value)) in
        [("DB_PASSWORD", "hunter2-Plain-1"), ("API_SECRET_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc")]
            .into_iter()
            .enumerate()
    {
        ui.click("#add-env-0").await;
        ui.type_into(&format!("f:/containerDefinitions/0/environment/{i}/name"), name).await;
        ui.type_into(&format!("f:/containerDefinitions/0/environment/{i}/value"), value).await;
    }
    ui.settled().await;
    ui.wait_for("#diagnostics .fix-button").await;
    let fixes = ui.count("#diagnostics .fix-button").await;
    assert!(fixes >= 2, "two fixes offered, found {fixes}");
    // At each Fix button's centre is the button itself, not the next card.
    let covered = ui
        .js("return [...document.querySelectorAll('#diagnostics .fix-button')].filter(b => { \
               b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect(); \
               const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
               return !(hit === b || b.contains(hit)); }).map(b => b.textContent);")
        .await;
    assert_eq!(covered, json!([]), "Fix buttons covered by another element");
    // And a real click (WebDriver refuses to click an obscured element).
    let last = ui.client.find_all(Locator::Css("#diagnostics .fix-button")).await.unwrap().pop().unwrap();
    let title = last.text().await.unwrap();
    last.click().await.unwrap_or_else(|e| panic!("click {title}: {e}"));
    ui.eventually("the fix to apply", || async { ui.text_of("#status").await.contains("Undo is available") }).await;

    // Nav badges take the colour of the worst severity they count.
    for section in ["task", "containers"] {
        let Ok(badge) = ui.client.find(Locator::Css(&format!("#nav-{section} .badge"))).await else { continue };
        let class = badge.attr("class").await.unwrap().unwrap_or_default();
        let colour = ui
            .js(&format!("return getComputedStyle(document.querySelector('#nav-{section} .badge')).backgroundColor;"))
            .await;
        let expected = if class.contains("error") { "rgb(198, 40, 40)" } else { "rgb(178, 106, 0)" };
        assert!(class.contains("error") || class.contains("warning"), "{section}: {class}");
        assert_eq!(colour.as_str(), Some(expected), "{section} badge ({class})");
    }

    ui.client.set_window_size(420, 900).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let width = ui.js("return window.innerWidth;").await.as_u64().unwrap();
    assert!(width <= 420, "the viewport is narrow: {width}");
    for section in ["start", "task", "containers", "role", "access-map", "decoder", "apply", "audit", "rotate"] {
        ui.nav(section).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(!scrolls_sideways(&ui).await, "{section} scrolls sideways at {width} px");
        assert_eq!(all_on_screen(&ui, "#undo").await, json!(true), "Undo off screen on {section}");
        if section == "containers" {
            for control in
                ["[aria-label='Move container up']", "[aria-label='Move container down']", "[id^='remove-container-']"]
            {
                assert_eq!(all_on_screen(&ui, control).await, json!(true), "{control} off screen");
            }
        }
    }
    // The access map shows whole names and scrolls inside its own frame.
    ui.nav("access-map").await;
    let texts = ui.js("return [...document.querySelectorAll('#access-map text')].map(t => t.textContent);").await;
    let texts: Vec<&str> = texts.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for name in ["/web/db/password", "web/splunk-token", "DATABASE_PASSWORD"] {
        assert!(texts.contains(&name), "{name} shown whole: {texts:?}");
    }
    assert!(!scrolls_sideways(&ui).await);
    ui.close().await;
}

/// The bundle the Apply tests import: one secret to create, one service.
fn bundle(image: &str) -> String {
    json!({
        "version": 1, "region": REGION, "accountId": ACCOUNT,
        "taskDefinition": {
            "family": "flows", "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/flowsExec"), "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{
                "name": "app", "image": image, "essential": true,
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/flows/db")}]
            }]
        },
        "executionRole": {"name": "flowsExec", "create": true, "attachManagedPolicy": null},
        "secrets": [{"store": "ssm", "name": "/flows/db", "create": true}],
        "services": [{"cluster": "prod", "service": "web", "forceNewDeployment": true}]
    })
    .to_string()
}

async fn wait_connected(ui: &Ui) {
    let who = ui.backend_identity().await;
    assert!(who.contains("connected") && who.contains(ACCOUNT), "{who}");
}

async fn plan(ui: &Ui) -> String {
    ui.settled().await;
    let blocked = ui.text_of("#apply-blocked").await;
    assert!(blocked.is_empty() || blocked.contains("Checking"), "Plan is blocked: {blocked}");
    let button = ui.wait_for("#plan-button").await;
    ui.eventually("Plan to be enabled", || async { button.is_enabled().await.unwrap_or(false) }).await;
    button.click().await.unwrap();
    ui.eventually("the plan", || async { ui.client.find(Locator::Css("#plan, #plan-error")).await.is_ok() }).await;
    ui.text_of("#plan, #plan-error").await
}

async fn final_report(ui: &Ui) -> String {
    let report = ui.wait_for("#report").await;
    ui.eventually("the final report", || async {
        report.text().await.is_ok_and(|t| t.contains("Applied") || t.contains("failed"))
    })
    .await;
    report.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_keeps_the_session_apply_replans_and_a_dead_server_is_reported_with_a_retry() {
    let Some(moto) = Moto::start() else { return };
    moto.create_service("prod", "web", "flows").await;
    let Some(mut ui) = Ui::start(Some(&moto.endpoint)).await else { return };
    let canary = "canary-Flows-3Vb7-value";
    // The launch code is spent at once and the address bar is clean.
    assert!(ui.url.contains("/#code="), "{}", ui.url);
    ui.import(&bundle("nginx:1.27")).await;
    wait_connected(&ui).await;
    let href = ui.js("return location.href;").await;
    assert_eq!(href.as_str(), Some(format!("{}/", ui.origin).as_str()), "no code or token left in the URL");

    // F5: the same tab stays connected (the token is in sessionStorage only).
    ui.client.refresh().await.unwrap();
    ui.wait_for("#nav-start").await;
    wait_connected(&ui).await;
    let token = ui.js("return sessionStorage.getItem('ecs-secrets.session-token');").await;
    let token = token.as_str().expect("the session token is in sessionStorage").to_owned();
    assert_eq!(token.len(), 64);
    let local = ui.js("return JSON.stringify(localStorage);").await;
    assert!(!local.as_str().unwrap().contains(&token), "the token is not in localStorage");
    assert!(!ui.url.contains(&token), "the printed URL does not carry the token");

    // The service row: labelled inputs and the force-new-deployment toggle.
    let labels = ui.text_of(".service-row").await;
    for label in ["Cluster", "Service", "force new deployment"] {
        assert!(labels.contains(label), "{label} in {labels}");
    }
    assert_eq!(ui.labelled_value("Cluster", 0).await, "prod");
    assert_eq!(ui.labelled_value("Service", 0).await, "web");
    let force = ui.by_id("service-force-0").await;
    assert_eq!(force.prop("checked").await.unwrap().as_deref(), Some("true"));

    // Plan asks for the value of the one secret AWS lacks, then applies.
    let shown = plan(&ui).await;
    assert!(shown.contains("Create SecureString parameter /flows/db"), "{shown}");
    assert!(!ui.by_id("confirm-apply").await.is_enabled().await.unwrap());
    assert!(ui.text_of("#confirm-blocked").await.contains("/flows/db"));
    ui.type_into("apply-value-/flows/db", canary).await;
    ui.click("#confirm-apply").await;
    let report = final_report(&ui).await;
    assert!(report.contains("Applied"), "{report}\n{}", ui.text_of("#progress").await);

    // What now exists is no longer "to create": no value asked, the next
    // plan has nothing to do and offers no "Confirm and apply".
    let values = ui.text_of("#apply-values").await;
    assert!(values.contains("exists in AWS"), "{values}");
    let shown = plan(&ui).await;
    assert!(shown.contains("nothing to do"), "{shown}");
    assert_eq!(ui.count("#confirm-apply").await, 0, "a 0-step plan offers no Confirm and apply");

    // Turning the toggle off is in the bundle.
    force.click().await.unwrap();
    ui.settled().await;
    let bundle_json: Value = serde_json::from_str(&ui.preview("bundle.json").await).unwrap();
    assert_eq!(bundle_json["services"][0]["forceNewDeployment"], false);

    // A change, planned; then the server dies before Confirm.
    ui.nav("containers").await;
    ui.type_into("f:/containerDefinitions/0/image", "nginx:1.28").await;
    ui.nav("apply").await;
    let shown = plan(&ui).await;
    assert!(shown.contains("Register a new revision of flows"), "{shown}");
    ui.stop_server();
    ui.click("#confirm-apply").await;
    let report = final_report(&ui).await;
    assert!(report.contains("did not answer") && report.contains("retry"), "says in words what failed: {report}");
    assert!(!report.contains("{}"), "{report}");
    let badge = ui.text_of("#whoami").await;
    assert!(badge.contains("disconnected") && !badge.contains(" connected"), "{badge}");
    let progress = ui.text_of("#progress").await;
    assert!(!progress.to_lowercase().contains("pending"), "no step left pending: {progress}");
    assert!(progress.to_lowercase().contains("not run"), "{progress}");
    assert_eq!(ui.count("#retry-apply").await, 1, "a retry is offered");
    assert!(!ui.storage_dump().await.contains(canary), "no secret value in browser storage");

    // The printed URL is spent: another tab cannot use it.
    drop(moto);
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_use_of_the_launch_url_is_refused() {
    let Some(ui) = Ui::start(None).await else { return };
    // `--offline`: the identity lookup answers no_credentials, which still
    // proves the token works.
    let who = ui.backend_identity().await;
    assert!(who.contains("no AWS credentials"), "{who}");
    let window = ui.client.new_window(true).await.unwrap();
    ui.client.switch_to_window(window.handle).await.unwrap();
    ui.client.goto(&ui.url).await.unwrap();
    ui.wait_for("#nav-start").await;
    let who = ui.backend_identity().await;
    assert!(who.contains("already used"), "the spent code is refused: {who}");
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decoder_fix_says_what_it_changed_and_keeps_allowed_references_allowed() {
    let Some(ui) = Ui::start(None).await else { return };
    ui.click("#start-example").await;
    ui.open_access_map().await;
    assert_eq!(ui.access_map_rows("allowed").await, 2);
    ui.nav("decoder").await;
    let reason = e2e::browser::SPLUNK_TOKEN_ACCESS_DENIED;
    ui.paste("decoder-input", reason).await;
    let decoded = ui.text_of("#decoded").await;
    assert!(decoded.contains("Missing permission"), "{decoded}");
    for raw in ["`", "missingPermission", "*execution*"] {
        assert!(!decoded.contains(raw), "no raw markdown or internal name ({raw}): {decoded}");
    }
    assert!(ui.count("#decoded .explanation code").await > 0, "names are shown as code");
    ui.click("#apply-decoder-fix").await;
    ui.settled().await;
    let outcome = ui.text_of("#decoder-outcome").await;
    assert!(
        outcome.contains("Allow secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token")
            && outcome.contains("copy of the generated permission policy")
            && outcome.contains("#1"),
        "{outcome}"
    );
    ui.open_access_map().await;
    assert_eq!(ui.access_map_rows("denied").await, 0, "nothing turned denied");
    assert_eq!(ui.access_map_rows("allowed").await, 2);
    ui.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_say_what_they_hold_and_placeholders_match_them() {
    let Some(ui) = Ui::start(None).await else { return };
    let selected = |id: &'static str| {
        let ui = &ui;
        async move {
            ui.js(&format!("return document.getElementById('{id}').selectedOptions[0].textContent;"))
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    // A bare containerDefinitions array has no launch type or network mode:
    // the page says so instead of showing FARGATE / awsvpc.
    ui.import(r#"[{"name": "app", "image": "nginx", "memory": 256}]"#).await;
    ui.nav("task").await;
    assert!(selected("f:/requiresCompatibilities").await.contains("not set"));
    assert!(selected("f:/networkMode").await.contains("not set"));
    ui.import(r#"{"family": "f", "requiresCompatibilities": ["EC2"], "networkMode": "bridge", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 256}]}"#).await;
    ui.nav("task").await;
    assert_eq!(selected("f:/requiresCompatibilities").await, "EC2");
    assert_eq!(selected("f:/networkMode").await, "bridge");

    ui.nav("start").await;
    ui.click("#start-example").await;
    ui.nav("containers").await;
    let placeholder = |id: String| {
        let ui = &ui;
        async move { ui.by_id(&id).await.attr("placeholder").await.unwrap().unwrap_or_default() }
    };
    let c = "/containerDefinitions/0";
    let option = format!("f:{c}/logConfiguration/secretOptions/0");
    assert_eq!(placeholder(format!("f:{c}/secrets/0/name")).await, "DATABASE_PASSWORD");
    assert_ne!(placeholder(format!("{option}/name")).await, "DATABASE_PASSWORD", "a log option is not a variable");
    assert_eq!(placeholder(format!("f:{c}/secrets/0/refName")).await, "/web/db/password");
    let sm_name = placeholder(format!("{option}/refName")).await;
    assert!(!sm_name.starts_with('/'), "a Secrets Manager name is no parameter path: {sm_name}");

    // A value field holding a value says so, also after leaving the page.
    let value = format!("f:{c}/secrets/0/value");
    assert!(!placeholder(value.clone()).await.contains("value set"));
    ui.type_into(&value, "canary-Field-9Rt1").await;
    ui.nav("task").await;
    ui.nav("containers").await;
    assert_eq!(ui.value_of(&value).await, "", "the value is never put back into the page");
    assert!(placeholder(value).await.contains("value set"), "the field says it holds a value");
    ui.close().await;
}
