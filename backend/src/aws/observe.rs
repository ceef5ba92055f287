//! observe: AWS reads only, turned into [`shared::observed::Observed`].
//!
//! SSM parameters are read with DescribeParameters (metadata only: type and
//! KMS key, never a value or ciphertext), ten names per call; secrets with
//! DescribeSecret (full ARN with its random suffix, KMS key); the role with
//! GetRole, its inline policies with ListRolePolicies + GetRolePolicy and
//! its managed ones with ListAttachedRolePolicies + GetPolicy +
//! GetPolicyVersion (IAM returns policy documents URL-encoded); the latest
//! ACTIVE revision with DescribeTaskDefinition on the family name; the
//! services with DescribeServices, ten per call. What else decides access is
//! read too: each referenced KMS key with DescribeKey (resolving a key id or
//! an `alias/x` to its ARN, telling AWS managed keys apart) and, for a
//! customer-managed key, its key policy with GetKeyPolicy; each secret's
//! resource policy with GetResourcePolicy.
//!
//! A read the caller is denied (AccessDenied on GetKeyPolicy, DescribeKey,
//! GetResourcePolicy, GetRolePolicy) does not abort observe: it is recorded
//! in [`Observed::unreadable`] with the permission that would let the
//! pre-flight verify it, and the references that depend on it become
//! "unverified" in the plan — never silently allowed.

use std::collections::BTreeMap;

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use serde_json::Value;
use shared::bundle::Bundle;
use shared::observed::{
    AttachedPolicy, CallerIdentity, Lookups, Observed, ObservedDeployment, ObservedKey, ObservedParameter,
    ObservedRole, ObservedSecret, ObservedService, ObservedTaskDefinition, ServiceEvent,
};

use super::{Aws, AwsError, call_error};

/// SSM and ECS batch limits: at most ten names per call (GetParameters,
/// DescribeServices).
pub(super) const BATCH: usize = 10;

impl Aws {
    /// Reads everything [`shared::plan::plan`] needs for `bundle`.
    pub async fn observe(&self, bundle: &Bundle) -> Result<Observed, AwsError> {
        let me = self.whoami().await?;
        let caller = CallerIdentity { account: me.account.clone(), arn: me.arn };
        let lookups = Lookups::for_bundle(bundle, Some(&me.account));
        let family = bundle.task_definition.family.clone().unwrap_or_default();
        let mut unreadable = BTreeMap::new();
        let (parameters, secrets, role, task_definition, services) = tokio::try_join!(
            self.observe_parameters(&lookups),
            self.observe_secrets(&lookups),
            self.observe_role(&bundle.execution_role.name),
            self.observe_task_definition(&family),
            self.observe_services(bundle),
        )?;
        let role = role.map(|(role, denied)| {
            if let Some(denied) = denied {
                unreadable.insert(role.arn.clone(), denied);
            }
            role
        });
        // Every key the bundle names or AWS reports for an existing value.
        let mut key_ids: Vec<String> = bundle.secrets.iter().filter_map(|s| s.kms_key_id.clone()).collect();
        key_ids.extend(parameters.values().flatten().filter_map(|p| p.kms_key_id.clone()));
        key_ids.extend(secrets.values().flatten().filter_map(|s| s.kms_key_id.clone()));
        key_ids.sort();
        key_ids.dedup();
        let kms_keys = self.observe_keys(&key_ids, &mut unreadable).await?;
        let secret_arns: Vec<String> = secrets.values().flatten().map(|s| s.arn.clone()).collect();
        let secret_policies = self.observe_secret_policies(&secret_arns, &mut unreadable).await?;
        Ok(Observed {
            caller,
            region: self.region.clone(),
            parameters,
            secrets,
            role,
            task_definition,
            services,
            kms_keys,
            secret_policies,
            unreadable,
        })
    }

