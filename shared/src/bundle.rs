//! The deployment bundle: the one document the UI and the CLI apply.
//!
//! A bundle says what should exist in AWS: the task definition, the
//! execution role, the secrets it references and the services to redeploy.
//! Secret VALUES are never part of it; they travel separately
//! ([`SecretValues`]), only at apply time, and only in memory.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::json_input::{JsonProblem, JsonSyntax};
use crate::lint;
use crate::location::{AccountId, Location, Region};
use crate::secret_ref::Store;
use crate::task_def::TaskDefinition;

/// The bundle format version this build reads and writes.
pub const BUNDLE_VERSION: u32 = 1;

/// `bundle.json`, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub version: u32,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub task_definition: TaskDefinition,
    pub execution_role: ExecutionRoleSpec,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
}

/// The task execution role the bundle wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRoleSpec {
    pub name: String,
    /// Create the role when it does not exist (otherwise it must exist).
    pub create: bool,
    /// Attach AmazonECSTaskExecutionRolePolicy: `true`/`false`, or `null`
    /// for "as the policy generator recommends".
    #[serde(default)]
    pub attach_managed_policy: Option<bool>,
}

/// One secret the task definition references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretSpec {
    pub store: Store,
    /// SSM parameter name (`/prod/db/password`) or Secrets Manager secret
    /// name (`prod/db`), as the store calls it.
    pub name: String,
    /// A customer-managed KMS key (id, alias or ARN) that encrypts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Create it when it does not exist (a value must then be supplied).
    pub create: bool,
}

/// A service to redeploy once the new revision is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    pub cluster: String,
    pub service: String,
    #[serde(default = "yes")]
    pub force_new_deployment: bool,
}

fn yes() -> bool {
    true
}

