//! The [`Deployer`] of a server without AWS access: the UI (import, lint,
//! policy generation, all pure and in the browser) works, and every AWS
//! request gets a clear `no_credentials` answer instead of a failure.

use shared::bundle::{Bundle, SecretValues};
use shared::plan::{ApplyReport, ProgressEvent};
use tokio::sync::mpsc;

use super::{DeployError, DeployErrorCode, Deployer, PlanResponse, WhoAmI};

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

    async fn apply(
        &self,
        _bundle: Bundle,
        _values: SecretValues,
        _progress: mpsc::Sender<ProgressEvent>,
    ) -> Result<ApplyReport, DeployError> {
        self.refuse()
    }
}
