//! The editable configuration behind the UI: a bundle-like document plus
//! what only the editor needs (customer-managed KMS keys per reference, the
//! execution role's existing policies pasted for the access check), with
//! every editing operation as a method.
//!
//! The UI components only render a workspace and call these methods, so the
//! editing logic is tested here without a browser. A workspace never holds a
//! secret VALUE: values typed for secrets marked "create" (or lifted out of
//! the task definition by a fix) live in the UI's memory only, so the
//! persisted form ([`Workspace::persist`]) cannot leak them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::bundle::{BUNDLE_VERSION, Bundle, ExecutionRoleSpec, SecretSpec, ServiceSpec};
use crate::context::Context;
use crate::decode::Decoded;
use crate::diagnostic::Diagnostic;
use crate::fix::{Fix, FixError, PendingSecret, apply_fix};
use crate::iam::access::{AccessReport, CheckContext, VerdictStatus, check};
use crate::iam::generate::{
    GenerateOptions, Generated, Recommendation, managed_policy_recommendation, permission_policy, trust_policy,
};
use crate::iam::policy::PolicyDocument;
use crate::import::{ImportNote, export, from_json_value, import_value};
use crate::secret_ref::{ArnLocation, RefSite, SecretRef, Store, partition_for_region, secret_arn, ssm_parameter_arn};
use crate::task_def::{
    ContainerDefinition, KeyValuePair, LogConfiguration, PortMapping, RepositoryCredentials, Secret, TaskDefinition,
};

/// The persisted schema version this build writes.
pub const WORKSPACE_VERSION: u32 = 2;

/// The editable configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub task_definition: TaskDefinition,
    pub execution_role: ExecutionRoleSpec,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
    /// Customer-managed KMS key per reference, keyed by the `valueFrom`
    /// string as written (see [`GenerateOptions::kms_keys`]).
    #[serde(default)]
    pub kms_keys: BTreeMap<String, String>,
    /// The execution role's existing policies, as pasted (JSON text), for
    /// the access check.
    #[serde(default)]
    pub existing_policies: Vec<String>,
}

/// A task-level text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskField {
    Family,
    TaskRoleArn,
    ExecutionRoleArn,
    NetworkMode,
    /// `requiresCompatibilities` as one launch type (`FARGATE`, `EC2`).
    LaunchType,
    Cpu,
    Memory,
    Region,
    AccountId,
    RoleName,
}

/// A container-level scalar field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerField {
    Name,
    Image,
    /// Hard memory limit in MiB (empty clears it).
    Memory,
    LogDriver,
    /// `repositoryCredentials.credentialsParameter` (empty removes the block).
    RepositoryCredentials,
}

/// Which list of `{name, valueFrom}` entries of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretList {
    Secrets,
    SecretOptions,
}

/// Why an edit was refused. Every message names the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("container #{0} does not exist (was it removed?)")]
    NoContainer(usize),
    #[error("{field}: `{value}` is not a whole number; type digits only, e.g. 512")]
    NotANumber { field: String, value: String },
    #[error("{0}")]
    Fix(#[from] FixError),
    #[error("log options, line {line}: write one option per line as key=value")]
    NotAnOption { line: usize },
    #[error("the reference needs a name: type the parameter or secret name")]
    EmptyReferenceName,
    #[error(
        "the region and the account are needed to build an ARN: fill them in under Task definition (or give a full ARN)"
    )]
    NeedsRegionAndAccount,
    #[error("this error's fix is not an IAM change: follow the steps shown")]
    NoStatementToApply,
}

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

/// Why an import failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceImportError {
    #[error("line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("{0}")]
    TaskDefinition(#[from] crate::import::ImportError),
    #[error("this looks like a bundle.json but does not fit it: {0}")]
    Bundle(String),
}

/// The parts of a Secrets Manager or SSM reference, as the secret editor
/// collects them; [`ReferenceDraft::value_from`] writes the canonical string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceDraft {
    pub store: Option<Store>,
    pub name: String,
    pub json_key: String,
    pub version_stage: String,
    pub version_id: String,
    pub region: String,
    pub account: String,
}

