//! Rotating a secret into every service that uses it: which services
//! reference the secret (in any form), which of their tasks still hold the
//! old value, and the report `ecs-secrets rotate` prints.
//!
//! ECS reads a secret only when a task starts, so after a new value is
//! written every consumer must be redeployed, and until its old tasks are
//! gone they hold the old value ("stale"). A reference can name the secret
//! in many ways; [`references`] recognises all of them through
//! [`crate::secret_ref`]: a bare SSM name or an SSM ARN, a Secrets Manager
//! ARN with or without its random suffix, with a JSON key, version stage or
//! version id, and an SSM `/aws/reference/secretsmanager/NAME` that reads a
//! Secrets Manager secret — in `secrets`, `logConfiguration.secretOptions`
//! and `repositoryCredentials`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::estate::{Estate, ServiceSnapshot};
use crate::observed::TaskSnapshot;
use crate::secret_ref::{RefSite, SecretRef, Store};
use crate::task_def::TaskDefinition;
use crate::watch::WatchFailure;

/// The secret being rotated, as AWS describes it (metadata only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotatedSecret {
    pub store: Store,
    /// The SSM parameter's name (`/web/db`), or the Secrets Manager
    /// secret's name without the random suffix (`web/api`).
    pub name: String,
    /// The full ARN (a Secrets Manager ARN with its random suffix).
    pub arn: String,
    pub region: String,
    pub account: String,
}

impl RotatedSecret {
    /// The secret's name with its random suffix (`web/api-AbCdEf`): the
    /// last part of a Secrets Manager ARN. The SSM name for a parameter.
    pub fn full_name(&self) -> &str {
        match self.store {
            Store::Ssm => &self.name,
            Store::SecretsManager => self.arn.split_once(":secret:").map_or(self.name.as_str(), |(_, n)| n),
        }
    }
}

/// One place a task definition references the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// JSON pointer of the field (`/containerDefinitions/0/secrets/1/valueFrom`).
    pub path: String,
    pub container: Option<String>,
    pub site: RefSite,
    /// The reference as written.
    pub value_from: String,
    /// A reference pinned to a version (a version id, or a stage other than
    /// `AWSCURRENT`) keeps reading that version after the rotation: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<String>,
}

/// Every reference to `secret` in `td`, whose task runs in `region` and
/// `account` (which complete bare SSM names).
pub fn references(secret: &RotatedSecret, td: &TaskDefinition, region: &str, account: &str) -> Vec<Reference> {
    td.secret_sites()
        .into_iter()
        .filter_map(|site| {
            let value_from = site.value_from?;
            let parsed = SecretRef::parse(value_from).ok()?;
            let pinned = matches(secret, &parsed, region, account)?;
            Some(Reference {
                path: site.path,
                container: site.container_name.map(str::to_owned),
                site: site.kind,
                value_from: value_from.to_owned(),
                pinned,
            })
        })
        .collect()
}

/// `Some(pinned)` when `reference` names `secret`, `None` when it does not.
fn matches(secret: &RotatedSecret, reference: &SecretRef, region: &str, account: &str) -> Option<Option<String>> {
    let (ref_region, ref_account) = match reference.location() {
        Some(loc) => (loc.region.as_str(), loc.account.as_str()),
        None => (region, account),
    };
    if ref_region != secret.region || ref_account != secret.account {
        return None;
    }
    match (secret.store, reference) {
        (Store::Ssm, SecretRef::SsmName { name } | SecretRef::SsmArn { name, .. }) => {
            (reference.referenced_secret_name().is_none() && *name == secret.name).then_some(None)
        }
        (Store::SecretsManager, SecretRef::SsmName { .. } | SecretRef::SsmArn { .. }) => {
            let through = reference.referenced_secret_name()?;
            (through == secret.name || through == secret.full_name()).then_some(None)
        }
        (Store::SecretsManager, SecretRef::SecretsManager(arn)) => {
            let full = arn.full_name();
            // Full (`web/api-AbCdEf`) or partial (`web/api`).
            if full != secret.full_name() && full != secret.name {
                return None;
            }
            let pinned = match (&arn.version_id, &arn.version_stage) {
                (Some(id), _) => Some(format!("pinned to version id {id}: it keeps reading that version")),
                (None, Some(stage)) if stage != "AWSCURRENT" => {
                    Some(format!("pinned to version stage {stage}: it reads the new value only once {stage} moves"))
                }
                _ => None,
            };
            Some(pinned)
        }
        (Store::Ssm, SecretRef::SecretsManager(_)) => None,
    }
}

