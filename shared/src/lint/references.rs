//! How references resolve where the task runs: bare SSM names next to
//! references into other regions or accounts, and JSON-key/version
//! selection against the Fargate platform version or ECS agent.

use super::fargate::platform_before_1_4_0;
use super::value_from::{describe_site, replace_fix};
use super::{Input, Report};
use crate::diagnostic::Severity;
use crate::location::{AccountId, Region};
use crate::secret_ref::{ArnLocation, RefSite, SecretRef, Store};

/// ES034: a bare SSM name resolves only in the task's own region and
/// account. When other references point elsewhere, the author may have
/// meant the bare name to live there too.
pub(super) fn bare_name_elsewhere(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    let sites = &input.sites;
    let Some(Elsewhere { severity, elsewhere }) = bare_names_elsewhere(input) else { return };
    let own = match (&ctx.location.region, &ctx.location.account_id) {
        (Some(r), Some(a)) => format!("the task's own region and account ({r}/{a})"),
        _ => "the task's own region and account (not known here: pass --region and --account)".to_owned(),
    };
    for site in sites {
        // A bare `credentialsParameter` names a Secrets Manager secret, not a
        // parameter: ES055 speaks about that one.
        if site.site.kind == RefSite::RepositoryCredentials {
            continue;
        }
        let Some(reference @ SecretRef::SsmName { name }) = site.reference() else { continue };
        let mut d = out.diag_as(
            severity,
            site.site.path.clone(),
            format!(
                "{}: `{}` is a bare parameter name, which ECS resolves only in {own}, while other references here \
                 point at {}. If the parameter lives there, the task fails with ParameterNotFound: write its full \
                 ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)",
                describe_site(&site.site),
                super::names::shorten(name),
                elsewhere.join(", ")
            ),
        );
        if severity == Severity::Warning
            && let Ok(arn) = reference.canonical_arn(ctx)
        {
            d = d.with_fix(replace_fix("Use the full parameter ARN", &site.site.path, arn));
        }
        out.push(d);
    }
}

/// What ES034 says about a bare SSM name in this task definition: how
/// severe it is and where the other references point (`region/account`,
/// at most three); `None` when a bare name is fine here.
struct Elsewhere {
    severity: Severity,
    elsewhere: Vec<String>,
}

fn bare_names_elsewhere(input: &Input<'_>) -> Option<Elsewhere> {
    let ctx = input.ctx;
    // Only well-formed locations count: a placeholder (`REGION`,
    // `awsExampleAccountID`) is ES032/ES033's business, not a second place.
    let mut located: Vec<&ArnLocation> = input
        .sites
        .iter()
        .filter_map(|s| s.reference()?.location())
        .filter(|l| Region::is_valid(&l.region) && AccountId::is_valid(&l.account))
        .collect();
    if located.is_empty() {
        return None;
    }
    // Unstable is enough: entries equal here differ at most in partition,
    // which nothing below reads (and it keeps a stable sort out of the WASM).
    located.sort_unstable_by(|a, b| (&a.region, &a.account).cmp(&(&b.region, &b.account)));
    located.dedup_by(|a, b| a.region == b.region && a.account == b.account);
    let differs = |loc: &&ArnLocation| {
        ctx.region().is_some_and(|r| r != loc.region) || ctx.account_id().is_some_and(|a| a != loc.account)
    };
    let foreign: Vec<&ArnLocation> = located.iter().copied().filter(differs).collect();
    let ctx_known = ctx.location.region.is_some() && ctx.location.account_id.is_some();
    // With the task's location unknown, two different locations among the
    // references mean at least one of them is not the task's.
    let severity = if !foreign.is_empty() || (!ctx_known && located.len() > 1) {
        Severity::Warning
    } else if !ctx_known {
        Severity::Info
    } else {
        return None;
    };
    let shown = if foreign.is_empty() { &located } else { &foreign };
    let elsewhere = shown.iter().take(3).map(|l| format!("{}/{}", l.region, l.account)).collect();
    Some(Elsewhere { severity, elsewhere })
}

