//! The lint engine: turns a task definition into diagnostics.
//!
//! [`lint`] runs every rule of the [`RULES`] registry and returns what they
//! found, sorted by JSON pointer in document order, then by code. Each rule
//! is a free function in the file of its family and emits exactly one code,
//! so adding a rule means one function plus one registry line. A rule gets
//! an `Input`: the task definition, the [`Context`], and the facts every
//! family needs worked out once per run (each secret reference parsed, each
//! environment entry classified), which keeps a 64 KiB task definition with
//! hundreds of references well under a millisecond. Rules never fail and
//! never panic: a task definition that does not fit a rule's expectations is
//! exactly what the rule is there to explain.
//!
//! Paths are JSON pointers into the task definition. A diagnostic about a
//! missing field points where the field belongs (`/executionRoleArn`), so a
//! UI can highlight the parent and a fix can `add` right there.
//!
//! A fix is computed against the task definition as linted: apply one
//! ([`crate::fix::apply_fix`]), then lint again for the next. Fixes only
//! propose what is unambiguous (pad colons, add the leading `/`, the task's
//! own account or region for a placeholder, the nearest valid Fargate
//! memory, `awsvpc`, moving a plaintext value into a new SSM SecureString);
//! messages never contain an `environment` or log-option value.
//!
//! Every code, its severity and its documentation live in the [`RULES`]
//! registry (`registry.rs`, docs in `rule_docs.rs`); `docs/rules.md` and
//! `ecs-secrets rule CODE` are generated from it.

use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::task_def::TaskDefinition;

mod document_order;
mod env;
mod environment_files;
mod fargate;
mod limits;
mod log_config;
mod names;
mod plaintext;
mod references;
mod registry;
mod repository_credentials;
mod roles;
pub mod rule_docs;
mod secrets_manager;
mod ssm_names;
mod types;

/// The name rules of the lint, for checks outside it (bundle validation).
pub(crate) use roles::is_role_name;
pub(crate) use secrets_manager::secret_name_problem;
pub(crate) use ssm_names::{MAX_LEVELS, MAX_NAME_CHARS, bad_name_characters, has_reserved_prefix, levels};
mod value_from;

pub use environment_files::{S3Object, parse_s3_object_arn};
pub(crate) use registry::Report;
pub use registry::{FixAvailability, Origin, RULES, RuleInfo, plan_diagnostic, rule_info};
pub use secrets_manager::service_managed_prefix;
pub(crate) use types::modelled_object_at;

/// What a rule sees: the task definition, the context, and facts worked
/// out once per run (every reference parsed, every environment entry
/// classified), so that forty rules do not each redo that work.
#[derive(Debug)]
pub(crate) struct Input<'a> {
    pub td: &'a TaskDefinition,
    pub ctx: &'a Context,
    /// Every secret reference, parsed, in document order.
    pub sites: Vec<value_from::ParsedSite<'a>>,
    /// Every environment entry that looks like a plaintext secret.
    pub plaintext: Vec<plaintext::EnvFinding>,
}

impl<'a> Input<'a> {
    pub(crate) fn new(td: &'a TaskDefinition, ctx: &'a Context) -> Self {
        Input { td, ctx, sites: value_from::parsed_sites(td), plaintext: plaintext::findings(td) }
    }
}

/// Runs one registered rule on `input`.
fn run_rule(rule: &'static RuleInfo, input: &Input<'_>, out: &mut Vec<Diagnostic>) {
    if let Some(check) = rule.check {
        check(input, &mut Report::new(rule, out));
    }
}

/// Runs every rule on `td` and returns the diagnostics sorted by path in
/// document order, then by code (then message, for full determinism).
pub fn lint(td: &TaskDefinition, ctx: &Context) -> Vec<Diagnostic> {
    let input = Input::new(td, ctx);
    let mut out = Vec::new();
    for rule in RULES {
        run_rule(rule, &input, &mut out);
    }
    // The rule order breaks ties, exactly as a stable sort would; the
    // unstable sort is smaller code in the UI's WASM.
    let mut keyed: Vec<_> = out.into_iter().enumerate().map(|(i, d)| (document_order::key(&d.path), i, d)).collect();
    keyed.sort_unstable_by(|(ka, ia, a), (kb, ib, b)| {
        ka.cmp(kb).then_with(|| a.code.cmp(&b.code)).then_with(|| a.message.cmp(&b.message)).then(ia.cmp(ib))
    });
    keyed.into_iter().map(|(_, _, d)| d).collect()
}

