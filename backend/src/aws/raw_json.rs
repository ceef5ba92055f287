//! Task definitions cross the boundary as JSON, not as SDK structs.
//!
//! A task definition has dozens of nested fields, grows every few months,
//! and the product keeps unknown fields verbatim (`extra` maps). Converting
//! it to SDK builders field by field would silently drop whatever the
//! converter (or this SDK version) does not know, so a revision could never
//! be compared or registered losslessly. ECS speaks JSON on the wire, and
//! its RegisterTaskDefinition input and DescribeTaskDefinition output *are*
//! the documents the product models. So:
//!
//! - register: the SDK builds and signs the request as usual, but its body
//!   is replaced (before signing) with the exact register JSON;
//! - describe: the SDK parses the response as usual, and an interceptor
//!   keeps a copy of the raw response body, which becomes the observed
//!   revision.
//!
//! Everything else (auth, retries, endpoints, errors) stays the SDK's.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::{BoxError, SdkError};
use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionError;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionError;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;

/// Keeps a copy of the raw response body of one call.
#[derive(Debug, Clone, Default)]
struct CaptureBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "CaptureTaskDefinitionBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes()
            && let Ok(mut slot) = self.0.lock()
        {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// DescribeTaskDefinition of `family` (its latest ACTIVE revision), with tags,
/// returning the raw JSON body on success.
pub(super) async fn describe_task_definition(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
) -> (Result<(), SdkError<DescribeTaskDefinitionError, HttpResponse>>, Option<Vec<u8>>) {
    let capture = CaptureBody::default();
    let result = ecs
        .describe_task_definition()
        .task_definition(family)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map(|_| ());
    let body = capture.0.lock().ok().and_then(|mut slot| slot.take());
    (result, body)
}

/// The `taskDefinition` object of a captured DescribeTaskDefinition body
/// (`Null` when the answer has none).
pub(super) fn described_task_definition(raw: Option<Vec<u8>>) -> Result<Value, super::AwsError> {
    let operation = "ecs:DescribeTaskDefinition";
    let body = raw.ok_or_else(|| super::AwsError::unexpected(operation, "the response body was not captured"))?;
    let mut doc: Value = serde_json::from_slice(&body)
        .map_err(|e| super::AwsError::unexpected(operation, format!("invalid JSON: {e}")))?;
    Ok(doc.get_mut("taskDefinition").map(Value::take).unwrap_or(Value::Null))
}

/// RegisterTaskDefinition with `task_definition` as the exact request body;
/// returns the new revision's ARN.
pub(super) async fn register_task_definition(
    ecs: &aws_sdk_ecs::Client,
    task_definition: &Value,
) -> Result<Option<String>, SdkError<RegisterTaskDefinitionError, HttpResponse>> {
    let body = task_definition.to_string();
    let family = task_definition.get("family").and_then(Value::as_str).unwrap_or_default().to_owned();
    let out = ecs
        .register_task_definition()
        .family(family)
        .container_definitions(aws_sdk_ecs::types::ContainerDefinition::builder().build())
        .customize()
        // Never retried by the SDK: a retry after a lost answer registers a
        // second revision (see `write.rs`).
        .config_override(
            aws_sdk_ecs::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled()),
        )
        .mutate_request(move |request| {
            let length = body.len().to_string();
            *request.body_mut() = SdkBody::from(body.clone());
            request.headers_mut().insert("Content-Length", length);
        })
        .send()
        .await?;
    Ok(out.task_definition.and_then(|td| td.task_definition_arn))
}
