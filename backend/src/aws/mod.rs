//! The AWS boundary: the only module that imports `aws_sdk_*`.
//!
//! It turns the shared models into SDK calls by hand and SDK outputs back
//! into plain `shared` data ([`shared::observed::Observed`]), so no SDK type
//! leaks out. Every call is counted as a read or a write ([`CallCounts`]):
//! "a re-apply makes zero writes" is checked against these counters.

mod audit;
mod estate;
mod observe;
mod raw_json;
mod rotate;
mod watch;
mod write;

pub use write::StartedDeployment;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ecs::config::ProvideCredentials;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::RequestId;
use serde::Serialize;

pub use estate::{ESTATE_ATTEMPTS, EstatePhase, EstateProgress, IN_FLIGHT};

/// How to reach AWS, and the `--region`, `--profile` and `--endpoint-url`
/// flags every AWS-facing command (`serve`, `plan`, `apply`, `audit`,
/// `rotate`) flattens in. Every field is optional: the default chain (env,
/// profiles, SSO, IMDS) fills in what is missing. A command whose region
/// defaults to something else says so in its own `--region` help.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsOptions {
    /// AWS region (default: the bundle's region; without a bundle, AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Who the credentials belong to (what `GET /api/whoami` answers).
pub use shared::api::WhoAmI;

/// A service in a cluster, as `list_services` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSummary {
    pub arn: String,
    pub name: String,
}

/// Numbers of AWS API calls made through one [`Aws`] handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    pub reads: u32,
    pub writes: u32,
}

#[derive(Debug, Default)]
struct Counters {
    reads: AtomicU32,
    writes: AtomicU32,
}

/// An AWS failure, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "no AWS credentials found ({0}): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws sso login`"
    )]
    NoCredentials(String),
    #[error("no AWS region configured: pass --region or set AWS_REGION")]
    NoRegion,
    #[error("{operation} failed: {message}{}", request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
    Call { operation: &'static str, code: Option<String>, message: String, request_id: Option<String> },
    #[error("{operation} returned something unexpected: {message}")]
    Unexpected { operation: &'static str, message: String },
}

/// What kind of failure an [`AwsError`] is, for callers that map errors to
/// their own codes (HTTP statuses, exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AwsErrorKind {
    NoCredentials,
    /// AWS refused the caller (AccessDenied, expired or invalid token).
    AccessDenied,
    /// A named resource does not exist.
    NotFound,
    /// Throttling, a 5xx, a timeout or no connection: retrying may work.
    Unavailable,
    /// A request AWS rejected as invalid, or an unexpected answer.
    Other,
}

impl AwsError {
    pub fn kind(&self) -> AwsErrorKind {
        match self {
            AwsError::NoCredentials(_) => AwsErrorKind::NoCredentials,
            AwsError::NoRegion | AwsError::Unexpected { .. } => AwsErrorKind::Other,
            AwsError::Call { code: None, .. } => AwsErrorKind::Unavailable,
            AwsError::Call { code: Some(code), .. } => {
                let code = code.as_str();
                if code.contains("AccessDenied")
                    || code.contains("UnauthorizedOperation")
                    || matches!(
                        code,
                        "UnrecognizedClientException"
                            | "InvalidClientTokenId"
                            | "ExpiredToken"
                            | "ExpiredTokenException"
                            | "SignatureDoesNotMatch"
                    )
                {
                    AwsErrorKind::AccessDenied
                } else if code.contains("NotFound") || code == "NoSuchEntity" || code == "ParameterNotFound" {
                    AwsErrorKind::NotFound
                } else if code.contains("Throttl")
                    || matches!(
                        code,
                        "ServiceUnavailable"
                            | "ServiceUnavailableException"
                            | "InternalFailure"
                            | "InternalServerError"
                            | "InternalServiceError"
                            | "ServiceFailure"
                            | "ServerException"
                            | "RequestLimitExceeded"
                    )
                {
                    AwsErrorKind::Unavailable
                } else {
                    AwsErrorKind::Other
                }
            }
        }
    }

