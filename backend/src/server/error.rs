//! The one error type of the HTTP layer and its JSON shape,
//! [`shared::api::ErrorBody`]:
//! `{"error": {"code": "...", "message": "...", "path": "/json/pointer"?, "requestId": "..."?}}`.
//!
//! Handlers return `Result<_, AppError>` and use `?`; the conversion to a
//! response never logs (the request log does) and never shows internal
//! details: a 500 says only "internal error", while the detail travels to
//! the request log in a response extension.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::api::{ErrorBody, ErrorDetail};

use super::{DeployError, DeployErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the Host header does not name this server (DNS rebinding is refused)")]
    BadHost,
    #[error("{0}")]
    BadRequest(&'static str),
    #[error("{0}")]
    ForbiddenOrigin(&'static str),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("no such API endpoint: {0}")]
    NotFound(String),
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    #[error("the request body is larger than {limit} bytes", limit = super::BODY_LIMIT_BYTES)]
    PayloadTooLarge,
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{message}")]
    InvalidJson { path: Option<String>, message: String },
    #[error("{0}")]
    InvalidQuery(String),
    /// A well-formed bundle that `ecs-secrets plan` would refuse too; every
    /// problem names its JSON pointer in the request body.
    #[error("invalid bundle: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidBundle { problems: Vec<shared::JsonProblem> },
    #[error("another apply is still running; wait for it to finish")]
    ApplyInProgress,
    #[error("the request took too long to arrive or to answer; try again")]
    RequestTimeout,
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// A bug. The text goes to the request log only.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadHost => StatusCode::MISDIRECTED_REQUEST,
            Self::BadRequest(_) | Self::InvalidBundle { .. } => StatusCode::BAD_REQUEST,
            Self::ForbiddenOrigin(_) => StatusCode::FORBIDDEN,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidJson { .. } | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::ApplyInProgress => StatusCode::CONFLICT,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Deploy(error) => match error.code {
                DeployErrorCode::NoCredentials => StatusCode::SERVICE_UNAVAILABLE,
                DeployErrorCode::AccessDenied => StatusCode::FORBIDDEN,
                DeployErrorCode::NotFound => StatusCode::NOT_FOUND,
                DeployErrorCode::InvalidBundle => StatusCode::UNPROCESSABLE_ENTITY,
                DeployErrorCode::AwsUnavailable => StatusCode::BAD_GATEWAY,
                DeployErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadHost => "bad_host",
            Self::BadRequest(_) => "bad_request",
            Self::InvalidBundle { .. } => "invalid_bundle",
            Self::ForbiddenOrigin(_) => "forbidden_origin",
            Self::Unauthorized(_) => "unauthorized",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidJson { .. } => "invalid_json",
            Self::InvalidQuery(_) => "invalid_query",
            Self::ApplyInProgress => "apply_in_progress",
            Self::RequestTimeout => "request_timeout",
            Self::Deploy(error) => error.code.as_str(),
            Self::Internal(_) => "internal",
        }
    }

    /// The body sent to the client: never internal details.
    pub fn body(&self) -> ErrorBody {
        let (message, path, request_id) = match self {
            Self::Deploy(DeployError { code: DeployErrorCode::Internal, .. }) | Self::Internal(_) => {
                ("internal error; the server log has the details".to_owned(), None, None)
            }
            Self::Deploy(error) => (error.message.clone(), None, error.request_id.clone()),
            Self::InvalidJson { path, message } => (message.clone(), path.clone(), None),
            Self::InvalidBundle { problems } => {
                (self.to_string(), problems.first().map(|problem| problem.path.clone()), None)
            }
            other => (other.to_string(), None, None),
        };
        let problems = match self {
            Self::InvalidBundle { problems } => problems.clone(),
            _ => Vec::new(),
        };
        ErrorBody { error: ErrorDetail { code: self.code().to_owned(), message, path, request_id, problems } }
    }

    /// What the request log should record beyond status and code.
    fn log_detail(&self) -> Option<String> {
        match self {
            Self::Internal(detail) => Some(detail.clone()),
            Self::Deploy(error) if error.code == DeployErrorCode::Internal => Some(error.message.clone()),
            _ => None,
        }
    }
}

/// Attached to error responses so the request log can record the error code
/// and, for 500s, the detail the client does not see.
#[derive(Debug, Clone)]
pub struct LoggedError {
    pub code: &'static str,
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if matches!(self, Self::Unauthorized(_)) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(LoggedError { code: self.code(), detail: self.log_detail() });
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_stay_out_of_the_body() {
        let error = AppError::Internal("database at /home/me/x exploded".to_owned());
        let body = serde_json::to_string(&error.body()).unwrap();
        assert_eq!(body, r#"{"error":{"code":"internal","message":"internal error; the server log has the details"}}"#);
        let deploy = AppError::from(DeployError::new(DeployErrorCode::Internal, "sdk panicked at foo.rs:12"));
        assert!(!serde_json::to_string(&deploy.body()).unwrap().contains("foo.rs"));
        assert_eq!(deploy.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn deploy_errors_keep_their_public_message_and_request_id() {
        let error = AppError::from(
            DeployError::new(DeployErrorCode::AccessDenied, "ssm:PutParameter was denied for role x")
                .with_request_id("r-1"),
        );
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            serde_json::to_value(error.body()).unwrap(),
            serde_json::json!({"error": {"code": "access_denied", "message": "ssm:PutParameter was denied for role x", "requestId": "r-1"}})
        );
    }
}
