//! The one module that talks HTTP to `ecs-secrets serve`.
//!
//! The URL `serve` prints carries a one-time launch code (`#code=…`), never
//! the session token. At start the page removes the fragment from the
//! address bar and trades the code for the token with a same-origin
//! `POST /api/session`; the token is kept in this module's memory and in
//! `sessionStorage` (this tab and origin only, gone when the tab closes), so
//! a reload (F5) stays connected while the history holds only a spent code.
//! Without a token the page runs offline: every check still works, only
//! Apply needs the server.
//!
//! Apply answers with Server-Sent Events; `EventSource` can neither POST nor
//! send headers, so the stream is read from `fetch` and parsed here.

use std::cell::RefCell;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::api::ErrorBody;
pub use shared::api::{PlanResponse, RotateProgress, RotateTarget, WhoAmI};
use shared::bundle::Bundle;
use shared::plan::{ApplyReport, ProgressEvent};
use shared::rotate::RotateReport;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The launch-code exchange while it runs (a Promise can be awaited by
    /// every request that starts meanwhile; the code works only once).
    static SESSION: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// The `sessionStorage` key of the session token.
const TOKEN_KEY: &str = "ecs-secrets.session-token";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Why a call failed, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The server's error code (`no_credentials`, …) or `network`/`no_backend`.
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One event of the apply stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyEvent {
    Progress(ProgressEvent),
    Report(ApplyReport),
    Error(ApiError),
}

/// Reads the launch code from `#code=…` (removing the fragment from the
/// URL) and starts trading it for the token; without a code, the token this
/// tab already holds in `sessionStorage` (a reload).
pub fn init_from_location() {
    let Some(window) = web_sys::window() else { return };
    let stored = session_storage().and_then(|s| s.get_item(TOKEN_KEY).ok().flatten()).filter(|t| !t.is_empty());
    TOKEN.with(|slot| *slot.borrow_mut() = stored);
    let Ok(hash) = window.location().hash() else { return };
    let code = hash.trim_start_matches('#').split('&').find_map(|part| part.strip_prefix("code=")).map(str::to_owned);
    let Some(code) = code.filter(|c| !c.is_empty()) else { return };
    if let (Ok(history), Ok(path)) = (window.history(), window.location().pathname()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    let exchange = wasm_bindgen_futures::future_to_promise(async move {
        match exchange_code(&code).await {
            Ok(token) => {
                if let Some(storage) = session_storage() {
                    let _ = storage.set_item(TOKEN_KEY, &token);
                }
                TOKEN.with(|slot| *slot.borrow_mut() = Some(token));
                Ok(JsValue::TRUE)
            }
            // A used code with a token already in this tab (the printed URL
            // opened again here) is no failure: keep the stored token.
            Err(_) if TOKEN.with(|slot| slot.borrow().is_some()) => Ok(JsValue::TRUE),
            Err(e) => Err(JsValue::from_str(&e.message)),
        }
    });
    SESSION.with(|slot| *slot.borrow_mut() = Some(exchange));
}

#[derive(Deserialize)]
struct SessionGrant {
    token: String,
}

async fn exchange_code(code: &str) -> Result<String, ApiError> {
    let body = serde_json::json!({ "code": code }).to_string();
    let response = request("POST", "/api/session", None, Some(body)).await?;
    let text = read_text(&response).await?;
    from_json::<SessionGrant>(&text)
        .map(|g| g.token)
        .map_err(|e| ApiError { code: "bad_response".into(), message: format!("/api/session: unexpected answer: {e}") })
}

/// The session token, once the launch-code exchange (if any) has finished.
async fn token() -> Result<String, ApiError> {
    if let Some(exchange) = SESSION.with(|slot| slot.borrow().clone())
        && let Err(e) = JsFuture::from(exchange).await
    {
        return Err(ApiError {
            code: "session".into(),
            message: format!(
                "could not connect to ecs-secrets serve: {}",
                e.as_string().unwrap_or_else(|| "the launch code was refused".into())
            ),
        });
    }
    TOKEN.with(|slot| slot.borrow().clone()).ok_or_else(no_backend)
}

fn no_backend() -> ApiError {
    ApiError {
        code: "no_backend".into(),
        message: "no backend: this page was opened as static files. Start `ecs-secrets serve` and open the URL it prints to apply."
            .into(),
    }
}

fn js_error(context: &str, error: JsValue) -> ApiError {
    let detail = error.as_string().or_else(|| js_sys::JSON::stringify(&error).ok().and_then(|s| s.as_string()));
    ApiError {
        code: "network".into(),
        message: format!("{context}: {}", detail.unwrap_or_else(|| "unknown error".into())),
    }
}

async fn send(method: &str, path: &str, body: Option<String>) -> Result<web_sys::Response, ApiError> {
    let token = token().await?;
    request(method, path, Some(&token), body).await
}

/// One request; a failure says in words what failed and what to do.
async fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<web_sys::Response, ApiError> {
    let window = web_sys::window().ok_or_else(no_backend)?;
    let headers = web_sys::Headers::new().map_err(|e| js_error("headers", e))?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}")).map_err(|e| js_error("headers", e))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json").map_err(|e| js_error("headers", e))?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(|e| js_error(path, e))?;
    let response = JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| unreachable_backend(path))?;
    let response: web_sys::Response = response.dyn_into().map_err(|e| js_error(path, e))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = read_text(&response).await.unwrap_or_default();
    Err(match from_json::<ErrorBody>(&text) {
        Ok(body) => ApiError { code: body.error.code, message: body.error.message },
        Err(_) => ApiError { code: format!("http_{status}"), message: format!("{path} answered HTTP {status}") },
    })
}

