//! Secret reference drafts: the parts of a reference as the user typed
//! them (store, name, JSON key, version, KMS key, "create"), kept in the
//! workspace, so that nothing typed is re-derived (lossily) from the
//! `valueFrom` it built. A draft never holds a secret value.

use serde::{Deserialize, Serialize};

use super::model::spec_name;
use super::{EditError, SecretList, Workspace};
use crate::context::Context;
use crate::secret_ref::{ArnLocation, SecretRef, Store, secret_arn, ssm_parameter_arn};

/// The parts of a Secrets Manager or SSM reference, as the secret editor
/// collects them; [`ReferenceDraft::value_from`] writes the canonical string.
///
/// Empty `region`/`account` mean "the workspace's": a reference typed before
/// they are known becomes its canonical ARN once they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReferenceDraft {
    pub store: Option<Store>,
    pub name: String,
    pub json_key: String,
    pub version_stage: String,
    pub version_id: String,
    pub region: String,
    pub account: String,
    /// The customer-managed KMS key of the secret (empty: AWS managed).
    pub kms_key: String,
    /// "Create this secret at Apply": kept here too, so that the flag
    /// survives the secret's name being retyped.
    pub create: bool,
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
        let loc = ArnLocation::new(region, account);
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

/// Where a reference sits: entry `entry` of a container's `secrets` or log
/// `secretOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub container: usize,
    pub list: SecretList,
    pub entry: usize,
}

impl Site {
    pub fn new(container: usize, list: SecretList, entry: usize) -> Site {
        Site { container, list, entry }
    }
}

/// The draft of one reference site and the `valueFrom` it last wrote: the
/// draft is current while the site still holds that string (an edit made
/// elsewhere — a fix, hand editing — makes it re-derive from the site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteDraft {
    pub site: Site,
    pub draft: ReferenceDraft,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    /// The secret (store name) the site last referred to, so a value typed
    /// for it follows a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One change to a reference draft (one form field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftEdit {
    Store(Store),
    Name(String),
    JsonKey(String),
    VersionStage(String),
    VersionId(String),
    KmsKey(String),
}

/// A secret whose name changed under an edit: values typed for the old
/// name belong to the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

impl Workspace {
    /// The `valueFrom` at a site (`None` when the site or the field is missing).
    pub fn site_value_from(&self, site: Site) -> Option<&str> {
        self.site_secret(site)?.value_from.as_deref()
    }

    fn site_secret(&self, site: Site) -> Option<&crate::task_def::Secret> {
        let c = self.bundle.task_definition.container_definitions.get(site.container)?;
        let items = match site.list {
            SecretList::Secrets => c.secrets.as_ref(),
            SecretList::SecretOptions => c.log_configuration.as_ref()?.secret_options.as_ref(),
        };
        items?.get(site.entry)
    }

    /// The secret a site refers to: (store, name as the store knows it).
    pub fn site_secret_name(&self, site: Site) -> Option<(Store, String)> {
        let reference = SecretRef::parse(self.site_value_from(site)?).ok()?;
        Some((reference.store(), spec_name(&reference)))
    }

    /// The draft the secret editor shows for a site: what was typed there,
    /// or (for a reference made elsewhere) its parts read back.
    pub fn reference_draft(&self, site: Site) -> ReferenceDraft {
        let current = self.site_value_from(site);
        if let Some(stored) = self.drafts.iter().find(|d| d.site == site)
            && stored.written.as_deref() == current
        {
            return stored.draft.clone();
        }
        let mut draft = ReferenceDraft::from_value_from(current.unwrap_or_default(), &self.context());
        // The workspace's own location is implied, so the draft follows it.
        if draft.region == self.bundle.region.trim() {
            draft.region.clear();
        }
        if Some(draft.account.as_str()) == self.bundle.account_id.as_deref() {
            draft.account.clear();
        }
        draft.kms_key = current.and_then(|v| self.kms_keys.get(v)).cloned().unwrap_or_default();
        draft.create = self.site_secret_name(site).is_some_and(|(store, name)| {
            self.bundle.secrets.iter().any(|s| s.store == store && s.name == name && s.create)
        });
        draft
    }

    /// The `valueFrom` a draft builds here, and why it cannot build a full
    /// ARN. A bare SSM name is valid (the task's own region and account) and
    /// is written until they are known; a Secrets Manager reference needs them.
    pub fn build_reference(&self, draft: &ReferenceDraft) -> (Option<String>, Option<EditError>) {
        let mut full = draft.clone();
        if full.region.trim().is_empty() {
            full.region = self.bundle.region.clone();
        }
        if full.account.trim().is_empty() {
            full.account = self.bundle.account_id.clone().unwrap_or_default();
        }
        match full.value_from() {
            Ok(value_from) => (Some(value_from), None),
            Err(EditError::NeedsRegionAndAccount) if full.store != Some(Store::SecretsManager) => {
                (Some(full.name.trim().to_owned()), None)
            }
            Err(e) => (None, Some(e)),
        }
    }

