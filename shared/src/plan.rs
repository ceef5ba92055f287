//! The plan: desired state (a bundle) against observed AWS state → the
//! ordered steps apply will execute, each with its reason.
//!
//! These are plain data types shared by the backend (which executes steps
//! and streams [`ProgressEvent`]s) and the UI (which renders the same plan
//! the CLI prints).

use serde::{Deserialize, Serialize};

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable id within the plan, e.g. `put-parameter:/web/db`.
    pub id: String,
    /// What the step does, as a verb phrase ("Create SSM parameter /web/db").
    pub title: String,
    /// Why it is needed ("the parameter does not exist and a value was given").
    pub reason: String,
    /// How many AWS write calls the step makes (0 for waits and checks).
    pub writes: u32,
    pub action: StepAction,
}

/// The AWS operation behind a step. Secret values are not here: apply looks
/// them up by name in the in-memory values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StepAction {
    #[serde(rename_all = "camelCase")]
    CreateParameter { name: String, kms_key_id: Option<String>, description: Option<String> },
    #[serde(rename_all = "camelCase")]
    CreateSecret { name: String, kms_key_id: Option<String>, description: Option<String> },
    #[serde(rename_all = "camelCase")]
    CreateRole { role_name: String, trust_policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    UpdateTrustPolicy { role_name: String, trust_policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    PutRolePolicy { role_name: String, policy_name: String, policy: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    AttachManagedPolicy { role_name: String, policy_arn: String },
    #[serde(rename_all = "camelCase")]
    RegisterTaskDefinition { family: String, task_definition: serde_json::Value },
    #[serde(rename_all = "camelCase")]
    UpdateService { cluster: String, service: String, force_new_deployment: bool },
    #[serde(rename_all = "camelCase")]
    WaitServicesStable { cluster: String, services: Vec<String> },
}

/// A progress report from apply, streamed to the CLI and the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ProgressEvent {
    #[serde(rename_all = "camelCase")]
    Started { step_id: String, title: String },
    #[serde(rename_all = "camelCase")]
    Done { step_id: String, detail: Option<String> },
    #[serde(rename_all = "camelCase")]
    Failed { step_id: String, message: String, request_id: Option<String> },
}

/// The final report of an apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub success: bool,
    /// Ids of the steps that completed, in order.
    pub completed: Vec<String>,
    /// The step that failed, with the error, when `success` is false.
    pub failed: Option<FailedStep>,
    /// The revision ARN registered or reused, when known.
    pub task_definition_arn: Option<String>,
    /// AWS write calls made.
    pub writes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedStep {
    pub step_id: String,
    pub message: String,
    pub request_id: Option<String>,
}
