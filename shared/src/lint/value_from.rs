//! Secret references in general: missing, unparseable, and the account and
//! region fields of every ARN (references and role ARNs alike).

use serde_json::Value;

use super::{Input, Report};
use crate::arn::Arn;
use crate::fix::{Edit, Fix};
use crate::location::{AccountId, Region};
use crate::secret_ref::{RefSite, SecretRef, SecretRefError, is_partition, partition_for_region};
use crate::task_def::{SecretSite, TaskDefinition};

/// One reference site with its parse result: `parsed` is `None` when the
/// field is missing (ES030 explains that), else what the parser made of it
/// (ES031 explains an error).
#[derive(Debug)]
pub(crate) struct ParsedSite<'a> {
    pub site: SecretSite<'a>,
    pub parsed: Option<Result<SecretRef, SecretRefError>>,
}

impl ParsedSite<'_> {
    /// The reference, when the field is there and parses.
    pub fn reference(&self) -> Option<&SecretRef> {
        self.parsed.as_ref()?.as_ref().ok()
    }

    /// Why the field does not parse, when it is there and does not.
    pub fn error(&self) -> Option<&SecretRefError> {
        self.parsed.as_ref()?.as_ref().err()
    }
}

/// Every reference site of the task definition, parsed, in document order.
pub(super) fn parsed_sites(td: &TaskDefinition) -> Vec<ParsedSite<'_>> {
    td.secret_sites().into_iter().map(parse_site).collect()
}

/// One reference site, parsed.
pub(super) fn parse_site(site: SecretSite<'_>) -> ParsedSite<'_> {
    ParsedSite { parsed: site.value_from.map(SecretRef::parse), site }
}

/// The field name of a site's reference, for messages.
pub(super) fn field_name(kind: RefSite) -> &'static str {
    match kind {
        RefSite::Secret | RefSite::SecretOption => "valueFrom",
        RefSite::RepositoryCredentials => "credentialsParameter",
        RefSite::EnvironmentFile => "value",
    }
}

/// What a site is, for messages: "secret `DB_PASSWORD` of container `app`".
pub(super) fn describe_site(site: &SecretSite<'_>) -> String {
    let container = match site.container_name.filter(|n| !n.is_empty()) {
        Some(name) => format!("container `{name}`"),
        None => format!("container #{}", site.container_index),
    };
    let variable = site.variable.filter(|v| !v.is_empty()).unwrap_or("(unnamed)");
    match site.kind {
        RefSite::Secret => format!("secret `{variable}` of {container}"),
        RefSite::SecretOption => format!("log secret option `{variable}` of {container}"),
        RefSite::RepositoryCredentials => format!("registry credentials of {container}"),
        RefSite::EnvironmentFile => format!("environment file of {container}"),
    }
}

/// A fix that replaces the string at `path` with `value`.
pub(super) fn replace_fix(title: impl Into<String>, path: &str, value: String) -> Fix {
    Fix {
        title: title.into(),
        edits: vec![Edit::Replace { path: path.to_owned(), value: Value::String(value) }],
        create_secret: None,
    }
}

/// ES030: `valueFrom` and `credentialsParameter` are required.
pub(super) fn missing_reference(input: &Input<'_>, out: &mut Report<'_>) {
    for ParsedSite { site, .. } in &input.sites {
        if site.value_from.is_none_or(|raw| raw.trim().is_empty()) {
            out.push(out.diag(site.path.clone(),
                format!(
                    "{} has no `{}`: give the SSM parameter name or ARN, or the Secrets Manager secret ARN, to read the value from",
                    describe_site(site),
                    field_name(site.kind)
                ),
            ));
        }
    }
}

/// ES031: a reference that is neither an SSM name/ARN nor a Secrets
/// Manager ARN; the message is the parser's.
pub(super) fn unparseable_reference(input: &Input<'_>, out: &mut Report<'_>) {
    for parsed in &input.sites {
        let site = &parsed.site;
        match parsed.error() {
            None | Some(SecretRefError::Empty) => {}
            Some(err) => out.push(out.diag(site.path.clone(), format!("{}: {err}", describe_site(site)))),
        }
    }
}

/// An ARN found in the task definition: where it is, whose it is, its text.
struct ArnField<'s> {
    path: &'s str,
    owner: ArnOwner<'s>,
    raw: &'s str,
}

/// What holds an ARN: a role field or a reference site.
enum ArnOwner<'s> {
    Role(&'static str),
    Site(&'s SecretSite<'s>),
}

impl ArnField<'_> {
    /// Role ARNs are always in the task's own account.
    fn is_role(&self) -> bool {
        matches!(self.owner, ArnOwner::Role(_))
    }

    /// What the ARN belongs to, for messages (built only when reporting).
    fn describe(&self) -> String {
        match self.owner {
            ArnOwner::Role(field) => format!("`{field}`"),
            ArnOwner::Site(site) => describe_site(site),
        }
    }
}