    /// The AWS request id of a failed call, for support cases.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AwsError::Call { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The AWS error code (`ClientException`, `NoSuchEntity` …).
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Call { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    fn unexpected(operation: &'static str, message: impl Into<String>) -> Self {
        AwsError::Unexpected { operation, message: message.into() }
    }

    /// Whether the call may have been carried out although it failed: no
    /// answer arrived (connection lost after sending, a timeout) or AWS
    /// answered with an internal error. Throttling and every 4xx mean the
    /// request was refused and nothing happened.
    pub fn may_have_taken_effect(&self) -> bool {
        match self {
            AwsError::Call { code: None, .. } => true,
            AwsError::Call { code: Some(code), .. } => {
                self.kind() == AwsErrorKind::Unavailable && !code.contains("Throttl") && code != "RequestLimitExceeded"
            }
            _ => false,
        }
    }

    /// `ParameterAlreadyExists`, `ResourceExistsException`, `EntityAlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        matches!(self.code(), Some("ParameterAlreadyExists" | "ResourceExistsException" | "EntityAlreadyExists"))
    }
}

/// Converts any SDK error into an [`AwsError`], keeping code and request id.
fn call_error<E>(operation: &'static str, err: SdkError<E, aws_sdk_ecs::config::http::HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_owned);
    let code = err.code().map(str::to_owned);
    let message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ if matches!(err, SdkError::TimeoutError(_)) => format!(
            "no answer from AWS in time, the call was abandoned ({}); check the network, the endpoint and the AWS \
             service health, then run apply again",
            aws_sdk_ecs::error::DisplayErrorContext(&err)
        ),
        _ => aws_sdk_ecs::error::DisplayErrorContext(&err).to_string(),
    };
    AwsError::Call { operation, code, message, request_id }
}

/// Connected AWS clients for one region, sharing one configuration.
#[derive(Debug, Clone)]
pub struct Aws {
    config: aws_config::SdkConfig,
    region: String,
    ecs: aws_sdk_ecs::Client,
    iam: aws_sdk_iam::Client,
    ssm: aws_sdk_ssm::Client,
    secrets: aws_sdk_secretsmanager::Client,
    sts: aws_sdk_sts::Client,
    kms: aws_sdk_kms::Client,
    /// The profile asked for (`--profile`), for reporting the credential source.
    profile: Option<String>,
    counters: Arc<Counters>,
}

