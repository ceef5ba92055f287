//! The UI page loads under the server's Content-Security-Policy in a real
//! browser (headless Chromium): trunk's inline module loader runs because
//! its hash is in `script-src`, and WebAssembly compiles because of
//! `'wasm-unsafe-eval'`. The same page served with the plain policy (no
//! hash) must stay inert, which proves the browser enforces the policy and
//! that the hash is what lets the loader through.
//!
//! Needs Chromium: `chromium`, `chromium-browser` or `google-chrome` on PATH,
//! or its path in `CHROME`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::server_support::{Fake, TOKEN, fixture_dist};
use ecs_secrets::server::listener;
use ecs_secrets::server::{AccessToken, AppState, Guard, app};

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROME") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .expect("this test needs headless Chromium: install it (Debian: apt-get install chromium) or set CHROME")
}

/// The fixture UI plus `csp-control.html`, a copy of its `index.html`: the
/// server sends the page's script hash only with `index.html`, so the copy
/// is the same page under the plain policy.
fn dist_with_control_page() -> PathBuf {
    let dist = std::env::temp_dir().join(format!("ecs-secrets-csp-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    for entry in std::fs::read_dir(fixture_dist()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dist.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(dist.join("index.html"), dist.join("csp-control.html")).unwrap();
    dist
}

/// The DOM of `url` after its scripts ran, as headless Chromium prints it.
fn rendered_dom(url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("ecs-secrets-csp-{}-{}", std::process::id(), url.len()));
    let output = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=10000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .output()
        .expect("Chromium starts");
    let _cleanup = std::fs::remove_dir_all(&profile);
    assert!(output.status.success(), "Chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_loader_and_wasm_run_under_the_csp_in_chromium() {
    let bound = listener::bind(IpAddr::V4(Ipv4Addr::LOCALHOST), Some(0)).await.unwrap();
    let guard = Guard::new(AccessToken::from_text(TOKEN), bound.address);
    let origin = guard.origin();
    let dist = dist_with_control_page();
    let router = app(AppState::new(Fake::default(), guard, dist.clone()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(listener::run(bound.listener, router, async {
        let _ = stopped.await;
    }));

    let page = format!("{origin}/#token={TOKEN}");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&page)).await.unwrap();
    assert!(dom.contains(r#"<p id="started">wasm instantiated</p>"#), "the loader did not run:\n{dom}");

    let control = format!("{origin}/csp-control.html");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&control)).await.unwrap();
    assert!(dom.contains("TrunkApplicationStarted"), "the control page was served:\n{dom}");
    assert!(!dom.contains(r#"id="started""#), "an inline script ran without its hash in the policy:\n{dom}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    let _cleanup = std::fs::remove_dir_all(&dist);
}
