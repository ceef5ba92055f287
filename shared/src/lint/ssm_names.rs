//! SSM Parameter Store names: characters, reserved prefixes, depth,
//! length and the shape of hierarchical names.
//!
//! AWS's own public parameters (`/aws/service/...` and the Secrets Manager
//! bridge `/aws/reference/secretsmanager/NAME`) are valid to reference even
//! though users cannot create names starting with `aws`.

use super::value_from::{ParsedSite, describe_site, replace_fix};
use super::{Input, Report};
use crate::secret_ref::{SecretRef, partition_for_region};

/// At most this many characters in a parameter name.
pub(crate) const MAX_NAME_CHARS: usize = 1011;
/// At most this many characters in a parameter ARN.
pub(super) const MAX_ARN_CHARS: usize = 2048;
/// At most this many levels in a hierarchical name.
pub(crate) const MAX_LEVELS: usize = 15;

/// The prefix of SSM parameters that read through to Secrets Manager.
pub(super) const SECRETS_MANAGER_BRIDGE: &str = "/aws/reference/secretsmanager/";
/// The prefix of AWS's public parameters (AMI ids, service metadata).
const AWS_PUBLIC: &str = "/aws/service/";

/// An SSM reference: where it is, the raw text, and the parameter name.
struct SsmRef<'s, 'a> {
    site: &'s ParsedSite<'a>,
    raw: &'a str,
    name: &'s str,
    is_arn: bool,
}

fn ssm_refs<'s, 'a>(sites: &'s [ParsedSite<'a>]) -> impl Iterator<Item = SsmRef<'s, 'a>> {
    sites.iter().filter_map(|site| {
        let raw = site.site.value_from?.trim();
        match site.reference()? {
            SecretRef::SsmName { name } => Some(SsmRef { site, raw, name, is_arn: false }),
            SecretRef::SsmArn { name, .. } => Some(SsmRef { site, raw, name, is_arn: true }),
            SecretRef::SecretsManager(_) => None,
        }
    })
}

/// True for AWS's public parameter paths, which the prefix ban and the
/// character rules of user parameters do not apply to.
fn is_aws_public(name: &str) -> bool {
    [AWS_PUBLIC, SECRETS_MANAGER_BRIDGE].iter().any(|p| name.len() > p.len() && name.starts_with(p))
}

fn starts_with_reserved(s: &str) -> bool {
    let lower = s.get(..3).map(str::to_ascii_lowercase);
    matches!(lower.as_deref(), Some("aws" | "ssm"))
}

/// The characters of `name` that no parameter name may contain (ES040),
/// each once, at most ten.
pub(crate) fn bad_name_characters(name: &str) -> String {
    name.chars().filter(|&c| !(c.is_ascii_alphanumeric() || "_.-/".contains(c))).fold(String::new(), |mut acc, c| {
        if !acc.contains(c) && acc.chars().count() < 10 {
            acc.push(c);
        }
        acc
    })
}

/// True for a name no user parameter can have (ES041): without a leading
/// `/`, it starts with `aws` or `ssm` (any case).
pub(crate) fn has_reserved_prefix(name: &str) -> bool {
    !name.starts_with('/') && starts_with_reserved(name)
}

/// The number of levels of a parameter name (ES043 allows [`MAX_LEVELS`]).
pub(crate) fn levels(name: &str) -> usize {
    name.trim_start_matches('/').split('/').count()
}

/// ES040: parameter names use `a-zA-Z0-9_.-` and `/`.
pub(super) fn characters(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        if r.name.starts_with(SECRETS_MANAGER_BRIDGE) {
            continue; // The secret's name follows Secrets Manager's rules (ES054).
        }
        // A `:3` / `:prod` selector is explained by ES047; check the name before it.
        let name = version_selector_of(r.name).map_or(r.name, |(name, _)| name);
        let bad = bad_name_characters(name);
        if !bad.is_empty() {
            let shown: Vec<String> = bad.chars().map(|c| format!("`{}`", c.escape_default())).collect();
            out.push(out.diag(
                r.site.site.path.clone(),
                format!(
                    "{}: parameter name `{}` contains {} — SSM parameter names use only letters, digits, `_`, `.`, `-` \
                     and `/`; rename the parameter",
                    describe_site(&r.site.site),
                    super::names::shorten(r.name),
                    shown.join(" ")
                ),
            ));
        }
    }
}

