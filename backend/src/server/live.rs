//! The [`Deployer`] that talks to AWS: it connects through [`crate::aws`]
//! and runs [`crate::deploy`]'s observe → plan → apply.
//!
//! Clients are made lazily, one per region (a bundle names its region), and
//! kept: the default credential chain (SSO, IMDS …) is then resolved once,
//! not on every request. A failed connection is not cached, so fixing the
//! AWS configuration does not need a server restart.

use std::collections::{BTreeSet, HashMap};

use shared::bundle::{Bundle, SecretValues};
use shared::plan::{ApplyReport, ProgressEvent};
use tokio::sync::{Mutex, mpsc};

use secrecy::{ExposeSecret as _, SecretString};
use shared::rotate::RotateReport;

use super::{
    AuditResponse, DeployError, DeployErrorCode, Deployer, PlanResponse, RotateProgress, RotateTarget, WhoAmI,
};
use crate::aws::{Aws, AwsError, AwsErrorKind, AwsOptions};
use crate::{deploy, rotation};

/// Reaches AWS with the options `serve` was started with.
#[derive(Debug)]
pub struct Live {
    options: AwsOptions,
    clients: Mutex<HashMap<Option<String>, Aws>>,
}

impl Live {
    pub fn new(options: AwsOptions) -> Self {
        Self { options, clients: Mutex::new(HashMap::new()) }
    }

    /// The clients for `region` (`None`: the configured default region).
    async fn client(&self, region: Option<&str>) -> Result<Aws, DeployError> {
        let region = region.map(str::to_owned).or_else(|| self.options.region.clone());
        let mut clients = self.clients.lock().await;
        if let Some(aws) = clients.get(&region) {
            return Ok(aws.clone());
        }
        let options = AwsOptions { region: region.clone(), ..self.options.clone() };
        let aws = Aws::connect(&options).await.map_err(from_aws)?;
        clients.insert(region, aws.clone());
        Ok(aws)
    }
}

impl Deployer for Live {
    async fn whoami(&self) -> Result<WhoAmI, DeployError> {
        self.client(None).await?.whoami().await.map_err(from_aws)
    }

    async fn list_services(&self, cluster: &str) -> Result<Vec<String>, DeployError> {
        let services = self.client(None).await?.list_services(cluster).await.map_err(from_aws)?;
        Ok(services.into_iter().map(|s| s.name).collect())
    }

    async fn plan(&self, bundle: &Bundle) -> Result<PlanResponse, DeployError> {
        let aws = self.client(Some(&bundle.region)).await?;
        let mut outcome = deploy::plan(&aws, bundle, &BTreeSet::new()).await.map_err(from_deploy)?;
        outcome.assume_values_at_apply(bundle);
        Ok(PlanResponse {
            steps: outcome.plan.steps.clone(),
            writes: outcome.plan.writes,
            preflight: outcome.plan.diagnostics(),
        })
    }

    async fn audit(&self, clusters: &[String]) -> Result<AuditResponse, DeployError> {
        let aws = self.client(None).await?;
        let (estate, report) = aws.audit(clusters, &|_| {}).await.map_err(from_aws)?;
        if !estate.missing_clusters.is_empty() {
            return Err(DeployError::new(DeployErrorCode::NotFound, estate.missing_clusters_message()));
        }
        let services = report
            .services
            .into_iter()
            .zip(estate.services)
            .map(|(audit, snapshot)| shared::api::AuditedService {
                audit,
                task_definition_document: snapshot.task_definition,
            })
            .collect();
        Ok(AuditResponse { region: estate.region.to_string(), services })
    }

    async fn apply(
        &self,
        bundle: Bundle,
        values: SecretValues,
        progress: mpsc::Sender<ProgressEvent>,
    ) -> Result<ApplyReport, DeployError> {
        let aws = self.client(Some(&bundle.region)).await?;
        deploy::apply(&aws, &bundle, &values, progress).await.map_err(from_deploy)
    }

    async fn rotate_plan(&self, target: RotateTarget) -> Result<RotateReport, DeployError> {
        let aws = self.rotation_client(&target).await?;
        on_own_thread(move || async move {
            let rotation::Found { secret, consumers, .. } = consumers(&aws, &target).await?;
            Ok(RotateReport::plan(&secret, &consumers))
        })
        .await
    }