/// Secret values for apply, keyed by secret name (`{"<name>": "<value>"}`).
/// Never serialised; `Debug` shows only the names.
#[derive(Default, Deserialize)]
#[serde(transparent)]
pub struct SecretValues(pub BTreeMap<String, SecretString>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl SecretValues {
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.0.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Why a bundle could not be read: not JSON, or every problem found, each
/// a [`JsonProblem`] at its JSON pointer, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundle is not JSON: {0}")]
    Syntax(JsonSyntax),
    #[error("invalid bundle: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid { problems: Vec<JsonProblem> },
}

impl Bundle {
    /// Where the bundle deploys: its region and, when given, its account
    /// (either is unknown here when it is not a valid name; see [`Bundle::validate`]).
    pub fn location(&self) -> Location {
        Location::new(self.region.parse().ok(), self.account_id.as_deref().and_then(|a| a.parse().ok()))
    }

    /// Parses and validates `bundle.json`. Type errors name the JSON pointer
    /// of the offending value; semantic problems are all reported at once.
    pub fn parse(text: &str) -> Result<Bundle, BundleError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let bundle: Bundle = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let inner = err.inner();
            if inner.is_syntax() || inner.is_eof() {
                return BundleError::Syntax(JsonSyntax::from_serde(inner));
            }
            let message = crate::json_locate::message_without_position(err.inner());
            let path = crate::import::pointer_of(err.path()) + &duplicate_key_token(&message);
            // serde_json knows where in the text the value that did not fit ends.
            let (line, column) = (err.inner().line(), err.inner().column());
            let problem = JsonProblem {
                line: (line > 0).then_some(line),
                column: (line > 0).then_some(column),
                ..JsonProblem::new(path, message)
            };
            BundleError::Invalid { problems: vec![problem.placed_in(text)] }
        })?;
        let problems: Vec<JsonProblem> = bundle.validate().into_iter().map(|p| p.placed_in(text)).collect();
        if problems.is_empty() { Ok(bundle) } else { Err(BundleError::Invalid { problems }) }
    }

    /// Checks what serde cannot: the version, the region, names.
    pub fn validate(&self) -> Vec<JsonProblem> {
        let mut problems = Vec::new();
        let mut problem = |path: &str, message: String| problems.push(JsonProblem::new(path, message));
        if self.version != BUNDLE_VERSION {
            problem(
                "/version",
                format!("version {} is not supported: this build reads version {BUNDLE_VERSION}", self.version),
            );
        }
        if let Err(error) = self.region.parse::<Region>() {
            problem("/region", error.to_string());
        }
        if let Some(Err(error)) = self.account_id.as_deref().map(str::parse::<AccountId>) {
            problem("/accountId", error.to_string());
        }
        match self.task_definition.family.as_deref() {
            None => {
                problem("/taskDefinition/family", "missing: the family names the task definition to register".into())
            }
            Some(family) if !lint::is_ecs_name(family) => problem(
                "/taskDefinition/family",
                format!("`{family}` is not a valid family: use 1-255 letters, digits, `_` and `-`"),
            ),
            Some(_) => {}
        }
        if self.task_definition.container_definitions.is_empty() {
            problem(
                "/taskDefinition/containerDefinitions",
                "empty: a task definition needs at least one container".into(),
            );
        }
        let role = &self.execution_role.name;
        if !lint::is_role_name(role) {
            problem(
                "/executionRole/name",
                format!("`{role}` is not a valid role name: use 1-64 letters, digits and `+=,.@_-`"),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, spec) in self.secrets.iter().enumerate() {
            let path = format!("/secrets/{i}/name");
            if !seen.insert((spec.store, spec.name.clone())) {
                problem(&path, format!("`{}` is listed twice for store `{}`", spec.name, spec.store.as_str()));
            }
            if let Some(message) = secret_name_problem(spec.store, &spec.name) {
                problem(&path, message);
            }
            if let Some((service, _)) = lint::service_managed_prefix(&spec.name).filter(|_| spec.create)
                && spec.store == Store::SecretsManager
            {
                problem(
                    &format!("/secrets/{i}/create"),
                    format!(
                        "`{}` is a secret that {service} creates and manages (the `{service}!` prefix): it cannot be \
                         created here — set \"create\": false to reference it",
                        spec.name
                    ),
                );
            }
            if spec.kms_key_id.as_deref().is_some_and(|k| k.trim().is_empty()) {
                problem(
                    &format!("/secrets/{i}/kmsKeyId"),
                    "empty: give a KMS key id or ARN, or leave kmsKeyId out for the AWS managed key".into(),
                );
            }
            if let Some(key) = spec.kms_key_id.as_deref().filter(|k| crate::iam::generate::has_policy_metacharacters(k))
            {
                problem(
                    &format!("/secrets/{i}/kmsKeyId"),
                    crate::iam::generate::KmsKeyProblem::Wildcard(key.to_owned()).to_string(),
                );
            }
        }
        for (i, service) in self.services.iter().enumerate() {
            if service.cluster.trim().is_empty() {
                problem(&format!("/services/{i}/cluster"), "empty: give the cluster name or ARN".into());
            }
            if service.service.trim().is_empty() {
                problem(&format!("/services/{i}/service"), "empty: give the service name or ARN".into());
            }
        }
        problems
    }
}

/// serde reports a key written twice in an object as ``duplicate field `K` ``
/// at the object's path; the place to fix is the key itself: `/K`.
fn duplicate_key_token(message: &str) -> String {
    message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
        .map(|key| format!("/{}", crate::json_pointer::escape(key)))
        .unwrap_or_default()
}

