//! Browser end-to-end harness: the real `ecs-secrets serve` binary serving
//! the built UI, driven in headless Chromium through chromedriver
//! (fantoccini).
//!
//! Tools are found through env vars first: `CHROMEDRIVER` (default
//! `/usr/bin/chromedriver`), `CHROMIUM` (default `/usr/bin/chromium`),
//! `ECS_SECRETS_DIST` (default `<workspace>/frontend/dist`, built with
//! `trunk build`). When one is missing the test is skipped loudly, or fails
//! when `ECS_SECRETS_REQUIRE_E2E=1`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub use crate::workspace_root;
use crate::{free_port, require_e2e};

/// A stopped task's reason for the seed example: the execution role may
/// not read the Splunk token from Secrets Manager.
pub const SPLUNK_TOKEN_ACCESS_DENIED: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/webTaskExecutionRole/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token because no identity-based policy allows the secretsmanager:GetSecretValue action";

/// Prints why a browser test is skipped, or panics when e2e tests are required.
pub fn skip_browser(what: &str) {
    assert!(!require_e2e(), "ECS_SECRETS_REQUIRE_E2E=1 but {what}");
    eprintln!("\n*** SKIPPED browser test: {what} ***\n");
}

fn tool(env_var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var(env_var).ok().filter(|p| !p.is_empty()).map(PathBuf::from).unwrap_or(default.into());
    path.is_file().then_some(path)
}

/// The built UI directory.
pub fn dist_dir() -> Option<PathBuf> {
    let dir = std::env::var("ECS_SECRETS_DIST")
        .ok()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("frontend/dist"));
    dir.join("index.html").is_file().then_some(dir)
}

/// A string as an XPath 1.0 literal (which has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// A child process killed on drop.
#[derive(Debug)]
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running UI: server, chromedriver and a browser session.
#[derive(Debug)]
pub struct Ui {
    pub client: Client,
    /// The launch URL with its one-time code (`http://127.0.0.1:PORT/#code=…`).
    pub url: String,
    /// The page origin without the token.
    pub origin: String,
    server: Killed,
    _driver: Killed,
}

impl Ui {
    /// Starts everything and opens the page; `None` (after a loud skip)
    /// when a tool is missing. With `aws_endpoint` (the moto emulator) the
    /// server deploys there with dummy credentials; without it the server
    /// runs `--offline`. Either way it never sees real AWS credentials.
    pub async fn start(aws_endpoint: Option<&str>) -> Option<Ui> {
        let Some(dist) = dist_dir() else {
            skip_browser("the UI is not built (run `trunk build` in frontend/ or set ECS_SECRETS_DIST)");
            return None;
        };
        Ui::start_with_dist(aws_endpoint, &dist).await
    }