impl ReferenceDraft {
    /// The canonical `valueFrom`: a full ARN in the given region/account.
    /// A Secrets Manager name may end in its 6-character suffix; without it
    /// the partial ARN is still valid for ECS (and the lint says so).
    pub fn value_from(&self) -> Result<String, EditError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(EditError::EmptyReferenceName);
        }
        let (region, account) = (self.region.trim(), self.account.trim());
        if region.is_empty() || account.is_empty() {
            return Err(EditError::NeedsRegionAndAccount);
        }
        let loc = ArnLocation {
            partition: partition_for_region(region).to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        };
        Ok(match self.store.unwrap_or(Store::Ssm) {
            Store::Ssm => ssm_parameter_arn(&loc, name),
            Store::SecretsManager => {
                let mut arn = secret_arn(&loc, name);
                let extras = [self.json_key.trim(), self.version_stage.trim(), self.version_id.trim()];
                if extras.iter().any(|e| !e.is_empty()) {
                    arn.push_str(&format!(":{}:{}:{}", extras[0], extras[1], extras[2]));
                }
                arn
            }
        })
    }

    /// Splits an existing reference back into its parts (for editing).
    pub fn from_value_from(raw: &str, ctx: &Context) -> ReferenceDraft {
        let Ok(reference) = SecretRef::parse(raw) else {
            return ReferenceDraft { name: raw.to_owned(), ..ReferenceDraft::default() };
        };
        let loc = reference.resolve_location(ctx).ok();
        let mut draft = ReferenceDraft {
            store: Some(reference.store()),
            name: reference.name().to_owned(),
            region: loc.as_ref().map(|l| l.region.clone()).unwrap_or_default(),
            account: loc.as_ref().map(|l| l.account.clone()).unwrap_or_default(),
            ..ReferenceDraft::default()
        };
        if let SecretRef::SecretsManager(arn) = &reference {
            draft.name = match &arn.suffix {
                Some(suffix) => format!("{}-{suffix}", arn.name),
                None => arn.name.clone(),
            };
            draft.json_key = arn.json_key.clone().unwrap_or_default();
            draft.version_stage = arn.version_stage.clone().unwrap_or_default();
            draft.version_id = arn.version_id.clone().unwrap_or_default();
        }
        draft
    }
}

/// Everything derived from a workspace that the UI shows live.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
    pub trust_policy: PolicyDocument,
    pub permission_policy: Generated,
    pub recommendation: Option<Recommendation>,
    /// The access check against the pasted existing policies (`None` when
    /// none were pasted).
    pub access: Option<AccessReport>,
    /// Pasted policies that did not parse: (index, message).
    pub policy_errors: Vec<(usize, String)>,
}

/// One row of the access map: container → reference → store → KMS key →
/// policy statement, and whether the role may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub path: String,
    pub container: String,
    /// Variable or log option name (empty for registry credentials).
    pub variable: String,
    pub reference: String,
    pub store: Option<Store>,
    pub kms_key: Option<String>,
    /// Sids (or `#n`) of the statements that decided; empty when none allow.
    pub statements: Vec<String>,
    /// The verdict against the pasted existing policies, or against the
    /// generated policy when none were pasted.
    pub status: VerdictStatus,
}

/// Undo for destructive edits: snapshots taken before each one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UndoStack {
    entries: Vec<(String, Workspace)>,
}

impl UndoStack {
    /// The most snapshots kept; older ones are dropped.
    pub const LIMIT: usize = 50;

    /// Remembers `before` under a label ("Remove container web").
    pub fn push(&mut self, label: impl Into<String>, before: &Workspace) {
        if self.entries.len() == Self::LIMIT {
            self.entries.remove(0);
        }
        self.entries.push((label.into(), before.clone()));
    }

    /// The label of the edit that [`UndoStack::pop`] would undo.
    pub fn peek_label(&self) -> Option<&str> {
        self.entries.last().map(|(label, _)| label.as_str())
    }

    pub fn pop(&mut self) -> Option<Workspace> {
        self.entries.pop().map(|(_, ws)| ws)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
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
            kms_keys: BTreeMap::new(),
            existing_policies: Vec::new(),
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

    /// The bundle this workspace describes (what Apply and `bundle.json` carry).
    pub fn to_bundle(&self) -> Bundle {
        Bundle {
            version: BUNDLE_VERSION,
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            task_definition: self.task_definition.clone(),
            execution_role: self.execution_role.clone(),
            secrets: self.secrets.clone(),
            services: self.services.clone(),
        }
    }

    pub fn from_bundle(bundle: Bundle) -> Workspace {
        let mut kms_keys = BTreeMap::new();
        let ctx = Context::new(Some(bundle.region.clone()), bundle.account_id.clone());
        for spec in &bundle.secrets {
            let Some(key) = &spec.kms_key_id else { continue };
            for site in bundle.task_definition.secret_sites() {
                let Some(raw) = site.value_from else { continue };
                if SecretRef::parse(raw).is_ok_and(|r| r.store() == spec.store && spec_name(&r, &ctx) == spec.name) {
                    kms_keys.insert(raw.to_owned(), key.clone());
                }
            }
        }
        Workspace {
            region: bundle.region,
            account_id: bundle.account_id,
            task_definition: bundle.task_definition,
            execution_role: bundle.execution_role,
            secrets: bundle.secrets,
            services: bundle.services,
            kms_keys,
            existing_policies: Vec::new(),
        }
    }

    /// Imports pasted or uploaded text: a saved `bundle.json` (kept whole)
    /// or any task definition shape [`crate::import`] accepts (which then
    /// replaces only the task definition). Returns the import notes.
    pub fn import_text(&mut self, text: &str) -> Result<Vec<ImportNote>, WorkspaceImportError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| WorkspaceImportError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let is_bundle = value.get("executionRole").is_some() && value.get("taskDefinition").is_some();
        if is_bundle {
            let bundle: Bundle = from_json_value(value).map_err(|e| WorkspaceImportError::Bundle(e.to_string()))?;
            *self = Workspace::from_bundle(bundle);
            self.sync_secret_specs();
            return Ok(vec![ImportNote { path: String::new(), message: "imported a saved bundle".into() }]);
        }
        let imported = import_value(value)?;
        self.task_definition = imported.task_definition;
        if let Some(role) = self.task_definition.execution_role_arn.as_deref()
            && let Some(name) = role.rsplit('/').next()
            && role.starts_with("arn:")
        {
            self.execution_role.name = name.to_owned();
            self.execution_role.create = false;
        }
        if self.account_id.is_none() || self.region.is_empty() {
            self.adopt_location_from_references();
        }
        self.sync_secret_specs();
        Ok(imported.notes)
    }

