//! The local HTTP server behind `ecs-secrets serve`: a thin axum layer between
//! the browser UI and the AWS side.
//!
//! The server holds the user's AWS credentials, so everything reachable over
//! HTTP is guarded (see [`access`]): a per-launch bearer token for every
//! `/api/*` request, a loopback `Host` check against DNS rebinding, a
//! same-origin check on state-changing requests, no CORS at all, strict
//! security headers on every response and a 1 MiB body limit.
//!
//! The AWS work itself is behind the [`Deployer`] trait, so the HTTP and
//! security layer is tested with a test double and the server still works
//! (offline) when there are no AWS credentials at all.

pub mod access;
mod api;
pub mod browser;
pub mod error;
mod frontend;
mod job_stream;
mod json_body;
pub mod listener;
pub mod live;
pub mod offline;
mod request_log;
mod security_headers;
pub mod session;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use serde::{Deserialize, Serialize};
use shared::bundle::{Bundle, SecretValues};
use shared::plan::{ApplyReport, ProgressEvent};

pub use access::{AccessToken, Guard};
pub use error::AppError;
pub use frontend::Ui;
/// The wire types of the API, defined once in `shared::api` for both sides.
pub use shared::api::{AuditResponse, PlanResponse, RotateProgress, RotateTarget, WhoAmI};
use shared::rotate::RotateReport;

/// The largest request body the API accepts (a bundle plus secret values is
/// a few kilobytes; anything near this size is a mistake or an attack).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The AWS side of the server. The real implementation talks to AWS through
/// the SDK; tests use a double. Every error is a [`DeployError`] whose
/// message is safe to show to the user.
pub trait Deployer: Send + Sync + 'static {
    /// Who the server acts as: account, region, principal ARN and where the
    /// credentials came from. No credentials → [`DeployErrorCode::NoCredentials`].
    fn whoami(&self) -> impl Future<Output = Result<WhoAmI, DeployError>> + Send;

    /// The service names in `cluster`.
    fn list_services(&self, cluster: &str) -> impl Future<Output = Result<Vec<String>, DeployError>> + Send;

    /// Observe AWS and compute the steps that applying `bundle` would take.
    fn plan(&self, bundle: &Bundle) -> impl Future<Output = Result<PlanResponse, DeployError>> + Send;

    /// Audit every service of `clusters` (empty: every cluster of the
    /// region), read-only; a named cluster that does not exist is
    /// [`DeployErrorCode::NotFound`].
    fn audit(&self, clusters: &[String]) -> impl Future<Output = Result<AuditResponse, DeployError>> + Send;

    /// Execute the plan for `bundle`, reporting each step on `progress`.
    /// Implementations must not block on `progress` being read: the server
    /// drains it even after the browser went away, so a send only fails when
    /// the server itself is shutting down.
    fn apply(
        &self,
        bundle: Bundle,
        values: SecretValues,
        progress: tokio::sync::mpsc::Sender<ProgressEvent>,
    ) -> impl Future<Output = Result<ApplyReport, DeployError>> + Send;

    /// The consumers of a secret (`POST /api/rotate/plan`); nothing is
    /// written. Without AWS (`--offline`): unavailable.
    fn rotate_plan(&self, target: RotateTarget) -> impl Future<Output = Result<RotateReport, DeployError>> + Send {
        async move {
            drop(target);
            Err(rotation_unavailable())
        }
    }

    /// Writes the secret's new value and redeploys its consumers
    /// (`POST /api/rotate`), streaming what it does to `progress`.
    fn rotate(
        &self,
        target: RotateTarget,
        value: secrecy::SecretString,
        progress: tokio::sync::mpsc::Sender<RotateProgress>,
    ) -> impl Future<Output = Result<RotateReport, DeployError>> + Send {
        async move {
            drop((target, value, progress));
            Err(rotation_unavailable())
        }
    }
}

fn rotation_unavailable() -> DeployError {
    DeployError::new(
        DeployErrorCode::NoCredentials,
        "rotation needs AWS: start `ecs-secrets serve` without --offline, with AWS credentials",
    )
}

/// A failure of the AWS side. `message` is shown to the user as is, so it
/// must say what failed and what to do, and must never contain secret
/// values, credentials or internal details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeployError {
    pub code: DeployErrorCode,
    pub message: String,
    /// The AWS request id, when the failure came from an AWS call.
    pub request_id: Option<String>,
}

impl DeployError {
    pub fn new(code: DeployErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), request_id: None }
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

/// What kind of failure a [`DeployError`] is; decides the HTTP status and is
/// sent to the UI as `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployErrorCode {
    /// No AWS credentials could be found (or the server runs offline).
    NoCredentials,
    /// AWS refused the call (AccessDenied, UnrecognizedClient, expired token…).
    AccessDenied,
    /// A cluster, service, role or secret named in the request does not exist.
    NotFound,
    /// The bundle cannot be planned or applied as it is (names the field).
    InvalidBundle,
    /// AWS failed or throttled; retrying later may work.
    AwsUnavailable,
    /// A bug or an unexpected condition; the message is logged, not shown.
    Internal,
}

impl DeployErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoCredentials => "no_credentials",
            Self::AccessDenied => "access_denied",
            Self::NotFound => "not_found",
            Self::InvalidBundle => "invalid_bundle",
            Self::AwsUnavailable => "aws_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// Everything a request handler needs. Cheap to clone.
#[derive(Debug)]
pub struct AppState<D> {
    deployer: Arc<D>,
    guard: Arc<Guard>,
    ui: Arc<Ui>,
    /// Held for the whole of an apply: two concurrent applies of the same
    /// bundle would race each other in AWS.
    apply_lock: Arc<tokio::sync::Mutex<()>>,
}

impl<D> Clone for AppState<D> {
    fn clone(&self) -> Self {
        Self {
            deployer: Arc::clone(&self.deployer),
            guard: Arc::clone(&self.guard),
            ui: Arc::clone(&self.ui),
            apply_lock: Arc::clone(&self.apply_lock),
        }
    }
}

impl<D: Deployer> AppState<D> {
    /// `guard` knows the token and the address the server listens on; `ui`
    /// is the built frontend, embedded or a directory (it may not exist: a
    /// help page is served then).
    pub fn new(deployer: D, guard: Guard, ui: impl Into<Ui>) -> Self {
        Self {
            deployer: Arc::new(deployer),
            guard: Arc::new(guard),
            ui: Arc::new(ui.into()),
            apply_lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }
}

/// The whole application: `/api/*` behind the guard, the frontend
/// everywhere else, security headers and request logging around both.
pub fn app<D: Deployer>(state: AppState<D>) -> Router {
    let guard = Arc::clone(&state.guard);
    // Layers wrap what is above them: the token check runs before any API
    // handler or the API's 404/405 answers, and `no-store` covers them all.
    // `/api/session` trades the launch code for the token, so it is the one
    // API route before the token check (the Host and Origin checks still apply).
    let api = api::routes::<D>()
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&guard), access::require_token))
        .route("/session", axum::routing::post(session::exchange::<D>))
        .layer(axum::middleware::from_fn(security_headers::no_store))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    Router::new()
        .nest("/api", api)
        .fallback(frontend::serve::<D>)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(guard, access::check_host_and_origin))
        .layer(axum::middleware::from_fn(security_headers::add))
        .layer(request_log::layer())
}
