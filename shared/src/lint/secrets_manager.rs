//! Secrets Manager references: the colon layout of the optional fields,
//! version selection, the random suffix and the secret's name.

use super::value_from::{ParsedSite, describe_site, replace_fix};
use super::{Input, Report};
use crate::secret_ref::{SecretArn, SecretRef};

/// At most this many characters in a secret name.
pub(super) const MAX_SECRET_NAME_CHARS: usize = 512;

fn secret_refs<'s, 'a>(
    sites: &'s [ParsedSite<'a>],
) -> impl Iterator<Item = (&'s ParsedSite<'a>, &'a str, &'s SecretArn)> {
    sites.iter().filter_map(|site| match site.reference()? {
        SecretRef::SecretsManager(arn) => Some((site, site.site.value_from?.trim(), arn)),
        _ => None,
    })
}

/// ES050: the optional fields come as none or all three, with empty ones
/// keeping their colons (`...:secret:db-AbCdEf:username::`).
pub(super) fn colon_layout(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for (site, raw, arn) in secret_refs(sites) {
        if !(1..=2).contains(&arn.optional_fields) {
            continue;
        }
        let padded = format!("{raw}{}", ":".repeat(3 - usize::from(arn.optional_fields)));
        out.push(
            out.diag(
                site.site.path.clone(),
                format!(
                    "{}: the reference has {} optional field{} after the secret name; ECS expects none or all three \
                     (json-key:version-stage:version-id), empty ones keeping their colons — append `{}`",
                    describe_site(&site.site),
                    arn.optional_fields,
                    if arn.optional_fields == 1 { "" } else { "s" },
                    ":".repeat(3 - usize::from(arn.optional_fields))
                ),
            )
            .with_fix(replace_fix("Pad the optional fields with colons", &site.site.path, padded)),
        );
    }
}

/// ES051: a version stage or a version id, not both.
pub(super) fn stage_and_id(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for (site, _, arn) in secret_refs(sites) {
        if arn.version_stage.is_some() && arn.version_id.is_some() {
            out.push(out.diag(
                site.site.path.clone(),
                format!(
                    "{}: the reference gives both a version stage and a version id; give one of them (leave the \
                     other field empty, keeping its colon) — without either, ECS reads AWSCURRENT",
                    describe_site(&site.site)
                ),
            ));
        }
    }
}

/// ES052: a partial ARN (no `-XXXXXX`) is a known cause of
/// ResourceInitializationError.
pub(super) fn partial_arn(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for (site, _, arn) in secret_refs(sites) {
        if arn.suffix.is_none() {
            out.push(out.diag(
                site.site.path.clone(),
                format!(
                    "{}: partial ARN — secret `{}` is referenced without the 6-character suffix AWS appended at \
                     creation, which can fail with ResourceInitializationError. Resolve the full ARN with `aws \
                     secretsmanager describe-secret --secret-id {}` and use its ARN",
                    describe_site(&site.site),
                    super::names::shorten(&arn.name),
                    super::names::shorten(&arn.name)
                ),
            ));
        }
    }
}

/// ES053: `my-secret` may be secret `my` with suffix `secret`, or a partial
/// ARN of `my-secret`.
pub(super) fn ambiguous_suffix(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for (site, _, arn) in secret_refs(sites) {
        let Some(suffix) = arn.suffix.as_deref().filter(|_| !arn.suffix_certain) else { continue };
        let full = arn.full_name();
        out.push(out.diag(
            site.site.path.clone(),
            format!(
                "{}: `-{suffix}` reads as the random suffix of secret `{}`, but it may be the end of the name \
                 `{}` (a partial ARN). If the secret is called `{}`, resolve its full ARN with `aws secretsmanager \
                 describe-secret --secret-id {}`; names ending in `-` and 6 characters confuse ARN matching",
                describe_site(&site.site),
                super::names::shorten(&arn.name),
                super::names::shorten(&full),
                super::names::shorten(&full),
                super::names::shorten(&full)
            ),
        ));
    }
}

/// ES054: secret names use letters, digits and `/_+=.@-`, up to 512
/// characters; a service-managed secret's `<service>!` prefix is part of a
/// valid name (`rds!db-…`). Also checks the secret behind an SSM
/// `/aws/reference/secretsmanager/NAME` reference.
pub(super) fn secret_name(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for site in sites {
        let name = match site.reference() {
            Some(SecretRef::SecretsManager(arn)) => arn.name.as_str(),
            Some(other) => match other.referenced_secret_name() {
                Some(name) => name,
                None => continue,
            },
            None => continue,
        };
        let Some(problem) = secret_name_problem(name) else { continue };
        out.push(out.diag(
            site.site.path.clone(),
            format!(
                "{}: secret name `{}` {problem}; no secret can have that name — check the reference",
                describe_site(&site.site),
                super::names::shorten(name)
            ),
        ));
    }
}