/// A service whose current task definition references the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consumer {
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    pub references: Vec<Reference>,
    /// The service's tasks running when it was read (ARNs).
    pub running_tasks: Vec<String>,
}

/// The services of `estate` that reference `secret`, in estate order.
/// `account` is the account the services run in (the caller's, unless a
/// task definition ARN says otherwise).
pub fn consumers(secret: &RotatedSecret, estate: &Estate, account: &str) -> Vec<Consumer> {
    estate
        .services
        .iter()
        .filter_map(|service| {
            let td = service.task_definition.as_ref()?;
            let td_arn = service.task_definition_arn().map(str::to_owned).unwrap_or_default();
            let account = crate::arn::account_of(&td_arn).unwrap_or(account);
            let found = references(secret, td, estate.region.as_str(), account);
            (!found.is_empty()).then(|| Consumer {
                cluster: service.described.cluster.clone(),
                service: service.described.service.clone(),
                task_definition: td_arn,
                references: found,
                running_tasks: running(service),
            })
        })
        .collect()
}

fn running(service: &ServiceSnapshot) -> Vec<String> {
    service
        .described
        .tasks
        .iter()
        .filter(|t| t.belongs_to(&service.described.service) && holds_values(t.last_status.as_deref()))
        .map(|t| t.task_arn.clone())
        .collect()
}

/// Whether a task in this `lastStatus` has started its containers, which
/// read their secrets as they started: `ACTIVATING`, `RUNNING` and the
/// states on the way down until the containers are gone. A `PENDING` task
/// reads its secrets when it starts, so it gets the current value.
pub fn holds_values(last_status: Option<&str>) -> bool {
    matches!(last_status, Some("ACTIVATING" | "RUNNING" | "DEACTIVATING" | "STOPPING"))
}

/// Tasks that still hold the old value, and tasks whose age is unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staleness {
    /// Running tasks known to have started before the rotation: running
    /// when it began, or with a `startedAt` before it.
    pub stale: usize,
    /// Running tasks first seen after the rotation began without a
    /// `startedAt` (emulators report none): they may hold either value.
    pub unknown: usize,
}

/// Counts the stale tasks among `tasks` (a service's, now). `before` are
/// the tasks that held values ([`holds_values`]) when the rotation began; `rotated_at` is when it began
/// (milliseconds since the epoch).
pub fn staleness(tasks: &[TaskSnapshot], before: &BTreeSet<String>, rotated_at: i64) -> Staleness {
    let mut out = Staleness::default();
    for task in tasks.iter().filter(|t| holds_values(t.last_status.as_deref())) {
        if before.contains(&task.task_arn) || task.started_at.is_some_and(|at| at < rotated_at) {
            out.stale += 1;
        } else if task.started_at.is_none() {
            out.unknown += 1;
        }
    }
    out
}

/// One consumer in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReport {
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    /// True once the forced deployment reached a steady state.
    pub redeployed: bool,
    /// Running tasks known to hold the old value (see [`Staleness`]).
    pub stale_tasks: usize,
    /// Running tasks that may hold either value (no `startedAt`): counted
    /// here, never guessed into `staleTasks`.
    pub stale_unknown: usize,
    /// Why the redeployment failed (a task that could not start, decoded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<WatchFailure>,
    /// The references found, for the plan.
    pub references: Vec<Reference>,
}

