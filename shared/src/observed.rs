//! What `observe` found in AWS: plain data, no SDK types.
//!
//! The backend reads AWS and fills these structs; [`crate::plan::plan`]
//! compares them with the bundle. A map entry whose value is `None` means
//! "looked up and not found"; a missing entry means "not looked up" (for
//! example a reference to another account, which cannot be observed from
//! here).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::Bundle;
use crate::secret_ref::{SecretRef, Store};

/// Everything plan needs to know about the current state of AWS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// Who the credentials belong to (STS GetCallerIdentity).
    pub caller: CallerIdentity,
    /// The region the AWS clients talk to.
    pub region: String,
    /// SSM parameters by name.
    pub parameters: BTreeMap<String, Option<ObservedParameter>>,
    /// Secrets Manager secrets by the id they were looked up with (the
    /// bundle's name, or the name written in a reference).
    pub secrets: BTreeMap<String, Option<ObservedSecret>>,
    /// The execution role, `None` when it does not exist.
    pub role: Option<ObservedRole>,
    /// The latest ACTIVE revision of the family, `None` when there is none.
    pub task_definition: Option<ObservedTaskDefinition>,
    /// The bundle's services, in bundle order.
    pub services: Vec<ObservedService>,
    /// KMS keys by the id the bundle or AWS gave (key id, key ARN, `alias/x`
    /// or alias ARN), as DescribeKey resolved them, with their key policy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kms_keys: BTreeMap<String, ObservedKey>,
    /// Secrets' resource policies by full secret ARN (`None`: the secret has
    /// none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_policies: BTreeMap<String, Option<Value>>,
    /// Reads that were denied to the caller, by the ARN they concern (a key,
    /// a secret or the role): what could not be read, why, and which
    /// permission would let the pre-flight verify it. The references that
    /// depend on them are "unverified", never allowed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, String>,
}

/// A KMS key as DescribeKey and GetKeyPolicy reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedKey {
    /// The key ARN (`arn:…:kms:REGION:ACCOUNT:key/KEY-ID`).
    pub arn: String,
    /// `AWS` for an AWS managed key, `CUSTOMER` for a customer-managed one.
    pub key_manager: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub key_state: Option<String>,
    /// The key policy, parsed; `None` when it was not read (see
    /// [`Observed::unreadable`]).
    pub policy: Option<Value>,
}

impl ObservedKey {
    pub fn is_aws_managed(&self) -> bool {
        self.key_manager.as_deref() == Some("AWS")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// An SSM parameter's metadata (never its value), as DescribeParameters
/// reports it: for the plan, and for rotate and apply's own-write check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedParameter {
    pub name: String,
    pub arn: Option<String>,
    /// `String`, `StringList` or `SecureString`.
    pub parameter_type: String,
    /// The KMS key of a SecureString, as SSM reports it (`alias/aws/ssm`
    /// for the default key).
    pub kms_key_id: Option<String>,
    /// When the value last changed (DescribeParameters' `LastModifiedDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed: Option<EpochMillis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A Secrets Manager secret's metadata (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedSecret {
    pub name: String,
    /// The full ARN, with the 6-character random suffix.
    pub arn: String,
    pub kms_key_id: Option<String>,
    /// When the secret last changed (DescribeSecret's `LastChangedDate`:
    /// any change, a new value included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed: Option<EpochMillis>,
}

/// The execution role and the policies that currently apply to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRole {
    pub name: String,
    pub arn: String,
    /// The trust policy, URL-decoded and parsed.
    pub trust_policy: Value,
    /// Inline policies by name, URL-decoded and parsed.
    pub inline_policies: BTreeMap<String, Value>,
    pub attached_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's document, when it could be read.
    pub document: Option<Value>,
}

/// The latest ACTIVE revision of the family, as DescribeTaskDefinition
/// returned it (the raw `taskDefinition` object, read-only fields included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedTaskDefinition {
    pub arn: String,
    pub revision: i64,
    pub task_definition: Value,
}

/// One ECS service as DescribeServices reported it, with its tasks where
/// they were read: the one shape of a service for the plan (which reads no
/// tasks), the deployment watch ([`crate::watch::assess`]) and the estate
/// ([`crate::estate::ServiceSnapshot`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedService {
    pub cluster: String,
    /// The service's name (as asked for, when it was not found).
    pub service: String,
    /// False when DescribeServices listed it under `failures` (MISSING), or
    /// its cluster does not exist.
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_arn: Option<String>,
    /// `ACTIVE`, `DRAINING` or `INACTIVE`.
    pub status: Option<String>,
    /// The service's task definition: the one UpdateService last set.
    pub task_definition: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    pub deployments: Vec<ObservedDeployment>,
    /// The service's latest events, newest first (as ECS lists them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ServiceEvent>,
    /// The service's tasks (those whose `group` is `service:<name>`), as
    /// DescribeTasks reported them; empty where they were not read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskSnapshot>,
}

