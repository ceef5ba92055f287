//! The `/api/*` endpoints. Each handler extracts, calls the [`Deployer`] and
//! answers JSON; the guard in front of them has already checked the token.

use axum::extract::{OriginalUri, Query, State};
use axum::http::Method;
use axum::response::sse::{KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::bundle::{Bundle, SecretValues};

use super::job_stream::{self, Redactor};
use super::json_body::JsonBody;
use shared::api::{AuditRequest, Services};

use super::{AppError, AppState, AuditResponse, Deployer, PlanResponse, RotateTarget, WhoAmI};

pub fn routes<D: Deployer>() -> Router<AppState<D>> {
    Router::new()
        .route("/health", get(health))
        .route("/whoami", get(whoami::<D>))
        .route("/services", get(services::<D>))
        .route("/plan", post(plan::<D>))
        .route("/apply", post(apply::<D>))
        .route("/audit", post(audit::<D>))
        .route("/rotate/plan", post(rotate_plan::<D>))
        .route("/rotate", post(rotate::<D>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

async fn whoami<D: Deployer>(State(state): State<AppState<D>>) -> Result<Json<WhoAmI>, AppError> {
    Ok(Json(state.deployer.whoami().await?))
}

#[derive(Debug, Deserialize)]
struct ServicesQuery {
    cluster: Option<String>,
}

async fn services<D: Deployer>(
    State(state): State<AppState<D>>,
    query: Result<Query<ServicesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Services>, AppError> {
    let cluster =
        query.ok().and_then(|Query(query)| query.cluster).filter(|cluster| !cluster.trim().is_empty()).ok_or_else(
            || AppError::InvalidQuery("give the cluster name or ARN: /api/services?cluster=NAME".to_owned()),
        )?;
    let services = state.deployer.list_services(&cluster).await?;
    Ok(Json(Services { cluster, services }))
}

async fn plan<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(bundle): JsonBody<Bundle>,
) -> Result<Json<PlanResponse>, AppError> {
    validate(&bundle, "")?;
    Ok(Json(state.deployer.plan(&bundle).await?))
}

/// `POST /api/audit`: every service of the clusters, audited read-only.
async fn audit<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(request): JsonBody<AuditRequest>,
) -> Result<Json<AuditResponse>, AppError> {
    if let Some(i) = request.clusters.iter().position(|c| c.trim().is_empty()) {
        return Err(AppError::InvalidQuery(format!("/clusters/{i} is empty: give a cluster name or ARN")));
    }
    Ok(Json(state.deployer.audit(&request.clusters).await?))
}

/// The checks `ecs-secrets plan` makes when it reads a bundle file, before
/// anything reaches the [`Deployer`]; `prefix` is where the bundle sits in
/// the request body, so the paths point into what the client sent.
fn validate(bundle: &Bundle, prefix: &str) -> Result<(), AppError> {
    let mut problems = bundle.validate();
    if problems.is_empty() {
        return Ok(());
    }
    for problem in &mut problems {
        problem.path.insert_str(0, prefix);
    }
    Err(AppError::InvalidBundle { problems })
}

/// `POST /api/apply` body. `values` maps secret names to their values.
#[derive(Debug, Deserialize)]
pub struct ApplyRequest {
    pub bundle: Bundle,
    #[serde(default)]
    pub values: SecretValues,
}

async fn apply<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(request): JsonBody<ApplyRequest>,
) -> Result<Sse<impl futures_util::Stream<Item = job_stream::EventItem>>, AppError> {
    validate(&request.bundle, "/bundle")?;
    let permit = state.apply_lock.clone().try_lock_owned().map_err(|_| AppError::ApplyInProgress)?;
    let ApplyRequest { bundle, values } = request;
    let redactor = Redactor::new(&values);
    let deployer = state.deployer.clone();
    let events = job_stream::start("apply", redactor, permit, move |progress| async move {
        let report = deployer.apply(bundle, values, progress).await?;
        tracing::info!(success = report.success, writes = report.writes, "apply finished");
        Ok(report)
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

async fn rotate_plan<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(target): JsonBody<RotateTarget>,
) -> Result<Json<shared::rotate::RotateReport>, AppError> {
    Ok(Json(state.deployer.rotate_plan(target).await?))
}

/// `POST /api/rotate` body: the target and the new value (only here, in
/// memory, on its way to AWS).
#[derive(Debug, Deserialize)]
pub struct RotateRequest {
    #[serde(flatten)]
    pub target: RotateTarget,
    pub value: secrecy::SecretString,
}

async fn rotate<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(request): JsonBody<RotateRequest>,
) -> Result<Sse<impl futures_util::Stream<Item = job_stream::EventItem>>, AppError> {
    let permit = state.apply_lock.clone().try_lock_owned().map_err(|_| AppError::ApplyInProgress)?;
    let RotateRequest { target, value } = request;
    let redactor = Redactor::new(&SecretValues([(target.secret.clone(), value.clone())].into()));
    let deployer = state.deployer.clone();
    let events = job_stream::start("rotate", redactor, permit, move |progress| async move {
        deployer.rotate(target, value, progress).await
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

async fn not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(uri.path().to_owned())
}

async fn method_not_allowed(method: Method) -> AppError {
    AppError::MethodNotAllowed(method.to_string())
}