/// `fetch` itself failed: the server is not running (stopped, restarted on
/// another port) or the network dropped. `fetch` says no more than that.
fn unreachable_backend(path: &str) -> ApiError {
    ApiError {
        code: "unreachable".into(),
        message: format!(
            "the ecs-secrets server did not answer ({path}): it may have stopped. Check the terminal running \
             ecs-secrets serve (start it again if needed and open the new URL it prints), then retry."
        ),
    }
}

/// Reads JSON through `Value` and the one typed reader of the WASM
/// (`shared::import::from_json_value`): the string reader is instantiated
/// for `Value` alone, and types also read elsewhere have one copy of their
/// code (the WASM size budget).
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).and_then(shared::import::from_json_value)
}

/// A request body: compact JSON through `shared::json_text`'s writer, the
/// one the downloads use (one copy of each type's serialisation code).
fn compact<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    shared::json_text::compact(value).map_err(|e| ApiError { code: "request".into(), message: e.to_string() })
}

async fn read_text(response: &web_sys::Response) -> Result<String, ApiError> {
    let promise = response.text().map_err(|e| js_error("response", e))?;
    let text = JsFuture::from(promise).await.map_err(|e| js_error("response", e))?;
    Ok(text.as_string().unwrap_or_default())
}

async fn json<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> Result<T, ApiError> {
    let response = send(method, path, body).await?;
    let text = read_text(&response).await?;
    from_json(&text)
        .map_err(|e| ApiError { code: "bad_response".into(), message: format!("{path}: unexpected answer: {e}") })
}

/// Audits every service of `clusters` (empty: every cluster of the
/// backend's region), read-only.
pub async fn audit(clusters: &[String]) -> Result<shared::api::AuditResponse, ApiError> {
    let body = serde_json::json!({ "clusters": clusters }).to_string();
    json("POST", "/api/audit", Some(body)).await
}

pub async fn whoami() -> Result<WhoAmI, ApiError> {
    json("GET", "/api/whoami", None).await
}

pub async fn plan(bundle: &Bundle) -> Result<PlanResponse, ApiError> {
    // `shared::json_text`'s writer (as `apply` and the downloads): one
    // serializer for the bundle in the WASM.
    let body = compact(bundle)?;
    json("POST", "/api/plan", Some(body)).await
}

