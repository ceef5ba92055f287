//! The audit's reads beyond the estate: metadata and policies only.
//!
//! The parameters and secrets the services reference (DescribeParameters,
//! ten names per call; DescribeSecret per secret — metadata, never a
//! value: no GetParameter(s), no GetSecretValue), each execution role with
//! its inline and attached policies, the KMS keys those values are
//! encrypted with and their key policies, and the secrets' resource
//! policies — all through observe's reads, which degrade a denied read to
//! "unverified" ([`AuditReads::unreadable`]).

use futures_util::{StreamExt, TryStreamExt, stream};
use shared::audit::{AuditReads, execution_roles, key_ids, lookups, role_name};
use shared::estate::Estate;
use shared::location::AccountId;

use super::estate::IN_FLIGHT;
use super::{Aws, AwsError};

impl Aws {
    /// Reads what [`shared::audit::audit`] needs beside `estate`.
    pub async fn audit_reads(&self, estate: &Estate) -> Result<AuditReads, AwsError> {
        let me = self.whoami().await?;
        let account: AccountId = me.account.parse().map_err(|e: shared::location::LocationError| {
            AwsError::unexpected("sts:GetCallerIdentity", e.to_string())
        })?;
        let lookups = lookups(estate, &account);
        let roles = execution_roles(estate, &account);
        let (parameters, secrets, roles) = tokio::try_join!(
            self.observe_parameters(&lookups),
            self.observe_secrets(&lookups),
            stream::iter(roles)
                .map(|arn| async move {
                    let role = self.observe_role(role_name(&arn).unwrap_or_default()).await?;
                    Ok::<_, AwsError>((arn, role))
                })
                .buffered(IN_FLIGHT)
                .try_collect::<Vec<_>>(),
        )?;
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
        reads.secret_policies = self.observe_secret_policies(&secret_arns, &mut unreadable).await?;
        reads.unreadable = unreadable;
        Ok(reads)
    }
}