    /// DescribeKey for every id (key id, key ARN, `alias/x`, alias ARN) and
    /// GetKeyPolicy for each customer-managed key. AWS managed keys need no
    /// grant, so their policy is not read.
    pub(super) async fn observe_keys(
        &self,
        ids: &[String],
        unreadable: &mut BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, ObservedKey>, AwsError> {
        let mut keys = BTreeMap::new();
        let mut policies: BTreeMap<String, Option<Value>> = BTreeMap::new();
        for id in ids {
            self.count_read();
            let metadata = match self.kms.describe_key().key_id(id).send().await {
                Ok(out) => out.key_metadata,
                Err(e) if is_access_denied(&e) => {
                    unreadable.insert(
                        id.clone(),
                        format!("could not read the KMS key {id} (AccessDenied); kms:DescribeKey on it would let the pre-flight resolve it and verify its key policy"),
                    );
                    continue;
                }
                Err(e) if e.code() == Some("NotFoundException") => continue,
                Err(e) => return Err(call_error("kms:DescribeKey", e)),
            };
            let Some(metadata) = metadata else { continue };
            let Some(arn) = metadata.arn.clone() else { continue };
            let key_manager = metadata.key_manager.as_ref().map(|m| m.as_str().to_owned());
            let aws_managed = key_manager.as_deref() == Some("AWS");
            let policy = match policies.get(&arn) {
                Some(policy) => policy.clone(),
                None if aws_managed => None,
                None => {
                    let policy = self.key_policy(&arn, unreadable).await?;
                    policies.insert(arn.clone(), policy.clone());
                    policy
                }
            };
            let key_state = metadata.key_state.as_ref().map(|s| s.as_str().to_owned());
            keys.insert(id.clone(), ObservedKey { arn, key_manager, key_state, policy });
        }
        Ok(keys)
    }

    /// The key's `default` policy; `None` (recorded as unreadable) when the
    /// caller may not read it.
    async fn key_policy(
        &self,
        arn: &str,
        unreadable: &mut BTreeMap<String, String>,
    ) -> Result<Option<Value>, AwsError> {
        self.count_read();
        match self.kms.get_key_policy().key_id(arn).policy_name("default").send().await {
            Ok(out) => match out.policy {
                Some(text) => Ok(Some(policy_document("kms:GetKeyPolicy", &text)?)),
                None => Ok(None),
            },
            Err(e) if is_access_denied(&e) => {
                unreadable.insert(
                    arn.to_owned(),
                    format!("could not read the key policy of {arn} (AccessDenied); kms:GetKeyPolicy on {arn} would let the pre-flight verify it"),
                );
                Ok(None)
            }
            Err(e) => Err(call_error("kms:GetKeyPolicy", e)),
        }
    }

    /// GetResourcePolicy for every secret found (`None`: it has none).
    pub(super) async fn observe_secret_policies(
        &self,
        arns: &[String],
        unreadable: &mut BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, Option<Value>>, AwsError> {
        let mut policies = BTreeMap::new();
        for arn in arns {
            self.count_read();
            let policy = match self.secrets.get_resource_policy().secret_id(arn).send().await {
                Ok(out) => match out.resource_policy {
                    Some(text) => Some(policy_document("secretsmanager:GetResourcePolicy", &text)?),
                    None => None,
                },
                Err(e) if is_access_denied(&e) => {
                    unreadable.insert(
                        arn.clone(),
                        format!("could not read the resource policy of {arn} (AccessDenied); secretsmanager:GetResourcePolicy on {arn} would let the pre-flight verify it"),
                    );
                    continue;
                }
                Err(e) => return Err(call_error("secretsmanager:GetResourcePolicy", e)),
            };
            policies.insert(arn.clone(), policy);
        }
        Ok(policies)
    }

    pub(super) async fn observe_parameters(
        &self,
        lookups: &Lookups,
    ) -> Result<BTreeMap<String, Option<ObservedParameter>>, AwsError> {
        let mut found: BTreeMap<String, Option<ObservedParameter>> =
            lookups.parameters.iter().map(|n| (n.clone(), None)).collect();
        let names: Vec<&str> = lookups.parameters.iter().map(String::as_str).collect();
        for parameter in self.describe_parameters(&names).await? {
            found.insert(parameter.name.clone(), Some(parameter));
        }
        Ok(found)
    }

    /// DescribeParameters for `names` (ten per call, every page): the
    /// metadata of those that exist, never a value.
    pub(super) async fn describe_parameters(&self, names: &[&str]) -> Result<Vec<ObservedParameter>, AwsError> {
        let mut found = Vec::new();
        for chunk in names.chunks(BATCH) {
            let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.iter().map(|n| (*n).to_owned()).collect()))
                .build()
                .map_err(|e| AwsError::unexpected("ssm:DescribeParameters", e.to_string()))?;
            let mut pages = self.ssm.describe_parameters().parameter_filters(filter).into_paginator().send();
            while let Some(page) = pages.next().await {
                self.count_read();
                let page = page.map_err(|e| call_error("ssm:DescribeParameters", e))?;
                for meta in page.parameters.unwrap_or_default() {
                    let Some(name) = meta.name else { continue };
                    found.push(ObservedParameter {
                        name,
                        arn: meta.arn,
                        // PutParameter's default type.
                        parameter_type: meta.r#type.map_or_else(|| "String".to_owned(), |t| t.as_str().to_owned()),
                        kms_key_id: meta.key_id,
                        last_changed: meta.last_modified_date.and_then(|t| t.to_millis().ok()),
                        description: meta.description,
                    });
                }
            }
        }
        Ok(found)
    }

