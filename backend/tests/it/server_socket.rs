//! The server on a real socket: the listener answers plain HTTP/1.1 on
//! 127.0.0.1, the default port falls back when taken, and the `serve`
//! command prints a working URL and stops on Ctrl-C (SIGINT).

use std::io::{BufRead as _, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::server_support::{Fake, TOKEN, fixture_dist};
use ecs_secrets::server::listener::{self, DEFAULT_PORT};
use ecs_secrets::server::{AccessToken, AppState, Guard, app};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Sends one raw HTTP/1.1 request and returns the whole response text.
async fn raw_request(address: SocketAddr, host: &str, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    response
}

#[tokio::test]
async fn the_listener_answers_real_http_on_loopback() {
    let bound = listener::bind(LOOPBACK, Some(0)).await.unwrap();
    let address = bound.address;
    assert_eq!(address.ip(), LOOPBACK);
    assert_ne!(address.port(), 0);
    let router =
        app(AppState::new(Fake::default(), Guard::new(AccessToken::from_text(TOKEN), address), fixture_dist()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(listener::run(bound.listener, router, async {
        let _ = stopped.await;
    }));

    let host = format!("127.0.0.1:{}", address.port());
    let health = raw_request(address, &host, "/api/health", TOKEN).await;
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    assert!(health.contains(r#"{"status":"ok","version":""#), "{health}");
    assert!(health.to_ascii_lowercase().contains("cache-control: no-store"), "{health}");

    let rebound = raw_request(address, &format!("evil.example:{}", address.port()), "/api/health", TOKEN).await;
    assert!(rebound.starts_with("HTTP/1.1 421 "), "{rebound}");
    let no_token = raw_request(address, &host, "/api/health", "nope").await;
    assert!(no_token.starts_with("HTTP/1.1 401 "), "{no_token}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_taken_default_port_falls_back_to_a_free_one() {
    // Hold the default port (or find it already held by someone else).
    let _holder = tokio::net::TcpListener::bind((LOOPBACK, DEFAULT_PORT)).await;
    let bound = listener::bind(LOOPBACK, None).await.unwrap();
    assert!(bound.fell_back);
    assert_ne!(bound.address.port(), DEFAULT_PORT);
    // An explicit port is not silently replaced.
    let taken = listener::bind(LOOPBACK, Some(bound.address.port())).await;
    assert_eq!(taken.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
}

#[cfg(unix)]
#[tokio::test]
async fn serve_prints_a_url_with_a_launch_code_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-secrets"))
        .args(["serve", "--port", "0", "--dist"])
        .arg(fixture_dist())
        .env("RUST_LOG", "ecs_secrets=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (url, rest_of_stdout) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let url =
            lines.by_ref().map(Result::unwrap).find_map(|line| line.trim().strip_prefix("http://").map(str::to_owned));
        (url, lines)
    })
    .await
    .unwrap();
    let url = url.expect("serve printed a URL");
    // Keep reading: closing the pipe would be the test's doing, not the server's.
    let drain = std::thread::spawn(move || rest_of_stdout.map(Result::unwrap).collect::<Vec<_>>());
    let (authority, code) = url.split_once("/#code=").expect("URL carries the launch code in its fragment");
    assert_eq!(code.len(), 64, "256-bit hex code: {code}");
    let address: SocketAddr = authority.parse().unwrap();
    assert_eq!(address.ip(), LOOPBACK);

    // The page trades the code for the token (same origin, once).
    let token = exchange_launch_code(address, authority, code).await;
    assert_eq!(token.len(), 64, "256-bit hex token: {token}");
    assert_ne!(token, code);
    let fragment = token.as_str();

    let health = raw_request(address, authority, "/api/health", fragment).await;
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    let page = raw_request(address, authority, "/", "").await;
    assert!(page.contains("TrunkApplicationStarted"), "{page}");

    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    assert!(drain.join().unwrap().iter().any(|line| line.contains("Ctrl-C")));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("request served"), "the request log is on stderr:\n{stderr}");
    assert!(!stderr.contains(fragment), "the token is not logged:\n{stderr}");
    assert!(!stderr.contains(code), "the launch code is not logged:\n{stderr}");
}

/// A server on a free loopback port with `limits`; stops when the returned
/// sender is dropped.
async fn start_with_limits(limits: listener::Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let bound = listener::bind(LOOPBACK, Some(0)).await.unwrap();
    let address = bound.address;
    let router =
        app(AppState::new(Fake::default(), Guard::new(AccessToken::from_text(TOKEN), address), fixture_dist()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(listener::run_with_limits(bound.listener, router, limits, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

const SHORT: listener::Limits = listener::Limits {
    header_read: Duration::from_millis(400),
    request: Duration::from_millis(800),
    max_connections: 3,
};

/// Reads until the server closes the connection; returns what it sent and
/// how long that took.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = std::time::Instant::now();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
            Err(_) => panic!("the server kept the connection open for 10 s"),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

#[test]
fn the_default_limits_cut_slow_and_idle_clients_in_time() {
    let limits = listener::Limits::default();
    assert_eq!(limits.header_read, Duration::from_secs(10), "a half-sent header is cut within 10 s");
    assert_eq!(limits.request, Duration::from_secs(180));
    assert_eq!(limits.max_connections, 128);
}

#[tokio::test]
async fn a_half_sent_header_is_cut_off() {
    let (address, _stop) = start_with_limits(SHORT).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(format!("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", address.port()).as_bytes())
        .await
        .unwrap();
    let (_, waited) = until_closed(&mut stream).await;
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(3), "closed after {waited:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (address, _stop) = start_with_limits(SHORT).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
        address.port()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (received, waited) = until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(!received.to_ascii_lowercase().contains("connection: close"), "kept alive at first: {received}");
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(3), "closed after {waited:?}");
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let (address, _stop) = start_with_limits(SHORT).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let host = format!("127.0.0.1:{}", address.port());
    let request = format!(
        "POST /api/plan HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"version\""
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (received, waited) = until_closed(&mut stream).await;
    assert!(received.starts_with("HTTP/1.1 408 "), "{received}");
    assert!(received.contains(r#""code":"request_timeout""#), "{received}");
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once_and_slots_come_back() {
    let (address, _stop) = start_with_limits(listener::Limits { header_read: Duration::from_secs(5), ..SHORT }).await;
    let mut idle = Vec::new();
    for _ in 0..SHORT.max_connections {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    // Give the server time to accept them all.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(address).await.unwrap();
    let (_, waited) = until_closed(&mut extra).await;
    assert!(waited < Duration::from_secs(2), "an extra connection was held for {waited:?}");
    drop(idle);
    let host = format!("127.0.0.1:{}", address.port());
    let started = std::time::Instant::now();
    loop {
        let health = raw_request(address, &host, "/api/health", TOKEN).await;
        if health.starts_with("HTTP/1.1 200 OK\r\n") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "the slots never came back: {health:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `request` (with `{host}` filled in) and returns the response.
async fn raw(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = request.replace("{host}", &format!("127.0.0.1:{}", address.port())).replace("{token}", TOKEN);
    stream.write_all(request.as_bytes()).await.unwrap();
    until_closed(&mut stream).await.0
}

#[tokio::test]
async fn duplicate_hosts_foreign_absolute_targets_and_oversized_bodies_are_refused() {
    let (address, _stop) = start_with_limits(SHORT).await;
    let twice = raw(
        address,
        "GET /api/health HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n",
    )
    .await;
    assert!(twice.starts_with("HTTP/1.1 400 "), "{twice}");
    let foreign = raw(
        address,
        "GET http://evil.example/api/health HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n",
    )
    .await;
    assert!(foreign.starts_with("HTTP/1.1 421 "), "{foreign}");
    let own = raw(
        address,
        "GET http://{host}/api/health HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n",
    )
    .await;
    assert!(own.starts_with("HTTP/1.1 200 "), "{own}");
    // 2 MiB declared, nothing sent: the answer comes without reading a body.
    let oversized = raw(
        address,
        "POST /api/plan HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n",
    )
    .await;
    assert!(oversized.starts_with("HTTP/1.1 413 "), "{oversized}");
}

/// Starts `ecs-secrets serve ARGS` in `dir`; returns the child and the URL
/// it printed (without `http://`).
fn spawn_serve(args: &[&str], dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-secrets"))
        .arg("serve")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url =
        lines.by_ref().map(Result::unwrap).find_map(|line| line.trim().strip_prefix("http://").map(str::to_owned));
    std::thread::spawn(move || lines.for_each(drop));
    (child, url.expect("serve printed a URL"))
}

/// Trades the launch code for the session token, as the page does
/// (`POST /api/session`, same origin).
async fn exchange_launch_code(address: SocketAddr, authority: &str, code: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let body = format!(r#"{{"code":"{code}"}}"#);
    let request = format!(
        "POST /api/session HTTP/1.1\r\nHost: {authority}\r\nOrigin: http://{authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut granted = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut granted)).await.unwrap().unwrap();
    assert!(granted.starts_with("HTTP/1.1 200 OK\r\n"), "{granted}");
    granted.rsplit_once(r#""token":""#).and_then(|(_, rest)| rest.split_once('"')).unwrap().0.to_owned()
}

fn stop(mut child: std::process::Child) -> String {
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr);
    stderr
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn another_loopback_address_is_printed_as_bound_and_only_it_is_accepted() {
    // Regression: `--host 127.0.0.2` printed http://127.0.0.1:P/ and
    // accepted Host 127.0.0.1:P, so whoever listened there got the token.
    let (child, url) = spawn_serve(&["--host", "127.0.0.2", "--port", "0", "--offline"], &std::env::temp_dir());
    let (authority, code) = url.split_once("/#code=").unwrap();
    assert!(authority.starts_with("127.0.0.2:"), "{url}");
    let address: SocketAddr = authority.parse().unwrap();
    let token = &exchange_launch_code(address, authority, code).await;
    let health = raw_request(address, authority, "/api/health", token).await;
    assert!(health.starts_with("HTTP/1.1 200 "), "{health}");
    let folded = raw_request(address, &format!("127.0.0.1:{}", address.port()), "/api/health", token).await;
    assert!(folded.starts_with("HTTP/1.1 421 "), "{folded}");
    stop(child);
}

#[tokio::test]
async fn serve_ignores_a_ui_in_the_current_directory_and_warns_about_dist() {
    // Regression: `serve` served `frontend/dist` of whatever checkout it was
    // started in, on the token's origin.
    let dir = std::env::temp_dir().join(format!("ecs-secrets-foreign-checkout-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("frontend/dist")).unwrap();
    std::fs::write(dir.join("frontend/dist/index.html"), "<script>steal(location.hash)</script>FOREIGN-UI").unwrap();
    let (child, url) = spawn_serve(&["--port", "0", "--offline"], &dir);
    let (authority, _) = url.split_once("/#code=").unwrap();
    let page = raw_request(authority.parse().unwrap(), authority, "/", "").await;
    assert!(page.starts_with("HTTP/1.1 200 "), "{page}");
    assert!(!page.contains("FOREIGN-UI"), "the UI of the current directory was served:\n{page}");
    let built_with_ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist/index.html").is_file();
    if built_with_ui {
        assert!(page.contains("<script"), "the embedded UI: {page}");
    } else {
        assert!(page.contains("has not been built"), "the page that explains how to build the UI: {page}");
    }
    let stderr = stop(child);
    assert!(!stderr.contains("WARNING: --dist"), "{stderr}");

    let (child, url) = spawn_serve(&["--port", "0", "--offline", "--dist", "frontend/dist"], &dir);
    let (authority, _) = url.split_once("/#code=").unwrap();
    let page = raw_request(authority.parse().unwrap(), authority, "/", "").await;
    assert!(page.contains("FOREIGN-UI"), "an explicit --dist is served: {page}");
    let stderr = stop(child);
    assert!(stderr.contains("WARNING: --dist: serving the UI from frontend/dist"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_server_process_writes_no_core_dump() {
    let (child, _url) = spawn_serve(&["--port", "0", "--offline"], &std::env::temp_dir());
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits.lines().find(|line| line.starts_with("Max core file size")).unwrap();
    assert_eq!(core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(), ["0", "0"], "{core}");
    stop(child);
}
