//! The versioned form a workspace is saved in (the browser's
//! `localStorage`), with no place for a secret value.

use serde_json::{Map, Value};

use super::Workspace;
use crate::bundle::{BUNDLE_VERSION, Bundle};
use crate::import::from_json_value;

/// The persisted schema version this build writes.
pub const WORKSPACE_VERSION: u32 = 3;

/// The keys of version 2's workspace that version 3 holds in its `bundle`.
const VERSION_2_BUNDLE_KEYS: [&str; 6] =
    ["region", "accountId", "taskDefinition", "executionRole", "secrets", "services"];

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
    /// a bare bundle (no KMS keys, no pasted policies); version 2 had the
    /// bundle's fields (without its `version`) next to the workspace's own.
    pub fn restore(text: &str) -> Result<Workspace, RestoreError> {
        let value: Value = serde_json::from_str(text).map_err(|e| RestoreError::Syntax(e.to_string()))?;
        let version = value.get("version").and_then(serde_json::Value::as_u64).unwrap_or(1) as u32;
        let shape = |e: serde_json::Error| RestoreError::Shape { version, message: e.to_string() };
        match version {
            1 => {
                let bundle: Bundle = from_json_value(value).map_err(shape)?;
                Ok(Workspace::from_bundle(bundle))
            }
            2 => from_json_value(version_2_to_3(value)).map_err(shape),
            WORKSPACE_VERSION => {
                let inner = value.get("workspace").cloned().unwrap_or(Value::Null);
                from_json_value(inner).map_err(shape)
            }
            newer => Err(RestoreError::TooNew(newer)),
        }
    }
}

/// Version 2's `workspace` in the shape of version 3's: the bundle's keys
/// moved into `bundle` (a value that is not an object is left to fail).
fn version_2_to_3(mut saved: Value) -> Value {
    let mut workspace = saved.get_mut("workspace").map(Value::take).unwrap_or(Value::Null);
    if let Some(fields) = workspace.as_object_mut() {
        let mut bundle = Map::new();
        bundle.insert("version".into(), BUNDLE_VERSION.into());
        for key in VERSION_2_BUNDLE_KEYS {
            if let Some(value) = fields.remove(key) {
                bundle.insert(key.into(), value);
            }
        }
        fields.insert("bundle".into(), bundle.into());
    }
    workspace
}