/// One deployment of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedDeployment {
    /// `ecs-svc/…`, the `startedBy` of the tasks it starts.
    #[serde(default)]
    pub id: String,
    /// `PRIMARY`, `ACTIVE` or `INACTIVE`.
    pub status: String,
    pub task_definition: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    #[serde(default)]
    pub failed_tasks: i64,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED` (absent on old deployments).
    pub rollout_state: Option<String>,
    #[serde(default)]
    pub rollout_state_reason: Option<String>,
}

/// One service event (`(service web) has reached a steady state.`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEvent {
    pub id: Option<String>,
    pub created_at: Option<EpochMillis>,
    pub message: String,
}

impl ObservedService {
    /// A service DescribeServices did not find.
    pub fn missing(cluster: &str, service: &str) -> Self {
        ObservedService { cluster: cluster.to_owned(), service: service.to_owned(), ..ObservedService::default() }
    }

    /// The condition `aws ecs wait services-stable` checks: exactly one
    /// deployment, and as many running tasks as desired.
    pub fn is_stable(&self) -> bool {
        self.found && self.deployments.len() == 1 && self.running_count == self.desired_count
    }

    /// The revision new tasks get: the PRIMARY deployment's, else the
    /// service's own.
    pub fn primary_task_definition(&self) -> Option<&str> {
        self.deployments
            .iter()
            .find(|d| d.status == "PRIMARY")
            .and_then(|d| d.task_definition.as_deref())
            .or(self.task_definition.as_deref())
    }
}

/// Milliseconds since 1970-01-01T00:00:00Z, as ECS reports times.
pub type EpochMillis = i64;

/// One task as DescribeTasks reports it (no values, no environment): for the
/// estate (audit, rotate) and for the watch of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSnapshot {
    pub task_arn: String,
    /// `service:<name>` for a service's task, `family:<name>` for RunTask's.
    pub group: Option<String>,
    /// The deployment that started it (`ecs-svc/…`) for a service's task.
    pub started_by: Option<String>,
    /// `PROVISIONING`, `PENDING`, `RUNNING`, `STOPPED`, …
    pub last_status: Option<String>,
    pub desired_status: Option<String>,
    /// The revision the task was started from (it may differ from the
    /// service's during a deployment).
    pub task_definition_arn: Option<String>,
    /// When the task started running; the containers read their secrets
    /// just before. `None` when not reported (moto reports none).
    pub started_at: Option<EpochMillis>,
    /// When the task was created (always reported by AWS).
    pub created_at: Option<EpochMillis>,
    /// `TaskFailedToStart`, `EssentialContainerExited`, … once stopped.
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// The containers' own `reason`s (a pull error is sometimes only there).
    #[serde(default)]
    pub container_reasons: Vec<String>,
}

impl TaskSnapshot {
    /// Whether this task belongs to service `service` (its `group` is
    /// `service:<service>`): emulators ignore ListTasks' `serviceName`
    /// filter, so every caller filters with this.
    pub fn belongs_to(&self, service: &str) -> bool {
        self.group.as_deref().and_then(|g| g.strip_prefix("service:")) == Some(service)
    }
}

/// What observe must read for a bundle: the SSM parameter names and
/// Secrets Manager ids that live in the bundle's region and account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    pub parameters: BTreeSet<String>,
    pub secrets: BTreeSet<String>,
}

impl Lookups {
    /// The bundle's own secrets plus every reference in the task definition
    /// that points into `region`/`account` (`account` `None` = unknown yet:
    /// every ARN is then taken to be local).
    pub fn for_bundle(bundle: &Bundle, account: Option<&str>) -> Lookups {
        let mut lookups = Lookups::default();
        for spec in &bundle.secrets {
            match spec.store {
                Store::Ssm => lookups.parameters.insert(spec.name.clone()),
                Store::SecretsManager => lookups.secrets.insert(spec.name.clone()),
            };
        }
        for site in bundle.task_definition.secret_sites() {
            let Some(Ok(reference)) = site.value_from.map(SecretRef::parse) else { continue };
            lookups.insert(lookup_for(&reference, &bundle.region, account));
        }
        lookups
    }
}

impl Lookups {
    /// Adds what `lookup` names (nothing for `None`).
    pub fn insert(&mut self, lookup: Option<Lookup>) {
        match lookup {
            Some(Lookup::Parameter(name)) => self.parameters.insert(name),
            Some(Lookup::Secret(id)) => self.secrets.insert(id),
            None => false,
        };
    }
}

/// What one reference is looked up as: an SSM parameter by name, or a
/// Secrets Manager secret by id (a `/aws/reference/secretsmanager/NAME`
/// parameter is the secret NAME).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lookup {
    Parameter(String),
    Secret(String),
}

/// What `reference` is looked up as from `region`/`account` (`account`
/// `None` = unknown yet: every ARN is then taken to be local); `None` for a
/// reference into another region or account, which cannot be observed from
/// here.
pub fn lookup_for(reference: &SecretRef, region: &str, account: Option<&str>) -> Option<Lookup> {
    if let Some(loc) = reference.location()
        && (loc.region != region || account.is_some_and(|a| a != loc.account))
    {
        return None;
    }
    if let Some(secret) = reference.referenced_secret_name() {
        return Some(Lookup::Secret(secret.to_owned()));
    }
    Some(match reference {
        SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. } => Lookup::Parameter(name.clone()),
        SecretRef::SecretsManager(arn) => Lookup::Secret(secret_lookup_id(arn)),
    })
}

/// The id a Secrets Manager reference is looked up with: its name when the
/// random suffix is certain, else the name as written (which may itself end
/// in something that looks like a suffix, `my-secret`).
pub fn secret_lookup_id(arn: &crate::secret_ref::SecretArn) -> String {
    if arn.suffix_certain { arn.name.clone() } else { arn.full_name() }
}
