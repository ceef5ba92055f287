//! A long AWS job as Server-Sent Events: `POST /api/apply` and `POST
//! /api/rotate`. One `event: progress` per progress item the job sends
//! ([`shared::plan::ProgressEvent`] for apply, [`super::RotateProgress`] for
//! rotate), then one `event: report` with its report (or `event: error` with
//! the usual `{"error": {...}}` body when the job could not run at all), then
//! the stream ends.
//!
//! The job runs in its own task: when the browser goes away mid-job the
//! steps still run to the end (stopping between two AWS writes would leave a
//! half-made change), and the apply lock is held until then.
//!
//! Every error message sent is scrubbed of the secret values being written:
//! AWS validation errors can quote the value they rejected. Step ids, titles
//! and names are the user's own choice and never hold a value, so they are
//! sent as they are (a value `aws` must not garble `create-parameter:/aws/db`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use axum::response::sse::Event;
use futures_util::Stream;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use shared::bundle::SecretValues;
use tokio::sync::{OwnedMutexGuard, mpsc};

use super::{AppError, DeployError};

/// The SSE body of a job.
pub type EventStream = Pin<Box<dyn Stream<Item = EventItem> + Send>>;

/// One item of the SSE body (an event stream never fails).
pub type EventItem = Result<Event, Infallible>;

/// How many events may wait for a slow browser before the job waits too.
const BUFFER: usize = 64;

/// Starts `job` in the background and returns its event stream. `job` gets
/// the sender of its progress items; `name` (`apply`, `rotate`) labels the
/// log line of a job that failed.
pub fn start<P, R, Job, Fut>(
    name: &'static str,
    redactor: Redactor,
    permit: OwnedMutexGuard<()>,
    job: Job,
) -> EventStream
where
    P: Serialize + Send + Sync + 'static,
    R: Serialize + Send + Sync + 'static,
    Job: FnOnce(mpsc::Sender<P>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<R, DeployError>> + Send,
{
    let (events, receiver) = mpsc::channel::<Event>(BUFFER);
    tokio::spawn(async move {
        let (progress, mut progress_receiver) = mpsc::channel::<P>(BUFFER);
        let job = job(progress);
        tokio::pin!(job);
        let result = loop {
            tokio::select! {
                result = &mut job => break result,
                Some(item) = progress_receiver.recv() => forward(&events, &redactor, "progress", &item).await,
            }
        };
        // Items sent just before the job returned.
        while let Ok(item) = progress_receiver.try_recv() {
            forward(&events, &redactor, "progress", &item).await;
        }
        // Free the lock before the final event, so a client that saw the end
        // can start again at once.
        drop(permit);
        match result {
            Ok(report) => forward(&events, &redactor, "report", &report).await,
            Err(error) => {
                let error = AppError::from(error);
                tracing::warn!(code = error.code(), detail = %redactor.redact(&error.to_string()), "{name} failed");
                forward(&events, &redactor, "error", &error.body()).await;
            }
        }
    });
    Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    }))
}