/// Every ARN in the task definition whose account and region we check.
fn arn_fields<'s>(input: &'s Input<'_>) -> Vec<ArnField<'s>> {
    let td = input.td;
    let mut fields = Vec::new();
    for (name, path, value) in [
        ("taskRoleArn", "/taskRoleArn", &td.task_role_arn),
        ("executionRoleArn", "/executionRoleArn", &td.execution_role_arn),
    ] {
        if let Some(raw) = value.as_deref().filter(|v| v.starts_with("arn:")) {
            fields.push(ArnField { path, owner: ArnOwner::Role(name), raw });
        }
    }
    for ParsedSite { site, .. } in &input.sites {
        if let Some(raw) = site.value_from.map(str::trim).filter(|v| v.starts_with("arn:")) {
            fields.push(ArnField { path: &site.path, owner: ArnOwner::Site(site), raw });
        }
    }
    fields
}

/// ES032: the account field of every ARN must be 12 digits.
pub(super) fn account_id_shape(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    for field in arn_fields(input) {
        let Some(arn) = Arn::parse(field.raw) else { continue };
        let account = arn.account;
        if account.is_empty() || AccountId::is_valid(account) {
            continue;
        }
        let mut d = out.diag(field.path,
            format!(
                "{}: account id `{}` is not 12 digits (a placeholder left from an example?); write the id of the account \
                 that owns it{}",
                field.describe(),
                super::names::shorten(account),
                if field.is_role() { " (roles are always in the task's own account)" } else { "" }
            ),
        );
        if let Some(own) = ctx.account_id() {
            let fixed = Arn { account: own, ..arn }.to_string();
            d = d.with_fix(replace_fix(format!("Use the task's account {own}"), field.path, fixed));
        }
        out.push(d);
    }
}

/// ES033: the region field of every reference ARN must look like a region.
/// IAM role ARNs have no region (ES017 reports one that has).
pub(super) fn region_shape(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    for field in arn_fields(input) {
        let Some(arn) = Arn::parse(field.raw) else { continue };
        let region = arn.region;
        if region.is_empty() || Region::is_valid(region) || field.is_role() {
            continue;
        }
        let mut d = out.diag(
            field.path,
            format!(
                "{}: `{}` is not an AWS region; write the region the parameter or secret lives in, e.g. `us-east-1`",
                field.describe(),
                super::names::shorten(region)
            ),
        );
        if let Some(own) = ctx.region() {
            let fixed = Arn { region: own, ..arn }.to_string();
            d = d.with_fix(replace_fix(format!("Use the task's region {own}"), field.path, fixed));
        }
        out.push(d);
    }
}

