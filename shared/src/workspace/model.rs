//! The workspace itself: what it holds, how it is created (empty, the seed
//! example, a bundle) and imported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::drafts::{Rename, SiteDraft};
use crate::bundle::{BUNDLE_VERSION, Bundle, ExecutionRoleSpec};
use crate::context::Context;
use crate::import::{ImportNote, InputShape, export, from_json_value, import_value};
use crate::json_input::{JsonInputError, JsonProblem};
use crate::location::{AccountId, Location, Region};
use crate::secret_ref::SecretRef;
use crate::task_def::TaskDefinition;

/// The editable configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    /// What Apply and `bundle.json` carry: region, account, task
    /// definition, execution role, secrets and services (its `version` is
    /// always [`BUNDLE_VERSION`]).
    pub bundle: Bundle,
    /// Customer-managed KMS key per reference, keyed by the `valueFrom`
    /// string as written (see [`GenerateOptions::kms_keys`]).
    #[serde(default)]
    pub kms_keys: BTreeMap<String, String>,
    /// The execution role's existing policies, as pasted (JSON text), for
    /// the access check.
    #[serde(default)]
    pub existing_policies: Vec<String>,
    /// What was typed for each secret reference (never a value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drafts: Vec<SiteDraft>,
    /// True when the task definition came as a bare `containerDefinitions`
    /// array (Terraform's `container_definitions`): the lint then treats it
    /// as the CLI does ([`crate::lint::lint_imported`]) — the resource sets
    /// `family` and the execution role, said once (ES013) rather than as
    /// ES001/ES015 errors — until a family or role is typed here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub container_definitions_only: bool,
    /// Secret renames not yet taken by the UI ([`Workspace::take_renames`]);
    /// not saved.
    #[serde(skip)]
    pub(super) renames: Vec<Rename>,
}

/// Why an import failed, placed in the pasted text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceImportError {
    /// Not JSON, or not a task definition.
    #[error("{0}")]
    Json(#[from] JsonInputError),
    /// A saved bundle (it has `executionRole` and `taskDefinition`) with a
    /// value that does not fit.
    #[error("this looks like a bundle.json but does not fit it: {0}")]
    Bundle(JsonProblem),
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace::empty()
    }
}

impl Workspace {
    /// A new, empty Fargate configuration with one blank container.
    pub fn empty() -> Workspace {
        let mut ws = Workspace {
            bundle: Bundle {
                version: BUNDLE_VERSION,
                region: String::new(),
                account_id: None,
                task_definition: TaskDefinition {
                    network_mode: Some("awsvpc".into()),
                    requires_compatibilities: Some(vec!["FARGATE".into()]),
                    cpu: Some("256".into()),
                    memory: Some("512".into()),
                    ..TaskDefinition::default()
                },
                execution_role: ExecutionRoleSpec { name: String::new(), create: true, attach_managed_policy: None },
                secrets: Vec::new(),
                services: Vec::new(),
            },
            kms_keys: BTreeMap::new(),
            existing_policies: Vec::new(),
            drafts: Vec::new(),
            container_definitions_only: false,
            renames: Vec::new(),
        };
        ws.add_container();
        ws
    }

    /// The seed example: a `web` container whose database password comes
    /// from SSM and whose Splunk token comes from Secrets Manager through
    /// `secretOptions`.
    pub fn seed_example() -> Workspace {
        let text = include_str!("workspace_seed.json");
        // Through `from_json_value`, like every other read of a bundle (one
        // copy of the deserializing code in the UI's WASM).
        match serde_json::from_str::<serde_json::Value>(text).and_then(from_json_value::<Bundle>) {
            Ok(bundle) => Workspace::from_bundle(bundle),
            // The file is part of the build and covered by a test.
            Err(_) => Workspace::empty(),
        }
    }

    /// A workspace editing `bundle` (read as this build writes it:
    /// [`BUNDLE_VERSION`]), with the KMS key of each secret spec placed on
    /// the references to it.
    pub fn from_bundle(bundle: Bundle) -> Workspace {
        let mut kms_keys = BTreeMap::new();
        for spec in &bundle.secrets {
            let Some(key) = &spec.kms_key_id else { continue };
            for site in bundle.task_definition.secret_sites() {
                let Some(raw) = site.value_from else { continue };
                if SecretRef::parse(raw).is_ok_and(|r| r.store() == spec.store && spec_name(&r) == spec.name) {
                    kms_keys.insert(raw.to_owned(), key.clone());
                }
            }
        }
        Workspace {
            bundle: Bundle { version: BUNDLE_VERSION, ..bundle },
            kms_keys,
            existing_policies: Vec::new(),
            drafts: Vec::new(),
            container_definitions_only: false,
            renames: Vec::new(),
        }
    }

