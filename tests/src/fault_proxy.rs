//! A loopback HTTP proxy in front of moto that injects faults into chosen
//! AWS calls: a 500, a throttling error, a connection reset (before the
//! request reaches moto, or after moto carried it out — the lost answer),
//! or a stall (the request is held and never answered).
//!
//! The AWS SDK speaks plain HTTP/1.1 to an `--endpoint-url` like
//! `http://127.0.0.1:P`, so the proxy reads each request (head and
//! `Content-Length` body), decides, and forwards it to moto on a fresh
//! connection. A *call* is one SDK invocation (its `amz-sdk-invocation-id`
//! header); the SDK's retries of it are further *attempts*. Calls are named
//! `service:Operation` (`ssm:PutParameter`), the service taken from the
//! request's signing scope, the operation from `X-Amz-Target` (JSON
//! protocols) or `Action=` (query protocols: IAM, STS).
//!
//! It can also edit one operation's JSON answers ([`FaultProxy::rewrite`]):
//! moto's tasks carry no `startedAt`, so the stale-task tests add it to
//! DescribeTasks answers here — documented test scaffolding, never product
//! behaviour.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with the protocol's internal-error body.
    ServerError,
    /// HTTP 400 `ThrottlingException` / `Throttling`.
    Throttling,
    /// The connection is reset before the request is forwarded.
    ResetBeforeSending,
    /// The request is forwarded and carried out by moto, then the
    /// connection is reset instead of answering: the answer is lost.
    ResetAfterAwsRan,
    /// The request is held, never forwarded and never answered.
    Stall,
}

impl Fault {
    pub const ALL: [Fault; 5] =
        [Fault::ServerError, Fault::Throttling, Fault::ResetBeforeSending, Fault::ResetAfterAwsRan, Fault::Stall];
}

/// How long a fault lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Only the first attempt of the chosen call: a transient fault that
    /// retries should absorb.
    FirstAttempt,
    /// The chosen call and every request after it: AWS is gone from that
    /// moment on, so apply must fail and report where.
    FromThenOn,
}

/// Which call gets which fault: the `occurrence`-th call (1-based) of
/// `operation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    pub operation: String,
    pub occurrence: usize,
    pub fault: Fault,
    pub lifetime: Lifetime,
}

#[derive(Debug, Default)]
struct State {
    /// Every call seen, in order of arrival: `service:Operation`.
    calls: Vec<String>,
    invocations: HashSet<String>,
    injection: Option<Injection>,
    /// The invocation id of the call the fault hit, once it was hit.
    hit: Option<String>,
}

impl State {
    /// The fault for one request, updating the call log.
    fn decide(&mut self, operation: &str, invocation: &str, attempt: u32) -> Option<Fault> {
        if self.invocations.insert(invocation.to_owned()) {
            self.calls.push(operation.to_owned());
            let occurrence = self.calls.iter().filter(|c| *c == operation).count();
            if self.hit.is_none()
                && let Some(injection) = &self.injection
                && injection.operation == operation
                && injection.occurrence == occurrence
            {
                self.hit = Some(invocation.to_owned());
            }
        }
        let injection = self.injection.as_ref()?;
        let hit = self.hit.as_deref()?;
        match injection.lifetime {
            Lifetime::FirstAttempt => (hit == invocation && attempt <= 1).then_some(injection.fault),
            Lifetime::FromThenOn => Some(injection.fault),
        }
    }
}

/// An edit of one operation's JSON answers.
pub type Rewrite = Arc<dyn Fn(&mut serde_json::Value) + Send + Sync>;

/// The rewrite for an operation (`ecs:DescribeTasks`), if any.
type Rewrites = Arc<Mutex<Vec<(String, Rewrite)>>>;

