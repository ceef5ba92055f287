//! Who may talk to the server: the per-launch token, the `Host` check and
//! the same-origin check.
//!
//! The server can spend the user's AWS credentials, and any web page the
//! user visits can send requests to `127.0.0.1`. So:
//! - every `/api/*` request carries `Authorization: Bearer <token>`, where the
//!   token is 256 random bits from the OS, made at launch; the page gets it
//!   by trading the one-time launch code of the printed URL
//!   (`POST /api/session`, see [`super::session`]), so the token is never in
//!   a URL, a request line or a log;
//! - the `Host` header must name the loopback address (or the one address
//!   the user explicitly bound), which defeats DNS rebinding: a page on
//!   `evil.example` that re-resolves to 127.0.0.1 still sends
//!   `Host: evil.example`;
//! - a request carrying a foreign `Origin` is refused, and state-changing
//!   requests must carry our own `Origin` (browsers always send it on
//!   POST), which stops cross-site form posts even before the token check.
//!
//! No CORS headers are ever sent, so browsers keep other origins from
//! reading any answer.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppError;
use super::session::LaunchCode;

/// The per-launch secret that the UI must present. `Debug` does not show it.
pub struct AccessToken {
    text: String,
    /// SHA-256 of `text`: candidates are hashed and compared digest to
    /// digest in constant time, so neither the content nor the length of the
    /// real token leaks through timing.
    digest: [u8; 32],
}

impl AccessToken {
    /// 256 bits from the operating system's random generator, hex-encoded.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let text = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        Ok(Self::from_text(text))
    }

    /// A token with a known value, for tests and for embedding.
    pub fn from_text(text: impl Into<String>) -> Self {
        let text = text.into();
        let digest = Sha256::digest(text.as_bytes()).into();
        Self { text, digest }
    }

    /// The token itself, to put in the URL printed at launch.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// Whether `candidate` is the token, in time independent of both values.
    pub fn matches(&self, candidate: &str) -> bool {
        let candidate: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        bool::from(self.digest.ct_eq(&candidate))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// The access rules of one running server: its token, the one-time launch
/// code that hands the token to the page, and the address it listens on
/// (which decides the acceptable `Host` and `Origin` values).
#[derive(Debug)]
pub struct Guard {
    token: AccessToken,
    launch_code: LaunchCode,
    listen: SocketAddr,
}

impl Guard {
    /// A guard without a launch code: the token must reach the client
    /// another way (tests). `serve` adds one with [`Guard::with_launch_code`].
    pub fn new(token: AccessToken, listen: SocketAddr) -> Self {
        Self { token, launch_code: LaunchCode::unset(), listen }
    }

    pub fn with_launch_code(mut self, code: LaunchCode) -> Self {
        self.launch_code = code;
        self
    }

    pub fn launch_code(&self) -> &LaunchCode {
        &self.launch_code
    }

    /// The origin the UI is served from, e.g. `http://127.0.0.1:4780`: the
    /// address actually bound. Printing another loopback address than the
    /// bound one (127.0.0.1 for 127.0.0.2) would hand the token to whoever
    /// listens on that other address.
    pub fn origin(&self) -> String {
        format!("http://{}:{}", self.bound_name(), self.listen.port())
    }

    /// The bound address as it appears in a URL authority (`[v6]`).
    fn bound_name(&self) -> String {
        match self.listen.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        }
    }

    /// The URL to open: the one-time launch code (never the token) rides in
    /// the fragment, which browsers never send to the server, so it appears
    /// in no request line and no log; the page trades it for the token
    /// ([`super::session`]). Without a code, the bare origin.
    pub fn launch_url(&self) -> String {
        match self.launch_code.text() {
            Some(code) => format!("{}/#code={code}", self.origin()),
            None => format!("{}/", self.origin()),
        }
    }

    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// Whether a `Host` header value names this server: the bound address
    /// (or `localhost` when that is 127.0.0.1 or ::1, which `localhost`
    /// resolves to), with the port the server listens on.
    fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        if port != self.listen.port() {
            return false;
        }
        let name = name.to_ascii_lowercase();
        let localhost = matches!(self.listen.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST) | IpAddr::V6(Ipv6Addr::LOCALHOST));
        name == self.bound_name() || (localhost && name == "localhost")
    }
}

