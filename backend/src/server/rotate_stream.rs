//! `POST /api/rotate` as Server-Sent Events: one `event: progress`
//! ([`RotateProgress`]) per line of what the rotation does, then one
//! `event: report` ([`shared::rotate::RotateReport`]) or `event: error`.
//!
//! As for apply, the rotation runs in its own task (a browser that goes
//! away does not stop it between the write and the redeploys), and every
//! `message` sent is scrubbed of the value being written.

use std::sync::Arc;

use secrecy::SecretString;
use shared::bundle::SecretValues;
use tokio::sync::{OwnedMutexGuard, mpsc};

use super::apply_stream::{EventStream, Redactor, forward};
use super::{AppError, Deployer, RotateProgress, RotateTarget};

/// How many lines may wait for a slow browser before the rotation waits too.
const BUFFER: usize = 64;

/// Starts rotating in the background and returns the event stream.
pub fn start<D: Deployer>(
    deployer: Arc<D>,
    target: RotateTarget,
    value: SecretString,
    permit: OwnedMutexGuard<()>,
) -> EventStream {
    let redactor = Redactor::new(&SecretValues([(target.secret.clone(), value.clone())].into()));
    let (events, receiver) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        let (progress, mut lines) = mpsc::channel::<RotateProgress>(BUFFER);
        let rotation = deployer.rotate(target, value, progress);
        tokio::pin!(rotation);
        let result = loop {
            tokio::select! {
                result = &mut rotation => break result,
                Some(line) = lines.recv() => forward(&events, &redactor, "progress", &line).await,
            }
        };
        while let Ok(line) = lines.try_recv() {
            forward(&events, &redactor, "progress", &line).await;
        }
        drop(permit);
        match result {
            Ok(report) => forward(&events, &redactor, "report", &report).await,
            Err(error) => forward(&events, &redactor, "error", &AppError::from(error).body()).await,
        }
    });
    Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    }))
}
