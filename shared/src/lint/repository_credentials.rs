//! `repositoryCredentials.credentialsParameter`: private-registry
//! credentials come from a Secrets Manager secret in the task's account.

use super::value_from::describe_site;
use super::{Input, Report};
use crate::diagnostic::Severity;
use crate::secret_ref::{RefSite, SecretRef};

/// ES055: registry credentials must be a Secrets Manager secret. The API
/// takes a bare secret name in the task's region (the console does not),
/// so a bare name is a warning; an SSM parameter ARN is an error.
pub(super) fn not_secrets_manager(input: &Input<'_>, out: &mut Report<'_>) {
    for site in &input.sites {
        if site.site.kind != RefSite::RepositoryCredentials {
            continue;
        }
        let (severity, problem) = match site.reference() {
            Some(SecretRef::SsmArn { .. }) => (
                Severity::Error,
                "is an SSM parameter ARN, but registry credentials can only come from a Secrets Manager secret",
            ),
            Some(SecretRef::SsmName { .. }) => (
                Severity::Warning,
                "is a bare name: ECS reads it as a Secrets Manager secret name in the task's region, which the \
                 console and other regions do not accept",
            ),
            _ => continue,
        };
        out.push(out.diag_as(severity,
            site.site.path.clone(),
            format!(
                "{}: `credentialsParameter` {problem}; store the registry's {{\"username\", \"password\"}} as a \
                 Secrets Manager secret and write its full ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf)",
                describe_site(&site.site)
            ),
        ));
    }
}

/// ES056: the registry-credentials secret should live in the task's own
/// account (checked only when the account is known).
pub(super) fn other_account(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    let Some(own) = ctx.account_id() else { return };
    for site in &input.sites {
        if site.site.kind != RefSite::RepositoryCredentials {
            continue;
        }
        let Some(SecretRef::SecretsManager(arn)) = site.reference() else { continue };
        if arn.location.account != own {
            out.push(out.diag(
                site.site.path.clone(),
                format!(
                    "{}: the registry-credentials secret is in account {}, but the task runs in {own}; ECS expects \
                     it in the task's own account — copy the secret there and reference the copy",
                    describe_site(&site.site),
                    super::names::shorten(&arn.location.account)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, one_container, run, td};
    use crate::context::Context;
    use crate::diagnostic::Severity;

    fn creds(param: &str) -> serde_json::Value {
        one_container(json!({"repositoryCredentials": {"credentialsParameter": param}}))
    }

    const PATH: &[&str] = &["/containerDefinitions/0/repositoryCredentials/credentialsParameter"];

    #[test]
    fn must_be_secrets_manager() {
        check(
            "ES055",
            &known_ctx(),
            &[
                (creds("arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg-AbCdEf"), &[]),
                (creds("arn:aws:ssm:eu-west-1:123456789012:parameter/reg"), PATH),
                (creds("registry-creds"), PATH),
                // Secrets Manager references in `secrets` are not registry credentials.
                (one_container(json!({"secrets": [{"name": "A", "valueFrom": "/a"}]})), &[]),
            ],
        );
        assert_eq!(run("ES055", &td(creds("reg")), &known_ctx())[0].severity, Severity::Warning);
        assert_eq!(
            run("ES055", &td(creds("arn:aws:ssm:eu-west-1:123456789012:parameter/reg")), &known_ctx())[0].severity,
            Severity::Error
        );
    }

    #[test]
    fn same_account() {
        let other = creds("arn:aws:secretsmanager:eu-west-1:111122223333:secret:reg-AbCdEf");
        check(
            "ES056",
            &known_ctx(),
            &[(creds("arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg-AbCdEf"), &[]), (other.clone(), PATH)],
        );
        check("ES056", &Context::default(), &[(other, &[])]);
    }
}
