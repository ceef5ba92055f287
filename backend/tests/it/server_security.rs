//! The guard of the local server, request by request: token, Host, Origin,
//! body limit, headers and the JSON error shape, through the real router
//! without a socket.

use crate::server_support::{self, ORIGIN, TOKEN, default_app, request, send};
use axum::body::Body;
use axum::http::{Request, header};

/// One request and what must come back.
struct Case {
    name: &'static str,
    request: Request<Body>,
    status: u16,
    /// `error.code` of the JSON error body; `None` for a success.
    code: Option<&'static str>,
}

/// Sends the case and checks status, error shape and the headers every
/// response must have.
async fn check(case: Case) {
    let app = default_app();
    let is_api = case.request.uri().path().starts_with("/api");
    let response = send(&app, case.request).await;
    let name = case.name;
    assert_eq!(response.status.as_u16(), case.status, "{name}: status; body {}", response.body);
    if let Some(code) = case.code {
        let json = response.json();
        assert_eq!(json["error"]["code"], code, "{name}: error code in {json}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}: message in {json}");
        assert_eq!(json.as_object().unwrap().len(), 1, "{name}: only `error` at the top: {json}");
        assert_eq!(response.header("content-type"), Some("application/json"), "{name}");
    }
    assert_eq!(
        response.header("content-security-policy"),
        Some("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'"),
        "{name}: CSP"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{name}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{name}");
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"), "{name}");
    assert_eq!(response.header("cross-origin-resource-policy"), Some("same-origin"), "{name}");
    assert_eq!(response.header("cross-origin-opener-policy"), Some("same-origin"), "{name}");
    if is_api && response.status.as_u16() != 421 && response.status.as_u16() != 403 {
        assert_eq!(response.header("cache-control"), Some("no-store"), "{name}: API answers are not cached");
    }
    let cors = response.headers.keys().filter(|key| key.as_str().starts_with("access-control-")).collect::<Vec<_>>();
    assert!(cors.is_empty(), "{name}: no CORS headers, found {cors:?}");
}

fn without(name: header::HeaderName, mut request: Request<Body>) -> Request<Body> {
    request.headers_mut().remove(name);
    request
}

fn with(name: header::HeaderName, value: &str, mut request: Request<Body>) -> Request<Body> {
    request.headers_mut().insert(name, value.parse().unwrap());
    request
}

fn get(path: &str) -> Request<Body> {
    request("GET", path).body(Body::empty()).unwrap()
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    request("POST", path).body(body.into()).unwrap()
}

#[tokio::test]
async fn every_security_rule() {
    let wrong_same_length = "0".repeat(TOKEN.len());
    let plan = || post("/api/plan", server_support::BUNDLE);
    let cases = [
        Case { name: "health with token", request: get("/api/health"), status: 200, code: None },
        Case {
            name: "no token",
            request: without(header::AUTHORIZATION, get("/api/health")),
            status: 401,
            code: Some("unauthorized"),
        },
        Case {
            name: "wrong token of the same length",
            request: with(header::AUTHORIZATION, &format!("Bearer {wrong_same_length}"), get("/api/health")),
            status: 401,
            code: Some("unauthorized"),
        },
        Case {
            name: "wrong-length token (a prefix of the real one)",
            request: with(header::AUTHORIZATION, &format!("Bearer {}", &TOKEN[..10]), get("/api/whoami")),
            status: 401,
            code: Some("unauthorized"),
        },
        Case {
            name: "token with another scheme",
            request: with(header::AUTHORIZATION, &format!("Basic {TOKEN}"), get("/api/health")),
            status: 401,
            code: Some("unauthorized"),
        },
        Case {
            name: "no token on a state-changing request",
            request: without(header::AUTHORIZATION, plan()),
            status: 401,
            code: Some("unauthorized"),
        },
        Case {
            name: "no token on an unknown API path",
            request: without(header::AUTHORIZATION, get("/api/nope")),
            status: 401,
            code: Some("unauthorized"),
        },
        Case { name: "unknown API path", request: get("/api/nope"), status: 404, code: Some("not_found") },
        Case { name: "bare /api", request: get("/api"), status: 404, code: Some("not_found") },
        Case {
            name: "POST from a foreign Origin",
            request: with(header::ORIGIN, "http://evil.example", plan()),
            status: 403,
            code: Some("forbidden_origin"),
        },
        Case {
            name: "POST from localhost to the 127.0.0.1 host (another origin)",
            request: with(header::ORIGIN, "http://localhost:4780", plan()),
            status: 403,
            code: Some("forbidden_origin"),
        },
        Case {
            name: "POST with Origin: null (sandboxed frame, file:)",
            request: with(header::ORIGIN, "null", plan()),
            status: 403,
            code: Some("forbidden_origin"),
        },
        Case {
            name: "POST without Origin",
            request: without(header::ORIGIN, plan()),
            status: 403,
            code: Some("forbidden_origin"),
        },
        Case {
            name: "GET from a foreign Origin",
            request: with(header::ORIGIN, "http://evil.example", get("/api/health")),
            status: 403,
            code: Some("forbidden_origin"),
        },
        Case {
            name: "GET with our own Origin",
            request: with(header::ORIGIN, ORIGIN, get("/api/health")),
            status: 200,
            code: None,
        },
        Case {
            name: "DNS rebinding: foreign Host with the right port and token",
            request: with(header::HOST, "evil.example:4780", get("/api/health")),
            status: 421,
            code: Some("bad_host"),
        },
        Case {
            name: "DNS rebinding on a static path",
            request: with(header::HOST, "evil.example:4780", get("/")),
            status: 421,
            code: Some("bad_host"),
        },
        Case {
            name: "loopback Host with another port",
            request: with(header::HOST, "127.0.0.1:4781", get("/api/health")),
            status: 421,
            code: Some("bad_host"),
        },
        Case {
            name: "no Host",
            request: without(header::HOST, get("/api/health")),
            status: 421,
            code: Some("bad_host"),
        },
        Case {
            name: "localhost Host with its own Origin",
            request: with(header::ORIGIN, "http://localhost:4780", with(header::HOST, "localhost:4780", plan())),
            status: 200,
            code: None,
        },
        Case {
            name: "[::1] Host with its own Origin",
            request: with(header::ORIGIN, "http://[::1]:4780", with(header::HOST, "[::1]:4780", plan())),
            status: 200,
            code: None,
        },
        Case {
            name: "body over 1 MiB",
            request: post("/api/plan", vec![b' '; 1024 * 1024 + 1]),
            status: 413,
            code: Some("payload_too_large"),
        },
        Case {
            name: "body over 1 MiB without Content-Length (streamed)",
            request: post(
                "/api/apply",
                Body::from_stream(futures_util::stream::iter(
                    (0..17).map(|_| Ok::<_, std::io::Error>(vec![b' '; 64 * 1024])),
                )),
            ),
            status: 413,
            code: Some("payload_too_large"),
        },
        Case {
            name: "not JSON",
            request: with(header::CONTENT_TYPE, "text/plain", plan()),
            status: 415,
            code: Some("unsupported_media_type"),
        },
        Case {
            name: "wrong method on an API route",
            request: request("DELETE", "/api/plan").body(Body::empty()).unwrap(),
            status: 405,
            code: Some("method_not_allowed"),
        },
        Case {
            name: "POST to a static path",
            request: request("POST", "/index.html").body(Body::empty()).unwrap(),
            status: 405,
            code: Some("method_not_allowed"),
        },
        Case {
            name: "static file, no token needed",
            request: without(header::AUTHORIZATION, get("/frontend-4d1c3a0b9f2e7a61.js")),
            status: 200,
            code: None,
        },
    ];
    for case in cases {
        check(case).await;
    }
}

#[tokio::test]
async fn the_ui_page_admits_exactly_its_inline_loader_script() {
    let app = default_app();
    for path in ["/", "/index.html", "/some/ui/route", "/missing.js"] {
        let response = send(&app, get(path)).await;
        assert_eq!(response.status, 200, "{path}");
        assert!(response.body.contains("TrunkApplicationStarted"), "{path}: serves index.html");
        // The hash of the fixture's inline module script, computed outside
        // this code base (python hashlib over the text between the tags).
        assert_eq!(
            response.header("content-security-policy"),
            Some(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' \
                 'sha256-HE6cou/bOMQlt28ICbTbDb+Yl3Yh0dhMbkrkr1Lg5fg='; frame-ancestors 'none'"
            ),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"), "{path}");
    }
}

#[tokio::test]
async fn static_files_are_served_as_they_are() {
    let response = send(&default_app(), get("/frontend-4d1c3a0b9f2e7a61.js")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/javascript"));
    assert!(response.body.starts_with("// Stands in for wasm-bindgen's loader"), "{}", response.body);
    // A path that climbs out of dist gets the UI page, not the file.
    let escape = send(&default_app(), get("/../Cargo.toml")).await;
    assert!(!escape.body.contains("[package]"), "{}", escape.body);
}

#[tokio::test]
async fn a_missing_dist_gets_build_instructions_not_a_404() {
    let app = server_support::app_with(server_support::Fake::default(), "/nonexistent/ecs-secrets-dist".into());
    for path in ["/", "/route"] {
        let response = send(&app, get(path)).await;
        assert_eq!(response.status, 200, "{path}");
        assert!(response.body.contains("cargo xtask run"), "{path}: {}", response.body);
        assert!(response.header("content-security-policy").is_some());
    }
    // The API does not depend on the UI being built.
    assert_eq!(send(&app, get("/api/health")).await.status, 200);
}
