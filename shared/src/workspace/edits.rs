//! Every editing operation on a workspace, as a method.

use std::collections::BTreeMap;

use super::Workspace;
use super::drafts::Site;
use super::model::spec_name;
use crate::bundle::{SecretSpec, ServiceSpec};
use crate::decode::Decoded;
use crate::execution_role;
use crate::fix::{Fix, FixError, PendingSecret, apply_fix};
use crate::iam::generate::permission_policy;
use crate::iam::policy::{Effect, PolicyDocument, Statement};
use crate::secret_ref::{SecretRef, Store};
use crate::task_def::{
    ContainerDefinition, KeyValuePair, LogConfiguration, PortMapping, RepositoryCredentials, Secret,
};

/// A text field of a service to redeploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceField {
    Cluster,
    Service,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretList {
    Secrets,
    SecretOptions,
}

/// Which way a container moves in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Which half of an environment entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvPart {
    Name,
    Value,
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
    #[error("{code} at {path} is already gone: nothing to fix (the diagnostics are current again)")]
    DiagnosticGone { code: String, path: String },
}

impl Workspace {
    /// Sets a task-level field; an empty value clears it.
    pub fn set_task_field(&mut self, field: TaskField, value: &str) {
        // Not trimmed: the UI writes back what is stored on every keystroke,
        // and a trimmed space would vanish while the user is typing it.
        let text = Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        let td = &mut self.bundle.task_definition;
        match field {
            TaskField::Family => td.family = text,
            TaskField::TaskRoleArn => td.task_role_arn = text,
            TaskField::ExecutionRoleArn => td.execution_role_arn = text,
            TaskField::NetworkMode => td.network_mode = text,
            TaskField::LaunchType => td.requires_compatibilities = text.map(|t| vec![t]),
            TaskField::Cpu => td.cpu = text,
            TaskField::Memory => td.memory = text,
            TaskField::Region => {
                self.bundle.region = text.unwrap_or_default();
                self.location_changed();
            }
            TaskField::AccountId => {
                self.bundle.account_id = text;
                self.location_changed();
            }
            TaskField::RoleName => {
                self.bundle.execution_role.name = text.unwrap_or_default();
                self.sync_role_arn();
            }
        }
    }

    /// Keeps `executionRoleArn` pointing at the named role when the account
    /// is known and the ARN was not set to another role by hand.
    fn sync_role_arn(&mut self) {
        let (Some(account), false) = (&self.bundle.account_id, self.bundle.execution_role.name.is_empty()) else {
            return;
        };
        self.bundle.task_definition.execution_role_arn =
            Some(execution_role::role_arn(&self.bundle.region, account, &self.bundle.execution_role.name));
    }

    /// Fills region and account from the backend's identity when unset.
    pub fn adopt_identity(&mut self, region: &str, account: &str) {
        if self.bundle.region.is_empty() {
            self.bundle.region = region.to_owned();
        }
        if self.bundle.account_id.is_none() {
            self.bundle.account_id = Some(account.to_owned());
        }
        self.location_changed();
    }

    /// Region or account changed: references built from drafts are rebuilt
    /// in the new location.
    fn location_changed(&mut self) {
        self.rebuild_drafts();
        self.sync_secret_specs();
        self.follow_renames();
    }

    pub(super) fn container(&mut self, index: usize) -> Result<&mut ContainerDefinition, EditError> {
        self.bundle.task_definition.container_definitions.get_mut(index).ok_or(EditError::NoContainer(index))
    }

    /// Appends a blank essential container named `containerN`.
    pub fn add_container(&mut self) -> usize {
        let n = self.bundle.task_definition.container_definitions.len();
        let taken = |name: &str| {
            self.bundle.task_definition.container_definitions.iter().any(|c| c.name.as_deref() == Some(name))
        };
        let name = (1..).map(|i| format!("container{i}")).find(|n| !taken(n)).unwrap_or_default();
        self.bundle.task_definition.container_definitions.push(ContainerDefinition {
            name: Some(name),
            essential: Some(true),
            ..ContainerDefinition::default()
        });
        n
    }

    pub fn remove_container(&mut self, index: usize) -> Result<ContainerDefinition, EditError> {
        self.container(index)?;
        let removed = self.bundle.task_definition.container_definitions.remove(index);
        self.move_drafts(|site| match site.container {
            c if c == index => None,
            c if c > index => Some(Site { container: c - 1, ..site }),
            _ => Some(site),
        });
        self.sync_secret_specs();
        Ok(removed)
    }