    /// Changes one part of a site's reference: the draft is kept as typed and
    /// the site's `valueFrom` rebuilt from it. The returned error says why no
    /// full reference could be built yet (the draft is kept regardless).
    pub fn edit_reference(&mut self, site: Site, edit: DraftEdit) -> Result<Option<EditError>, EditError> {
        self.site_secret(site).ok_or(EditError::NoContainer(site.container))?;
        let mut draft = self.reference_draft(site);
        match edit {
            DraftEdit::Store(store) => draft.store = Some(store),
            DraftEdit::Name(name) => draft.name = name,
            DraftEdit::JsonKey(key) => draft.json_key = key,
            DraftEdit::VersionStage(stage) => draft.version_stage = stage,
            DraftEdit::VersionId(id) => draft.version_id = id,
            DraftEdit::KmsKey(key) => draft.kms_key = key,
        }
        let (value_from, problem) = self.build_reference(&draft);
        self.write_draft(site, draft, value_from);
        self.sync_secret_specs();
        self.follow_renames();
        Ok(problem)
    }

    /// Stores a site's draft and writes the `valueFrom` it built (moving the
    /// KMS key with it).
    fn write_draft(&mut self, site: Site, draft: ReferenceDraft, value_from: Option<String>) {
        let old = self.site_value_from(site).map(str::to_owned);
        let secret = self.site_secret_name(site).map(|(_, name)| name);
        if let Ok(Some(entry)) = self.secret_entry(site) {
            entry.value_from = value_from.clone();
        }
        if let Some(old) = old.filter(|o| Some(o) != value_from.as_ref())
            && !self.bundle.task_definition.secret_sites().iter().any(|s| s.value_from == Some(old.as_str()))
        {
            self.kms_keys.remove(&old);
        }
        if let Some(new) = &value_from {
            match draft.kms_key.trim() {
                "" => self.kms_keys.remove(new),
                key => self.kms_keys.insert(new.clone(), key.to_owned()),
            };
        }
        let previous = self.drafts.iter().position(|d| d.site == site);
        let secret = previous.and_then(|i| self.drafts[i].secret.clone()).or(secret);
        let stored = SiteDraft { site, draft, written: value_from, secret };
        match previous {
            Some(i) => self.drafts[i] = stored,
            None => self.drafts.push(stored),
        }
    }

    /// After specs were rebuilt: a site whose secret got a new name carries
    /// its "create" flag (and, through [`Workspace::take_renames`], its value)
    /// to the new name.
    pub(super) fn follow_renames(&mut self) {
        for i in 0..self.drafts.len() {
            let site = self.drafts[i].site;
            let Some((store, name)) = self.site_secret_name(site) else { continue };
            let draft = &self.drafts[i];
            if draft.draft.create
                && let Some(spec) = self.bundle.secrets.iter_mut().find(|s| s.store == store && s.name == name)
            {
                spec.create = true;
            }
            if let Some(from) = draft.secret.clone().filter(|from| *from != name) {
                self.renames.push(Rename { from, to: name.clone() });
            }
            self.drafts[i].secret = Some(name);
        }
    }

    /// The secret renames since the last call (for the in-memory values).
    pub fn take_renames(&mut self) -> Vec<Rename> {
        std::mem::take(&mut self.renames)
    }

    /// Rebuilds every reference that came from a draft (after the region or
    /// account changed): a bare name typed before they were known becomes
    /// its canonical ARN.
    pub(super) fn rebuild_drafts(&mut self) {
        for i in 0..self.drafts.len() {
            let SiteDraft { site, draft, written, .. } = self.drafts[i].clone();
            if self.site_value_from(site).map(str::to_owned) != written {
                continue;
            }
            let (value_from, _) = self.build_reference(&draft);
            if value_from != written {
                self.write_draft(site, draft, value_from);
            }
        }
    }

    /// Sets whether the secret a site refers to is created at Apply.
    pub fn set_site_create(&mut self, site: Site, create: bool) {
        if self.drafts.iter().all(|d| d.site != site) {
            let draft = self.reference_draft(site);
            let written = self.site_value_from(site).map(str::to_owned);
            self.write_draft(site, draft, written);
        }
        if let Some((store, name)) = self.site_secret_name(site) {
            self.set_secret_create(store, &name, create);
        }
    }

    /// Drafts follow their sites when entries or containers move: `map`
    /// gives a site's new place (`None`: it is gone).
    pub(super) fn move_drafts(&mut self, map: impl Fn(Site) -> Option<Site>) {
        self.drafts.retain_mut(|d| match map(d.site) {
            Some(to) => {
                d.site = to;
                true
            }
            None => false,
        });
    }

    /// Forgets drafts whose site no longer holds what they wrote (the
    /// reference was changed another way; it is read back from the site).
    pub(super) fn drop_stale_drafts(&mut self) {
        let stale: Vec<Site> = self
            .drafts
            .iter()
            .filter(|d| self.site_secret(d.site).is_none() || self.site_value_from(d.site) != d.written.as_deref())
            .map(|d| d.site)
            .collect();
        self.drafts.retain(|d| !stale.contains(&d.site));
    }
}