    pub(super) async fn observe_secrets(
        &self,
        lookups: &Lookups,
    ) -> Result<BTreeMap<String, Option<ObservedSecret>>, AwsError> {
        let mut found = BTreeMap::new();
        for id in &lookups.secrets {
            found.insert(id.clone(), self.describe_secret(id).await?);
        }
        Ok(found)
    }

    /// DescribeSecret for `id` (a name or an ARN, full or partial): its
    /// metadata, never its value; `None` when there is no such secret.
    pub async fn describe_secret(&self, id: &str) -> Result<Option<ObservedSecret>, AwsError> {
        self.count_read();
        match self.secrets.describe_secret().secret_id(id).send().await {
            Ok(out) => Ok(Some(ObservedSecret {
                name: out.name.unwrap_or_else(|| id.to_owned()),
                arn: out.arn.ok_or_else(|| AwsError::unexpected("secretsmanager:DescribeSecret", "no ARN"))?,
                kms_key_id: out.kms_key_id,
                last_changed: out.last_changed_date.and_then(|t| t.to_millis().ok()),
            })),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(call_error("secretsmanager:DescribeSecret", e)),
        }
    }

    /// The role and its policies, and what of them the caller was denied.
    pub(super) async fn observe_role(&self, name: &str) -> Result<Option<(ObservedRole, Option<String>)>, AwsError> {
        self.count_read();
        let role = match self.iam.get_role().role_name(name).send().await {
            Ok(out) => out.role.ok_or_else(|| AwsError::unexpected("iam:GetRole", "no role in the response"))?,
            Err(e) if e.code() == Some("NoSuchEntity") => return Ok(None),
            Err(e) => return Err(call_error("iam:GetRole", e)),
        };
        let trust_policy = match role.assume_role_policy_document.as_deref() {
            Some(doc) => policy_document("iam:GetRole", doc)?,
            None => Value::Null,
        };
        let mut inline_policies = BTreeMap::new();
        let mut denied_inline = Vec::new();
        let mut pages = self.iam.list_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.count_read();
            let page = page.map_err(|e| call_error("iam:ListRolePolicies", e))?;
            for policy_name in page.policy_names {
                self.count_read();
                match self.iam.get_role_policy().role_name(name).policy_name(&policy_name).send().await {
                    Ok(out) => {
                        inline_policies
                            .insert(policy_name, policy_document("iam:GetRolePolicy", &out.policy_document)?);
                    }
                    Err(e) if is_access_denied(&e) => denied_inline.push(policy_name),
                    Err(e) => return Err(call_error("iam:GetRolePolicy", e)),
                }
            }
        }
        let mut attached_policies = Vec::new();
        let mut pages = self.iam.list_attached_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.count_read();
            let page = page.map_err(|e| call_error("iam:ListAttachedRolePolicies", e))?;
            for policy in page.attached_policies.unwrap_or_default() {
                let Some(arn) = policy.policy_arn else { continue };
                let document = self.managed_policy_document(&arn).await?;
                attached_policies.push(AttachedPolicy {
                    name: policy.policy_name.unwrap_or_else(|| arn.rsplit('/').next().unwrap_or("").to_owned()),
                    arn,
                    document,
                });
            }
        }
        let denied = (!denied_inline.is_empty()).then(|| {
            format!(
                "could not read the inline polic{} {} of role {} (AccessDenied); iam:GetRolePolicy on {} would let the pre-flight verify the role's permissions",
                if denied_inline.len() == 1 { "y" } else { "ies" },
                denied_inline.join(", "),
                role.role_name,
                role.arn
            )
        });
        let observed =
            ObservedRole { name: role.role_name, arn: role.arn, trust_policy, inline_policies, attached_policies };
        Ok(Some((observed, denied)))
    }

    /// The default version's document of a managed policy; `None` when the
    /// caller may not read it (the plan then cannot count on it).
    async fn managed_policy_document(&self, arn: &str) -> Result<Option<Value>, AwsError> {
        self.count_read();
        let policy = match self.iam.get_policy().policy_arn(arn).send().await {
            Ok(out) => out.policy,
            Err(e) if matches!(e.code(), Some("AccessDenied" | "NoSuchEntity")) => return Ok(None),
            Err(e) => return Err(call_error("iam:GetPolicy", e)),
        };
        let Some(version) = policy.and_then(|p| p.default_version_id) else { return Ok(None) };
        self.count_read();
        let out = match self.iam.get_policy_version().policy_arn(arn).version_id(version).send().await {
            Ok(out) => out,
            Err(e) if matches!(e.code(), Some("AccessDenied" | "NoSuchEntity")) => return Ok(None),
            Err(e) => return Err(call_error("iam:GetPolicyVersion", e)),
        };
        match out.policy_version.and_then(|v| v.document) {
            Some(doc) => Ok(Some(policy_document("iam:GetPolicyVersion", &doc)?)),
            None => Ok(None),
        }
    }

    pub(super) async fn observe_task_definition(
        &self,
        family: &str,
    ) -> Result<Option<ObservedTaskDefinition>, AwsError> {
        if family.is_empty() {
            return Ok(None);
        }
        self.count_read();
        let (result, raw) = super::raw_json::describe_task_definition(&self.ecs, family).await;
        match result {
            Ok(()) => {}
            // ECS answers an unknown family with ClientException "Unable to
            // describe task definition." (moto: ClientException too).
            Err(e) if e.code() == Some("ClientException") => return Ok(None),
            Err(e) => return Err(call_error("ecs:DescribeTaskDefinition", e)),
        }
        let td = super::raw_json::described_task_definition(raw)?;
        if td.get("status").and_then(Value::as_str).is_some_and(|s| s != "ACTIVE") {
            return Ok(None);
        }
        let arn = td.get("taskDefinitionArn").and_then(Value::as_str).unwrap_or_default().to_owned();
        let revision = td.get("revision").and_then(Value::as_i64).unwrap_or_default();
        Ok(Some(ObservedTaskDefinition { arn, revision, task_definition: td }))
    }

    /// The bundle's services in bundle order, each under the cluster and
    /// service as the bundle names them (a name or an ARN), which is how
    /// the plan finds them.
    async fn observe_services(&self, bundle: &Bundle) -> Result<Vec<ObservedService>, AwsError> {
        let mut by_cluster: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for spec in &bundle.services {
            by_cluster.entry(spec.cluster.as_str()).or_default().push(spec.service.as_str());
        }
        let mut found: BTreeMap<(&str, &str), ObservedService> = BTreeMap::new();
        for (cluster, names) in by_cluster {
            let described = self.describe_services(&self.ecs, cluster, &names).await?;
            for (asked, mut service) in names.into_iter().zip(described) {
                asked.clone_into(&mut service.service);
                found.insert((cluster, asked), service);
            }
        }
        Ok(bundle
            .services
            .iter()
            .map(|spec| {
                found
                    .get(&(spec.cluster.as_str(), spec.service.as_str()))
                    .cloned()
                    .unwrap_or_else(|| ObservedService::missing(&spec.cluster, &spec.service))
            })
            .collect())
    }

    /// DescribeServices for `names` (names or ARNs) in `cluster`, ten per
    /// call, with `ecs` (the estate reads retry more): one service per name,
    /// in order. A service listed under `failures`, or in a cluster that does
    /// not exist, comes back with `found: false` and the name as asked.
    pub(super) async fn describe_services(
        &self,
        ecs: &aws_sdk_ecs::Client,
        cluster: &str,
        names: &[&str],
    ) -> Result<Vec<ObservedService>, AwsError> {
        let mut out = Vec::new();
        for chunk in names.chunks(BATCH) {
            self.count_read();
            let result = ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.iter().map(|s| (*s).to_owned()).collect()))
                .send()
                .await;
            let mut services = match result {
                Ok(page) => page.services.unwrap_or_default(),
                // A missing cluster means its services are missing: a plan
                // problem to report, not a failure to observe.
                Err(e) if e.code() == Some("ClusterNotFoundException") => Vec::new(),
                Err(e) => return Err(call_error("ecs:DescribeServices", e)),
            };
            for asked in chunk {
                let matching = services
                    .iter()
                    .position(|s| s.service_name.as_deref() == Some(asked) || s.service_arn.as_deref() == Some(asked));
                out.push(match matching {
                    Some(i) => observed_service(cluster, services.swap_remove(i)),
                    None => ObservedService::missing(cluster, asked),
                });
            }
        }
        Ok(out)
    }
}

