//! The API endpoints through the real router (no socket) with a scripted
//! deployer: answers, error shapes, the apply event stream, and the rule
//! that a secret value never comes back out — in responses or in logs.

use std::sync::Arc;

use crate::server_support::{self, CANARY, Fake, app_with, apply_body, default_app, fixture_dist, request, send};
use axum::body::Body;
use ecs_secrets::server::offline::Offline;
use ecs_secrets::server::{AccessToken, AppState, DeployError, DeployErrorCode, Guard, WhoAmI, app};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn get(path: &str) -> axum::http::Request<Body> {
    request("GET", path).body(Body::empty()).unwrap()
}

fn post(path: &str, body: impl Into<Body>) -> axum::http::Request<Body> {
    request("POST", path).body(body.into()).unwrap()
}

/// The `(event, data)` pairs of a Server-Sent Events body.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| {
                block.lines().find_map(|line| line.strip_prefix(name)).unwrap_or_else(|| panic!("no {name} in {block}"))
            };
            (field("event: ").to_owned(), serde_json::from_str(field("data: ")).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn health_says_ok_and_the_version() {
    let response = send(&default_app(), get("/api/health")).await;
    assert_eq!(response.json(), json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}));
}

#[tokio::test]
async fn whoami_with_and_without_credentials() {
    let who = WhoAmI {
        account: "123456789012".to_owned(),
        region: "eu-west-1".to_owned(),
        arn: "arn:aws:iam::123456789012:user/dev".to_owned(),
        credential_source: "profile:dev".to_owned(),
    };
    let app = app_with(Fake { whoami: Some(who), ..Fake::default() }, fixture_dist());
    let response = send(&app, get("/api/whoami")).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"account": "123456789012", "region": "eu-west-1",
               "arn": "arn:aws:iam::123456789012:user/dev", "credentialSource": "profile:dev"})
    );

    let response = send(&default_app(), get("/api/whoami")).await;
    assert_eq!(response.status, 503);
    assert_eq!(response.json(), json!({"error": {"code": "no_credentials", "message": "no AWS credentials found"}}));
}