/// Starts Apply and calls `on_event` for every streamed event. `values`
/// (secret name → value) exist only in this request body.
pub async fn apply(
    bundle: &Bundle,
    values: serde_json::Map<String, serde_json::Value>,
    mut on_event: impl FnMut(ApplyEvent),
) -> Result<(), ApiError> {
    let body = format!(r#"{{"bundle":{},"values":{}}}"#, compact(bundle)?, compact(&values)?);
    read_events("/api/apply", body, "Apply", |block| {
        if let Some(event) = parse_event(block) {
            on_event(event);
        }
    })
    .await
}

/// One event of the rotate stream.
#[derive(Debug, Clone, PartialEq)]
pub enum RotateEvent {
    Progress(String),
    Report(RotateReport),
    Error(ApiError),
}

/// The consumers of `secret` (nothing is written).
pub async fn rotate_plan(target: &RotateTarget) -> Result<RotateReport, ApiError> {
    let body = compact(target)?;
    json("POST", "/api/rotate/plan", Some(body)).await
}

/// Starts a rotation; `value` exists only in this request body.
pub async fn rotate(target: &RotateTarget, value: &str, mut on_event: impl FnMut(RotateEvent)) -> Result<(), ApiError> {
    let body = serde_json::json!({ "secret": target.secret, "clusters": target.clusters, "value": value }).to_string();
    read_events("/api/rotate", body, "Rotate", |block| {
        let Some((name, data)) = split_event(block) else { return };
        let bad = |e: serde_json::Error| RotateEvent::Error(ApiError { code: "stream".into(), message: e.to_string() });
        on_event(match name {
            "progress" => {
                from_json::<RotateProgress>(&data).map(|p| RotateEvent::Progress(p.message)).unwrap_or_else(bad)
            }
            "report" => from_json(&data).map(RotateEvent::Report).unwrap_or_else(bad),
            _ => RotateEvent::Error(error_event(name, data)),
        });
    })
    .await
}

/// POSTs `body` to `path` and calls `on_block` with each Server-Sent
/// Event block of the answer as it arrives; `what` names the action in
/// errors.
async fn read_events(path: &str, body: String, what: &str, mut on_block: impl FnMut(&str)) -> Result<(), ApiError> {
    let response = send("POST", path, Some(body)).await?;
    let stream =
        response.body().ok_or_else(|| ApiError { code: "stream".into(), message: format!("{what}: empty answer") })?;
    let reader: web_sys::ReadableStreamDefaultReader =
        stream.get_reader().dyn_into().map_err(|e| js_error("event stream", e.into()))?;
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| ApiError {
            code: "unreachable".into(),
            message: format!(
                "the connection to the ecs-secrets server broke during {what} (it may have stopped): start it \
                 again if needed, then look again to see what was done and retry."
            ),
        })?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true);
        if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into())
            && let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>()
        {
            buffer.extend(bytes.to_vec());
        }
        while let Some(end) = find_event_end(&buffer) {
            let raw: Vec<u8> = buffer.drain(..end.0 + end.1).collect();
            on_block(&String::from_utf8_lossy(&raw[..end.0]));
        }
        if done {
            on_block(&String::from_utf8_lossy(&buffer));
            return Ok(());
        }
    }
}

/// The end of the first complete event: (index, separator length).
fn find_event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The name and data of one SSE event block (`event:` + `data:` lines).
fn split_event(block: &str) -> Option<(&str, String)> {
    let mut name = "message";
    let mut data = String::new();
    for line in block.lines() {
        if let Some(rest) = line.strip_prefix("event:") {
            name = rest.trim();
        } else if let Some(rest) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    (!data.is_empty()).then_some((name, data))
}

/// An `event: error` (or unknown event) as an [`ApiError`].
fn error_event(name: &str, data: String) -> ApiError {
    match from_json::<ErrorBody>(&data) {
        Ok(body) => ApiError { code: body.error.code, message: body.error.message },
        Err(_) => ApiError { code: name.to_owned(), message: data },
    }
}

/// Parses one SSE event block of the apply stream.
fn parse_event(block: &str) -> Option<ApplyEvent> {
    let (name, data) = split_event(block)?;
    let bad = |e: serde_json::Error| ApplyEvent::Error(ApiError { code: "stream".into(), message: e.to_string() });
    Some(match name {
        "progress" => from_json(&data).map(ApplyEvent::Progress).unwrap_or_else(bad),
        "report" => from_json(&data).map(ApplyEvent::Report).unwrap_or_else(bad),
        _ => ApplyEvent::Error(error_event(name, data)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_parses_server_sent_events() {
        let stream = "event: progress\ndata: {\"event\":\"started\",\"stepId\":\"a\",\"title\":\"A\"}\n\nevent: report\r\ndata: {\"success\":true,\"completed\":[\"a\"],\"failed\":null,\"taskDefinitionArn\":null,\"writes\":1}\r\n\r\n";
        let bytes = stream.as_bytes();
        let (end, sep) = find_event_end(bytes).unwrap();
        let first = parse_event(&stream[..end]).unwrap();
        assert!(matches!(first, ApplyEvent::Progress(ProgressEvent::Started { ref step_id, .. }) if step_id == "a"));
        let rest = &stream[end + sep..];
        let (end2, _) = find_event_end(rest.as_bytes()).unwrap();
        assert!(matches!(parse_event(&rest[..end2]), Some(ApplyEvent::Report(ApplyReport { success: true, .. }))));
        let error =
            parse_event("event: error\ndata: {\"error\":{\"code\":\"busy\",\"message\":\"an apply is running\"}}");
        assert_eq!(
            error,
            Some(ApplyEvent::Error(ApiError { code: "busy".into(), message: "an apply is running".into() }))
        );
        assert_eq!(parse_event(": keep-alive"), None);
    }
}