    /// [`Ui::start`] with the UI built in `dist`.
    pub async fn start_with_dist(aws_endpoint: Option<&str>, dist: impl AsRef<std::path::Path>) -> Option<Ui> {
        let dist = dist.as_ref();
        let Some(driver_path) = tool("CHROMEDRIVER", "/usr/bin/chromedriver") else {
            skip_browser("chromedriver not found (set CHROMEDRIVER)");
            return None;
        };
        let Some(chromium) = tool("CHROMIUM", "/usr/bin/chromium") else {
            skip_browser("chromium not found (set CHROMIUM)");
            return None;
        };
        let mut server = Command::new(crate::ecs_secrets_binary());
        server.args(["serve", "--port", "0", "--dist"]).arg(dist);
        match aws_endpoint {
            Some(endpoint) => server.args(["--endpoint-url", endpoint, "--region", crate::REGION]),
            None => server.arg("--offline"),
        };
        for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_ROLE_ARN"] {
            server.env_remove(var);
        }
        server
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", crate::REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut server = server.spawn().expect("start ecs-secrets serve");
        let stdout = server.stdout.take().expect("server stdout");
        let server = Killed(server);
        let url = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| Some(line.trim().to_owned()).filter(|l| l.starts_with("http://")))
            .expect("ecs-secrets serve printed no URL");
        let origin = url.split('#').next().unwrap_or_default().trim_end_matches('/').to_owned();

        let port = free_port();
        let driver = Killed(
            Command::new(driver_path)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,800", "--disable-background-networking", "--no-first-run"]
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
        let started = Instant::now();
        let client = loop {
            let mut builder = ClientBuilder::rustls().expect("TLS roots");
            builder.capabilities(capabilities.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot start a chromedriver session: {e}"),
            }
        };
        let ui = Ui { client, url, origin, server, _driver: driver };
        ui.client.goto(&ui.url).await.expect("open the UI");
        ui.wait_for("#nav-start").await;
        Some(ui)
    }

    /// Waits (up to 20 s) for an element `locator` finds; the test fails
    /// saying `what` was missing when none appears.
    pub async fn wait_for_element(&self, locator: Locator<'_>, what: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// Waits (up to 20 s) for an element matching a CSS selector.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_for_element(Locator::Css(css), &format!("{css} did not appear")).await
    }

    /// The element with this id (ids hold `/` and `:`, so no CSS).
    pub async fn by_id(&self, id: &str) -> Element {
        self.wait_for_element(Locator::Id(id), &format!("#{id} did not appear")).await
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn nav(&self, section: &str) {
        self.click(&format!("#nav-{section}")).await;
    }

    /// Opens the Apply section and returns what it says about the backend
    /// once it has answered (the account it reaches, or why it cannot).
    pub async fn backend_identity(&self) -> String {
        self.nav("apply").await;
        self.eventually("the backend's identity", || async { !self.text_of("#whoami").await.contains("Checking") })
            .await;
        self.text_of("#whoami").await
    }

    /// How many elements match `css` now (0 when none).
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Opens the access map and waits for its rows.
    pub async fn open_access_map(&self) {
        self.nav("access-map").await;
        self.wait_for("#access-map g.map-row").await;
    }

    /// How many rows of the access map have `status` (`allowed`, `denied`, …).
    pub async fn access_map_rows(&self, status: &str) -> usize {
        self.count(&format!("#access-map g.map-row[data-status='{status}']")).await
    }

    /// Replaces the text of the input with this id by typing.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.by_id(id).await;
        input.clear().await.unwrap_or_else(|e| panic!("clear #{id}: {e}"));
        // `clear` does not fire `input`; select-all + delete does.
        input.send_keys("\u{E009}a\u{E009}\u{E017}").await.unwrap_or_else(|e| panic!("select #{id}: {e}"));
        input.send_keys(text).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    pub async fn select(&self, id: &str, value: &str) {
        self.by_id(id).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in #{id}: {e}"));
    }

    /// The value property of the input with this id.
    pub async fn value_of(&self, id: &str) -> String {
        self.by_id(id).await.prop("value").await.ok().flatten().unwrap_or_default()
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap_or_default()
    }

    /// Waits until the page has caught up with the last edit: the
    /// analysis, previews and saved copy follow typing once it pauses.
    pub async fn settled(&self) {
        self.eventually("the page to settle", || async {
            self.js("const app = document.querySelector('.app'); return !!app && app.dataset.settling === 'false';")
                .await
                .as_bool()
                .unwrap_or(false)
        })
        .await;
    }

    /// The element an XPath finds (waiting up to 20 s); `what` names it in the panic.
    async fn by_xpath(&self, xpath: &str, what: &str) -> Element {
        self.wait_for_element(Locator::XPath(xpath), what).await
    }

    /// The `nth` (0-based) form control with this label: the text of its
    /// `<label>` caption or its `aria-label`, as a person reads the form.
    pub async fn labelled(&self, label: &str, nth: usize) -> Element {
        let xpath = format!(
            "(//label[span[normalize-space(.)={q}]]//*[self::input or self::select or self::textarea] | //*[@aria-label={q}])[{n}]",
            q = xpath_literal(label),
            n = nth + 1
        );
        self.by_xpath(&xpath, &format!("no control labelled {label:?} (#{nth})")).await
    }

    /// Types into the `nth` control labelled `label`, replacing its text.
    pub async fn type_labelled(&self, label: &str, nth: usize, text: &str) {
        let input = self.labelled(label, nth).await;
        input.send_keys("\u{E009}a\u{E009}\u{E017}").await.unwrap_or_else(|e| panic!("select {label:?}: {e}"));
        if !text.is_empty() {
            input.send_keys(text).await.unwrap_or_else(|e| panic!("type into {label:?}: {e}"));
        }
    }

    /// The current value of the `nth` control labelled `label`.
    pub async fn labelled_value(&self, label: &str, nth: usize) -> String {
        self.labelled(label, nth).await.prop("value").await.ok().flatten().unwrap_or_default()
    }

    /// Whether the `nth` checkbox labelled by its text is checked.
    pub async fn checkbox(&self, text: &str, nth: usize) -> Element {
        let xpath = format!(
            "(//label[contains(normalize-space(.), {q})]//input[@type='checkbox'])[{n}]",
            q = xpath_literal(text),
            n = nth + 1
        );
        self.by_xpath(&xpath, &format!("no checkbox {text:?} (#{nth})")).await
    }

    /// Clicks the `nth` button whose visible text (or `aria-label`) starts with `text`.
    pub async fn press(&self, text: &str, nth: usize) {
        self.press_where(
            &format!("starts-with(normalize-space(.), {q}) or @aria-label={q}", q = xpath_literal(text)),
            text,
            nth,
        )
        .await;
    }

    /// Clicks the `nth` button whose visible text is exactly `text`.
    pub async fn press_exact(&self, text: &str, nth: usize) {
        self.press_where(&format!("normalize-space(.)={}", xpath_literal(text)), text, nth).await;
    }

    async fn press_where(&self, condition: &str, text: &str, nth: usize) {
        let xpath = format!("(//button[{condition}])[{}]", nth + 1);
        self.by_xpath(&xpath, &format!("no button {text:?} (#{nth})"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {text:?}: {e}"));
    }

    /// Opens a section by its name in the left navigation.
    pub async fn go_to(&self, section: &str) {
        let xpath = format!("//nav//button[starts-with(normalize-space(.), {})]", xpath_literal(section));
        self.by_xpath(&xpath, &format!("no section {section:?}"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("open {section:?}: {e}"));
    }

    /// The text of one download preview (`task-definition.json`, …), once
    /// the page has settled.
    pub async fn preview(&self, file: &str) -> String {
        self.settled().await;
        self.click(&format!("[id='tab-{file}']")).await;
        let script = "return document.getElementById('preview').textContent;";
        for _ in 0..50 {
            let shown = self.js("return document.getElementById('preview').dataset.file;").await;
            if shown.as_str() == Some(file) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.js(script).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Everything in localStorage and sessionStorage, as one string.
    pub async fn storage_dump(&self) -> String {
        let script = "const all = {}; for (const s of [localStorage, sessionStorage]) { for (let i = 0; i < s.length; i++) { all[s.key(i)] = s.getItem(s.key(i)); } } return JSON.stringify(all);";
        self.js(script).await.as_str().unwrap_or_default().to_owned()
    }

    /// Polls `check` until it holds (up to 20 s).
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            assert!(started.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// From now on, every `<a download>` click also reads its Blob back (CSP forbids fetching `blob:` URLs, so the Blob is kept when its URL is made)
    /// into `window.__downloads` as `[name, hex of its bytes]` (headless Chromium
    /// saves downloads only with a DevTools command chromedriver lacks).
    pub async fn capture_downloads(&self) {
        self.js(
            "window.__downloads = []; window.__blobs = {}; \
             const create = URL.createObjectURL; \
             URL.createObjectURL = function (blob) { const url = create.call(URL, blob); window.__blobs[url] = blob; return url; }; \
             const click = HTMLAnchorElement.prototype.click; \
             HTMLAnchorElement.prototype.click = function () { \
               const blob = window.__blobs[this.href]; \
               if (this.download && blob) { const name = this.download; \
                 blob.arrayBuffer().then(b => { const bytes = new Uint8Array(b); \
                   const hex = Array.from(bytes, x => x.toString(16).padStart(2, '0')).join(''); \
                   window.__downloads.push([name, hex]); }); } \
               return click.call(this); }; return true;",
        )
        .await;
    }

    /// Waits for `count` captured downloads and returns their bytes (a zip
    /// is not text) in click order.
    pub async fn captured_download_bytes(&self, count: usize) -> Vec<(String, Vec<u8>)> {
        self.eventually("the downloads", || async {
            self.js("return window.__downloads.length;").await.as_u64().unwrap_or(0) as usize >= count
        })
        .await;
        let all = self.js("return window.__downloads;").await;
        all.as_array()
            .into_iter()
            .flatten()
            .map(|pair| {
                let hex = pair[1].as_str().unwrap_or_default();
                let bytes = (0..hex.len() / 2)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex from the page"))
                    .collect();
                (pair[0].as_str().unwrap_or_default().to_owned(), bytes)
            })
            .collect()
    }

    /// Stops `ecs-secrets serve` (the page stays open): what a user sees
    /// when the server dies under the page.
    pub fn stop_server(&mut self) {
        let _ = self.server.0.kill();
        let _ = self.server.0.wait();
    }

    /// Pastes `text` into the text area with this id, as one `input` event
    /// (typing kilobytes key by key is slow).
    pub async fn paste(&self, id: &str, text: &str) {
        self.client
            .execute(
                "const t = document.getElementById(arguments[0]); t.value = arguments[1]; t.dispatchEvent(new Event('input'));",
                vec![Value::String(id.to_owned()), Value::String(text.to_owned())],
            )
            .await
            .unwrap_or_else(|e| panic!("paste into #{id}: {e}"));
    }

    /// Pastes `text` into the Start page's import box and imports it.
    pub async fn import(&self, text: &str) {
        self.nav("start").await;
        self.paste("import-text", text).await;
        self.click("#import-button").await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