/// `/app/db:3` → (`/app/db`, `3`): a parameter name followed by an SSM
/// version number or label, the `name:selector` form the SSM API's
/// GetParameter takes. `None` when there is no such selector.
pub(super) fn version_selector_of(name: &str) -> Option<(&str, &str)> {
    let (base, selector) = name.rsplit_once(':')?;
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
    (plain(base) && plain(selector) && !selector.contains('/')).then_some((base, selector))
}

/// ES047: ECS does not accept SSM version or label selectors in
/// `valueFrom` (`/app/db:3`, `name:prod`; containers-roadmap #859): the
/// agent asks GetParameters for a parameter literally called `/app/db:3`.
pub(super) fn version_selector(input: &Input<'_>, out: &mut Report<'_>) {
    for r in ssm_refs(&input.sites) {
        let Some((name, selector)) = version_selector_of(r.name) else { continue };
        let what = if selector.bytes().all(|b| b.is_ascii_digit()) { "version" } else { "label" };
        out.push(out.diag(
            r.site.site.path.clone(),
            format!(
                "{}: `{}` selects SSM parameter {what} `{}` of `{}`, but ECS does not accept version or label \
                 selectors in valueFrom (aws/containers-roadmap#859) and the task fails to start. Reference the \
                 parameter without `:{}` (ECS reads its latest version), or keep the pinned value in its own \
                 parameter or in a Secrets Manager secret, whose ARN has version-stage and version-id fields",
                describe_site(&r.site.site),
                super::names::shorten(r.raw),
                super::names::shorten(selector),
                super::names::shorten(name),
                super::names::shorten(selector)
            ),
        ));
    }
}

/// ES041: user parameters cannot start with `aws` or `ssm` (any case), so
/// a reference to `awsExampleParameter` can never resolve.
pub(super) fn reserved_prefix(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        if has_reserved_prefix(r.name) {
            out.push(out.diag(
                r.site.site.path.clone(),
                format!(
                    "{}: parameter `{}` cannot exist — SSM reserves names starting with `aws` or `ssm` (any case). \
                     Create the parameter under your own name (e.g. `/{}/{}`) and reference that",
                    describe_site(&r.site.site),
                    super::names::shorten(r.name),
                    r.site.site.container_name.filter(|n| super::is_ecs_name(n)).unwrap_or("app"),
                    r.site.site.variable.filter(|v| super::env::is_portable_variable_name(v)).unwrap_or("NAME"),
                ),
            ));
        }
    }
}

/// ES042: whether a leading `/` exempts `/ssm-db/pw` from the prefix ban
/// is unverified, so such names get a warning, not an error.
pub(super) fn reserved_first_level(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        let Some(rest) = r.name.strip_prefix('/') else { continue };
        if is_aws_public(r.name) || !starts_with_reserved(rest) {
            continue;
        }
        out.push(out.diag(
            r.site.site.path.clone(),
            format!(
                "{}: parameter `{}` starts with `aws`/`ssm`, which SSM reserves; a leading `/` may not exempt it \
                 (AWS's own public paths are `/aws/service/...` and `/aws/reference/secretsmanager/...`). Check that \
                 the parameter exists, or rename it to a prefix of your own",
                describe_site(&r.site.site),
                super::names::shorten(r.name)
            ),
        ));
    }
}