/// The fields of the wrong JSON type (ES005) alone: what keeps a document
/// that imports from being register-ready (`normalize` refuses it).
pub fn wrong_field_types(td: &TaskDefinition) -> Vec<Diagnostic> {
    let ctx = Context::default();
    let input = Input { td, ctx: &ctx, sites: Vec::new(), plaintext: Vec::new() };
    let mut out = Vec::new();
    if let Some(rule) = rule_info(types::CODE) {
        run_rule(rule, &input, &mut out);
    }
    out
}

/// Lints an imported document: like [`lint`], knowing the input's shape (a
/// bare `containerDefinitions` array leaves `family` and the execution role
/// to the resource that registers it, see ES013).
pub fn lint_imported(imported: &crate::import::Imported, ctx: &Context) -> Vec<Diagnostic> {
    lint(&imported.task_definition, &context_for(imported, ctx))
}

/// `ctx` with what the input's shape tells the lint.
pub fn context_for(imported: &crate::import::Imported, ctx: &Context) -> Context {
    let container_definitions_only = imported.shape == crate::import::InputShape::ContainerDefinitions;
    Context { container_definitions_only, ..ctx.clone() }
}

/// The task memory sizes (MiB) Fargate accepts with a task `cpu` value
/// (`"256"`, `"1 vCPU"`); empty when it is not a Fargate CPU size.
pub fn fargate_memory_options(cpu: &str) -> Vec<u64> {
    fargate::parse_cpu(cpu)
        .and_then(fargate::FargateSize::for_cpu)
        .map(|size| size.memory_options())
        .unwrap_or_default()
}

/// The error diagnostics of the rules that decide whether the reference at
/// `site` can ever be read (malformed ARNs, impossible names, version
/// selectors …): the same verdict `lint` gives, so that policy generation
/// grants nothing lint calls impossible. Empty when the reference is valid.
pub fn reference_errors(site: &crate::task_def::SecretSite<'_>, ctx: &Context) -> Vec<Diagnostic> {
    // The rules look at the site alone (and at role ARNs, which an empty
    // task definition does not have).
    let td = TaskDefinition::default();
    let input = Input { td: &td, ctx, sites: vec![value_from::parse_site(site.clone())], plaintext: Vec::new() };
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| r.validates_reference) {
        run_rule(rule, &input, &mut out);
    }
    out.retain(|d| d.severity == crate::diagnostic::Severity::Error && d.path == site.path);
    out
}

/// `/containerDefinitions/{index}`.
fn container_path(index: usize) -> String {
    format!("/containerDefinitions/{index}")
}

/// How a container is called in messages: `app`, or `#2` when unnamed.
fn container_label(td: &TaskDefinition, index: usize) -> String {
    match td.container_definitions.get(index).and_then(|c| c.name.as_deref()).filter(|n| !n.is_empty()) {
        Some(name) => format!("`{name}`"),
        None => format!("#{index}"),
    }
}