/// What makes `name` impossible to create in `store`, by the lint's own
/// name rules (ES040, ES041, ES043, ES044 for parameters, ES054 for secrets).
fn secret_name_problem(store: Store, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("empty: give the parameter's or secret's name".into());
    }
    match store {
        Store::Ssm => {
            let bad = lint::bad_name_characters(name);
            let chars = name.chars().count();
            if chars > lint::MAX_NAME_CHARS {
                Some(format!(
                    "the parameter name is {chars} characters long; SSM allows at most {}",
                    lint::MAX_NAME_CHARS
                ))
            } else if !bad.is_empty() {
                let shown: Vec<String> = bad.chars().map(|c| format!("`{}`", c.escape_default())).collect();
                Some(format!(
                    "`{name}` contains {}: parameter names use only letters, digits, `_`, `.`, `-` and `/`",
                    shown.join(" ")
                ))
            } else if lint::has_reserved_prefix(name) {
                Some(format!("`{name}` cannot be created: parameter names must not start with `aws` or `ssm`"))
            } else if lint::levels(name) > lint::MAX_LEVELS {
                Some(format!("`{name}` has more than {} hierarchy levels", lint::MAX_LEVELS))
            } else {
                None
            }
        }
        Store::SecretsManager => {
            lint::secret_name_problem(name).map(|problem| format!("secret name `{name}` {problem}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn values_never_show_in_debug() {
        let values: SecretValues = serde_json::from_str(r#"{"/web/db": "canary-3f9a"}"#).unwrap();
        assert_eq!(values.get("/web/db").unwrap().expose_secret(), "canary-3f9a");
        assert_eq!(format!("{values:?}"), r#"{"/web/db"}"#);
    }

    #[test]
    fn invalid_bundles_name_the_json_path() {
        let cases = [
            (
                r#"{"version":2,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true}}"#,
                "/version",
            ),
            (
                r#"{"version":1,"region":"Europe","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true}}"#,
                "/region",
            ),
            (
                r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"w b","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true}}"#,
                "/taskDefinition/family",
            ),
            (
                r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":"yes"}}"#,
                "/executionRole/create",
            ),
            (
                r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true},"secrets":[{"store":"ssm","name":"awsDb","create":true}]}"#,
                "/secrets/0/name",
            ),
            (
                r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[{}]},"executionRole":{"name":"r","create":true},"secrets":[{"store":"vault","name":"x","create":true}]}"#,
                "/secrets/0/store",
            ),
        ];
        for (text, path) in cases {
            let Err(BundleError::Invalid { problems }) = Bundle::parse(text) else { panic!("{text} parsed") };
            assert_eq!(problems[0].path, path, "{problems:?}");
        }
        assert!(matches!(Bundle::parse("{"), Err(BundleError::Syntax(JsonSyntax { line: 1, .. }))));
    }

    /// Regression (issue 10): a secret that RDS manages (`rds!cluster-…`) is
    /// a valid name to reference, as for `lint` and `policy`; only creating
    /// one is refused, at `/secrets/N/create`.
    #[test]
    fn service_managed_secret_names_are_referenced_not_created() {
        let bundle = |create: bool| {
            format!(
                r#"{{"version":1,"region":"eu-west-1","taskDefinition":{{"family":"web","containerDefinitions":[{{}}]}},
                "executionRole":{{"name":"r","create":true}},
                "secrets":[{{"store":"secretsmanager","name":"rds!cluster-0c6f3e2a-7d41-4b8e-9a55-2f1d8c9e4b7a","create":{create}}}]}}"#
            )
        };
        let parsed = Bundle::parse(&bundle(false)).unwrap();
        assert_eq!(parsed.secrets[0].name, "rds!cluster-0c6f3e2a-7d41-4b8e-9a55-2f1d8c9e4b7a");
        let Err(BundleError::Invalid { problems }) = Bundle::parse(&bundle(true)) else { panic!("created") };
        assert_eq!(problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["/secrets/0/create"]);
        assert!(problems[0].message.contains("rds creates and manages"), "{problems:?}");
    }

    #[test]
    fn bundle_round_trips() {
        let text = r#"{"version":1,"region":"eu-west-1","taskDefinition":{"family":"web","containerDefinitions":[]},
            "executionRole":{"name":"webExec","create":true,"attachManagedPolicy":null},
            "secrets":[{"store":"ssm","name":"/web/db","create":true}],
            "services":[{"cluster":"c","service":"s","forceNewDeployment":true}]}"#;
        let bundle: Bundle = serde_json::from_str(text).unwrap();
        assert_eq!(bundle.secrets[0].store, Store::Ssm);
        let again: Bundle = serde_json::from_str(&serde_json::to_string(&bundle).unwrap()).unwrap();
        assert_eq!(again, bundle);
    }
}
