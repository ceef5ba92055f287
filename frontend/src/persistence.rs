//! The one module that touches browser storage.
//!
//! The configuration is saved to `localStorage` under [`STORAGE_KEY`] in the
//! versioned schema of [`Workspace::persist`], which has no place for a
//! secret value; values typed for Apply stay in memory and are never passed
//! here. (`sessionStorage` holds only the session token, see `api_client`.)

use shared::workspace::{RestoreError, Workspace};

/// The `localStorage` key of the saved configuration.
pub const STORAGE_KEY: &str = "ecs-secrets.workspace";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved configuration: `None` when nothing was saved (or storage is
/// unavailable), an error when what was saved cannot be read back.
pub fn load() -> Option<Result<Workspace, RestoreError>> {
    let text = storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    Some(Workspace::restore(&text))
}

/// Saves the configuration; a full or disabled storage is not fatal (the
/// page keeps working, it just will not survive a reload).
pub fn save(workspace: &Workspace) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, &workspace.persist());
    }
}