/// ES037: the partition must exist and match the region (`arn:aws:ssm:cn-north-1:…`
/// cannot resolve). Role ARNs have no region; they are compared with the
/// task's region when it is known.
pub(super) fn partition_matches_region(input: &Input<'_>, out: &mut Report<'_>) {
    for field in arn_fields(input) {
        let Some(arn) = Arn::parse(field.raw) else { continue };
        let (partition, region) = (arn.partition, arn.region);
        let region = if field.is_role() { input.ctx.region().unwrap_or_default() } else { region };
        let expected = Region::is_valid(region).then(|| partition_for_region(region));
        let problem = if !is_partition(partition) {
            format!("`{}` is not an AWS partition (`aws`, `aws-cn`, `aws-us-gov`, …)", super::names::shorten(partition))
        } else if let Some(expected) = expected.filter(|e| *e != partition) {
            format!("partition `{partition}` does not match region {region}, which is in `{expected}`")
        } else {
            continue;
        };
        let mut d = out.diag(
            field.path,
            format!(
                "{}: {problem}; an ARN in the wrong partition can never resolve — fix the partition",
                field.describe()
            ),
        );
        if let Some(expected) = expected {
            let fixed = Arn { partition: expected, ..arn }.to_string();
            d = d.with_fix(replace_fix("Use the region's partition", field.path, fixed));
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, one_container, run, secrets, td};
    use super::*;
    use crate::context::Context;

    #[test]
    fn missing_and_unparseable() {
        let ctx = known_ctx();
        let input = one_container(json!({
            "secrets": [{"name": "A"}, {"name": "B", "valueFrom": ""}, {"name": "C", "valueFrom": "arn:aws:s3:::b"},
                        {"name": "D", "valueFrom": "/ok"}],
            "repositoryCredentials": {}
        }));
        check(
            "ES030",
            &ctx,
            &[(
                input.clone(),
                &[
                    "/containerDefinitions/0/secrets/0/valueFrom",
                    "/containerDefinitions/0/secrets/1/valueFrom",
                    "/containerDefinitions/0/repositoryCredentials/credentialsParameter",
                ],
            )],
        );
        check("ES031", &ctx, &[(input, &["/containerDefinitions/0/secrets/2/valueFrom"])]);
        check(
            "ES031",
            &ctx,
            &[(
                secrets(&[
                    "arn:aws:ssm",
                    "arn:aws:kms:us-east-1:123456789012:key/x",
                    "arn:aws:ssm:us-east-1:123456789012:document/x",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf:k:s:i:extra",
                    "plain-name",
                ]),
                &[
                    "/containerDefinitions/0/secrets/0/valueFrom",
                    "/containerDefinitions/0/secrets/1/valueFrom",
                    "/containerDefinitions/0/secrets/2/valueFrom",
                    "/containerDefinitions/0/secrets/3/valueFrom",
                ],
            )],
        );
    }

    #[test]
    fn account_ids() {
        let input = json!({
            "executionRoleArn": "arn:aws:iam::awsExampleAccountID:role/exec",
            "taskRoleArn": "arn:aws:iam::123456789012:role/task",
            "containerDefinitions": [{"name": "a", "image": "x", "secrets": [
                {"name": "A", "valueFrom": "arn:aws:ssm:us-east-1:awsExampleAccountID:parameter/awsExampleParameter"},
                {"name": "B", "valueFrom": "arn:aws:ssm:us-east-1:111122223333:parameter/ok"},
                {"name": "C", "valueFrom": "arn:aws:secretsmanager:us-east-1:1234:secret:x-AbCdEf"}
            ]}]
        });
        check(
            "ES032",
            &Context::default(),
            &[(
                input.clone(),
                &[
                    "/executionRoleArn",
                    "/containerDefinitions/0/secrets/0/valueFrom",
                    "/containerDefinitions/0/secrets/2/valueFrom",
                ],
            )],
        );
        let with_ctx = run("ES032", &td(input), &known_ctx());
        let fix = with_ctx[1].fix.as_ref().expect("a fix when the account is known");
        assert_eq!(
            fix.edits,
            [Edit::Replace {
                path: "/containerDefinitions/0/secrets/0/valueFrom".into(),
                value: json!("arn:aws:ssm:us-east-1:123456789012:parameter/awsExampleParameter")
            }]
        );
    }

    #[test]
    fn partitions() {
        check(
            "ES037",
            &known_ctx(),
            &[
                (
                    secrets(&[
                        "arn:aws:ssm:eu-west-1:123456789012:parameter/x",
                        "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
                        "arn:aws:ssm:cn-north-1:123456789012:parameter/x",
                        "arn:aws-cn:ssm:us-east-1:123456789012:parameter/x",
                        "arn:amazon:ssm:us-east-1:123456789012:parameter/x",
                        "arn:aws-iso-f:secretsmanager:us-isof-south-1:123456789012:secret:x-AbCdEf",
                        "arn:aws:ssm:REGION:123456789012:parameter/x",
                    ]),
                    &[
                        "/containerDefinitions/0/secrets/2/valueFrom",
                        "/containerDefinitions/0/secrets/3/valueFrom",
                        "/containerDefinitions/0/secrets/4/valueFrom",
                    ],
                ),
                (
                    json!({"executionRoleArn": "arn:aws-cn:iam::123456789012:role/e", "containerDefinitions": []}),
                    &["/executionRoleArn"],
                ),
            ],
        );
        check(
            "ES037",
            &Context::default(),
            &[(json!({"executionRoleArn": "arn:aws-cn:iam::123456789012:role/e", "containerDefinitions": []}), &[])],
        );
        let d = run("ES037", &td(secrets(&["arn:aws:ssm:cn-north-1:123456789012:parameter/x"])), &known_ctx());
        assert_eq!(
            d[0].fix.as_ref().unwrap().edits,
            [Edit::Replace {
                path: "/containerDefinitions/0/secrets/0/valueFrom".into(),
                value: json!("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x")
            }]
        );
    }

    #[test]
    fn regions() {
        for (region, ok) in [
            ("us-east-1", true),
            ("us-gov-west-1", true),
            ("ap-southeast-2", true),
            ("eu-central-12", true),
            ("eusc-de-east-1", true),
            ("euro-de-east-1", false),
            ("US-EAST-1", false),
            ("useast1", false),
            ("us-east", false),
            ("us--1", false),
            ("u-east-1", false),
            ("us-east-1a", false),
            ("region", false),
        ] {
            assert_eq!(Region::is_valid(region), ok, "{region}");
        }
        check(
            "ES033",
            &known_ctx(),
            &[(
                secrets(&[
                    "arn:aws:ssm:REGION:123456789012:parameter/x",
                    "arn:aws:ssm:eu-west-1:123456789012:parameter/x",
                ]),
                &["/containerDefinitions/0/secrets/0/valueFrom"],
            )],
        );
    }
}