/// True when the string matches `^[A-Za-z0-9_-]{1,255}$`, the pattern for
/// family and container names (ES001, ES002 and bundle validation).
pub(crate) fn is_ecs_name(name: &str) -> bool {
    (1..=255).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::test_support::{known_ctx, td};
    use super::*;

    fn codes_and_paths(ds: &[Diagnostic]) -> Vec<(&str, &str)> {
        ds.iter().map(|d| (d.code.as_str(), d.path.as_str())).collect()
    }

    #[test]
    fn a_correct_task_definition_is_clean() {
        let t = td(json!({
            "family": "web",
            "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
            "executionRoleArn": "arn:aws:iam::123456789012:role/web-exec",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "0.5 vCPU",
            "memory": "1 GB",
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
            "containerDefinitions": [{
                "name": "app",
                "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.2.3",
                "essential": true,
                "memory": 512,
                "memoryReservation": 256,
                "environment": [
                    {"name": "NODE_ENV", "value": "production"},
                    {"name": "PORT", "value": "8080"},
                    {"name": "PASSWORD_MIN_LENGTH", "value": "12"},
                    {"name": "DB_SECRET_NAME", "value": "/web/app/db"},
                    {"name": "API_URL", "value": "https://api.example.com/v1"}
                ],
                "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": "/web/app/DB_PASSWORD"},
                    {"name": "FLAT", "valueFrom": "flat_name"},
                    {"name": "ARN", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/web/app/x"},
                    {"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/api-AbC1eF"},
                    {"name": "DB_USER", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-x1Y2z3:username::"},
                    {"name": "BRIDGED", "valueFrom": "/aws/reference/secretsmanager/web/db"}
                ],
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk.example.com:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": "/web/splunk-token"}]
                },
                "repositoryCredentials": {
                    "credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-Q1w2E3"
                }
            }],
            "tags": [{"key": "team", "value": "web"}]
        }));
        let ctx = Context { platform_version: Some(crate::context::PlatformVersion::Latest), ..known_ctx() };
        let found = lint(&t, &ctx);
        assert_eq!(codes_and_paths(&found), [], "{found:#?}");
    }

    /// The AWS documentation's example, placeholders and all.
    #[test]
    fn the_aws_documentation_example() {
        let t = td(json!({
            "containerDefinitions": [{
                "name": "web",
                "image": "nginx",
                "secrets": [{
                    "name": "environment_variable_name",
                    "valueFrom": "arn:aws:ssm:us-east-2:awsExampleAccountID:parameter/awsExampleParameter"
                }]
            }]
        }));
        let found = lint(&t, &Context::default());
        let vf = "/containerDefinitions/0/secrets/0/valueFrom";
        assert_eq!(
            codes_and_paths(&found),
            [("ES001", "/family"), ("ES015", "/executionRoleArn"), ("ES032", vf), ("ES041", vf),],
            "{found:#?}"
        );
    }

    #[test]
    fn output_is_sorted_by_document_order_then_code() {
        let t = td(json!({
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [
                {"name": "b c", "environment": [{"name": "DB_PASSWORD", "value": "hunter2-x"}]},
                {"name": "b c", "image": "x"}
            ]
        }));
        let found = lint(&t, &known_ctx());
        assert_eq!(
            codes_and_paths(&found),
            [
                ("ES001", "/family"),
                ("ES060", "/networkMode"),
                ("ES061", "/cpu"),
                ("ES061", "/memory"),
                ("ES002", "/containerDefinitions/0/name"),
                ("ES003", "/containerDefinitions/0/image"),
                ("ES081", "/containerDefinitions/0/environment/0/value"),
                ("ES002", "/containerDefinitions/1/name"),
                ("ES004", "/containerDefinitions/1/name"),
            ]
        );
        assert_eq!(lint(&t, &known_ctx()), found, "deterministic");
    }

    #[test]
    fn codes_are_unique_sorted_and_named() {
        for pair in RULES.windows(2) {
            let same_origin = pair[0].origin == pair[1].origin;
            assert!(!same_origin || pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len(), "rule names are unique");
        for rule in RULES {
            let prefix = match rule.origin {
                Origin::Lint => "ES",
                Origin::Plan => "EP",
            };
            assert!(rule.code.len() == 5 && rule.code.starts_with(prefix), "{}", rule.code);
            assert_eq!(rule.check.is_some(), rule.origin == Origin::Lint, "{}", rule.code);
            assert!(rule.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", rule.name);
        }
    }

    /// Every `EP0xx` the planner reports is registered.
    #[test]
    fn plan_codes_are_registered() {
        let plan = include_str!("../plan.rs");
        let mut used = 0;
        for (at, _) in plan.match_indices("\"EP0") {
            let code = &plan[at + 1..at + 6];
            used += 1;
            assert!(rule_info(code).is_some_and(|r| r.origin == Origin::Plan), "{code} is not registered");
        }
        assert!(used > 10, "found only {used} plan codes in plan.rs");
    }
}

/// Robustness: whatever the task definition, `lint` does not panic, every
/// path points into the document (or where a missing field belongs), and
/// every fix applies.
#[cfg(test)]
mod robustness {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::fix::apply_fix;
    use crate::location::Location;

    /// Strings made of fragments that the rules care about.
    fn text() -> impl Strategy<Value = String> {
        const FRAGMENTS: &[&str] = &[
            "arn:",
            "aws",
            "aws-cn",
            ":",
            "/",
            "//",
            "ssm",
            "secretsmanager",
            "iam",
            "secret:",
            "parameter/",
            "role/",
            "-AbC1eF",
            "-abcdef",
            "123456789012",
            "us-east-1",
            "é",
            " ",
            "::",
            "vCPU",
            " GB",
            "0.25",
            ".",
            "0",
            "1024",
            "-----BEGIN",
            "PRIVATE KEY-----",
            "eyJ",
            "://",
            "@",
            "AKIA",
            "PASSWORD",
            "_",
            "Zx8vQ2mN7kL4pR9sT1wY6bH3",
            "~",
            "-",
            "LATEST",
            "WINDOWS",
            "9",
            "\u{1F600}",
        ];
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..8).prop_map(|parts| parts.concat())
    }

    fn maybe<T: Strategy>(s: T) -> impl Strategy<Value = Option<T::Value>> {
        prop::option::of(s)
    }

    fn named_entries(value_key: &'static str) -> impl Strategy<Value = Value> {
        prop::collection::vec((maybe(text()), maybe(text())), 0..4).prop_map(move |entries| {
            Value::Array(
                entries
                    .into_iter()
                    .map(|(name, value)| {
                        let mut entry = serde_json::Map::new();
                        if let Some(name) = name {
                            entry.insert("name".into(), json!(name));
                        }
                        if let Some(value) = value {
                            entry.insert(value_key.into(), json!(value));
                        }
                        Value::Object(entry)
                    })
                    .collect(),
            )
        })
    }

    fn container() -> impl Strategy<Value = Value> {
        (
            (maybe(text()), maybe(text()), maybe(any::<i64>()), maybe(any::<i64>())),
            (named_entries("value"), maybe(named_entries("valueFrom"))),
            (maybe(text()), maybe(named_entries("valueFrom")), maybe(text())),
            prop::collection::btree_map(text(), text(), 0..3),
        )
            .prop_map(
                |((name, image, memory, reservation), (env, secrets), (driver, secret_options, creds), options)| {
                    json!({
                        "name": name, "image": image, "memory": memory, "memoryReservation": reservation,
                        "environment": env, "secrets": secrets,
                        "logConfiguration": {"logDriver": driver, "options": options, "secretOptions": secret_options},
                        "repositoryCredentials": {"credentialsParameter": creds}
                    })
                },
            )
    }

    fn task() -> impl Strategy<Value = Value> {
        (
            (maybe(text()), maybe(text()), maybe(text()), maybe(text())),
            (maybe(prop::sample::select(vec!["FARGATE", "EC2"])), maybe(text()), maybe(text()), maybe(text())),
            prop::collection::vec(container(), 0..4),
        )
            .prop_map(|((family, task_role, exec_role, network), (compat, cpu, memory, os), containers)| {
                json!({
                    "family": family, "taskRoleArn": task_role, "executionRoleArn": exec_role, "networkMode": network,
                    "requiresCompatibilities": compat.map(|c| vec![c]), "cpu": cpu, "memory": memory,
                    "runtimePlatform": {"operatingSystemFamily": os},
                    "containerDefinitions": containers
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn lint_never_panics_and_fixes_apply(
            doc in task(),
            region in maybe(text()),
            account in maybe(prop::sample::select(vec!["123456789012", "awsExampleAccountID", ""])),
            platform in maybe(text()),
        ) {
            // `null` members mean "absent" in the model.
            let td: TaskDefinition = serde_json::from_value(doc).unwrap();
            // A context holds only valid names: arbitrary text becomes "unknown".
            let location = Location::new(region.and_then(|r| r.parse().ok()), account.and_then(|a| a.parse().ok()));
            let ctx = Context { location, platform_version: platform.and_then(|p| p.parse().ok()), ..Context::default() };
            let found = lint(&td, &ctx);
            let as_json = serde_json::to_value(&td).unwrap();
            for d in &found {
                let rule = rule_info(&d.code);
                prop_assert!(rule.is_some(), "unregistered code {}", d.code);
                let fixes = rule.map(|r| r.fix);
                prop_assert!(fixes != Some(FixAvailability::None) || d.fix.is_none(), "{} has a fix", d.code);
                prop_assert!(fixes != Some(FixAvailability::Always) || d.fix.is_some(), "{} has no fix", d.code);
                let parent = d.path.rsplit_once('/').map_or("", |(p, _)| p);
                prop_assert!(
                    as_json.pointer(&d.path).is_some() || as_json.pointer(parent).is_some(),
                    "{} points nowhere: {}", d.code, d.path
                );
                if let Some(fix) = &d.fix {
                    prop_assert!(apply_fix(&td, fix).is_ok(), "{} fix does not apply: {:?}", d.code, fix);
                }
            }
        }
    }
}