/// ES043: at most 15 levels.
pub(super) fn hierarchy_depth(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        if r.name.starts_with(SECRETS_MANAGER_BRIDGE) {
            continue;
        }
        let levels = levels(r.name);
        if levels > MAX_LEVELS {
            out.push(out.diag(r.site.site.path.clone(),
                format!(
                    "{}: the parameter name has {levels} levels; SSM allows at most {MAX_LEVELS}: flatten the hierarchy",
                    describe_site(&r.site.site)
                ),
            ));
        }
    }
}

/// ES044: names up to 1011 characters, ARNs up to 2048.
pub(super) fn length(input: &Input<'_>, out: &mut Report<'_>) {
    let ctx = input.ctx;
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        let name_chars = r.name.chars().count();
        let arn_chars = if r.is_arn {
            Some(r.raw.chars().count())
        } else {
            // The length of `ssm_parameter_arn` for the task's location,
            // computed without building the string.
            ctx.region().zip(ctx.account_id()).map(|(region, account)| {
                let name = r.name.strip_prefix('/').unwrap_or(r.name);
                "arn::ssm:::parameter/".len()
                    + partition_for_region(region).len()
                    + region.chars().count()
                    + account.chars().count()
                    + name.chars().count()
            })
        };
        let problem = if name_chars > MAX_NAME_CHARS {
            format!("the parameter name is {name_chars} characters long; SSM allows at most {MAX_NAME_CHARS}")
        } else if let Some(n) = arn_chars.filter(|&n| n > MAX_ARN_CHARS) {
            format!("the parameter ARN is {n} characters long; SSM allows at most {MAX_ARN_CHARS}")
        } else {
            continue;
        };
        out.push(
            out.diag(
                r.site.site.path.clone(),
                format!("{}: {problem}: use a shorter name", describe_site(&r.site.site)),
            ),
        );
    }
}

/// ES045: a name with `/` is hierarchical and must start with `/`.
pub(super) fn missing_leading_slash(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        if r.is_arn || r.name.starts_with('/') || !r.name.contains('/') {
            continue;
        }
        let fixed = format!("/{}", r.name);
        out.push(
            out.diag(
                r.site.site.path.clone(),
                format!(
                    "{}: `{}` is a hierarchical parameter name without its leading `/`; SSM hierarchical names start \
                     with `/`: write `{}`",
                    describe_site(&r.site.site),
                    super::names::shorten(r.name),
                    super::names::shorten(&fixed)
                ),
            )
            .with_fix(replace_fix("Add the leading /", &r.site.site.path, fixed)),
        );
    }
}

