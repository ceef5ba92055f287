//! The types that cross the wire between `ecs-secrets serve` and the browser
//! UI, defined once: the server serialises the very types the frontend
//! deserialises, so a field renamed or made optional on one side is renamed
//! or optional on both.
//!
//! The apply stream's events are [`crate::plan::ProgressEvent`] and
//! [`crate::plan::ApplyReport`]; a bundle is [`crate::bundle::Bundle`].

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::plan::Step;

/// `GET /api/whoami`: who the server acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    pub account: String,
    pub region: String,
    pub arn: String,
    /// Where the credentials came from: `environment`, `profile:NAME`,
    /// `sso (profile:NAME)`, `imds`, `ecs-container`, `web-identity`,
    /// `credential-process`, or the SDK provider's own name.
    pub credential_source: String,
}

/// `GET /api/services?cluster=NAME`: the service names in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    pub cluster: String,
    pub services: Vec<String>,
}

/// `POST /api/plan`: the ordered steps, the AWS write calls they make and
/// the problems found while observing AWS (as diagnostics, so the UI renders
/// them like lint findings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanResponse {
    pub steps: Vec<Step>,
    pub writes: u32,
    #[serde(default)]
    pub preflight: Vec<Diagnostic>,
}

/// The body of every API error answer (and of the apply stream's `error`
/// event): `{"error": {"code": "...", "message": "...", "path": "/json/pointer"?, "requestId": "..."?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for the user: `code` is stable (`no_credentials`,
/// `invalid_json`, …), `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// JSON pointer into the request body, for invalid bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The AWS request id, when AWS refused a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every problem of an invalid bundle (`path` is the first one's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<crate::json_input::JsonProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_without_path_or_request_id_omits_them_and_reads_back() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: "busy".into(),
                message: "wait".into(),
                path: None,
                request_id: None,
                problems: Vec::new(),
            },
        };
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(text, r#"{"error":{"code":"busy","message":"wait"}}"#);
        assert_eq!(serde_json::from_str::<ErrorBody>(&text).unwrap(), body);
    }

    #[test]
    fn a_plan_response_without_preflight_reads_as_none_found() {
        let plan: PlanResponse = serde_json::from_str(r#"{"steps":[],"writes":0}"#).unwrap();
        assert!(plan.preflight.is_empty());
    }
}

/// `POST /api/audit` body: the clusters to audit (names or ARNs; empty:
/// every cluster of the server's region).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRequest {
    #[serde(default)]
    pub clusters: Vec<String>,
}

/// `POST /api/audit` answer: every service's audit (as `ecs-secrets audit
/// --format json` prints it) with the task definition it runs, so the UI
/// can load it into the editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditResponse {
    pub region: String,
    pub services: Vec<AuditedService>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditedService {
    #[serde(flatten)]
    pub audit: crate::audit::ServiceAudit,
    /// The revision the service runs (register-ready), when it was read.
    pub task_definition_document: Option<crate::task_def::TaskDefinition>,
}

/// The derived reader of a flattened struct reads every type in it once
/// more from serde's buffered content (a second copy of the audit's readers
/// in the UI's WASM, about 12 KB; BENCHMARKS.md): the audit's members are
/// kept as JSON (like a task definition's unknown fields) and read with
/// [`crate::import::from_json_value_at`], the reader of everything else.
impl<'de> Deserialize<'de> for AuditedService {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<AuditedService, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Parts {
            task_definition_document: Option<crate::task_def::TaskDefinition>,
            #[serde(flatten)]
            audit: crate::task_def::Extra,
        }
        let Parts { task_definition_document, audit } = Parts::deserialize(deserializer)?;
        let audit = serde_json::Value::Object(audit.into_iter().collect());
        let audit = crate::import::from_json_value_at(audit).map_err(|(path, error)| match path.as_str() {
            "" => serde::de::Error::custom(error),
            _ => serde::de::Error::custom(format!("{path}: {error}")),
        })?;
        Ok(AuditedService { audit, task_definition_document })
    }
}

/// `POST /api/rotate/plan` and (with `value`) `POST /api/rotate`: the
/// secret to rotate (an SSM name or ARN, a Secrets Manager name or ARN) and
/// the clusters to look for consumers in (empty: every cluster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotateTarget {
    pub secret: String,
    #[serde(default)]
    pub clusters: Vec<String>,
}

/// One line of the rotate stream (`event: progress`); the stream ends with
/// `event: report` carrying a [`crate::rotate::RotateReport`], or
/// `event: error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateProgress {
    pub message: String,
}