/// Sends one SSE event; a browser that went away is not an error.
async fn forward(events: &mpsc::Sender<Event>, redactor: &Redactor, name: &str, data: &impl Serialize) {
    let event = match serde_json::to_value(data) {
        Ok(value) => Event::default().event(name).data(redactor.redact_json(value).to_string()),
        Err(_) => Event::default().event("error").data(r#"{"error":{"code":"internal","message":"internal error"}}"#),
    };
    let _browser_gone = events.send(event).await;
}

/// Replaces the secret values of one job wherever they appear in text.
pub(super) struct Redactor {
    /// Longest first, so a value that contains another is replaced whole.
    values: Vec<SecretString>,
}

impl Redactor {
    const MASK: &'static str = "[redacted]";

    pub(super) fn new(values: &SecretValues) -> Self {
        let mut values: Vec<SecretString> =
            values.0.values().filter(|value| !value.expose_secret().is_empty()).cloned().collect();
        values.sort_by_key(|value| std::cmp::Reverse(value.expose_secret().len()));
        Self { values }
    }

    /// Values at least this long are replaced wherever they occur; shorter
    /// ones only where they stand alone (not inside a word), so a value `v`
    /// does not garble every "v" of a message while `Value 'v'` is still
    /// scrubbed.
    const ANYWHERE_FROM: usize = 8;

    pub(super) fn redact(&self, text: &str) -> String {
        self.values.iter().fold(text.to_owned(), |text, value| {
            let value = value.expose_secret();
            if value.len() >= Self::ANYWHERE_FROM {
                text.replace(value, Self::MASK)
            } else {
                replace_standalone(&text, value, Self::MASK)
            }
        })
    }

    /// Redacts the `message` fields, wherever they are nested: the only
    /// place where text from AWS (which may quote a value) is sent.
    fn redact_json(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(|item| self.redact_json(item)).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(key, item)| match item {
                        Value::String(text) if key == Self::MESSAGE_FIELD => {
                            let text = self.redact(&text);
                            (key, Value::String(text))
                        }
                        other => {
                            let other = self.redact_json(other);
                            (key, other)
                        }
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// The field name of error text in every event and report.
    const MESSAGE_FIELD: &'static str = "message";
}

/// Replaces the occurrences of `needle` that are not part of a longer word.
fn replace_standalone(text: &str, needle: &str, mask: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let before = if at > 0 { rest[..at].chars().next_back() } else { out.chars().next_back() };
        let after = rest[at + needle.len()..].chars().next();
        out.push_str(&rest[..at]);
        if is_word(before) || is_word(after) {
            out.push_str(needle);
        } else {
            out.push_str(mask);
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use shared::plan::ProgressEvent;

    use super::*;

    #[test]
    fn redaction_replaces_every_value_longest_first() {
        let values: SecretValues =
            serde_json::from_str(r#"{"a": "pass", "b": "password1", "c": "", "d": "v"}"#).unwrap();
        let redactor = Redactor::new(&values);
        assert_eq!(redactor.redact("bad value password1 and pass"), "bad value [redacted] and [redacted]");
        assert_eq!(
            redactor.redact("xpassword1x, passport, v, 'v', server"),
            "x[redacted]x, passport, [redacted], '[redacted]', server"
        );
        assert_eq!(redactor.redact("pass"), "[redacted]");
        let json =
            serde_json::json!({"message": "Value 'pass' rejected", "failed": {"message": "password1"}, "pass": 1});
        assert_eq!(
            redactor.redact_json(json),
            serde_json::json!({"message": "Value '[redacted]' rejected", "failed": {"message": "[redacted]"}, "pass": 1})
        );
    }

    #[test]
    fn step_ids_and_names_are_not_garbled_by_a_common_word_value() {
        // Regression: a value `aws` turned `create-parameter:/aws/db` into
        // `create-parameter:/[redacted]/db`.
        let values: SecretValues = serde_json::from_str(r#"{"/aws/db": "aws"}"#).unwrap();
        let redactor = Redactor::new(&values);
        let event = ProgressEvent::Failed {
            step_id: "create-parameter:/aws/db".to_owned(),
            message: "ValidationException: Value aws rejected for /aws/db".to_owned(),
            request_id: None,
        };
        let sent = redactor.redact_json(serde_json::to_value(&event).unwrap());
        assert_eq!(sent["stepId"], "create-parameter:/aws/db");
        assert_eq!(sent["message"], "ValidationException: Value [redacted] rejected for /[redacted]/db");
        let started = ProgressEvent::Started {
            step_id: "create-parameter:/aws/db".to_owned(),
            title: "Create /aws/db".to_owned(),
        };
        assert_eq!(
            redactor.redact_json(serde_json::to_value(&started).unwrap()),
            serde_json::to_value(&started).unwrap()
        );
    }
}