/// The report of `ecs-secrets rotate` (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotateReport {
    /// The full ARN.
    pub secret: String,
    /// Whether the new value was written.
    pub written: bool,
    pub services: Vec<ServiceReport>,
}

impl RotateReport {
    /// The plan: every consumer, not yet redeployed, with its running tasks
    /// (all would hold the old value).
    pub fn plan(secret: &RotatedSecret, consumers: &[Consumer]) -> RotateReport {
        RotateReport {
            secret: secret.arn.clone(),
            written: false,
            services: consumers
                .iter()
                .map(|c| ServiceReport {
                    cluster: c.cluster.clone(),
                    service: c.service.clone(),
                    task_definition: c.task_definition.clone(),
                    redeployed: false,
                    stale_tasks: c.running_tasks.len(),
                    stale_unknown: 0,
                    failure: None,
                    references: c.references.clone(),
                })
                .collect(),
        }
    }

    /// Exit 0 only when the value was written and every consumer is
    /// redeployed with no stale (or possibly stale) task left.
    pub fn success(&self) -> bool {
        self.written && self.services.iter().all(|s| s.redeployed && s.stale_tasks == 0 && s.stale_unknown == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::ObservedService;

    const REGION: &str = "eu-west-1";
    const ACCOUNT: &str = "123456789012";

    fn sm() -> RotatedSecret {
        RotatedSecret {
            store: Store::SecretsManager,
            name: "web/api".into(),
            arn: format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:web/api-AbCdEf"),
            region: REGION.into(),
            account: ACCOUNT.into(),
        }
    }

    fn ssm() -> RotatedSecret {
        RotatedSecret {
            store: Store::Ssm,
            name: "/web/db".into(),
            arn: format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db"),
            region: REGION.into(),
            account: ACCOUNT.into(),
        }
    }

    fn td(json: serde_json::Value) -> TaskDefinition {
        serde_json::from_value(json).unwrap()
    }

    fn with_refs(secrets: &[&str], options: &[&str], credentials: Option<&str>) -> TaskDefinition {
        let secrets: Vec<_> = secrets.iter().map(|v| serde_json::json!({"name": "S", "valueFrom": v})).collect();
        let options: Vec<_> = options.iter().map(|v| serde_json::json!({"name": "O", "valueFrom": v})).collect();
        let mut container = serde_json::json!({"name": "app", "image": "x", "secrets": secrets,
            "logConfiguration": {"logDriver": "splunk", "secretOptions": options}});
        if let Some(c) = credentials {
            container["repositoryCredentials"] = serde_json::json!({"credentialsParameter": c});
        }
        td(serde_json::json!({"family": "web", "containerDefinitions": [container]}))
    }

    #[test]
    fn every_secrets_manager_form_is_found() {
        let base = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret");
        let forms = [
            format!("{base}:web/api-AbCdEf"),
            format!("{base}:web/api"),
            format!("{base}:web/api-AbCdEf:password::"),
            format!("{base}:web/api:password:AWSPREVIOUS:"),
            format!("{base}:web/api-AbCdEf:::0123-4567"),
            "/aws/reference/secretsmanager/web/api".to_owned(),
            format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/aws/reference/secretsmanager/web/api"),
        ];
        let refs: Vec<&str> = forms.iter().map(String::as_str).collect();
        let t = with_refs(&refs[..5], &refs[5..6], Some(refs[6]));
        let found = references(&sm(), &t, REGION, ACCOUNT);
        assert_eq!(found.len(), 7, "{found:#?}");
        assert_eq!(found[5].site, RefSite::SecretOption);
        assert_eq!(found[6].site, RefSite::RepositoryCredentials);
        assert_eq!(found[6].path, "/containerDefinitions/0/repositoryCredentials/credentialsParameter");
        assert!(found[3].pinned.as_deref().unwrap().contains("AWSPREVIOUS"));
        assert!(found[4].pinned.as_deref().unwrap().contains("0123-4567"));
        assert!(found[0].pinned.is_none() && found[2].pinned.is_none());
    }

    #[test]
    fn look_alikes_are_not_consumers() {
        let base = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret");
        let others = [
            format!("{base}:web/api-other-XyZ123"),
            format!("{base}:web/api-ZZZZZZ"),
            format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:web/api-AbCdEf"),
            format!("arn:aws:secretsmanager:{REGION}:999999999999:secret:web/api-AbCdEf"),
            "web/api".to_owned(),
            "/web/db".to_owned(),
        ];
        let refs: Vec<&str> = others.iter().map(String::as_str).collect();
        assert!(references(&sm(), &with_refs(&refs, &[], None), REGION, ACCOUNT).is_empty());
    }

    #[test]
    fn every_ssm_form_is_found_in_its_region_and_account_only() {
        let t =
            with_refs(&["/web/db", &format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/db")], &["/web/db"], None);
        assert_eq!(references(&ssm(), &t, REGION, ACCOUNT).len(), 3);
        // A bare name in a task of another region is another parameter.
        assert!(references(&ssm(), &t, "us-east-1", ACCOUNT).len() == 1);
        let others = with_refs(&["web/db", "/web/db2", "/aws/reference/secretsmanager//web/db"], &[], None);
        assert!(references(&ssm(), &others, REGION, ACCOUNT).is_empty());
    }

    #[test]
    fn consumers_come_from_the_estate_with_their_running_tasks() {
        let task = |arn: &str, group: &str, status: &str| TaskSnapshot {
            task_arn: arn.into(),
            group: Some(group.into()),
            last_status: Some(status.into()),
            ..TaskSnapshot::default()
        };
        let service = |cluster: &str, name: &str, t: TaskDefinition, tasks| ServiceSnapshot {
            described: ObservedService {
                task_definition: Some(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:1")),
                tasks,
                ..ObservedService::missing(cluster, name)
            },
            task_definition: Some(t),
            ..ServiceSnapshot::default()
        };
        let estate = Estate {
            region: REGION.parse().unwrap(),
            clusters: vec!["a".into(), "b".into()],
            missing_clusters: Vec::new(),
            services: vec![
                service(
                    "a",
                    "web",
                    with_refs(&["/web/db"], &[], None),
                    vec![
                        task("t1", "service:web", "RUNNING"),
                        task("t2", "service:web", "STOPPED"),
                        task("t3", "service:api", "RUNNING"),
                    ],
                ),
                service("a", "api", with_refs(&["/api/db"], &[], None), Vec::new()),
                service("b", "worker", with_refs(&[], &["/web/db"], None), Vec::new()),
            ],
        };
        let found = consumers(&ssm(), &estate, ACCOUNT);
        let names: Vec<(&str, &str)> = found.iter().map(|c| (c.cluster.as_str(), c.service.as_str())).collect();
        assert_eq!(names, [("a", "web"), ("b", "worker")]);
        assert_eq!(found[0].running_tasks, ["t1"]);
        let plan = RotateReport::plan(&ssm(), &found);
        assert_eq!((plan.written, plan.services[0].stale_tasks, plan.success()), (false, 1, false));
    }

    #[test]
    fn staleness_is_known_or_counted_as_unknown_never_guessed() {
        let task = |arn: &str, status: &str, started: Option<i64>| TaskSnapshot {
            task_arn: arn.into(),
            last_status: Some(status.into()),
            started_at: started,
            ..TaskSnapshot::default()
        };
        let before: BTreeSet<String> = ["old".to_owned()].into();
        let tasks = [
            task("old", "RUNNING", None),       // ran when the rotation began
            task("early", "RUNNING", Some(50)), // started before it
            task("new", "RUNNING", Some(150)),  // after: fresh
            task("unknown", "RUNNING", None),   // new, no startedAt
            task("gone", "STOPPED", Some(10)),  // stopped: holds nothing
            task("pending", "PENDING", None),   // reads the value when it starts
        ];
        assert_eq!(staleness(&tasks, &before, 100), Staleness { stale: 2, unknown: 1 });
    }
}
