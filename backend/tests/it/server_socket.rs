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
    let token = granted.rsplit_once(r#""token":""#).and_then(|(_, rest)| rest.split_once('"')).unwrap().0.to_owned();
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
