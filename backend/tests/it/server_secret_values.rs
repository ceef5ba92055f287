//! A secret value never comes back out: not in the answer to an apply, not
//! in an error about a malformed body, and not in the log. The only test of
//! the `it` binary that installs the process-wide log subscriber (a
//! thread-local one misses events when other tests run in parallel, since
//! tracing caches per call site whether anyone listens); the log it checks
//! therefore also holds what the other tests running meanwhile logged.

use crate::server_support::{self, CANARY, apply_body, default_app, request, send};
use axum::body::Body;

fn post(path: &str, body: impl Into<Body>) -> axum::http::Request<Body> {
    request("POST", path).body(body.into()).unwrap()
}

/// A secret value never comes back: not in a success, not in an error
/// about it, not in the log (captured at TRACE level).
#[tokio::test]
async fn the_canary_value_never_leaves_in_responses_or_logs() {
    let logs = server_support::capture_logs();
    let app = default_app();
    let bodies = [
        apply_body(CANARY),
        // Values of the wrong shape: serde would quote them in its error.
        format!(r#"{{"bundle": {}, "values": "{CANARY}"}}"#, server_support::BUNDLE),
        format!(r#"{{"bundle": {}, "values": {{"/web/db": ["{CANARY}"]}}}}"#, server_support::BUNDLE),
        format!(r#"{{"bundle": "{CANARY}", "values": {{}}}}"#),
        format!(r#""{CANARY}""#),
        format!(r#"{{"bundle": {}, "values": {{"/web/db": "{CANARY}"}}, "#, server_support::BUNDLE),
    ];
    let mut seen = Vec::new();
    for body in bodies {
        let response = send(&app, post("/api/apply", body.clone())).await;
        assert!(!response.everything().contains(CANARY), "response to {body}:\n{}", response.everything());
        seen.push(response.status.as_u16());
        // The same body where it does not belong.
        let response = send(&app, post("/api/plan", body.clone())).await;
        assert!(!response.everything().contains(CANARY), "plan response to {body}:\n{}", response.everything());
    }
    assert_eq!(seen, [200, 400, 400, 400, 400, 400]);
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("POST") && logs.contains("/api/apply"), "the log was captured:\n{logs}");
    assert!(!logs.contains(CANARY), "the log leaks the value:\n{logs}");
    assert!(!logs.contains(server_support::TOKEN), "the log leaks the token:\n{logs}");
}