    /// Fills an unknown region/account from the first ARN reference, so
    /// that an imported definition lints in its own location.
    fn adopt_location_from_references(&mut self) {
        let found = self
            .task_definition
            .secret_sites()
            .iter()
            .filter_map(|s| SecretRef::parse(s.value_from?).ok()?.location().cloned())
            .next();
        if let Some(loc) = found {
            if self.region.is_empty() {
                self.region = loc.region;
            }
            if self.account_id.is_none() && loc.account.len() == 12 {
                self.account_id = Some(loc.account);
            }
        }
    }

    /// The task definition as `task-definition.json` (register-ready).
    pub fn task_definition_json(&self) -> String {
        export(&self.task_definition)
    }

    pub fn context(&self) -> Context {
        let region = Some(self.region.trim().to_owned()).filter(|r| !r.is_empty());
        Context::new(region, self.account_id.clone())
    }

    pub fn generate_options(&self) -> GenerateOptions {
        let ctx = self.context();
        GenerateOptions {
            region: ctx.region,
            account_id: ctx.account_id,
            kms_keys: self.live_kms_keys(),
            images_from_ecr: None,
            uses_awslogs: None,
        }
    }

    /// KMS keys of references that are still in the task definition (a
    /// removed reference keeps its key in the map for undo, but must not be
    /// granted).
    fn live_kms_keys(&self) -> BTreeMap<String, String> {
        // Sets and maps built by `extend` (inserts), not `collect` (which
        // sorts first): keeps stable sort instances out of the UI's WASM.
        let mut live = BTreeSet::new();
        live.extend(self.task_definition.secret_sites().iter().filter_map(|s| s.value_from));
        let mut keys = BTreeMap::new();
        keys.extend(
            self.kms_keys
                .iter()
                .filter(|(reference, key)| live.contains(reference.as_str()) && !key.trim().is_empty())
                .map(|(r, k)| (r.clone(), k.trim().to_owned())),
        );
        keys
    }