    /// Why a text is too large to import, decided at once (before parsing
    /// or rendering anything): RegisterTaskDefinition accepts at most
    /// [`MAX_TASK_DEFINITION_BYTES`], and even with its whitespace removed
    /// this text is longer. (A text within the limit is imported; the lint
    /// still measures its export, ES011.)
    pub fn too_large_to_import(text: &str) -> Option<String> {
        if text.len() <= MAX_TASK_DEFINITION_BYTES {
            return None;
        }
        let compact = compact_len(text);
        (compact > MAX_TASK_DEFINITION_BYTES).then(|| {
            format!(
                "the text is {} bytes ({compact} without whitespace); RegisterTaskDefinition accepts at most \
                 {MAX_TASK_DEFINITION_BYTES} bytes (64 KiB) of task definition JSON. Split the containers over several \
                 task definitions or move large values into secrets or environment files.",
                text.len()
            )
        })
    }

    /// Imports pasted or uploaded text: a saved `bundle.json` (kept whole)
    /// or any task definition shape [`crate::import`] accepts (which then
    /// replaces only the task definition). Returns the import notes.
    pub fn import_text(&mut self, text: &str) -> Result<Vec<ImportNote>, WorkspaceImportError> {
        let value = crate::json_input::parse(text)?;
        let is_bundle = value.get("executionRole").is_some() && value.get("taskDefinition").is_some();
        if is_bundle {
            let bundle: Bundle = crate::import::from_json_value_at(value).map_err(|(path, e)| {
                let message = crate::json_locate::message_without_position(&e);
                WorkspaceImportError::Bundle(JsonProblem::new(path, message).placed_in(text))
            })?;
            *self = Workspace::from_bundle(bundle);
            self.sync_secret_specs();
            return Ok(vec![ImportNote { path: String::new(), message: "imported a saved bundle".into() }]);
        }
        let imported = import_value(value).map_err(|e| e.placed_in(text))?;
        self.container_definitions_only = imported.shape == InputShape::ContainerDefinitions;
        self.bundle.task_definition = imported.task_definition;
        self.drafts.clear();
        if let Some(role) = self.bundle.task_definition.execution_role_arn.as_deref()
            && let Some(name) = role.rsplit('/').next()
            && role.starts_with("arn:")
        {
            self.bundle.execution_role.name = name.to_owned();
            self.bundle.execution_role.create = false;
        }
        if self.bundle.account_id.is_none() || self.bundle.region.is_empty() {
            self.adopt_location_from_references();
        }
        self.sync_secret_specs();
        Ok(imported.notes)
    }

    /// Fills an unknown region/account from the first ARN reference, so
    /// that an imported definition lints in its own location.
    fn adopt_location_from_references(&mut self) {
        let found = self
            .bundle
            .task_definition
            .secret_sites()
            .iter()
            .filter_map(|s| SecretRef::parse(s.value_from?).ok()?.location().cloned())
            .next();
        if let Some(loc) = found {
            if self.bundle.region.is_empty() && Region::is_valid(&loc.region) {
                self.bundle.region = loc.region;
            }
            if self.bundle.account_id.is_none() && AccountId::is_valid(&loc.account) {
                self.bundle.account_id = Some(loc.account);
            }
        }
    }

    /// The task definition as `task-definition.json` (register-ready).
    pub fn task_definition_json(&self) -> String {
        export(&self.bundle.task_definition)
    }

    /// Where the configuration runs, from the typed fields: only valid names
    /// make a [`Location`]; anything else (still being typed) is "not known".
    pub fn location(&self) -> Location {
        let account = self.bundle.account_id.as_deref().and_then(|a| a.trim().parse().ok());
        Location::new(self.bundle.region.trim().parse().ok(), account)
    }

    pub fn context(&self) -> Context {
        Context { container_definitions_only: self.container_definitions_only, ..Context::from(self.location()) }
    }
}

/// The name a store knows a reference by: the SSM parameter name (with its
/// leading `/` for hierarchical names), the Secrets Manager secret name.
/// The most task definition JSON RegisterTaskDefinition accepts.
pub const MAX_TASK_DEFINITION_BYTES: usize = 64 * 1024;

/// The length of a JSON text without the whitespace outside strings.
fn compact_len(text: &str) -> usize {
    let (mut n, mut in_string, mut escaped) = (0, false, false);
    for b in text.bytes() {
        if in_string {
            n += 1;
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !b.is_ascii_whitespace() {
            n += 1;
            in_string = b == b'"';
        }
    }
    n
}

pub(super) fn spec_name(reference: &SecretRef) -> String {
    match reference {
        SecretRef::SecretsManager(arn) => arn.name.clone(),
        other => other.name().to_owned(),
    }
}