/// At most this many events of a service are kept (ECS lists the newest
/// first; a rollback is always among the latest).
const EVENTS_KEPT: usize = 20;

/// A service DescribeServices found, as plain data (its tasks not read yet).
fn observed_service(cluster: &str, s: aws_sdk_ecs::types::Service) -> ObservedService {
    let service_arn = s.service_arn.unwrap_or_default();
    let service = s.service_name.unwrap_or_else(|| service_arn.rsplit('/').next().unwrap_or_default().to_owned());
    ObservedService {
        cluster: cluster.to_owned(),
        service,
        found: true,
        service_arn: Some(service_arn).filter(|arn| !arn.is_empty()),
        status: s.status,
        task_definition: s.task_definition,
        desired_count: i64::from(s.desired_count),
        running_count: i64::from(s.running_count),
        pending_count: i64::from(s.pending_count),
        deployments: s
            .deployments
            .unwrap_or_default()
            .into_iter()
            .map(|d| ObservedDeployment {
                id: d.id.unwrap_or_default(),
                status: d.status.unwrap_or_default(),
                task_definition: d.task_definition,
                desired_count: i64::from(d.desired_count),
                running_count: i64::from(d.running_count),
                pending_count: i64::from(d.pending_count),
                failed_tasks: i64::from(d.failed_tasks),
                rollout_state: d.rollout_state.map(|r| r.as_str().to_owned()),
                rollout_state_reason: d.rollout_state_reason,
            })
            .collect(),
        events: s
            .events
            .unwrap_or_default()
            .into_iter()
            .take(EVENTS_KEPT)
            .map(|e| ServiceEvent {
                id: e.id,
                created_at: e.created_at.and_then(|t| t.to_millis().ok()),
                message: e.message.unwrap_or_default(),
            })
            .collect(),
        tasks: Vec::new(),
    }
}