    /// The pasted existing policies that parse, and the errors of the others.
    pub fn parsed_existing_policies(&self) -> (Vec<PolicyDocument>, Vec<(usize, String)>) {
        let mut docs = Vec::new();
        let mut errors = Vec::new();
        for (i, text) in self.existing_policies.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            match PolicyDocument::parse(text) {
                Ok(doc) => docs.push(doc),
                Err(e) => errors.push((i, e.to_string())),
            }
        }
        (docs, errors)
    }

    /// Lint, policies and access check: everything the UI shows live.
    pub fn analyze(&self) -> Analysis {
        let ctx = self.context();
        let opts = self.generate_options();
        let (docs, policy_errors) = self.parsed_existing_policies();
        let access = (!docs.is_empty()).then(|| check(&self.task_definition, &docs, &self.check_context()));
        Analysis {
            diagnostics: crate::lint::lint(&self.task_definition, &ctx),
            trust_policy: trust_policy(),
            permission_policy: permission_policy(&self.task_definition, &opts),
            recommendation: managed_policy_recommendation(&self.task_definition, &opts),
            access,
            policy_errors,
        }
    }

    fn check_context(&self) -> CheckContext {
        let ctx = self.context();
        CheckContext {
            region: ctx.region,
            account_id: ctx.account_id,
            kms_keys: self.live_kms_keys(),
            ..CheckContext::default()
        }
    }

    /// The access map rows. Without pasted policies, the generated policy
    /// is what gets checked (so the map shows what the role WILL be able
    /// to read).
    pub fn access_rows(&self, analysis: &Analysis) -> Vec<AccessRow> {
        let generated;
        let report = match &analysis.access {
            Some(report) => report,
            None => {
                generated = check(
                    &self.task_definition,
                    std::slice::from_ref(&analysis.permission_policy.policy),
                    &self.check_context(),
                );
                &generated
            }
        };
        let kms = self.live_kms_keys();
        report
            .references
            .iter()
            .map(|verdict| {
                let reference = verdict.value_from.clone().unwrap_or_default();
                let store = SecretRef::parse(&reference).ok().map(|r| r.store());
                let mut statements: Vec<String> = Vec::new();
                for check in &verdict.checks {
                    for matched in &check.deciding_statements {
                        let label =
                            matched.sid.clone().unwrap_or_else(|| format!("statement {}", matched.statement_index + 1));
                        if !statements.contains(&label) {
                            statements.push(label);
                        }
                    }
                }
                AccessRow {
                    path: verdict.path.clone(),
                    container: verdict.container.clone().unwrap_or_default(),
                    variable: verdict.variable.clone().unwrap_or_else(|| match verdict.site {
                        RefSite::RepositoryCredentials => "registry credentials".into(),
                        _ => String::new(),
                    }),
                    kms_key: kms.get(&reference).cloned(),
                    reference,
                    store,
                    statements,
                    status: verdict.status,
                }
            })
            .collect()
    }

    /// Sets a task-level field; an empty value clears it.
    pub fn set_task_field(&mut self, field: TaskField, value: &str) {
        // Not trimmed: the UI writes back what is stored on every keystroke,
        // and a trimmed space would vanish while the user is typing it.
        let text = Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        let td = &mut self.task_definition;
        match field {
            TaskField::Family => td.family = text,
            TaskField::TaskRoleArn => td.task_role_arn = text,
            TaskField::ExecutionRoleArn => td.execution_role_arn = text,
            TaskField::NetworkMode => td.network_mode = text,
            TaskField::LaunchType => td.requires_compatibilities = text.map(|t| vec![t]),
            TaskField::Cpu => td.cpu = text,
            TaskField::Memory => td.memory = text,
            TaskField::Region => {
                self.region = text.unwrap_or_default();
                self.sync_secret_specs();
            }
            TaskField::AccountId => {
                self.account_id = text;
                self.sync_secret_specs();
            }
            TaskField::RoleName => {
                self.execution_role.name = text.unwrap_or_default();
                self.sync_role_arn();
            }
        }
    }

    /// Keeps `executionRoleArn` pointing at the named role when the account
    /// is known and the ARN was not set to another role by hand.
    fn sync_role_arn(&mut self) {
        let (Some(account), false) = (&self.account_id, self.execution_role.name.is_empty()) else { return };
        let partition = partition_for_region(&self.region);
        self.task_definition.execution_role_arn =
            Some(format!("arn:{partition}:iam::{account}:role/{}", self.execution_role.name));
    }

    /// Fills region and account from the backend's identity when unset.
    pub fn adopt_identity(&mut self, region: &str, account: &str) {
        if self.region.is_empty() {
            self.region = region.to_owned();
        }
        if self.account_id.is_none() {
            self.account_id = Some(account.to_owned());
        }
        self.sync_secret_specs();
    }

    fn container(&mut self, index: usize) -> Result<&mut ContainerDefinition, EditError> {
        self.task_definition.container_definitions.get_mut(index).ok_or(EditError::NoContainer(index))
    }

    /// Appends a blank essential container named `containerN`.
    pub fn add_container(&mut self) -> usize {
        let n = self.task_definition.container_definitions.len();
        let taken =
            |name: &str| self.task_definition.container_definitions.iter().any(|c| c.name.as_deref() == Some(name));
        let name = (1..).map(|i| format!("container{i}")).find(|n| !taken(n)).unwrap_or_default();
        self.task_definition.container_definitions.push(ContainerDefinition {
            name: Some(name),
            essential: Some(true),
            ..ContainerDefinition::default()
        });
        n
    }

    pub fn remove_container(&mut self, index: usize) -> Result<ContainerDefinition, EditError> {
        self.container(index)?;
        let removed = self.task_definition.container_definitions.remove(index);
        self.sync_secret_specs();
        Ok(removed)
    }

    /// Moves a container one place up (`-1`) or down (`+1`).
    pub fn move_container(&mut self, index: usize, up: bool) -> Result<(), EditError> {
        let len = self.task_definition.container_definitions.len();
        self.container(index)?;
        let to = if up { index.checked_sub(1) } else { Some(index + 1).filter(|&t| t < len) };
        if let Some(to) = to {
            self.task_definition.container_definitions.swap(index, to);
        }
        Ok(())
    }

    pub fn set_container_field(&mut self, index: usize, field: ContainerField, value: &str) -> Result<(), EditError> {
        let text = Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        let c = self.container(index)?;
        match field {
            ContainerField::Name => c.name = text,
            ContainerField::Image => c.image = text,
            ContainerField::Memory => c.memory = parse_number("memory", text.map(|t| t.trim().to_owned()))?,
            ContainerField::LogDriver => match text {
                Some(driver) => {
                    c.log_configuration.get_or_insert_with(LogConfiguration::default).log_driver = Some(driver)
                }
                None => {
                    if let Some(log) = &mut c.log_configuration {
                        log.log_driver = None;
                    }
                }
            },
            ContainerField::RepositoryCredentials => {
                c.repository_credentials = text.map(|p| RepositoryCredentials {
                    credentials_parameter: Some(p),
                    ..RepositoryCredentials::default()
                });
                self.sync_secret_specs();
            }
        }
        Ok(())
    }

    /// The log driver options as `key=value` lines (sorted by key).
    pub fn log_options_text(&self, index: usize) -> String {
        let options = self
            .task_definition
            .container_definitions
            .get(index)
            .and_then(|c| c.log_configuration.as_ref())
            .and_then(|l| l.options.as_ref());
        options.map(|o| o.iter().map(|(k, v)| format!("{k}={v}\n")).collect()).unwrap_or_default()
    }

    /// Replaces the log driver options from `key=value` lines (blank lines
    /// are skipped; no lines removes the options).
    pub fn set_log_options_text(&mut self, index: usize, text: &str) -> Result<(), EditError> {
        let mut options = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| EditError::NotAnOption { line: n + 1 })?;
            options.insert(key.trim().to_owned(), value.trim().to_owned());
        }
        let c = self.container(index)?;
        if options.is_empty() {
            if let Some(log) = &mut c.log_configuration {
                log.options = None;
            }
        } else {
            c.log_configuration.get_or_insert_with(LogConfiguration::default).options = Some(options);
        }
        Ok(())
    }

    pub fn set_essential(&mut self, index: usize, essential: bool) -> Result<(), EditError> {
        self.container(index)?.essential = Some(essential);
        Ok(())
    }

    pub fn add_port(&mut self, index: usize) -> Result<(), EditError> {
        self.container(index)?.port_mappings.get_or_insert_with(Vec::new).push(PortMapping {
            container_port: Some(80),
            protocol: Some("tcp".into()),
            ..PortMapping::default()
        });
        Ok(())
    }

    pub fn set_port(&mut self, index: usize, port: usize, value: &str) -> Result<(), EditError> {
        let number = parse_number("containerPort", Some(value.trim().to_owned()).filter(|v| !v.is_empty()))?;
        if let Some(mapping) = self.container(index)?.port_mappings.iter_mut().flatten().nth(port) {
            mapping.container_port = number;
        }
        Ok(())
    }

    pub fn remove_port(&mut self, index: usize, port: usize) -> Result<(), EditError> {
        let c = self.container(index)?;
        if let Some(ports) = &mut c.port_mappings
            && port < ports.len()
        {
            ports.remove(port);
            if ports.is_empty() {
                c.port_mappings = None;
            }
        }
        Ok(())
    }

    pub fn add_env(&mut self, index: usize) -> Result<(), EditError> {
        self.container(index)?.environment.get_or_insert_with(Vec::new).push(KeyValuePair::default());
        Ok(())
    }

    /// Sets an environment entry's name (`value == false`) or value.
    pub fn set_env(&mut self, index: usize, entry: usize, value: bool, text: &str) -> Result<(), EditError> {
        if let Some(pair) = self.container(index)?.environment.iter_mut().flatten().nth(entry) {
            let slot = if value { &mut pair.value } else { &mut pair.name };
            *slot = Some(text.to_owned());
        }
        Ok(())
    }

    pub fn remove_env(&mut self, index: usize, entry: usize) -> Result<(), EditError> {
        let c = self.container(index)?;
        if let Some(env) = &mut c.environment
            && entry < env.len()
        {
            env.remove(entry);
            if env.is_empty() {
                c.environment = None;
            }
        }
        Ok(())
    }

    fn secret_list(&mut self, index: usize, list: SecretList) -> Result<&mut Option<Vec<Secret>>, EditError> {
        let c = self.container(index)?;
        Ok(match list {
            SecretList::Secrets => &mut c.secrets,
            SecretList::SecretOptions => {
                &mut c.log_configuration.get_or_insert_with(LogConfiguration::default).secret_options
            }
        })
    }

    pub fn add_secret(&mut self, index: usize, list: SecretList) -> Result<(), EditError> {
        self.secret_list(index, list)?.get_or_insert_with(Vec::new).push(Secret::default());
        Ok(())
    }

    pub fn remove_secret(&mut self, index: usize, list: SecretList, entry: usize) -> Result<(), EditError> {
        let slot = self.secret_list(index, list)?;
        if let Some(items) = slot
            && entry < items.len()
        {
            items.remove(entry);
            if items.is_empty() {
                *slot = None;
            }
        }
        self.sync_secret_specs();
        Ok(())
    }

    /// Sets a secret entry's variable name.
    pub fn set_secret_name(
        &mut self,
        index: usize,
        list: SecretList,
        entry: usize,
        name: &str,
    ) -> Result<(), EditError> {
        if let Some(secret) = self.secret_list(index, list)?.iter_mut().flatten().nth(entry) {
            secret.name = Some(name.to_owned());
        }
        Ok(())
    }

    /// Sets a secret entry's `valueFrom` as typed (the "edit by hand" path).
    pub fn set_secret_value_from(
        &mut self,
        index: usize,
        list: SecretList,
        entry: usize,
        value_from: &str,
    ) -> Result<(), EditError> {
        if let Some(secret) = self.secret_list(index, list)?.iter_mut().flatten().nth(entry) {
            secret.value_from = Some(value_from.trim().to_owned()).filter(|v| !v.is_empty());
        }
        self.sync_secret_specs();
        Ok(())
    }

    /// Sets a secret entry's `valueFrom` from its parts (canonical ARN).
    /// The draft's empty region/account default to the workspace's.
    pub fn set_secret_reference(
        &mut self,
        index: usize,
        list: SecretList,
        entry: usize,
        draft: &ReferenceDraft,
    ) -> Result<String, EditError> {
        let mut draft = draft.clone();
        if draft.region.trim().is_empty() {
            draft.region = self.region.clone();
        }
        if draft.account.trim().is_empty() {
            draft.account = self.account_id.clone().unwrap_or_default();
        }
        let value_from = draft.value_from()?;
        self.set_secret_value_from(index, list, entry, &value_from)?;
        Ok(value_from)
    }

    /// Sets (or clears, with an empty key) the customer-managed KMS key of
    /// a reference.
    pub fn set_kms_key(&mut self, reference: &str, key: &str) {
        if key.trim().is_empty() {
            self.kms_keys.remove(reference);
        } else {
            self.kms_keys.insert(reference.to_owned(), key.trim().to_owned());
        }
        self.sync_secret_specs();
    }

    /// Marks a referenced secret as "create" (a value will be given at
    /// Apply) or "exists".
    pub fn set_secret_create(&mut self, store: Store, name: &str, create: bool) {
        if let Some(spec) = self.secrets.iter_mut().find(|s| s.store == store && s.name == name) {
            spec.create = create;
        }
    }

    /// Rebuilds `secrets` from the references in the task definition,
    /// keeping what the user said about each (create, description).
    pub fn sync_secret_specs(&mut self) {
        let ctx = self.context();
        let live_kms = self.live_kms_keys();
        let mut next: Vec<SecretSpec> = Vec::new();
        for site in self.task_definition.secret_sites() {
            let Some(raw) = site.value_from else { continue };
            let Ok(reference) = SecretRef::parse(raw) else { continue };
            let store = reference.store();
            let name = spec_name(&reference, &ctx);
            if name.is_empty() || next.iter().any(|s| s.store == store && s.name == name) {
                continue;
            }
            let previous = self.secrets.iter().find(|s| s.store == store && s.name == name);
            next.push(SecretSpec {
                store,
                kms_key_id: live_kms.get(raw).cloned(),
                description: previous.and_then(|p| p.description.clone()),
                create: previous.is_some_and(|p| p.create),
                name,
            });
        }
        self.secrets = next;
    }

    /// Applies a lint fix. A fix that moves a plaintext value into a secret
    /// returns it (for the in-memory values) and marks the secret "create".
    pub fn apply_diagnostic_fix(&mut self, fix: &Fix) -> Result<Option<PendingSecret>, EditError> {
        let (td, pending) = apply_fix(&self.task_definition, fix)?;
        self.task_definition = td;
        self.sync_secret_specs();
        if let Some(p) = &pending {
            let name = p.name.clone();
            let store = p.store;
            if let Some(spec) = self.secrets.iter_mut().find(|s| s.store == store && s.name == name) {
                spec.create = true;
            } else {
                self.secrets.push(SecretSpec { store, name, kms_key_id: None, description: None, create: true });
            }
        }
        Ok(pending)
    }

    /// Applies the error decoder's fix: its Allow statement is added to the
    /// execution role's existing policies (a new policy when none was
    /// pasted), so the access check sees the repaired role.
    pub fn apply_decoder_fix(&mut self, decoded: &Decoded) -> Result<(), EditError> {
        let statement = decoded.fix.statement.clone().ok_or(EditError::NoStatementToApply)?;
        let target = self.existing_policies.iter().position(|text| PolicyDocument::parse(text).is_ok());
        match target {
            Some(i) => {
                let mut doc =
                    PolicyDocument::parse(&self.existing_policies[i]).map_err(|_| EditError::NoStatementToApply)?;
                doc.statements.push(statement);
                self.existing_policies[i] = pretty(&doc);
            }
            None => self.existing_policies.push(pretty(&PolicyDocument::new(vec![statement]))),
        }
        Ok(())
    }

    pub fn set_existing_policy(&mut self, index: usize, text: &str) {
        match self.existing_policies.get_mut(index) {
            Some(slot) => *slot = text.to_owned(),
            None => self.existing_policies.push(text.to_owned()),
        }
    }

    pub fn remove_existing_policy(&mut self, index: usize) {
        if index < self.existing_policies.len() {
            self.existing_policies.remove(index);
        }
    }

    pub fn add_service(&mut self) {
        self.services.push(ServiceSpec { cluster: String::new(), service: String::new(), force_new_deployment: true });
    }

    /// Sets a service's cluster (`cluster == true`) or service name.
    pub fn set_service(&mut self, index: usize, cluster: bool, value: &str) {
        if let Some(s) = self.services.get_mut(index) {
            let slot = if cluster { &mut s.cluster } else { &mut s.service };
            *slot = value.trim().to_owned();
        }
    }

    pub fn remove_service(&mut self, index: usize) {
        if index < self.services.len() {
            self.services.remove(index);
        }
    }

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