impl Aws {
    /// Loads the AWS configuration (default chain, `profile`, `region`,
    /// `endpoint_url`) with standard-mode retries and bounded timeouts.
    /// Credentials are resolved lazily: see [`Aws::whoami`].
    pub async fn connect(options: &AwsOptions) -> Result<Aws, AwsError> {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(90))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(timeouts);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut aws = Aws::from_config(&loader.load().await)?;
        aws.profile = options.profile.clone();
        Ok(aws)
    }

    /// Clients on an already loaded configuration (tests, embedding). The
    /// configuration must name a region.
    pub fn from_config(config: &aws_config::SdkConfig) -> Result<Aws, AwsError> {
        let region = config.region().map(ToString::to_string).ok_or(AwsError::NoRegion)?;
        Ok(Aws {
            ecs: aws_sdk_ecs::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            region,
            config: config.clone(),
            profile: None,
            counters: Arc::default(),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The calls made so far through this handle (and its clones).
    pub fn calls(&self) -> CallCounts {
        CallCounts {
            reads: self.counters.reads.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    fn count_read(&self) {
        self.counters.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn count_write(&self) {
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// How often a write that the SDK must not retry by itself is attempted
    /// (the configured retry attempts), and the pause before the second one
    /// (doubled after each further failure).
    fn write_attempts(&self) -> (u32, Duration) {
        self.config
            .retry_config()
            .map_or((3, Duration::from_secs(1)), |retry| (retry.max_attempts().max(1), retry.initial_backoff()))
    }

    /// Resolves credentials, then asks STS who they belong to.
    pub async fn whoami(&self) -> Result<WhoAmI, AwsError> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| AwsError::NoCredentials("no credential provider is configured".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| AwsError::NoCredentials(aws_sdk_ecs::error::DisplayErrorContext(&e).to_string()))?;
        let credential_source = credential_source(&provider_name(&credentials), self.profile.as_deref());
        self.count_read();
        let out = self.sts.get_caller_identity().send().await.map_err(|e| call_error("sts:GetCallerIdentity", e))?;
        Ok(WhoAmI {
            account: out.account.unwrap_or_default(),
            arn: out.arn.unwrap_or_default(),
            region: self.region.clone(),
            credential_source,
        })
    }

    /// The services of a cluster (all pages).
    pub async fn list_services(&self, cluster: &str) -> Result<Vec<ServiceSummary>, AwsError> {
        let arns = self.list_service_arns(&self.ecs, cluster).await?;
        Ok(arns
            .into_iter()
            .map(|arn| ServiceSummary { name: arn.rsplit('/').next().unwrap_or(&arn).to_owned(), arn })
            .collect())
    }
}

/// A short, stable label for where credentials came from.
fn credential_source(provider: &str, profile: Option<&str>) -> String {
    let profile = profile
        .map(str::to_owned)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    match provider {
        "EnvironmentVariable" | "Environment" => "environment".to_owned(),
        "ProfileFile" | "AssumeRoleProvider" | "StaticCredentials" => format!("profile:{profile}"),
        "SSO" | "Login" => format!("sso (profile:{profile})"),
        "IMDSv2" => "imds".to_owned(),
        "EcsContainer" => "ecs-container".to_owned(),
        "WebIdentityToken" => "web-identity".to_owned(),
        "CredentialProcess" => format!("credential-process (profile:{profile})"),
        other => other.to_ascii_lowercase(),
    }
}

/// The provider name the credentials carry. The SDK exposes it only through
/// `Debug` (`Credentials { provider_name: "Environment", … }`, secret key
/// redacted), so it is read from there.
fn provider_name(credentials: &aws_sdk_ecs::config::Credentials) -> String {
    let debug = format!("{credentials:?}");
    debug.split("provider_name: \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("unknown").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_credentials_is_a_clear_error() {
        let config = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .behavior_version(BehaviorVersion::latest())
            .build();
        let aws = Aws::from_config(&config).unwrap();
        let err = aws.whoami().await.unwrap_err();
        assert!(matches!(err, AwsError::NoCredentials(_)), "{err}");
        assert!(err.to_string().contains("--profile"), "{err}");
        assert_eq!(aws.calls(), CallCounts::default());
    }

    #[test]
    fn a_region_is_required() {
        let config = aws_config::SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
        assert!(matches!(Aws::from_config(&config), Err(AwsError::NoRegion)));
    }

    #[test]
    fn credential_sources_are_short_labels() {
        assert_eq!(credential_source("EnvironmentVariable", None), "environment");
        assert_eq!(credential_source("ProfileFile", Some("dev")), "profile:dev");
        assert_eq!(credential_source("SSO", Some("dev")), "sso (profile:dev)");
        assert_eq!(credential_source("IMDSv2", None), "imds");
    }

    /// A failed call answered with `code` (`None`: no answer).
    fn call(code: Option<&str>) -> AwsError {
        AwsError::Call { operation: "x", code: code.map(str::to_owned), message: String::new(), request_id: None }
    }

    #[test]
    fn error_kinds() {
        assert_eq!(call(Some("AccessDeniedException")).kind(), AwsErrorKind::AccessDenied);
        assert_eq!(call(Some("ExpiredToken")).kind(), AwsErrorKind::AccessDenied);
        assert_eq!(call(Some("ServiceNotFoundException")).kind(), AwsErrorKind::NotFound);
        assert_eq!(call(Some("ThrottlingException")).kind(), AwsErrorKind::Unavailable);
        assert_eq!(call(None).kind(), AwsErrorKind::Unavailable);
        assert_eq!(call(Some("ClientException")).kind(), AwsErrorKind::Other);
    }

    #[test]
    fn which_failures_may_have_taken_effect() {
        assert!(call(None).may_have_taken_effect(), "no answer: unknown");
        assert!(call(Some("InternalFailure")).may_have_taken_effect());
        assert!(call(Some("ServiceUnavailable")).may_have_taken_effect());
        assert!(!call(Some("ThrottlingException")).may_have_taken_effect(), "throttled requests are not run");
        assert!(!call(Some("Throttling")).may_have_taken_effect());
        assert!(!call(Some("ValidationException")).may_have_taken_effect());
        assert!(call(Some("EntityAlreadyExists")).is_already_exists());
        assert!(call(Some("ParameterAlreadyExists")).is_already_exists());
        assert!(call(Some("ResourceExistsException")).is_already_exists());
        assert!(!call(Some("InternalFailure")).is_already_exists());
    }

    #[test]
    fn provider_names_come_from_the_redacted_debug_form() {
        let credentials = aws_sdk_ecs::config::Credentials::new("AKID", "secret-key", None, None, "Environment");
        assert_eq!(provider_name(&credentials), "Environment");
        assert!(!format!("{credentials:?}").contains("secret-key"));
    }
}
