//! The versioned form a workspace is saved in (the browser's
//! `localStorage`), with no place for a secret value.

use super::Workspace;
use crate::bundle::Bundle;
use crate::import::from_json_value;

/// The persisted schema version this build writes.
pub const WORKSPACE_VERSION: u32 = 2;

/// Why a saved document could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("the saved configuration is not JSON: {0}")]
    Syntax(String),
    #[error("the saved configuration has version {0}, newer than this build understands ({WORKSPACE_VERSION})")]
    TooNew(u32),
    #[error("the saved configuration does not fit version {version}: {message}")]
    Shape { version: u32, message: String },
}

impl Workspace {
    /// The persisted form (localStorage): versioned, never a secret value
    /// (the type holds none).
    pub fn persist(&self) -> String {
        let doc = serde_json::json!({ "version": WORKSPACE_VERSION, "workspace": self });
        doc.to_string()
    }

    /// Reads a persisted workspace, migrating older versions: version 1 was
    /// a bare bundle (no KMS keys, no pasted policies).
    pub fn restore(text: &str) -> Result<Workspace, RestoreError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| RestoreError::Syntax(e.to_string()))?;
        let version = value.get("version").and_then(serde_json::Value::as_u64).unwrap_or(1) as u32;
        let shape = |e: serde_json::Error| RestoreError::Shape { version, message: e.to_string() };
        match version {
            1 => {
                let bundle: Bundle = from_json_value(value).map_err(shape)?;
                Ok(Workspace::from_bundle(bundle))
            }
            WORKSPACE_VERSION => {
                let inner = value.get("workspace").cloned().unwrap_or(serde_json::Value::Null);
                from_json_value(inner).map_err(shape)
            }
            newer => Err(RestoreError::TooNew(newer)),
        }
    }
}