/// The task CPU sizes Fargate accepts (CPU units).
pub const FARGATE_CPUS: [&str; 7] = ["256", "512", "1024", "2048", "4096", "8192", "16384"];

/// The task memory sizes (MiB) Fargate accepts with `cpu` (empty when the
/// CPU value is not a Fargate size).
pub fn fargate_memory_options(cpu: &str) -> Vec<u64> {
    crate::lint::fargate_memory_options(cpu)
}

fn pretty(doc: &PolicyDocument) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

/// The name a store knows a reference by: the SSM parameter name (with its
/// leading `/` for hierarchical names), the Secrets Manager secret name.
fn spec_name(reference: &SecretRef, _ctx: &Context) -> String {
    match reference {
        SecretRef::SecretsManager(arn) => arn.name.clone(),
        other => other.name().to_owned(),
    }
}

fn parse_number(field: &str, text: Option<String>) -> Result<Option<i64>, EditError> {
    text.map(|t| t.parse::<i64>().map_err(|_| EditError::NotANumber { field: field.to_owned(), value: t })).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn seed() -> Workspace {
        Workspace::seed_example()
    }

    #[test]
    fn seed_example_parses_and_lints_clean_of_errors() {
        let ws = seed();
        assert_eq!(ws.task_definition.family.as_deref(), Some("web"));
        assert_eq!(ws.secrets.len(), 2, "{:?}", ws.secrets);
        let errors: Vec<_> =
            ws.analyze().diagnostics.into_iter().filter(|d| d.severity == crate::Severity::Error).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn canonical_value_from() {
        let check = |draft: ReferenceDraft, expect: &str| assert_eq!(draft.value_from().unwrap(), expect);
        let base =
            ReferenceDraft { region: "eu-west-1".into(), account: "123456789012".into(), ..ReferenceDraft::default() };
        check(
            ReferenceDraft { store: Some(Store::Ssm), name: "/web/db".into(), ..base.clone() },
            "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db",
        );
        check(
            ReferenceDraft { store: Some(Store::Ssm), name: "plain".into(), ..base.clone() },
            "arn:aws:ssm:eu-west-1:123456789012:parameter/plain",
        );
        check(
            ReferenceDraft { store: Some(Store::SecretsManager), name: "web/splunk".into(), ..base.clone() },
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/splunk",
        );
        check(
            ReferenceDraft {
                store: Some(Store::SecretsManager),
                name: "db-AbCdEf".into(),
                json_key: "password".into(),
                ..base.clone()
            },
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::",
        );
        check(
            ReferenceDraft {
                store: Some(Store::SecretsManager),
                name: "db".into(),
                region: "cn-north-1".into(),
                version_stage: "AWSPREVIOUS".into(),
                ..base.clone()
            },
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db::AWSPREVIOUS:",
        );
        assert_eq!(
            ReferenceDraft { name: " ".into(), ..base.clone() }.value_from(),
            Err(EditError::EmptyReferenceName)
        );
        assert_eq!(
            ReferenceDraft { name: "x".into(), ..ReferenceDraft::default() }.value_from(),
            Err(EditError::NeedsRegionAndAccount)
        );
    }

    #[test]
    fn drafts_round_trip_through_value_from() {
        let ctx = Context::new(Some("eu-west-1".into()), Some("123456789012".into()));
        for raw in [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
        ] {
            assert_eq!(ReferenceDraft::from_value_from(raw, &ctx).value_from().unwrap(), raw);
        }
    }

    #[test]
    fn container_edits_and_undo() {
        let mut ws = Workspace::empty();
        let mut undo = UndoStack::default();
        let second = ws.add_container();
        ws.set_container_field(second, ContainerField::Image, "nginx").unwrap();
        ws.move_container(second, true).unwrap();
        assert_eq!(ws.task_definition.container_definitions[0].image.as_deref(), Some("nginx"));
        undo.push("Remove container", &ws);
        let removed = ws.remove_container(0).unwrap();
        assert_eq!(removed.image.as_deref(), Some("nginx"));
        assert_eq!(ws.task_definition.container_definitions.len(), 1);
        assert_eq!(undo.peek_label(), Some("Remove container"));
        ws = undo.pop().unwrap();
        assert_eq!(ws.task_definition.container_definitions.len(), 2);
        assert_eq!(ws.remove_container(7), Err(EditError::NoContainer(7)));
        ws.set_log_options_text(0, "splunk-url = https://x:443\n\nsplunk-format=json\n").unwrap();
        assert_eq!(ws.log_options_text(0), "splunk-format=json\nsplunk-url=https://x:443\n");
        assert_eq!(ws.set_log_options_text(0, "a=1\nbroken"), Err(EditError::NotAnOption { line: 2 }));
        ws.set_log_options_text(0, "").unwrap();
        assert_eq!(ws.log_options_text(0), "");
        assert!(matches!(ws.set_container_field(0, ContainerField::Memory, "lots"), Err(EditError::NotANumber { .. })));
    }

    #[test]
    fn secret_references_keep_specs_in_sync() {
        let mut ws = Workspace::empty();
        ws.set_task_field(TaskField::Region, "eu-west-1");
        ws.set_task_field(TaskField::AccountId, "123456789012");
        ws.add_secret(0, SecretList::Secrets).unwrap();
        ws.set_secret_name(0, SecretList::Secrets, 0, "DB_PASSWORD").unwrap();
        let draft = ReferenceDraft { store: Some(Store::Ssm), name: "/web/db".into(), ..ReferenceDraft::default() };
        let value_from = ws.set_secret_reference(0, SecretList::Secrets, 0, &draft).unwrap();
        assert_eq!(value_from, "arn:aws:ssm:eu-west-1:123456789012:parameter/web/db");
        assert_eq!(ws.secrets.len(), 1);
        assert_eq!(ws.secrets[0].name, "/web/db");
        ws.set_secret_create(Store::Ssm, "/web/db", true);
        ws.set_kms_key(&value_from, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        assert!(ws.secrets[0].create);
        assert!(ws.secrets[0].kms_key_id.is_some());
        let policy = serde_json::to_string(&ws.analyze().permission_policy.policy).unwrap();
        assert!(policy.contains("kms:Decrypt"), "{policy}");
        ws.remove_secret(0, SecretList::Secrets, 0).unwrap();
        assert!(ws.secrets.is_empty());
        assert!(ws.task_definition.container_definitions[0].secrets.is_none());
    }

    #[test]
    fn plaintext_password_moves_to_a_secret_in_memory_only() {
        let mut ws = seed();
        ws.add_env(0).unwrap();
        let env = ws.task_definition.container_definitions[0].environment.as_ref().unwrap().len() - 1;
        ws.set_env(0, env, false, "API_PASSWORD").unwrap();
        ws.set_env(0, env, true, "canary-9f2c-hunter2").unwrap();
        let analysis = ws.analyze();
        let fix = analysis
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .find(|f| f.create_secret.is_some())
            .expect("a move-to-secret fix")
            .clone();
        let pending = ws.apply_diagnostic_fix(&fix).unwrap().expect("the value is lifted out");
        assert_eq!(pending.value.expose_secret(), "canary-9f2c-hunter2");
        assert!(ws.secrets.iter().any(|s| s.create && s.name == pending.name));
        let saved = ws.persist();
        assert!(!saved.contains("canary-9f2c"), "{saved}");
        assert!(!serde_json::to_string(&ws.to_bundle()).unwrap().contains("canary-9f2c"));
    }

    #[test]
    fn persistence_round_trips_and_migrates_version_1() {
        let mut ws = seed();
        ws.existing_policies.push(r#"{"Version":"2012-10-17","Statement":[]}"#.into());
        assert_eq!(Workspace::restore(&ws.persist()).unwrap(), ws);
        let v1 = serde_json::to_string(&seed().to_bundle()).unwrap();
        let migrated = Workspace::restore(&v1).unwrap();
        assert_eq!(migrated.task_definition, seed().task_definition);
        assert!(migrated.existing_policies.is_empty());
        assert_eq!(Workspace::restore(r#"{"version":99}"#), Err(RestoreError::TooNew(99)));
        assert!(matches!(Workspace::restore("{"), Err(RestoreError::Syntax(_))));
        assert!(matches!(
            Workspace::restore(r#"{"version":2,"workspace":{"region":1}}"#),
            Err(RestoreError::Shape { version: 2, .. })
        ));
    }

    #[test]
    fn imports_describe_output_and_bundles() {
        let mut ws = Workspace::empty();
        let describe = r#"{"taskDefinition":{"family":"api","revision":3,"status":"ACTIVE",
            "executionRoleArn":"arn:aws:iam::123456789012:role/apiExec",
            "containerDefinitions":[{"name":"api","image":"x","secrets":[{"name":"A","valueFrom":"arn:aws:ssm:eu-west-1:123456789012:parameter/a"}]}]}}"#;
        let notes = ws.import_text(describe).unwrap();
        assert!(!notes.is_empty());
        assert_eq!(ws.execution_role.name, "apiExec");
        assert_eq!(ws.region, "eu-west-1");
        assert_eq!(ws.account_id.as_deref(), Some("123456789012"));
        assert_eq!(ws.secrets.len(), 1);
        let bundle = serde_json::to_string(&seed().to_bundle()).unwrap();
        ws.import_text(&bundle).unwrap();
        assert_eq!(ws.task_definition, seed().task_definition);
        assert!(matches!(ws.import_text("nope"), Err(WorkspaceImportError::Syntax { .. })));
    }

    #[test]
    fn decoder_fix_turns_a_denied_reference_allowed() {
        let mut ws = seed();
        ws.existing_policies.push(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/web/db/password"}]}"#.into(),
        );
        let before = ws.access_rows(&ws.analyze());
        let denied: Vec<_> = before.iter().filter(|r| r.status == VerdictStatus::Denied).collect();
        assert_eq!(denied.len(), 1, "{before:#?}");
        let reason = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/webTaskExecutionRole/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:web/splunk-token because no identity-based policy allows the secretsmanager:GetSecretValue action";
        let decoded = crate::decode::decode_with(reason, &ws.context());
        ws.apply_decoder_fix(&decoded).unwrap();
        let after = ws.access_rows(&ws.analyze());
        assert!(after.iter().all(|r| r.status == VerdictStatus::Allowed), "{after:#?}");
    }
}