/// How fixes that add a new SSM parameter should reference it: by its bare
/// name, unless a bare name here would be ES034's business (other references
/// point elsewhere) and the task's location is known — then by its full ARN,
/// so that the fix never causes the next diagnostic. Worked out once per
/// rule run (a large task definition has hundreds of findings).
pub(super) fn new_parameter_references<'a>(input: &'a Input<'_>) -> impl Fn(&str) -> String + 'a {
    let as_arn = bare_names_elsewhere(input).is_some();
    move |name: &str| {
        let bare = SecretRef::SsmName { name: name.to_owned() };
        match as_arn {
            true => bare.canonical_arn(input.ctx).unwrap_or_else(|_| name.to_owned()),
            false => name.to_owned(),
        }
    }
}

/// ES038: a reference into another account works only with extra set-up on
/// the owning side (unverified details, hence info): a customer-managed KMS
/// key and resource policies that allow the execution role. Registry
/// credentials are ES056's business.
pub(super) fn cross_account_reference(input: &Input<'_>, out: &mut Report<'_>) {
    let Some(own) = input.ctx.account_id() else { return };
    for site in &input.sites {
        if site.site.kind == RefSite::RepositoryCredentials {
            continue;
        }
        let Some(reference) = site.reference() else { continue };
        let Some(location) = reference.location().filter(|l| AccountId::is_valid(&l.account) && l.account != own)
        else {
            continue;
        };
        let needs = match reference.store() {
            Store::SecretsManager => {
                "the secret must be encrypted with a customer-managed KMS key (not aws/secretsmanager), and both the \
                 key policy and the secret's resource policy must allow this task's execution role"
            }
            Store::Ssm => {
                "the parameter must be shared with this account (advanced tier, AWS RAM) and its customer-managed KMS \
                 key must allow this task's execution role"
            }
        };
        out.push(out.diag(
            site.site.path.clone(),
            format!(
                "{}: the reference is in account {}, the task runs in {own}; cross-account reads need set-up in the \
                 owning account: {needs}",
                describe_site(&site.site),
                location.account
            ),
        ));
    }
}

/// ES035: JSON-key and version selection need Fargate platform 1.4.0.
pub(super) fn key_or_version_too_old(input: &Input<'_>, out: &mut Report<'_>) {
    let (td, ctx) = (input.td, input.ctx);
    if !td.requires_fargate() {
        return;
    }
    let Some(version) = platform_before_1_4_0(ctx) else { return };
    for site in &input.sites {
        if site.reference().is_some_and(SecretRef::selects_key_or_version) {
            out.push(out.diag(
                site.site.path.clone(),
                format!(
                    "{}: the reference selects a JSON key or a version, which Fargate supports from platform version \
                     1.4.0; the service uses {version}. Set the platform version to 1.4.0 or LATEST, or reference the \
                     whole secret",
                    describe_site(&site.site)
                ),
            ));
        }
    }
}

