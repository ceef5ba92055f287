//! What the UI shows live: lint, policies, access check, access-map rows.

use std::collections::{BTreeMap, BTreeSet};

use super::Workspace;
use crate::diagnostic::Diagnostic;
use crate::iam::access::{AccessReport, CheckContext, VerdictStatus, check};
use crate::iam::generate::{
    GenerateOptions, Generated, Recommendation, ResourceSideStatement, key_policy_statements,
    managed_policy_recommendation, permission_policy, trust_policy,
};
use crate::iam::policy::PolicyDocument;
use crate::secret_ref::{RefSite, SecretRef, Store};

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
    /// The statement each customer-managed key's policy needs for the role.
    pub key_policy_statements: Vec<ResourceSideStatement>,
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

impl Workspace {
    pub fn generate_options(&self) -> GenerateOptions {
        let ctx = self.context();
        GenerateOptions {
            location: ctx.location,
            kms_keys: self.live_kms_keys(),
            images_from_ecr: None,
            uses_awslogs: None,
            known_secret_arns: Default::default(),
        }
    }

    /// KMS keys of references that are still in the task definition (a
    /// removed reference keeps its key in the map for undo, but must not be
    /// granted).
    pub(super) fn live_kms_keys(&self) -> BTreeMap<String, String> {
        let mut keys = BTreeMap::new();
        if self.kms_keys.is_empty() {
            // The common case, on every edit of a reference: no walk.
            return keys;
        }
        // Sets and maps built by `extend` (inserts), not `collect` (which
        // sorts first): keeps stable sort instances out of the UI's WASM.
        let mut live = BTreeSet::new();
        live.extend(self.bundle.task_definition.secret_sites().iter().filter_map(|s| s.value_from));
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
        let access = (!docs.is_empty()).then(|| check(&self.bundle.task_definition, &docs, &self.check_context()));
        Analysis {
            diagnostics: crate::lint::lint(&self.bundle.task_definition, &ctx),
            trust_policy: trust_policy(),
            permission_policy: permission_policy(&self.bundle.task_definition, &opts),
            recommendation: managed_policy_recommendation(&self.bundle.task_definition, &opts),
            access,
            policy_errors,
            key_policy_statements: key_policy_statements(&self.bundle.task_definition, &opts),
        }
    }

    fn check_context(&self) -> CheckContext {
        let ctx = self.context();
        CheckContext { location: ctx.location, kms_keys: self.live_kms_keys(), ..CheckContext::default() }
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
                    &self.bundle.task_definition,
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
                            matched.sid.clone().unwrap_or_else(|| format!("statement #{}", matched.statement_index));
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
}