/// Parses a policy document IAM returned: URL-encoded (RFC 3986) JSON on
/// real AWS. A document that already parses as JSON is taken as is, so a
/// literal `%` inside a decoded document is never mangled.
pub(crate) fn policy_document(operation: &'static str, raw: &str) -> Result<Value, AwsError> {
    if let Ok(doc) = serde_json::from_str(raw) {
        return Ok(doc);
    }
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|e| {
        AwsError::unexpected(operation, format!("policy document is not UTF-8 after URL-decoding: {e}"))
    })?;
    serde_json::from_str(&decoded)
        .map_err(|e| AwsError::unexpected(operation, format!("policy document is not JSON after URL-decoding: {e}")))
}

/// Whether the caller was refused: IAM's `AccessDenied`, the JSON
/// services' `AccessDeniedException`, or an HTTP 403 whose body did not
/// carry a code the SDK could read.
fn is_access_denied<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> bool {
    error.code().is_some_and(|c| c.contains("AccessDenied"))
        || error.raw_response().is_some_and(|r| r.status().as_u16() == 403)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_url_decoded_once() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            policy_document("t", encoded).unwrap(),
            serde_json::json!({"Version": "2012-10-17", "Statement": []})
        );
        let plain = r#"{"Condition": {"StringLike": {"x": "a%20b"}}}"#;
        assert_eq!(policy_document("t", plain).unwrap()["Condition"]["StringLike"]["x"], "a%20b");
        assert!(policy_document("t", "%7Bnot").is_err());
    }
}
