//! The audit's reads beyond the estate: metadata and policies only.
//!
//! The parameters and secrets the services reference (DescribeParameters,
//! ten names per call; DescribeSecret per secret — metadata, never a
//! value: no GetParameter(s), no GetSecretValue), each execution role with
//! its inline and attached policies, the KMS keys those values are
//! encrypted with and their key policies, and the secrets' resource
//! policies — all through observe's reads, which degrade a denied read to
//! "unverified" ([`AuditReads::unreadable`]). Each kind of read runs at
//! most [`IN_FLIGHT`] calls at once.

use std::collections::BTreeMap;

use futures_util::{StreamExt, TryStreamExt, stream};
use shared::audit::{AuditReads, AuditReport, execution_roles, key_ids, lookups, role_name};
use shared::estate::Estate;
use shared::location::AccountId;
use shared::observed::Lookups;

use super::estate::{EstateProgress, IN_FLIGHT};
use super::{Aws, AwsError};

impl Aws {
    /// The whole audit of `clusters` (empty: every cluster of the region):
    /// the estate, what it references, and the pure analysis. A named
    /// cluster that does not exist is in the estate's `missing_clusters`
    /// (its caller decides: bad input for the CLI, 404 for the server).
    pub async fn audit(
        &self,
        clusters: &[String],
        progress: &(dyn Fn(EstateProgress) + Send + Sync),
    ) -> Result<(Estate, AuditReport), AwsError> {
        let estate = self.estate(clusters, progress).await?;
        if !estate.missing_clusters.is_empty() {
            return Ok((estate, AuditReport::default()));
        }
        let reads = self.audit_reads(&estate).await?;
        let report = shared::audit::audit(&estate, &reads);
        Ok((estate, report))
    }

    /// Reads what [`shared::audit::audit`] needs beside `estate`.
    pub async fn audit_reads(&self, estate: &Estate) -> Result<AuditReads, AwsError> {
        let me = self.whoami().await?;
        let account: AccountId = me.account.parse().map_err(|e: shared::location::LocationError| {
            AwsError::unexpected("sts:GetCallerIdentity", e.to_string())
        })?;
        let lookups = lookups(estate, &account);
        let roles = execution_roles(estate, &account);
        // DescribeParameters ten names per call, DescribeSecret one secret
        // per call, the roles one by one: each at most IN_FLIGHT at once.
        let names: Vec<&String> = lookups.parameters.iter().collect();
        let parameter_batches: Vec<Lookups> = names
            .chunks(10)
            .map(|chunk| Lookups { parameters: chunk.iter().map(|n| (*n).clone()).collect(), ..Lookups::default() })
            .collect();
        let secret_batches: Vec<Lookups> =
            lookups.secrets.iter().map(|id| Lookups { secrets: [id.clone()].into(), ..Lookups::default() }).collect();
        let (parameters, secrets, roles) = tokio::try_join!(
            stream::iter(parameter_batches)
                .map(|batch| async move { self.observe_parameters(&batch).await })
                .buffered(IN_FLIGHT)
                .try_collect::<Vec<_>>(),
            stream::iter(secret_batches)
                .map(|batch| async move { self.observe_secrets(&batch).await })
                .buffered(IN_FLIGHT)
                .try_collect::<Vec<_>>(),
            stream::iter(roles)
                .map(|arn| async move {
                    let role = self.observe_role(role_name(&arn).unwrap_or_default()).await?;
                    Ok::<_, AwsError>((arn, role))
                })
                .buffered(IN_FLIGHT)
                .try_collect::<Vec<_>>(),
        )?;
        let parameters = parameters.into_iter().flatten().collect();
        let secrets = secrets.into_iter().flatten().collect();
        let mut reads = AuditReads { parameters, secrets, ..AuditReads::new(account) };
        for (arn, role) in roles {
            let role = role.map(|(role, denied)| {
                if let Some(denied) = denied {
                    reads.unreadable.insert(arn.clone(), denied);
                }
                role
            });
            reads.roles.insert(arn, role);
        }
        let mut unreadable = std::mem::take(&mut reads.unreadable);
        reads.kms_keys = self.observe_keys(&key_ids(&reads), &mut unreadable).await?;
        let secret_arns: Vec<String> = reads.secrets.values().flatten().map(|s| s.arn.clone()).collect();
        let policies: Vec<_> = stream::iter(secret_arns)
            .map(|arn| async move {
                let mut denied = BTreeMap::new();
                let policy = self.observe_secret_policies(std::slice::from_ref(&arn), &mut denied).await?;
                Ok::<_, AwsError>((policy, denied))
            })
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        for (policy, denied) in policies {
            reads.secret_policies.extend(policy);
            unreadable.extend(denied);
        }
        reads.unreadable = unreadable;
        Ok(reads)
    }
}