    async fn rotate(
        &self,
        target: RotateTarget,
        value: SecretString,
        progress: mpsc::Sender<RotateProgress>,
    ) -> Result<RotateReport, DeployError> {
        if value.expose_secret().is_empty() {
            return Err(DeployError::new(DeployErrorCode::InvalidBundle, "the new value is empty"));
        }
        let aws = self.rotation_client(&target).await?;
        let (lines, mut receiver) = mpsc::unbounded_channel::<String>();
        let forward = async move {
            while let Some(message) = receiver.recv().await {
                let _browser_gone = progress.send(RotateProgress { message }).await;
            }
        };
        let rotation = on_own_thread(move || async move {
            let rotation::Found { secret, parameter, consumers } = consumers(&aws, &target).await?;
            let send = |line: String| drop(lines.send(line));
            rotation::rotate(&aws, &secret, parameter.as_ref(), &value, &consumers, deploy::WAIT_TIMEOUT, &send)
                .await
                .map_err(from_rotation)
        });
        let (report, ()) = tokio::join!(rotation, forward);
        report
    }
}

impl Live {
    /// The clients for the secret's region (an ARN names it) or the default.
    async fn rotation_client(&self, target: &RotateTarget) -> Result<Aws, DeployError> {
        let parsed = shared::SecretRef::parse(target.secret.trim())
            .map_err(|e| DeployError::new(DeployErrorCode::InvalidBundle, format!("secret: {e}")))?;
        self.client(parsed.location().map(|l| l.region.as_str())).await
    }
}

/// The secret and its consumers.
async fn consumers(aws: &Aws, target: &RotateTarget) -> Result<rotation::Found, DeployError> {
    let raw = target.secret.trim();
    let parsed = shared::SecretRef::parse(raw)
        .map_err(|e| DeployError::new(DeployErrorCode::InvalidBundle, format!("secret: {e}")))?;
    rotation::find(aws, raw, &parsed, &target.clusters).await.map_err(from_rotation)
}

/// Runs `work` on a thread of its own with a single-threaded runtime. The
/// estate observer's future is not `Send` (the compiler cannot prove its
/// buffered streams' closures `Send` for every lifetime), and the server's
/// handlers must be: the work stays on one thread, the handler awaits its
/// answer.
async fn on_own_thread<T, F>(work: impl FnOnce() -> F + Send + 'static) -> Result<T, DeployError>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, DeployError>>,
{
    let (answer, result) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(work()),
            Err(e) => Err(DeployError::new(DeployErrorCode::Internal, format!("cannot start a runtime: {e}"))),
        };
        let _caller_gone = answer.send(outcome);
    });
    result.await.map_err(|_| DeployError::new(DeployErrorCode::Internal, "the rotation stopped unexpectedly"))?
}

fn from_rotation(err: rotation::RotateError) -> DeployError {
    match err {
        rotation::RotateError::BadInput(message) => DeployError::new(DeployErrorCode::InvalidBundle, message),
        rotation::RotateError::Aws(err) => from_aws(err),
    }
}

fn from_aws(err: AwsError) -> DeployError {
    let code = match err.kind() {
        AwsErrorKind::NoCredentials => DeployErrorCode::NoCredentials,
        AwsErrorKind::AccessDenied => DeployErrorCode::AccessDenied,
        AwsErrorKind::NotFound => DeployErrorCode::NotFound,
        AwsErrorKind::Unavailable => DeployErrorCode::AwsUnavailable,
        AwsErrorKind::Other => DeployErrorCode::InvalidBundle,
    };
    let request_id = err.request_id().map(str::to_owned);
    let error = DeployError::new(code, err.to_string());
    match request_id {
        Some(id) => error.with_request_id(id),
        None => error,
    }
}

fn from_deploy(err: deploy::StartError) -> DeployError {
    match err {
        deploy::StartError::Aws(err) => from_aws(err),
        blocked @ deploy::StartError::Blocked(_) => {
            DeployError::new(DeployErrorCode::InvalidBundle, blocked.to_string())
        }
    }
}
