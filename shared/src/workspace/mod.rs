//! The editable configuration behind the UI: a [`Bundle`](crate::bundle::Bundle)
//! plus what only the editor needs (customer-managed KMS keys per reference, the
//! execution role's existing policies pasted for the access check), with
//! every editing operation as a method.
//!
//! The UI components only render a workspace and call these methods, so the
//! editing logic is tested here without a browser. A workspace never holds a
//! secret VALUE: values typed for secrets marked "create" (or lifted out of
//! the task definition by a fix) live in the UI's memory only, so the
//! persisted form ([`Workspace::persist`]) cannot leak them.

mod analysis;
mod drafts;
mod edits;
#[cfg(test)]
mod fix_properties;
mod model;
mod persistence;
#[cfg(test)]
mod tests;
mod undo;

pub use analysis::{AccessRow, Analysis};
pub use drafts::{DraftEdit, ReferenceDraft, Rename, Site, SiteDraft};
pub use edits::{
    ContainerField, DecoderFixApplied, Direction, EditError, EnvPart, SecretList, ServiceField, TaskField,
};
pub use model::{MAX_TASK_DEFINITION_BYTES, Workspace, WorkspaceImportError};
pub use persistence::{RestoreError, WORKSPACE_VERSION};
pub use undo::UndoStack;

/// The task CPU sizes Fargate accepts (CPU units).
pub const FARGATE_CPUS: [&str; 7] = ["256", "512", "1024", "2048", "4096", "8192", "16384"];

/// The task memory sizes (MiB) Fargate accepts with `cpu` (empty when the
/// CPU value is not a Fargate size).
pub fn fargate_memory_options(cpu: &str) -> Vec<u64> {
    crate::lint::fargate_memory_options(cpu)
}