    /// Moves a container one place up or down (its drafts move with it).
    pub fn move_container(&mut self, index: usize, direction: Direction) -> Result<(), EditError> {
        let len = self.bundle.task_definition.container_definitions.len();
        self.container(index)?;
        let to = match direction {
            Direction::Up => index.checked_sub(1),
            Direction::Down => Some(index + 1).filter(|&t| t < len),
        };
        if let Some(to) = to {
            self.bundle.task_definition.container_definitions.swap(index, to);
            self.move_drafts(|site| match site.container {
                c if c == index => Some(Site { container: to, ..site }),
                c if c == to => Some(Site { container: index, ..site }),
                _ => Some(site),
            });
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
            .bundle
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
        remove_entry(&mut self.container(index)?.port_mappings, port);
        Ok(())
    }

    pub fn add_env(&mut self, index: usize) -> Result<(), EditError> {
        self.container(index)?.environment.get_or_insert_with(Vec::new).push(KeyValuePair::default());
        Ok(())
    }

    /// Sets an environment entry's name or value.
    pub fn set_env(&mut self, index: usize, entry: usize, part: EnvPart, text: &str) -> Result<(), EditError> {
        if let Some(pair) = self.container(index)?.environment.iter_mut().flatten().nth(entry) {
            let slot = match part {
                EnvPart::Value => &mut pair.value,
                EnvPart::Name => &mut pair.name,
            };
            *slot = Some(text.to_owned());
        }
        Ok(())
    }

    pub fn remove_env(&mut self, index: usize, entry: usize) -> Result<(), EditError> {
        remove_entry(&mut self.container(index)?.environment, entry);
        Ok(())
    }

    pub(super) fn secret_list(
        &mut self,
        index: usize,
        list: SecretList,
    ) -> Result<&mut Option<Vec<Secret>>, EditError> {
        let c = self.container(index)?;
        Ok(match list {
            SecretList::Secrets => &mut c.secrets,
            SecretList::SecretOptions => {
                &mut c.log_configuration.get_or_insert_with(LogConfiguration::default).secret_options
            }
        })
    }

    /// The secret entry at a site, to change it (`None` past the list's end).
    pub(super) fn secret_entry(&mut self, site: Site) -> Result<Option<&mut Secret>, EditError> {
        Ok(self.secret_list(site.container, site.list)?.iter_mut().flatten().nth(site.entry))
    }

    pub fn add_secret(&mut self, index: usize, list: SecretList) -> Result<(), EditError> {
        self.secret_list(index, list)?.get_or_insert_with(Vec::new).push(Secret::default());
        Ok(())
    }

    pub fn remove_secret(&mut self, index: usize, list: SecretList, entry: usize) -> Result<(), EditError> {
        remove_entry(self.secret_list(index, list)?, entry);
        self.move_drafts(|site| match (site.container == index && site.list == list, site.entry) {
            (true, e) if e == entry => None,
            (true, e) if e > entry => Some(Site { entry: e - 1, ..site }),
            _ => Some(site),
        });
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
        if let Some(secret) = self.secret_entry(Site::new(index, list, entry))? {
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
        let site = Site::new(index, list, entry);
        if let Some(secret) = self.secret_entry(site)? {
            secret.value_from = Some(value_from.trim().to_owned()).filter(|v| !v.is_empty());
        }
        self.drafts.retain(|d| d.site != site);
        self.sync_secret_specs();
        Ok(())
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
        if let Some(spec) = self.bundle.secrets.iter_mut().find(|s| s.store == store && s.name == name) {
            spec.create = create;
        }
        let sites: Vec<Site> = self.drafts.iter().map(|d| d.site).collect();
        for site in sites {
            if self.site_secret_name(site).is_some_and(|(s, n)| s == store && n == name)
                && let Some(stored) = self.drafts.iter_mut().find(|d| d.site == site)
            {
                stored.draft.create = create;
            }
        }
    }

    /// Rebuilds `secrets` from the references in the task definition,
    /// keeping what the user said about each (create, description).
    pub fn sync_secret_specs(&mut self) {
        let live_kms = self.live_kms_keys();
        let mut next: Vec<SecretSpec> = Vec::new();
        for site in self.bundle.task_definition.secret_sites() {
            let Some(raw) = site.value_from else { continue };
            let Ok(reference) = SecretRef::parse(raw) else { continue };
            let store = reference.store();
            let name = spec_name(&reference);
            if name.is_empty() || next.iter().any(|s| s.store == store && s.name == name) {
                continue;
            }
            let previous = self.bundle.secrets.iter().find(|s| s.store == store && s.name == name);
            next.push(SecretSpec {
                store,
                kms_key_id: live_kms.get(raw).cloned(),
                description: previous.and_then(|p| p.description.clone()),
                create: previous.is_some_and(|p| p.create),
                name,
            });
        }
        self.bundle.secrets = next;
    }

    /// Applies a lint fix. A fix that moves a plaintext value into a secret
    /// returns it (for the in-memory values) and marks the secret "create".
    pub fn apply_diagnostic_fix(&mut self, fix: &Fix) -> Result<Option<PendingSecret>, EditError> {
        let (td, pending) = apply_fix(&self.bundle.task_definition, fix)?;
        self.bundle.task_definition = td;
        self.drop_stale_drafts();
        self.sync_secret_specs();
        if let Some(p) = &pending {
            let name = p.name.clone();
            let store = p.store;
            if let Some(spec) = self.bundle.secrets.iter_mut().find(|s| s.store == store && s.name == name) {
                spec.create = true;
            } else {
                self.bundle.secrets.push(SecretSpec { store, name, kms_key_id: None, description: None, create: true });
            }
        }
        Ok(pending)
    }

    /// Applies the fix of the diagnostic `code` at `path` as the CURRENT
    /// document has it: the lint runs again first, so a fix shown for an
    /// earlier version of the document is never applied to this one.
    pub fn apply_fix_for(&mut self, code: &str, path: &str) -> Result<Option<PendingSecret>, EditError> {
        let current = crate::lint::lint(&self.bundle.task_definition, &self.context())
            .into_iter()
            .find(|d| d.code == code && d.path == path)
            .and_then(|d| d.fix);
        match current {
            Some(fix) => self.apply_diagnostic_fix(&fix),
            None => Err(EditError::DiagnosticGone { code: code.to_owned(), path: path.to_owned() }),
        }
    }

    /// Applies the error decoder's fix: its Allow statement is added to the
    /// execution role's existing policies, so the access check sees the
    /// repaired role. With no policy pasted, the access check reads the
    /// generated policy; the statement is then added to a copy of it (a
    /// policy holding only the statement would deny every other reference).
    /// Returns what was changed.
    pub fn apply_decoder_fix(&mut self, decoded: &Decoded) -> Result<DecoderFixApplied, EditError> {
        let statement = decoded.fix.statement.clone().ok_or(EditError::NoStatementToApply)?;
        let what = describe_statement(&statement);
        let target = self.existing_policies.iter().position(|text| PolicyDocument::parse(text).is_ok());
        let (policy_index, from_generated) = match target {
            Some(i) => {
                let mut doc =
                    PolicyDocument::parse(&self.existing_policies[i]).map_err(|_| EditError::NoStatementToApply)?;
                doc.statements.push(statement);
                self.existing_policies[i] = pretty(&doc);
                (i, false)
            }
            None => {
                let mut doc = permission_policy(&self.bundle.task_definition, &self.generate_options()).policy;
                doc.statements.push(statement);
                self.existing_policies.push(pretty(&doc));
                (self.existing_policies.len() - 1, true)
            }
        };
        Ok(DecoderFixApplied { policy_index, from_generated, statement: what })
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
        self.bundle.services.push(ServiceSpec {
            cluster: String::new(),
            service: String::new(),
            force_new_deployment: true,
        });
    }

    /// Sets a service's cluster or service name.
    pub fn set_service(&mut self, index: usize, field: ServiceField, value: &str) {
        if let Some(s) = self.bundle.services.get_mut(index) {
            let slot = match field {
                ServiceField::Cluster => &mut s.cluster,
                ServiceField::Service => &mut s.service,
            };
            *slot = value.trim().to_owned();
        }
    }

    /// Whether Apply redeploys the service when only a secret value or the
    /// role's permissions were written (the revision is unchanged).
    pub fn set_service_force_new_deployment(&mut self, index: usize, force: bool) {
        if let Some(s) = self.bundle.services.get_mut(index) {
            s.force_new_deployment = force;
        }
    }

    pub fn remove_service(&mut self, index: usize) {
        if index < self.bundle.services.len() {
            self.bundle.services.remove(index);
        }
    }
}

/// What [`Workspace::apply_decoder_fix`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecoderFixApplied {
    /// The existing policy (0-based) the statement went into.
    pub policy_index: usize,
    /// True when that policy is new: the generated policy plus the statement.
    pub from_generated: bool,
    /// The statement in words: `Allow secretsmanager:GetSecretValue on ARN`.
    pub statement: String,
}

impl std::fmt::Display for DecoderFixApplied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.policy_index + 1;
        let into = if self.from_generated {
            format!("a copy of the generated permission policy, now existing policy #{n}")
        } else {
            format!("existing policy #{n}")
        };
        write!(f, "Added the statement ({}) to {into} under Execution role; the access map checks it.", self.statement)
    }
}

/// Removes entry `at` of an optional list (nothing when there is none);
/// a list left empty becomes absent, as an untouched one is.
fn remove_entry<T>(list: &mut Option<Vec<T>>, at: usize) {
    if let Some(items) = list
        && at < items.len()
    {
        items.remove(at);
        if items.is_empty() {
            *list = None;
        }
    }
}

/// `Allow a, b on r1, r2`: a statement in one line.
fn describe_statement(statement: &Statement) -> String {
    let effect = match statement.effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    };
    let actions: Vec<&str> = statement.action.list().iter().collect();
    let resources: Vec<&str> = statement.resource.as_ref().map(|r| r.list().iter().collect()).unwrap_or_default();
    if resources.is_empty() {
        format!("{effect} {}", actions.join(", "))
    } else {
        format!("{effect} {} on {}", actions.join(", "), resources.join(", "))
    }
}

fn pretty(doc: &PolicyDocument) -> String {
    crate::json_text::pretty(doc).unwrap_or_default()
}

fn parse_number(field: &str, text: Option<String>) -> Result<Option<i64>, EditError> {
    text.map(|t| t.parse::<i64>().map_err(|_| EditError::NotANumber { field: field.to_owned(), value: t })).transpose()
}
