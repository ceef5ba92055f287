//! The one module that talks HTTP to `ecs-secrets serve`.
//!
//! The server hands the page a per-launch bearer token in the URL fragment
//! (`#token=…`). It is read once at start, kept in this module's memory only
//! (never in storage) and removed from the address bar, so it is neither in
//! the history nor in a screenshot. Without a token the page runs offline:
//! every check still works, only Apply needs the server.
//!
//! Apply answers with Server-Sent Events; `EventSource` can neither POST nor
//! send headers, so the stream is read from `fetch` and parsed here.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use shared::api::ErrorBody;
pub use shared::api::{PlanResponse, WhoAmI};
use shared::bundle::Bundle;
use shared::plan::{ApplyReport, ProgressEvent};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
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

/// Reads the token from `#token=…` and removes the fragment from the URL.
pub fn init_from_location() {
    let Some(window) = web_sys::window() else { return };
    let Ok(hash) = window.location().hash() else { return };
    let token = hash.trim_start_matches('#').split('&').find_map(|part| part.strip_prefix("token=")).map(str::to_owned);
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        TOKEN.with(|slot| *slot.borrow_mut() = Some(token));
        if let (Ok(history), Ok(path)) = (window.history(), window.location().pathname()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
        }
    }
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
    let token = TOKEN.with(|slot| slot.borrow().clone()).ok_or_else(no_backend)?;
    let window = web_sys::window().ok_or_else(no_backend)?;
    let headers = web_sys::Headers::new().map_err(|e| js_error("headers", e))?;
    headers.set("Authorization", &format!("Bearer {token}")).map_err(|e| js_error("headers", e))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json").map_err(|e| js_error("headers", e))?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(|e| js_error(path, e))?;
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| js_error(&format!("cannot reach the backend ({path})"), e))?;
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

/// Reads JSON through `Value`: the string reader is then instantiated for
/// `Value` alone rather than once more per response type (the WASM size
/// budget; these types are read nowhere else, so plain `from_value` is the
/// leanest reader for them).
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).and_then(serde_json::from_value)
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

pub async fn whoami() -> Result<WhoAmI, ApiError> {
    json("GET", "/api/whoami", None).await
}

pub async fn plan(bundle: &Bundle) -> Result<PlanResponse, ApiError> {
    // Through `Value` (as `apply` does): one serializer for the bundle in the WASM.
    let body = serde_json::to_value(bundle)
        .map_err(|e| ApiError { code: "bundle".into(), message: e.to_string() })?
        .to_string();
    json("POST", "/api/plan", Some(body)).await
}

/// Starts Apply and calls `on_event` for every streamed event. `values`
/// (secret name → value) exist only in this request body.
pub async fn apply(
    bundle: &Bundle,
    values: serde_json::Map<String, serde_json::Value>,
    mut on_event: impl FnMut(ApplyEvent),
) -> Result<(), ApiError> {
    let body = serde_json::json!({ "bundle": bundle, "values": values }).to_string();
    let response = send("POST", "/api/apply", Some(body)).await?;
    let stream =
        response.body().ok_or_else(|| ApiError { code: "stream".into(), message: "apply: empty answer".into() })?;
    let reader: web_sys::ReadableStreamDefaultReader =
        stream.get_reader().dyn_into().map_err(|e| js_error("apply stream", e.into()))?;
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| js_error("apply stream", e))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true);
        if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into())
            && let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>()
        {
            buffer.extend(bytes.to_vec());
        }
        while let Some(end) = find_event_end(&buffer) {
            let raw: Vec<u8> = buffer.drain(..end.0 + end.1).collect();
            if let Some(event) = parse_event(&String::from_utf8_lossy(&raw[..end.0])) {
                on_event(event);
            }
        }
        if done {
            if let Some(event) = parse_event(&String::from_utf8_lossy(&buffer)) {
                on_event(event);
            }
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

/// Parses one SSE event block (`event:` + `data:` lines).
fn parse_event(block: &str) -> Option<ApplyEvent> {
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
    if data.is_empty() {
        return None;
    }
    let bad = |e: serde_json::Error| ApplyEvent::Error(ApiError { code: "stream".into(), message: e.to_string() });
    Some(match name {
        "progress" => from_json(&data).map(ApplyEvent::Progress).unwrap_or_else(bad),
        "report" => from_json(&data).map(ApplyEvent::Report).unwrap_or_else(bad),
        _ => match from_json::<ErrorBody>(&data) {
            Ok(body) => ApplyEvent::Error(ApiError { code: body.error.code, message: body.error.message }),
            Err(_) => ApplyEvent::Error(ApiError { code: name.to_owned(), message: data }),
        },
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
