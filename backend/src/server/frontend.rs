//! The built UI (trunk's `dist/`): files as they are, `index.html` for every
//! other path (the UI routes in the browser), and a help page when the UI
//! has not been built yet.
//!
//! The UI normally comes from inside the binary ([`Ui::Embedded`], put there
//! by `build.rs`): the page served on the token's origin can read the token,
//! so it must be the one built with this server, never whatever
//! `frontend/dist` happens to be in the current directory. `--dist DIR`
//! ([`Ui::Directory`]) is the developer's explicit override.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

use super::security_headers::policy_for_document;
use super::{AppError, AppState, Deployer};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// Where the UI's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ui {
    /// Built into the binary from `frontend/dist` at compile time.
    Embedded,
    /// A directory on disk (`serve --dist DIR`, tests).
    Directory(PathBuf),
}

impl From<PathBuf> for Ui {
    fn from(dir: PathBuf) -> Self {
        Ui::Directory(dir)
    }
}

impl Ui {
    /// Whether there is a built UI to serve (else the help page is served).
    pub fn is_built(&self) -> bool {
        match self {
            Ui::Embedded => embedded_file("/index.html").is_some(),
            Ui::Directory(dir) => dir.join("index.html").is_file(),
        }
    }
}

/// An embedded file by its URL path.
fn embedded_file(path: &str) -> Option<&'static [u8]> {
    embedded::FILES.binary_search_by(|(name, _)| (*name).cmp(path)).ok().map(|at| embedded::FILES[at].1)
}

/// The `Content-Type` of an embedded file, by extension (what trunk emits).
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Shown instead of the UI when the dist directory has no `index.html`.
const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ecs-secrets: UI not built</title></head>
<body>
<h1>The ecs-secrets UI has not been built</h1>
<p>The server is running, but it found no built frontend to serve.</p>
<p>Build and serve it with <code>cargo xtask run</code>. Or build it with <code>trunk build --release</code>
in <code>frontend/</code>, then rebuild the server (<code>cargo build -p ecs-secrets</code> or
<code>cargo install --path backend</code>), which embeds the UI; <code>ecs-secrets serve --dist frontend/dist</code>
serves a UI build from disk instead, for UI development.</p>
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
    let dist = match state.ui.as_ref() {
        Ui::Directory(dist) => dist.as_path(),
        Ui::Embedded => return Ok(serve_embedded(path)),
    };
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

/// An embedded file, or `index.html` for any other path (a UI route).
fn serve_embedded(path: &str) -> Response {
    let file = (path != "/" && path != "/index.html").then(|| embedded_file(path)).flatten();
    let Some(bytes) = file else {
        return index_page(embedded_file("/index.html").map(String::from_utf8_lossy).as_deref());
    };
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `index.html` from `dist`, or the help page when there is none.
async fn index(dist: &Path) -> Response {
    index_page(tokio::fs::read_to_string(dist.join("index.html")).await.ok().as_deref())
}

/// `index.html` with a CSP that admits exactly its inline blocks, or the
/// help page when there is none.
fn index_page(html: Option<&str>) -> Response {
    match html {
        Some(html) => {
            let policy = policy_for_document(html);
            let mut response = Html(html.to_owned()).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            // Always revalidate: the page names the current build's hashed files.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        None => {
            let mut response = Html(NOT_BUILT_PAGE).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_is_sorted_and_found_by_path() {
        assert!(embedded::FILES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (path, bytes) in embedded::FILES {
            assert_eq!(embedded_file(path), Some(*bytes));
        }
        assert_eq!(embedded_file("/no-such-file.js"), None);
        // Built with a UI exactly when trunk's output was there to embed.
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist/index.html");
        assert_eq!(Ui::Embedded.is_built(), dist.is_file());
    }

    #[test]
    fn content_types_of_what_trunk_emits() {
        assert_eq!(content_type("/frontend-1.wasm"), "application/wasm");
        assert_eq!(content_type("/frontend-1.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("/style-2.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("/LICENSE"), "application/octet-stream");
    }
}
