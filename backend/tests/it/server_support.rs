//! Shared by the `server_*` tests: a scripted [`Deployer`] double, requests
//! that pass the guard by default, and response capture.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use ecs_secrets::server::{
    AccessToken, AppState, DeployError, DeployErrorCode, Deployer, Guard, PlanResponse, WhoAmI, app,
};
use http_body_util::BodyExt as _;
use secrecy::ExposeSecret as _;
use shared::bundle::{Bundle, SecretValues};
use shared::plan::{ApplyReport, FailedStep, ProgressEvent, Step, StepAction};
use tokio::sync::{Notify, mpsc};
use tower::ServiceExt as _;

pub const TOKEN: &str = "6f1d0c3a9b8e7f60554433221100ffeeddccbbaa99887766554433221100abcd";
pub const HOST: &str = "127.0.0.1:4780";
pub const ORIGIN: &str = "http://127.0.0.1:4780";
pub const CANARY: &str = "canary-Zq7xW3-secret-value";

/// A minimal valid bundle with one secret to create.
pub const BUNDLE: &str = r#"{"version":1,"region":"eu-west-1",
    "taskDefinition":{"family":"web","containerDefinitions":[{"name":"app","image":"nginx"}]},
    "executionRole":{"name":"webExec","create":true,"attachManagedPolicy":null},
    "secrets":[{"store":"ssm","name":"/web/db","create":true}],
    "services":[]}"#;

pub fn apply_body(value: &str) -> String {
    format!(r#"{{"bundle": {BUNDLE}, "values": {{"/web/db": "{value}"}}}}"#)
}

/// What the double answers and what it saw.
#[derive(Debug, Default)]
pub struct Fake {
    pub whoami: Option<WhoAmI>,
    /// Apply fails at once with this, instead of running.
    pub apply_error: Option<DeployError>,
    /// Apply waits for this before finishing (to test the apply lock).
    pub apply_gate: Option<Arc<Notify>>,
    /// The value apply received for `/web/db`, compared to [`CANARY`].
    pub saw_canary: Arc<Mutex<Option<bool>>>,
}

impl Deployer for Fake {
    async fn whoami(&self) -> Result<WhoAmI, DeployError> {
        self.whoami.clone().ok_or_else(|| DeployError::new(DeployErrorCode::NoCredentials, "no AWS credentials found"))
    }

    async fn list_services(&self, cluster: &str) -> Result<Vec<String>, DeployError> {
        match cluster {
            "prod" => Ok(vec!["web".to_owned(), "worker".to_owned()]),
            _ => Err(DeployError::new(DeployErrorCode::NotFound, format!("cluster {cluster} does not exist"))),
        }
    }

    async fn plan(&self, bundle: &Bundle) -> Result<PlanResponse, DeployError> {
        let steps = bundle
            .secrets
            .iter()
            .map(|secret| Step {
                id: format!("put-parameter:{}", secret.name),
                title: format!("Create SSM parameter {}", secret.name),
                reason: "it does not exist".to_owned(),
                writes: 1,
                action: StepAction::CreateParameter { name: secret.name.clone(), kms_key_id: None, description: None },
            })
            .collect::<Vec<_>>();
        Ok(PlanResponse { writes: steps.len() as u32, steps, preflight: Vec::new() })
    }

    /// No services in the double's account: an empty audit.
    async fn audit(&self, _clusters: &[String]) -> Result<ecs_secrets::server::AuditResponse, DeployError> {
        Ok(ecs_secrets::server::AuditResponse { region: "eu-west-1".to_owned(), services: Vec::new() })
    }

    async fn apply(
        &self,
        _bundle: Bundle,
        values: SecretValues,
        progress: mpsc::Sender<ProgressEvent>,
    ) -> Result<ApplyReport, DeployError> {
        *self.saw_canary.lock().unwrap() = values.get("/web/db").map(|value| value.expose_secret() == CANARY);
        if let Some(error) = &self.apply_error {
            return Err(error.clone());
        }
        let step_id = "put-parameter:/web/db".to_owned();
        let events = [
            ProgressEvent::Started { step_id: step_id.clone(), title: "Create SSM parameter /web/db".to_owned() },
            ProgressEvent::Done { step_id: step_id.clone(), detail: Some("version 1".to_owned()) },
            // AWS validation errors can quote the rejected value: it must be scrubbed.
            ProgressEvent::Failed {
                step_id: "register".to_owned(),
                message: format!("Value '{CANARY}' at 'containerDefinitions' failed to satisfy constraint"),
                request_id: Some("req-1".to_owned()),
            },
        ];
        for event in events {
            progress.send(event).await.map_err(|_| DeployError::new(DeployErrorCode::Internal, "progress closed"))?;
        }
        if let Some(gate) = &self.apply_gate {
            gate.notified().await;
        }
        Ok(ApplyReport {
            success: false,
            completed: vec![step_id],
            failed: Some(FailedStep {
                step_id: "register".to_owned(),
                message: format!("rejected value {CANARY}"),
                request_id: Some("req-1".to_owned()),
                cause: None,
            }),
            task_definition_arn: None,
            writes: 1,
        })
    }
}

pub fn fixture_dist() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/server_fixtures/dist")
}

/// The app as `serve` builds it, on 127.0.0.1:4780 with [`TOKEN`].
pub fn app_with(fake: Fake, dist: PathBuf) -> Router {
    let guard = Guard::new(AccessToken::from_text(TOKEN), HOST.parse().unwrap());
    app(AppState::new(fake, guard, dist))
}

pub fn default_app() -> Router {
    app_with(Fake::default(), fixture_dist())
}

/// A request that passes every check: loopback Host, the token, and our
/// Origin plus a JSON content type on POST.
pub fn request(method: &str, path: &str) -> axum::http::request::Builder {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    if method == "GET" || method == "HEAD" {
        builder
    } else {
        builder.header(header::ORIGIN, ORIGIN).header(header::CONTENT_TYPE, "application/json")
    }
}

#[derive(Debug)]
pub struct Captured {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Captured {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// Everything the client received, for "never appears" checks.
    pub fn everything(&self) -> String {
        format!("{:?}\n{}", self.headers, self.body)
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Captured {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Captured { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Installs the process-wide tracing subscriber, writing everything at
/// every level into the returned buffer. Once per test binary: only `server_secret_values` calls it.
pub fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = LogBuffer(Arc::clone(&buffer));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("capture_logs runs once per test binary");
    buffer
}

#[derive(Debug, Clone)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