/// Splits `name[:port]` (with `[v6]` literals); no port means 80, as in HTTP.
fn split_host(host: &str) -> Option<(&str, u16)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        match rest {
            "" => (name, None),
            _ => (name, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty() || name == "[]" {
        return None;
    }
    let port = match port {
        Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok()?,
        Some(_) => return None,
        None => 80,
    };
    Some((name, port))
}

/// Whether `origin` (`http://name[:port]`) is the origin of a page loaded
/// from `host` (`name[:port]`); default ports may be written or not.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://") else {
        return false;
    };
    match (split_host(authority), split_host(host)) {
        (Some((a, a_port)), Some((b, b_port))) => a.eq_ignore_ascii_case(b) && a_port == b_port,
        _ => false,
    }
}

/// Methods that change state and so must prove they come from our own page.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Middleware for every request: the `Host` header must name this server,
/// and the `Origin` header, when present (always, for state-changing
/// requests), must be this server's own origin.
///
/// It also refuses, before any body is read, what the HTTP layer lets
/// through: several `Host` headers (400), an absolute-form request target
/// naming another authority (421) and a declared `Content-Length` above
/// [`super::BODY_LIMIT_BYTES`] (413).
pub async fn check_host_and_origin(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    match host_and_origin_verdict(&guard, request.method(), request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn host_and_origin_verdict(guard: &Guard, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), AppError> {
    if headers.get_all(header::HOST).iter().count() > 1 {
        return Err(AppError::BadRequest("the request has more than one Host header"));
    }
    // `GET http://other.example/ HTTP/1.1`: the target's authority overrides
    // Host (RFC 9112 §3.2.2), so it must name this server as well.
    if let Some(authority) = uri.authority()
        && !guard.host_allowed(authority.as_str())
    {
        return Err(AppError::BadHost);
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > super::BODY_LIMIT_BYTES as u64) {
        return Err(AppError::PayloadTooLarge);
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| guard.host_allowed(host))
        .ok_or(AppError::BadHost)?;
    let origin = headers.get(header::ORIGIN).map(|value| value.to_str().unwrap_or(""));
    match origin {
        Some(origin) if same_origin(origin, host) => Ok(()),
        Some(_) => Err(AppError::ForbiddenOrigin(
            "the request comes from another web site (its Origin header is not this server's origin)",
        )),
        None if changes_state(method) => Err(AppError::ForbiddenOrigin(
            "the request has no Origin header; changes are only accepted from the ecs-secrets page itself",
        )),
        None => Ok(()),
    }
}

/// Middleware for `/api/*`: `Authorization: Bearer <token>` must carry this
/// launch's token.
pub async fn require_token(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let presented =
        request.headers().get(header::AUTHORIZATION).map(|value| value.to_str().ok().and_then(bearer_credentials));
    match presented {
        None => AppError::Unauthorized(
            "missing Authorization: Bearer token; open the URL that `ecs-secrets serve` printed (it carries the token)",
        )
        .into_response(),
        Some(None) => AppError::Unauthorized("the Authorization header must be `Bearer <token>`").into_response(),
        Some(Some(token)) if guard.token.matches(token) => next.run(request).await,
        Some(Some(_)) => AppError::Unauthorized(
            "the token is not this server's; open the URL that the running `ecs-secrets serve` printed",
        )
        .into_response(),
    }
}

/// The credentials of a `Bearer` authorization header (scheme names are
/// case-insensitive in HTTP).
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty()).then_some(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(listen: &str) -> Guard {
        Guard::new(AccessToken::from_text("t"), listen.parse().unwrap())
    }

    #[test]
    fn host_header_must_name_this_server() {
        let loopback = guard("127.0.0.1:4780");
        let cases = [
            ("127.0.0.1:4780", true),
            ("localhost:4780", true),
            ("LOCALHOST:4780", true),
            ("[::1]:4780", false),
            ("127.0.0.2:4780", false),
            ("127.0.0.1:4781", false),
            ("127.0.0.1", false),
            ("evil.example:4780", false),
            ("localhost.:4780", false),
            ("127.0.0.1:", false),
            ("127.0.0.1:+4780", false),
            ("[::1", false),
            ("[::1]x4780", false),
            (":4780", false),
            ("", false),
        ];
        for (host, allowed) in cases {
            assert_eq!(loopback.host_allowed(host), allowed, "Host: {host}");
        }
        let remote = guard("192.168.1.20:80");
        assert!(remote.host_allowed("192.168.1.20"));
        assert!(remote.host_allowed("192.168.1.20:80"));
        assert!(!remote.host_allowed("192.168.1.21"));
        let v6 = guard("[fd00::1]:4780");
        assert!(v6.host_allowed("[fd00::1]:4780"));
        assert!(!v6.host_allowed("fd00::1:4780"));
        assert!(!v6.host_allowed("localhost:4780"));
        let v6_loopback = guard("[::1]:4780");
        assert!(v6_loopback.host_allowed("[::1]:4780"));
        assert!(v6_loopback.host_allowed("localhost:4780"));
        assert!(!v6_loopback.host_allowed("127.0.0.1:4780"));
    }

    #[test]
    fn another_loopback_address_is_printed_and_checked_as_bound() {
        // Regression: 127.0.0.2 was printed as 127.0.0.1 and Host 127.0.0.1
        // accepted, so whoever listened on 127.0.0.1:P got the token.
        let code = LaunchCode::from_code(AccessToken::from_text("c0de"));
        let other = guard("127.0.0.2:4780").with_launch_code(code);
        assert_eq!(other.launch_url(), "http://127.0.0.2:4780/#code=c0de");
        assert!(other.host_allowed("127.0.0.2:4780"));
        assert!(!other.host_allowed("127.0.0.1:4780"));
        assert!(!other.host_allowed("localhost:4780"));
    }

    #[test]
    fn origin_must_be_the_page_served_from_host() {
        assert!(same_origin("http://127.0.0.1:4780", "127.0.0.1:4780"));
        assert!(same_origin("http://LOCALHOST:4780", "localhost:4780"));
        assert!(same_origin("http://127.0.0.1", "127.0.0.1:80"));
        assert!(!same_origin("http://localhost:4780", "127.0.0.1:4780"));
        assert!(!same_origin("https://127.0.0.1:4780", "127.0.0.1:4780"));
        assert!(!same_origin("null", "127.0.0.1:4780"));
        assert!(!same_origin("http://127.0.0.1:4780/", "127.0.0.1:4780"));
    }

    #[test]
    fn launch_url_puts_the_one_time_code_in_the_fragment_never_the_token() {
        let code = || LaunchCode::from_code(AccessToken::from_text("c"));
        assert_eq!(guard("127.0.0.1:4780").with_launch_code(code()).launch_url(), "http://127.0.0.1:4780/#code=c");
        assert_eq!(guard("[::1]:9").with_launch_code(code()).launch_url(), "http://[::1]:9/#code=c");
        assert_eq!(guard("127.0.0.1:4780").launch_url(), "http://127.0.0.1:4780/");
    }

    #[test]
    fn generated_tokens_are_256_bit_hex_and_differ() {
        let (a, b) = (AccessToken::generate().unwrap(), AccessToken::generate().unwrap());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose(), b.expose());
        assert!(a.matches(a.expose()));
        assert!(!a.matches(b.expose()));
        assert!(!a.matches(&a.expose()[..63]));
        assert_eq!(format!("{a:?}"), "AccessToken(<redacted>)");
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_credentials("Bearer abc"), Some("abc"));
        assert_eq!(bearer_credentials("bearer abc"), Some("abc"));
        assert_eq!(bearer_credentials("Basic abc"), None);
        assert_eq!(bearer_credentials("Bearer "), None);
        assert_eq!(bearer_credentials("Bearerabc"), None);
    }
}
