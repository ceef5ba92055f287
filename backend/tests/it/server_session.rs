//! The one-time launch code, through the real router without a socket: the
//! printed URL carries the code, never the token; the page trades the code
//! once (same-origin POST) for the token; a second use and a wrong code are
//! refused; the token is in no URL and no log line.

use crate::server_support::{Fake, HOST, ORIGIN, TOKEN, fixture_dist, send};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use ecs_secrets::server::session::LaunchCode;
use ecs_secrets::server::{AccessToken, AppState, Guard, app};

const CODE: &str = "0c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0de5c0d";

fn app_and_url() -> (Router, String) {
    let guard = Guard::new(AccessToken::from_text(TOKEN), HOST.parse().unwrap())
        .with_launch_code(LaunchCode::from_code(AccessToken::from_text(CODE)));
    let url = guard.launch_url();
    (app(AppState::new(Fake::default(), guard, fixture_dist())), url)
}

/// `POST /api/session` from our own page, without any Authorization header.
fn exchange(code: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/api/session")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::json!({ "code": code }).to_string()))
        .unwrap()
}

#[tokio::test]
async fn the_launch_url_carries_a_code_that_works_once() {
    let (app, url) = app_and_url();
    assert_eq!(url, format!("http://127.0.0.1:4780/#code={CODE}"));
    assert!(!url.contains(TOKEN), "the token is never in a URL");

    let granted = send(&app, exchange(CODE)).await;
    assert_eq!(granted.status.as_u16(), 200, "{}", granted.body);
    assert_eq!(granted.json()["token"], TOKEN);
    assert_eq!(granted.header("cache-control"), Some("no-store"), "the token is not cached");

    // The token now opens the API.
    let whoami = Request::builder()
        .uri("/api/health")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, whoami).await.status.as_u16(), 200);

    // A second use (the URL found in the browser history) is refused.
    let again = send(&app, exchange(CODE)).await;
    assert_eq!(again.status.as_u16(), 401, "{}", again.body);
    assert_eq!(again.json()["error"]["code"], "unauthorized");
    assert!(again.json()["error"]["message"].as_str().unwrap().contains("already used"), "{}", again.body);
    assert!(!again.body.contains(TOKEN));
}

#[tokio::test]
async fn wrong_codes_foreign_origins_and_a_server_without_a_code_are_refused() {
    let (app, _) = app_and_url();
    let wrong = send(&app, exchange("not-the-code")).await;
    assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.body);
    assert!(wrong.json()["error"]["message"].as_str().unwrap().contains("not this server's"), "{}", wrong.body);
    assert!(!wrong.body.contains(TOKEN));

    // A wrong guess does not spend the code; another site cannot trade it.
    let mut foreign = exchange(CODE);
    foreign.headers_mut().insert(header::ORIGIN, "http://evil.example".parse().unwrap());
    assert_eq!(send(&app, foreign).await.status.as_u16(), 403);
    let mut no_origin = exchange(CODE);
    no_origin.headers_mut().remove(header::ORIGIN);
    assert_eq!(send(&app, no_origin).await.status.as_u16(), 403);
    assert_eq!(send(&app, exchange(CODE)).await.status.as_u16(), 200, "the code still works after refusals");

    let mut get = exchange(CODE);
    *get.method_mut() = axum::http::Method::GET;
    assert_eq!(send(&app, get).await.status.as_u16(), 405);

    let codeless = ecs_secrets::server::app(AppState::new(
        Fake::default(),
        Guard::new(AccessToken::from_text(TOKEN), HOST.parse().unwrap()),
        fixture_dist(),
    ));
    assert_eq!(send(&codeless, exchange("")).await.status.as_u16(), 401);
}