/// `rds!cluster-3f1c…` → (`rds`, `cluster-3f1c…`): secrets that AWS services
/// create and manage (RDS master-user passwords, Redshift, …) carry the
/// service's name and `!` before a name of their own. Such names are valid
/// to reference (no user can create one, so the `!` is not a typo).
pub fn service_managed_prefix(name: &str) -> Option<(&str, &str)> {
    let (service, rest) = name.split_once('!')?;
    let service_ok = !service.is_empty()
        && service.len() <= 32
        && service.starts_with(|c: char| c.is_ascii_lowercase())
        && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (service_ok && !rest.is_empty()).then_some((service, rest))
}

/// What is wrong with a Secrets Manager secret name (ES054), if anything:
/// "is N characters long; …" or "contains `c`; …".
pub(crate) fn secret_name_problem(name: &str) -> Option<String> {
    let chars = name.chars().count();
    // `rds!cluster-…`: AWS services create secrets under `<service>!`.
    let own_part = service_managed_prefix(name).map_or(name, |(_, rest)| rest);
    if chars > MAX_SECRET_NAME_CHARS {
        return Some(format!("is {chars} characters long; the most is {MAX_SECRET_NAME_CHARS}"));
    }
    own_part
        .chars()
        .find(|&c| !is_secret_name_char(c))
        .map(|bad| format!("contains `{}`; secret names use letters, digits and `/_+=.@-`", bad.escape_default()))
}

fn is_secret_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{known_ctx, one_container, run, td};
    use crate::fix::Edit;

    const SM: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret";

    /// Runs `code` over one reference each and lists which ones it flagged.
    fn flagged(code: &str, refs: &[String]) -> Vec<String> {
        let secrets: Vec<_> =
            refs.iter().enumerate().map(|(i, r)| json!({"name": format!("S{i}"), "valueFrom": r})).collect();
        let ds = run(code, &td(one_container(json!({ "secrets": secrets }))), &known_ctx());
        ds.iter()
            .map(|d| {
                let i: usize = d.path.split('/').nth(4).and_then(|i| i.parse().ok()).unwrap();
                refs[i].clone()
            })
            .collect()
    }

    fn refs(tails: &[&str]) -> Vec<String> {
        tails.iter().map(|t| if t.starts_with('/') { (*t).to_owned() } else { format!("{SM}:{t}") }).collect()
    }

    #[test]
    fn colon_layout_with_padding_fix() {
        let all = refs(&[
            "db-AbCdEf",
            "db-AbCdEf:username::",
            "db-AbCdEf:username",
            "db-AbCdEf:username:AWSCURRENT",
            "db-AbCdEf::::",
        ]);
        assert_eq!(flagged("ES050", &all), [all[2].clone(), all[3].clone()]);
        let secrets = json!([{"name": "U", "valueFrom": all[2]}]);
        let ds = run("ES050", &td(one_container(json!({ "secrets": secrets }))), &known_ctx());
        assert_eq!(
            ds[0].fix.as_ref().unwrap().edits,
            [Edit::Replace {
                path: "/containerDefinitions/0/secrets/0/valueFrom".into(),
                value: json!(format!("{SM}:db-AbCdEf:username::"))
            }]
        );
    }

    #[test]
    fn versions_and_suffixes() {
        let all = refs(&[
            "db-AbCdEf:key:AWSPREVIOUS:",
            "db-AbCdEf::AWSPREVIOUS:0123-abcd",
            "db-AbCdEf::::",
            "prod/db",
            "my-secret",
            "prod/db-x1Y2z3",
            "/aws/reference/secretsmanager/prod/db",
        ]);
        assert_eq!(flagged("ES051", &all), [all[1].clone()]);
        assert_eq!(flagged("ES052", &all), [all[3].clone()]);
        assert_eq!(flagged("ES053", &all), [all[4].clone()]);
        let msg =
            &run("ES052", &td(one_container(json!({"secrets": [{"name": "A", "valueFrom": all[3]}]}))), &known_ctx())
                [0]
            .message;
        assert!(msg.contains("aws secretsmanager describe-secret --secret-id prod/db"), "{msg}");
    }

    #[test]
    fn secret_names() {
        let long = format!("{}-AbCdEf", "a".repeat(513));
        let all = refs(&[
            "prod/db_+=.@-x-AbCdEf",
            "prod db-AbCdEf",
            &long,
            "/aws/reference/secretsmanager/prod/ok+x",
            "/aws/reference/secretsmanager/bad name",
        ]);
        assert_eq!(flagged("ES054", &all), [all[1].clone(), all[2].clone(), all[4].clone()]);
    }
}
