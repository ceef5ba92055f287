//! Binding the socket and running the server until Ctrl-C.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};

use axum::Router;
use tokio::net::TcpListener;

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

/// Serves `app` on `listener` until `shutdown` completes, then lets running
/// requests (an apply in progress) finish.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
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