#[tokio::test]
async fn an_offline_server_answers_every_aws_request_with_no_credentials() {
    let guard = Guard::new(AccessToken::from_text(server_support::TOKEN), server_support::HOST.parse().unwrap());
    let app = app(AppState::new(Offline::new("no AWS here"), guard, fixture_dist()));
    let requests = [get("/api/whoami"), get("/api/services?cluster=prod"), post("/api/plan", server_support::BUNDLE)];
    for request in requests {
        let path = request.uri().to_string();
        let response = send(&app, request).await;
        assert_eq!(response.status, 503, "{path}");
        assert_eq!(response.json()["error"]["code"], "no_credentials", "{path}");
    }
    let response = send(&app, post("/api/apply", apply_body("v"))).await;
    assert_eq!(
        sse_events(&response.body),
        [("error".to_owned(), json!({"error": {"code": "no_credentials", "message": "no AWS here"}}))]
    );
    // Audit says first that it needs AWS, then why there is none.
    let response = send(&app, post("/api/audit", r#"{"clusters": []}"#)).await;
    assert_eq!(response.status, 503);
    let message = response.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Audit needs AWS") && message.ends_with("no AWS here"), "{message}");
}

#[tokio::test]
async fn audit_answers_the_deployers_audit_and_names_an_empty_cluster() {
    let response = send(&default_app(), post("/api/audit", r#"{"clusters": ["prod"]}"#)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json(), json!({"region": "eu-west-1", "services": []}));
    let response = send(&default_app(), post("/api/audit", r#"{"clusters": ["prod", " "]}"#)).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert!(response.json()["error"]["message"].as_str().unwrap().contains("/clusters/1"), "{}", response.body);
}

#[tokio::test]
async fn services_need_a_cluster_and_pass_deployer_errors_on() {
    let app = default_app();
    let response = send(&app, get("/api/services?cluster=prod")).await;
    assert_eq!(response.json(), json!({"cluster": "prod", "services": ["web", "worker"]}));
    for path in ["/api/services", "/api/services?cluster=", "/api/services?cluster=%20"] {
        let response = send(&app, get(path)).await;
        assert_eq!(response.status, 400, "{path}");
        assert_eq!(response.json()["error"]["code"], "invalid_query", "{path}");
    }
    let response = send(&app, get("/api/services?cluster=gone")).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.json(), json!({"error": {"code": "not_found", "message": "cluster gone does not exist"}}));
}

#[tokio::test]
async fn plan_returns_steps_and_names_the_bad_field() {
    let app = default_app();
    let response = send(&app, post("/api/plan", server_support::BUNDLE)).await;
    assert_eq!(response.status, 200);
    let plan = response.json();
    assert_eq!(plan["writes"], 1);
    assert_eq!(plan["steps"][0]["id"], "put-parameter:/web/db");
    assert_eq!(plan["steps"][0]["action"]["type"], "createParameter");
    assert_eq!(plan["preflight"], json!([]));

    let missing =
        server_support::BUNDLE.replace(r#""create":true,"attachManagedPolicy":null"#, r#""attachManagedPolicy":null"#);
    let response = send(&app, post("/api/plan", missing)).await;
    assert_eq!(response.status, 400);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "invalid_json");
    assert_eq!(error["path"], "/executionRole");
    assert!(error["message"].as_str().unwrap().starts_with("missing field `create`"), "{error}");

    let wrong_type = server_support::BUNDLE.replace(r#""store":"ssm""#, r#""store":"vault""#);
    let response = send(&app, post("/api/plan", wrong_type)).await;
    assert_eq!(response.json()["error"]["path"], "/secrets/0/store");
}

#[tokio::test]
async fn plan_and_apply_validate_the_bundle_as_the_cli_does_before_anything_else() {
    // Regression: the API wrote bundles the CLI refuses (invalid secret
    // names, regions). Same checks, 400 with the JSON paths, before the
    // deployer sees anything — also on an offline server.
    let invalid = server_support::BUNDLE
        .replace(r#""region":"eu-west-1""#, r#""region":"mars-1""#)
        .replace(r#""name":"/web/db""#, r#""name":"awsDb""#);
    let guard = Guard::new(AccessToken::from_text(server_support::TOKEN), server_support::HOST.parse().unwrap());
    let offline = app(AppState::new(Offline::new("no AWS here"), guard, fixture_dist()));
    let fake = Fake::default();
    let saw_canary = Arc::clone(&fake.saw_canary);
    let online = app_with(fake, fixture_dist());
    for app in [&online, &offline] {
        let response = send(app, post("/api/plan", invalid.clone())).await;
        assert_eq!(response.status, 400, "{}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["code"], "invalid_bundle");
        assert_eq!(error["path"], "/region");
        let paths: Vec<&str> =
            error["problems"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["/region", "/secrets/0/name"], "{error}");
        assert!(error["message"].as_str().unwrap().contains("`mars-1` is not an AWS region name"), "{error}");

        let body = format!(r#"{{"bundle": {invalid}, "values": {{"awsDb": "{CANARY}"}}}}"#);
        let response = send(app, post("/api/apply", body)).await;
        assert_eq!(response.status, 400, "{}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["code"], "invalid_bundle");
        let paths: Vec<&str> =
            error["problems"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["/bundle/region", "/bundle/secrets/0/name"], "{error}");
        assert!(!response.everything().contains(CANARY));
    }
    assert_eq!(*saw_canary.lock().unwrap(), None, "the deployer never saw the invalid apply");
}

#[tokio::test]
async fn apply_streams_progress_then_the_report_with_values_scrubbed() {
    let fake = Fake::default();
    let saw_canary = Arc::clone(&fake.saw_canary);
    let response = send(&app_with(fake, fixture_dist()), post("/api/apply", apply_body(CANARY))).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(*saw_canary.lock().unwrap(), Some(true), "the deployer got the value");
    assert_eq!(
        sse_events(&response.body),
        [
            (
                "progress".to_owned(),
                json!({"event": "started", "stepId": "put-parameter:/web/db", "title": "Create SSM parameter /web/db"})
            ),
            ("progress".to_owned(), json!({"event": "done", "stepId": "put-parameter:/web/db", "detail": "version 1"})),
            (
                "progress".to_owned(),
                json!({"event": "failed", "stepId": "register", "requestId": "req-1",
                       "message": "Value '[redacted]' at 'containerDefinitions' failed to satisfy constraint"})
            ),
            (
                "report".to_owned(),
                json!({"success": false, "completed": ["put-parameter:/web/db"], "taskDefinitionArn": null, "writes": 1,
                       "failed": {"stepId": "register", "message": "rejected value [redacted]", "requestId": "req-1"}})
            ),
        ]
    );
}

#[tokio::test]
async fn apply_that_cannot_start_ends_with_an_error_event() {
    let fake = Fake {
        apply_error: Some(DeployError::new(DeployErrorCode::Internal, "sdk exploded at aws.rs:42")),
        ..Fake::default()
    };
    let response = send(&app_with(fake, fixture_dist()), post("/api/apply", apply_body("v"))).await;
    assert_eq!(
        sse_events(&response.body),
        [(
            "error".to_owned(),
            json!({"error": {"code": "internal", "message": "internal error; the server log has the details"}})
        )]
    );
}

#[tokio::test]
async fn a_second_apply_waits_for_the_first() {
    let gate = Arc::new(tokio::sync::Notify::new());
    let app = app_with(Fake { apply_gate: Some(Arc::clone(&gate)), ..Fake::default() }, fixture_dist());
    let first = app.clone().oneshot(post("/api/apply", apply_body("v"))).await.unwrap();
    assert_eq!(first.status(), 200);
    let second = send(&app, post("/api/apply", apply_body("v"))).await;
    assert_eq!(second.status, 409);
    assert_eq!(second.json()["error"]["code"], "apply_in_progress");
    gate.notify_one();
    let body = first.into_body().collect().await.unwrap().to_bytes();
    let events = sse_events(std::str::from_utf8(&body).unwrap());
    assert_eq!(events.last().unwrap().0, "report");
    // The lock is released with the end of the first apply.
    gate.notify_one();
    assert_eq!(send(&app, post("/api/apply", apply_body("v"))).await.status, 200);
}
