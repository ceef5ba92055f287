//! The built UI (trunk's `dist/`): files as they are, `index.html` for every
//! other path (the UI routes in the browser), and a help page when the UI
//! has not been built yet.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

use super::security_headers::policy_for_document;
use super::{AppError, AppState, Deployer};

/// Shown instead of the UI when the dist directory has no `index.html`.
const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ecs-secrets: UI not built</title></head>
<body>
<h1>The ecs-secrets UI has not been built</h1>
<p>The server is running, but it found no built frontend to serve.</p>
<p>Build and serve it with <code>cargo xtask run</code>, or build it with <code>trunk build</code>
in <code>frontend/</code> and start the server with <code>ecs-secrets serve --dist frontend/dist</code>
(or set <code>ECS_SECRETS_DIST</code>).</p>
</body>
</html>
"#;

/// The fallback handler for every non-`/api` path.
pub async fn serve<D: Deployer>(State(state): State<AppState<D>>, request: Request) -> Result<Response, AppError> {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        // Only reachable for paths the API router did not claim.
        return Err(AppError::NotFound(path.to_owned()));
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return Err(AppError::MethodNotAllowed(request.method().to_string()));
    }
    let dist = state.dist.as_path();
    if path == "/" || path == "/index.html" {
        return Ok(index(dist).await);
    }
    // Directories never list; a missing file is a UI route: serve the page.
    let files = ServeDir::new(dist).append_index_html_on_directories(false);
    let Ok(response) = files.oneshot(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return Ok(index(dist).await);
    }
    Ok(response.map(Body::new))
}

/// `index.html` with a CSP that admits exactly its inline blocks, or the
/// help page when there is none.
async fn index(dist: &Path) -> Response {
    match tokio::fs::read_to_string(dist.join("index.html")).await {
        Ok(html) => {
            let policy = policy_for_document(&html);
            let mut response = Html(html).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            // Always revalidate: the page names the current build's hashed files.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(_) => {
            let mut response = Html(NOT_BUILT_PAGE).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}