/// ES036: the same requirement as a reminder on EC2 (agent 1.37.0). Not on
/// Fargate: with platform 1.3.0 retired (ES066) every Fargate task runs
/// 1.4.0 or later, where JSON keys and versions work.
pub(super) fn key_or_version_reminder(input: &Input<'_>, out: &mut Report<'_>) {
    if input.td.requires_fargate() {
        // A known old platform: ES035 (and ES066) decide. An unknown one is
        // 1.4.0 or later, since 1.3.0 is retired and runs no task any more.
        return;
    }
    for site in &input.sites {
        if !site.reference().is_some_and(SecretRef::selects_key_or_version) {
            continue;
        }
        out.push(out.diag(
            site.site.path.clone(),
            format!(
                "{}: the reference selects a JSON key or a version; on EC2 this needs ECS container agent 1.37.0 \
                 or later on the container instances",
                describe_site(&site.site)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, container, known_ctx, run, td};
    use super::*;
    use crate::context::Context;
    use crate::fix::Edit;

    fn task(refs: &[&str]) -> serde_json::Value {
        let secrets: Vec<_> =
            refs.iter().enumerate().map(|(i, r)| json!({"name": format!("S{i}"), "valueFrom": r})).collect();
        json!({"family": "f", "containerDefinitions": [container(json!({ "secrets": secrets }))]})
    }

    const HERE: &str = "arn:aws:ssm:eu-west-1:123456789012:parameter/here";
    const THERE: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/there";
    const P0: &[&str] = &["/containerDefinitions/0/secrets/0/valueFrom"];

    #[test]
    fn bare_names_next_to_other_locations() {
        let unknown = Context::default();
        check(
            "ES034",
            &known_ctx(),
            &[
                (task(&["/bare"]), &[]),
                (task(&["/bare", HERE]), &[]),
                (task(&["/bare", THERE]), P0),
                // Placeholders are not another location.
                (task(&["/bare", "arn:aws:ssm:REGION:awsExampleAccountID:parameter/x"]), &[]),
            ],
        );
        check(
            "ES034",
            &unknown,
            &[(task(&["/bare"]), &[]), (task(&["/bare", HERE]), P0), (task(&["/bare", HERE, THERE]), P0)],
        );
        assert_eq!(run("ES034", &td(task(&["/bare", HERE])), &unknown)[0].severity, Severity::Info);
        assert_eq!(run("ES034", &td(task(&["/bare", HERE, THERE])), &unknown)[0].severity, Severity::Warning);
        let d = &run("ES034", &td(task(&["/prod/bare", THERE])), &known_ctx())[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(
            d.fix.as_ref().unwrap().edits,
            [Edit::Replace {
                path: P0[0].into(),
                value: json!("arn:aws:ssm:eu-west-1:123456789012:parameter/prod/bare")
            }]
        );
        assert!(d.message.contains("us-east-1/123456789012"), "{}", d.message);
    }

    #[test]
    fn cross_account_references() {
        let other_sm = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf";
        let other_ssm = "arn:aws:ssm:eu-west-1:111122223333:parameter/db";
        let own = "arn:aws:ssm:us-east-1:123456789012:parameter/db";
        check(
            "ES038",
            &known_ctx(),
            &[
                (
                    task(&[own, "/bare", other_sm, other_ssm]),
                    &["/containerDefinitions/0/secrets/2/valueFrom", "/containerDefinitions/0/secrets/3/valueFrom"],
                ),
                (task(&["arn:aws:ssm:eu-west-1:awsExampleAccountID:parameter/db"]), &[]),
            ],
        );
        check("ES038", &Context::default(), &[(task(&[other_sm]), &[])]);
        let d = &run("ES038", &td(task(&[other_sm])), &known_ctx())[0];
        assert!(d.message.contains("customer-managed KMS key"), "{}", d.message);
    }

    #[test]
    fn key_and_version_selection() {
        let key = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:username::";
        let whole = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf";
        let fargate = |refs: &[&str]| {
            let mut t = task(refs);
            t["requiresCompatibilities"] = json!(["EC2", "FARGATE"]);
            t
        };
        let on = |v: &str| Context { platform_version: Some(v.parse().unwrap()), ..known_ctx() };
        check(
            "ES035",
            &on("1.3.0"),
            &[(fargate(&[whole, key]), &["/containerDefinitions/0/secrets/1/valueFrom"]), (task(&[key]), &[])],
        );
        check("ES035", &on("1.4.0"), &[(fargate(&[key]), &[])]);
        check("ES035", &on("LATEST"), &[(fargate(&[key]), &[])]);
        check("ES035", &known_ctx(), &[(fargate(&[key]), &[])]);
        // Fargate runs 1.4.0 or later now (1.3.0 is retired): no reminder.
        check("ES036", &known_ctx(), &[(fargate(&[key, whole]), &[]), (task(&[key]), P0), (task(&[whole]), &[])]);
        check("ES036", &on("1.3.0"), &[(fargate(&[key]), &[])]);
        let ec2 = &run("ES036", &td(task(&[key])), &known_ctx())[0];
        assert!(ec2.message.contains("1.37.0"), "{}", ec2.message);
    }
}
