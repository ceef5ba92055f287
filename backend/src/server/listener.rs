//! Binding the socket and running the server until Ctrl-C.
//!
//! The connection loop is ours (hyper's HTTP/1.1 server under the axum
//! router) so that no client can hold the server: a request header must
//! arrive within [`Limits::header_read`] (this also ends idle keep-alive
//! connections: hyper waits for the next request's header under the same
//! timer), a whole request must be answered within [`Limits::request`], and
//! at most [`Limits::max_connections`] connections are open at once; beyond
//! that a new connection is closed at once, so idle sockets cannot use up the
//! file descriptors the server needs for its own AWS calls.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::AppError;

/// The port tried first when none is given.
pub const DEFAULT_PORT: u16 = 4780;

/// Where the server ended up listening.
#[derive(Debug)]
pub struct Bound {
    pub listener: TcpListener,
    pub address: SocketAddr,
    /// The default port was taken and the OS picked another.
    pub fell_back: bool,
}

/// Binds `host:port`. Without a port, tries [`DEFAULT_PORT`] and falls back
/// to a free port when it is taken; an explicit port is used as given (`0`
/// lets the OS choose), and a taken one is an error.
pub async fn bind(host: IpAddr, port: Option<u16>) -> io::Result<Bound> {
    let (listener, fell_back) = match port {
        Some(port) => (TcpListener::bind((host, port)).await?, false),
        None => match TcpListener::bind((host, DEFAULT_PORT)).await {
            Ok(listener) => (listener, false),
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => (TcpListener::bind((host, 0)).await?, true),
            Err(error) => return Err(error),
        },
    };
    let address = listener.local_addr()?;
    Ok(Bound { listener, address, fell_back })
}

/// How long clients may take and how many may be connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From the moment the server waits for a request (a new connection, or
    /// the next request on a kept-alive one) until its header is complete.
    pub header_read: Duration,
    /// From a complete request header until the response starts (reading
    /// the body included); the apply stream's events flow after that.
    pub request: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for Limits {
    /// A half-sent header (or an idle keep-alive connection) is cut after
    /// 10 s; a request is answered within 3 minutes (a plan observes AWS,
    /// whose calls time out after 90 s each); 128 connections (a browser
    /// opens about 6).
    fn default() -> Self {
        Self { header_read: Duration::from_secs(10), request: Duration::from_secs(180), max_connections: 128 }
    }
}

/// Serves `app` on `listener` with [`Limits::default`] until `shutdown`
/// completes, then lets running requests (an apply in progress) finish.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    run_with_limits(listener, app, Limits::default(), shutdown).await
}

/// [`run`] with explicit limits (tests use short ones).
pub async fn run_with_limits(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = app.layer(axum::middleware::from_fn_with_state(limits.request, request_timeout));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors or a connection reset while queued:
                // keep serving the connections that exist.
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(limit = limits.max_connections, "too many open connections; closing a new one");
            drop(stream);
            continue;
        };
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is not the server's error.
            let _closed = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Middleware: a request not answered within the limit gets 408.
async fn request_timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => AppError::RequestTimeout.into_response(),
    }
}

/// Completes on Ctrl-C (or SIGTERM on Unix).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
