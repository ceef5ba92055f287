//! The [`Deployer`] of a server without AWS access: the UI (import, lint,
//! policy generation, all pure and in the browser) works, and every AWS
//! request gets a clear `no_credentials` answer instead of a failure.

use shared::bundle::{Bundle, SecretValues};
use shared::plan::{ApplyReport, ProgressEvent};
use tokio::sync::mpsc;

use super::{AuditResponse, DeployError, DeployErrorCode, Deployer, PlanResponse, WhoAmI};

/// Answers every AWS request with [`DeployErrorCode::NoCredentials`].
#[derive(Debug, Clone)]
pub struct Offline {
    reason: String,
}

impl Offline {
    /// `reason` says why there is no AWS access and what to do about it.
    pub fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }

    fn refuse<T>(&self) -> Result<T, DeployError> {
        Err(DeployError::new(DeployErrorCode::NoCredentials, self.reason.clone()))
    }
}

impl Deployer for Offline {
    async fn whoami(&self) -> Result<WhoAmI, DeployError> {
        self.refuse()
    }

    async fn list_services(&self, _cluster: &str) -> Result<Vec<String>, DeployError> {
        self.refuse()
    }

    async fn plan(&self, _bundle: &Bundle) -> Result<PlanResponse, DeployError> {
        self.refuse()
    }

    /// Says first that audit needs AWS: it reads the account's services.
    async fn audit(&self, _clusters: &[String]) -> Result<AuditResponse, DeployError> {
        Err(DeployError::new(
            DeployErrorCode::NoCredentials,
            format!(
                "Audit needs AWS: it reads every service of your account live, and this server runs offline. {}",
                self.reason
            ),
        ))
    }

    async fn apply(
        &self,
        _bundle: Bundle,
        _values: SecretValues,
        _progress: mpsc::Sender<ProgressEvent>,
    ) -> Result<ApplyReport, DeployError> {
        self.refuse()
    }
}