/// ES046: no empty levels: `parameter//prod` (the leading `/` of a
/// hierarchical name merges into `parameter/`), `/a//b`, or a trailing `/`.
pub(super) fn empty_level(input: &Input<'_>, out: &mut Report<'_>) {
    let sites = &input.sites;
    for r in ssm_refs(sites) {
        let body = r.name.strip_prefix('/').unwrap_or(r.name);
        if !body.split('/').any(str::is_empty) {
            continue;
        }
        let collapsed = body.split('/').filter(|l| !l.is_empty()).collect::<Vec<_>>().join("/");
        let fixed = if r.is_arn {
            // Rebuild from the raw text: everything up to `parameter/`, then the collapsed name.
            r.raw.find(":parameter/").map(|i| format!("{}{}", &r.raw[..i + ":parameter/".len()], collapsed))
        } else if r.name.starts_with('/') || collapsed.contains('/') {
            Some(format!("/{collapsed}"))
        } else {
            Some(collapsed.clone())
        };
        let what = if r.is_arn && r.name.starts_with("//") {
            "the ARN has `parameter//`: a hierarchical name's leading `/` merges into `parameter/`".to_owned()
        } else {
            "the parameter name has an empty level (`//` or a trailing `/`)".to_owned()
        };
        let mut d = out.diag(
            r.site.site.path.clone(),
            format!("{}: {what}; no parameter has that name — remove the extra `/`", describe_site(&r.site.site)),
        );
        if let Some(fixed) = fixed.filter(|f| !f.is_empty() && !f.ends_with("parameter/")) {
            d = d.with_fix(replace_fix("Remove the extra /", &r.site.site.path, fixed));
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, run, secrets, td};
    use crate::fix::Edit;

    /// Runs `code` over one reference each and lists which ones it flagged.
    fn flagged(code: &str, refs: &[&str]) -> Vec<String> {
        let ds = run(code, &td(secrets(refs)), &known_ctx());
        ds.iter()
            .map(|d| {
                let i: usize = d.path.split('/').nth(4).and_then(|i| i.parse().ok()).unwrap();
                refs[i].to_owned()
            })
            .collect()
    }

    const ARN: &str = "arn:aws:ssm:eu-west-1:123456789012:parameter";

    #[test]
    fn characters_and_prefixes() {
        let refs = [
            "/prod/db/password",
            "db_password.v2-x",
            "/prod/db pw",
            "pw@home",
            "/aws/reference/secretsmanager/prod/db+x@y",
            "awsExampleParameter",
            "AWSfoo",
            "ssm_param",
            "SsmX",
            "/ssm-db/pw",
            "/aws-x",
            "/AWS/foo",
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "/aws/reference/secretsmanager/prod/db",
            "/aws/service/",
            "aw",
            "/prod/awsdb",
        ];
        assert_eq!(flagged("ES040", &refs), ["/prod/db pw", "pw@home"]);
        assert_eq!(flagged("ES041", &refs), ["awsExampleParameter", "AWSfoo", "ssm_param", "SsmX"]);
        assert_eq!(flagged("ES042", &refs), ["/ssm-db/pw", "/aws-x", "/AWS/foo", "/aws/service/"]);
        let arn_refs = [format!("{ARN}/awsExampleParameter"), format!("{ARN}/prod/db"), format!("{ARN}/aws/service/x")];
        let arn_refs: Vec<&str> = arn_refs.iter().map(String::as_str).collect();
        assert_eq!(flagged("ES041", &arn_refs), [arn_refs[0]]);
        assert!(flagged("ES042", &arn_refs).is_empty());
    }

    #[test]
    fn depth_and_length() {
        let deep16 = format!("/{}", vec!["a"; 16].join("/"));
        let deep15 = format!("/{}", vec!["a"; 15].join("/"));
        let long = format!("/{}", "a".repeat(1011));
        let max = "a".repeat(1011);
        let refs = [deep16.as_str(), deep15.as_str(), long.as_str(), max.as_str()];
        assert_eq!(flagged("ES043", &refs), [deep16.as_str()]);
        assert_eq!(flagged("ES044", &refs), [long.as_str()]);
        let long_arn = format!("{ARN}/{}", "a/".repeat(700) + "b");
        check("ES044", &known_ctx(), &[(secrets(&[&long_arn]), &["/containerDefinitions/0/secrets/0/valueFrom"])]);
    }

    #[test]
    fn hierarchical_shape_with_fixes() {
        let ds =
            run("ES045", &td(secrets(&["prod/db/pw", "/prod/db", "flat", &format!("{ARN}/prod/db")])), &known_ctx());
        assert_eq!(ds.len(), 1);
        assert_eq!(
            ds[0].fix.as_ref().unwrap().edits,
            [Edit::Replace { path: "/containerDefinitions/0/secrets/0/valueFrom".into(), value: json!("/prod/db/pw") }]
        );
        let refs = [
            format!("{ARN}//prod/db"),
            "/prod//db/".to_owned(),
            format!("{ARN}/prod/db"),
            "/prod/db".to_owned(),
            "a//b".to_owned(),
        ];
        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
        let ds = run("ES046", &td(secrets(&refs)), &known_ctx());
        let fixed: Vec<_> = ds
            .iter()
            .map(|d| match &d.fix.as_ref().unwrap().edits[0] {
                Edit::Replace { value, .. } => value.as_str().unwrap().to_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(fixed, [format!("{ARN}/prod/db"), "/prod/db".to_owned(), "/a/b".to_owned()]);
        assert!(ds[0].message.contains("parameter//"), "{}", ds[0].message);
    }
}