/// The proxy; stops when dropped.
pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    rewrites: Rewrites,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream_port`.
    pub async fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind the fault proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let rewrites: Rewrites = Arc::default();
        let shared = Arc::clone(&state);
        let shared_rewrites = Arc::clone(&rewrites);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve_client(client, upstream_port, Arc::clone(&shared), Arc::clone(&shared_rewrites)));
            }
        });
        FaultProxy { endpoint: format!("http://127.0.0.1:{port}"), state, rewrites, task }
    }

    /// Edits every successful JSON answer of `operation` (`ecs:DescribeTasks`)
    /// with `edit` before the client sees it.
    pub fn rewrite(&self, operation: &str, edit: impl Fn(&mut serde_json::Value) + Send + Sync + 'static) {
        self.rewrites.lock().unwrap_or_else(PoisonError::into_inner).push((operation.to_owned(), Arc::new(edit)));
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Injects `injection` into the coming calls (the call log restarts).
    pub fn arm(&self, injection: Option<Injection>) {
        let mut state = self.state();
        *state = State { injection, ..State::default() };
    }

    /// The calls seen since [`FaultProxy::arm`].
    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// Whether the armed fault hit a call.
    pub fn fired(&self) -> bool {
        self.state().hit.is_some()
    }

    /// `(operation, occurrence)` of every call in `calls`.
    pub fn numbered(calls: &[String]) -> Vec<(String, usize)> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        calls
            .iter()
            .map(|call| {
                let n = seen.entry(call).or_default();
                *n += 1;
                (call.clone(), *n)
            })
            .collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One parsed request.
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// `service:Operation`.
    fn operation(&self) -> String {
        let service = self
            .header("authorization")
            .and_then(|auth| auth.split("Credential=").nth(1))
            .and_then(|scope| scope.split('/').nth(3))
            .unwrap_or("unknown");
        let operation = match self.header("x-amz-target") {
            Some(target) => target.rsplit('.').next().unwrap_or(target).to_owned(),
            None => String::from_utf8_lossy(&self.body)
                .split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .unwrap_or("unknown")
                .to_owned(),
        };
        format!("{service}:{operation}")
    }

    fn attempt(&self) -> u32 {
        self.header("amz-sdk-request")
            .and_then(|value| value.split(';').find_map(|part| part.trim().strip_prefix("attempt=")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
    }

    fn is_json_protocol(&self) -> bool {
        self.header("x-amz-target").is_some()
    }
}

async fn serve_client(mut client: TcpStream, upstream_port: u16, state: Arc<Mutex<State>>, rewrites: Rewrites) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut client, &mut buffer).await else { return };
        let operation = request.operation();
        let invocation = request.header("amz-sdk-invocation-id").unwrap_or("").to_owned();
        let fault =
            state.lock().unwrap_or_else(PoisonError::into_inner).decide(&operation, &invocation, request.attempt());
        let rewrite = rewrites
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, edit)| Arc::clone(edit));
        let answer = match fault {
            None => forward(&request, upstream_port, rewrite).await,
            Some(Fault::ServerError) => Some(error_response(&request, 500, "InternalFailure", "ServiceFailure")),
            Some(Fault::Throttling) => Some(error_response(&request, 400, "ThrottlingException", "Throttling")),
            Some(Fault::ResetBeforeSending) => None,
            Some(Fault::ResetAfterAwsRan) => {
                let _carried_out = forward(&request, upstream_port, None).await;
                None
            }
            Some(Fault::Stall) => {
                // Hold the connection until the client gives up.
                let mut sink = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(120), async {
                    while client.read(&mut sink).await.is_ok_and(|n| n > 0) {}
                })
                .await;
                return;
            }
        };
        match answer {
            Some(bytes) => {
                if client.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            None => {
                let _ = client.set_zero_linger();
                return;
            }
        }
    }
}

/// Reads one request (head + `Content-Length` body); `None` at EOF.
async fn read_request(stream: &mut (impl AsyncRead + Unpin), buffer: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at + 4;
        }
        if !read_more(stream, buffer).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut request = Request { head, body: Vec::new() };
    let length: usize = request.header("content-length").and_then(|n| n.parse().ok()).unwrap_or(0);
    while buffer.len() < head_end + length {
        if !read_more(stream, buffer).await {
            return None;
        }
    }
    request.body = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    Some(request)
}

async fn read_more(stream: &mut (impl AsyncRead + Unpin), buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Sends the request to moto on a new connection and returns moto's answer
/// re-framed for the client's kept-alive connection.
async fn forward(request: &Request, upstream_port: u16, rewrite: Option<Rewrite>) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port)).await.ok()?;
    let mut head: Vec<&str> =
        request.head.trim_end().lines().filter(|line| !line.to_ascii_lowercase().starts_with("connection:")).collect();
    head.push("Connection: close");
    let mut bytes = head.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(&request.body);
    upstream.write_all(&bytes).await.ok()?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).await.ok()?;
    let head_end = find(&response, b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&response[..head_end]).into_owned();
    let mut lines = head.trim_end().lines();
    let status = lines.next()?.split_once(' ')?.1.to_owned();
    let mut headers = Vec::new();
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        match name.trim().to_ascii_lowercase().as_str() {
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "connection" | "keep-alive" => {}
            _ => headers.push(line.to_owned()),
        }
    }
    let rest = &response[head_end..];
    let mut body = if chunked { dechunk(rest)? } else { rest[..length.unwrap_or(rest.len()).min(rest.len())].to_vec() };
    if let Some(edit) = rewrite
        && status.starts_with('2')
        && let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&body)
    {
        edit(&mut doc);
        body = doc.to_string().into_bytes();
    }
    Some(http_response(&status, &headers, &body))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

fn http_response(status: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// An error answer in the request's protocol (JSON `__type` or query XML).
fn error_response(request: &Request, status: u16, json_code: &str, query_code: &str) -> Vec<u8> {
    let reason = if status == 500 { "Internal Server Error" } else { "Bad Request" };
    let status_line = format!("{status} {reason}");
    let request_id = "x-amzn-RequestId: fault-proxy-request".to_owned();
    if request.is_json_protocol() {
        let body = format!(r#"{{"__type":"{json_code}","message":"injected by the fault proxy"}}"#);
        let headers = ["Content-Type: application/x-amz-json-1.1".to_owned(), request_id];
        http_response(&status_line, &headers, body.as_bytes())
    } else {
        let kind = if status == 500 { "Receiver" } else { "Sender" };
        let body = format!(
            "<ErrorResponse><Error><Type>{kind}</Type><Code>{query_code}</Code>\
             <Message>injected by the fault proxy</Message></Error><RequestId>fault-proxy-request</RequestId></ErrorResponse>"
        );
        let headers = ["Content-Type: text/xml".to_owned(), request_id];
        http_response(&status_line, &headers, body.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_hit_the_chosen_call_for_their_lifetime() {
        let injection = |lifetime| Injection {
            operation: "ssm:PutParameter".to_owned(),
            occurrence: 2,
            fault: Fault::ServerError,
            lifetime,
        };
        let mut state = State { injection: Some(injection(Lifetime::FirstAttempt)), ..State::default() };
        assert_eq!(state.decide("ssm:PutParameter", "a", 1), None);
        assert_eq!(state.decide("ssm:PutParameter", "b", 1), Some(Fault::ServerError));
        assert_eq!(state.decide("ssm:PutParameter", "b", 2), None, "the retry passes");
        assert_eq!(state.decide("iam:CreateRole", "c", 1), None);
        let mut state = State { injection: Some(injection(Lifetime::FromThenOn)), ..State::default() };
        assert_eq!(state.decide("ssm:PutParameter", "a", 1), None);
        assert_eq!(state.decide("ssm:PutParameter", "b", 1), Some(Fault::ServerError));
        assert_eq!(state.decide("iam:CreateRole", "c", 1), Some(Fault::ServerError));
        assert_eq!(state.calls, ["ssm:PutParameter", "ssm:PutParameter", "iam:CreateRole"]);
        assert_eq!(FaultProxy::numbered(&state.calls)[1], ("ssm:PutParameter".to_owned(), 2));
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(), b"abcde");
    }
}
