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
//! | Code  | Severity | What it finds |
//! |-------|----------|---------------|
//! | ES001 | error    | `family` missing or not `^[A-Za-z0-9_-]{1,255}$` |
//! | ES002 | error    | container `name` missing or not `^[A-Za-z0-9_-]{1,255}$` |
//! | ES003 | error    | container `image` missing or empty |
//! | ES004 | error    | two containers share one name |
//! | ES010 | error    | more than 10 containers |
//! | ES011 | error    | exported JSON larger than 64 KiB |
//! | ES012 | error    | more than 50 tags |
//! | ES015 | error    | secrets, secretOptions or repositoryCredentials without `executionRoleArn` |
//! | ES016 | warning  | `executionRoleArn` is the same role as `taskRoleArn` |
//! | ES017 | error    | role ARN not `arn:PARTITION:iam::ACCOUNT:role/NAME` (warning for a short `taskRoleArn` name) |
//! | ES018 | warning  | role ARN in another account than the task's (when the account is known) |
//! | ES020 | error    | one name in both `environment` and `secrets` of a container |
//! | ES021 | warning  | one name twice within `environment` or within `secrets` |
//! | ES022 | warning  | environment variable name not portable (`^[A-Za-z_][A-Za-z0-9_]*$`) |
//! | ES023 | error    | `environment`/`secrets`/`secretOptions` entry without a name |
//! | ES030 | error    | `valueFrom` / `credentialsParameter` missing or empty |
//! | ES031 | error    | reference that does not parse as an SSM name/ARN or a Secrets Manager ARN |
//! | ES032 | error    | ARN account id that is not 12 digits (references and role ARNs) |
//! | ES033 | error    | ARN region that does not look like a region (`us-east-1`) |
//! | ES034 | warning  | bare SSM name while other references live in another region/account (info when the task's own is unknown) |
//! | ES035 | error    | JSON key / version reference on a Fargate platform version below 1.4.0 |
//! | ES036 | info     | JSON key / version reference: needs Fargate 1.4.0 or ECS agent 1.37.0 |
//! | ES037 | error    | ARN partition unknown or not the one of its region (`arn:aws:ssm:cn-north-1:…`) |
//! | ES038 | info     | reference into another account (needs a customer-managed KMS key and policies; unverified) |
//! | ES040 | error    | SSM parameter name with characters outside `a-zA-Z0-9_.-/` |
//! | ES041 | error    | SSM parameter name starting with `aws` or `ssm` (reserved, cannot exist) |
//! | ES042 | warning  | hierarchical SSM name whose first level starts with `aws`/`ssm` (`/ssm-db/pw`; unverified) |
//! | ES043 | error    | SSM parameter name deeper than 15 levels |
//! | ES044 | error    | SSM parameter name longer than 1011 characters or ARN longer than 2048 |
//! | ES045 | error    | hierarchical SSM name without its leading `/` |
//! | ES046 | error    | empty SSM hierarchy level (`parameter//prod`, `/a//b`) |
//! | ES050 | error    | Secrets Manager ARN with 1 or 2 optional fields instead of 0 or 3 |
//! | ES051 | error    | Secrets Manager reference with both a version stage and a version id |
//! | ES052 | warning  | partial Secrets Manager ARN (no `-XXXXXX` suffix) |
//! | ES053 | info     | Secrets Manager ARN whose suffix may be part of the name |
//! | ES054 | error    | Secrets Manager secret name with bad characters or longer than 512 |
//! | ES055 | error    | `repositoryCredentials.credentialsParameter` not a Secrets Manager ARN (warning for a bare secret name) |
//! | ES056 | warning  | `repositoryCredentials` secret in another account than the task |
//! | ES060 | error    | FARGATE without `networkMode: awsvpc` |
//! | ES061 | error    | FARGATE without task-level `cpu` or `memory` |
//! | ES062 | error    | FARGATE `cpu`/`memory` unreadable or not a valid pair |
//! | ES063 | error    | FARGATE cpu 8192/16384 on a platform version below 1.4.0 |
//! | ES064 | error    | Windows on FARGATE with cpu below 1024 |
//! | ES065 | error    | `requiresCompatibilities` value that is not a launch type (`fargate`, `LAMBDA`) |
//! | ES070 | error    | `secretOptions` without a `logDriver` |
//! | ES071 | error    | container `memory` below its `memoryReservation` |
//! | ES080 | error    | plaintext credential in `environment` (known key/token format) |
//! | ES081 | warning  | plaintext secret in `environment` (secret-like name with a real value) |
//! | ES082 | warning  | plaintext random-looking value in `environment` (high entropy) |
//! | ES083 | warning  | plaintext secret in `logConfiguration.options` (error for a known credential format) |

use serde::Serialize;

use crate::context::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::task_def::TaskDefinition;

mod document_order;
mod env;
mod fargate;
mod limits;
mod log_config;
mod names;
mod plaintext;
mod references;
mod repository_credentials;
mod roles;
mod secrets_manager;
mod ssm_names;
mod value_from;

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

/// A rule's check: appends what it finds to the output.
pub(crate) type Check = fn(&Input<'_>, &mut Vec<Diagnostic>);

/// One rule: its stable code, default severity, a one-line summary (and,
/// inside the crate, the function that checks it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    #[serde(skip)]
    pub(crate) check: Check,
}

const fn rule(code: &'static str, severity: Severity, summary: &'static str, check: Check) -> RuleInfo {
    RuleInfo { code, severity, summary, check }
}

use Severity::{Error, Info, Warning};

/// The registry: every rule, in code order.
pub const RULES: &[RuleInfo] = &[
    rule("ES001", Error, "family missing or not ^[A-Za-z0-9_-]{1,255}$", names::family_name),
    rule("ES002", Error, "container name missing or not ^[A-Za-z0-9_-]{1,255}$", names::container_name),
    rule("ES003", Error, "container image missing", names::container_image),
    rule("ES004", Error, "two containers share one name", names::duplicate_container_name),
    rule("ES010", Error, "more than 10 containers", limits::container_count),
    rule("ES011", Error, "task definition JSON larger than 64 KiB", limits::document_size),
    rule("ES012", Error, "more than 50 tags", limits::tag_count),
    rule("ES015", Error, "secrets referenced without an executionRoleArn", roles::execution_role_required),
    rule("ES016", Warning, "execution role and task role are the same role", roles::same_role),
    rule("ES017", Error, "role ARN not arn:PARTITION:iam::ACCOUNT:role/NAME", roles::role_arn_shape),
    rule("ES018", Warning, "role ARN in another account than the task", roles::role_in_other_account),
    rule("ES020", Error, "same name in environment and secrets", env::environment_and_secret_clash),
    rule("ES021", Warning, "same name twice within environment or within secrets", env::duplicate_within_list),
    rule("ES022", Warning, "environment variable name is not portable", env::portable_variable_name),
    rule("ES023", Error, "environment or secret entry without a name", env::entry_without_name),
    rule("ES030", Error, "valueFrom or credentialsParameter missing", value_from::missing_reference),
    rule("ES031", Error, "secret reference does not parse", value_from::unparseable_reference),
    rule("ES032", Error, "ARN account id is not 12 digits", value_from::account_id_shape),
    rule("ES033", Error, "ARN region does not look like a region", value_from::region_shape),
    rule("ES034", Warning, "bare SSM name may resolve in the wrong region/account", references::bare_name_elsewhere),
    rule("ES035", Error, "JSON key/version reference on Fargate below 1.4.0", references::key_or_version_too_old),
    rule(
        "ES036",
        Info,
        "JSON key/version reference needs Fargate 1.4.0 / agent 1.37.0",
        references::key_or_version_reminder,
    ),
    rule("ES037", Error, "ARN partition unknown or not the region's", value_from::partition_matches_region),
    rule(
        "ES038",
        Info,
        "reference into another account needs KMS and resource policies",
        references::cross_account_reference,
    ),
    rule("ES040", Error, "SSM parameter name has invalid characters", ssm_names::characters),
    rule("ES041", Error, "SSM parameter name starts with reserved aws/ssm", ssm_names::reserved_prefix),
    rule("ES042", Warning, "hierarchical SSM name starts with aws/ssm (unverified)", ssm_names::reserved_first_level),
    rule("ES043", Error, "SSM parameter name deeper than 15 levels", ssm_names::hierarchy_depth),
    rule("ES044", Error, "SSM parameter name or ARN too long", ssm_names::length),
    rule("ES045", Error, "hierarchical SSM name without leading /", ssm_names::missing_leading_slash),
    rule("ES046", Error, "empty SSM hierarchy level (double slash)", ssm_names::empty_level),
    rule("ES050", Error, "Secrets Manager ARN with 1 or 2 optional fields", secrets_manager::colon_layout),
    rule("ES051", Error, "both version stage and version id", secrets_manager::stage_and_id),
    rule("ES052", Warning, "partial Secrets Manager ARN (no random suffix)", secrets_manager::partial_arn),
    rule("ES053", Info, "Secrets Manager suffix may be part of the name", secrets_manager::ambiguous_suffix),
    rule("ES054", Error, "Secrets Manager secret name invalid", secrets_manager::secret_name),
    rule("ES055", Error, "registry credentials not a Secrets Manager ARN", repository_credentials::not_secrets_manager),
    rule("ES056", Warning, "registry credentials in another account", repository_credentials::other_account),
    rule("ES060", Error, "FARGATE without networkMode awsvpc", fargate::network_mode),
    rule("ES061", Error, "FARGATE without task-level cpu or memory", fargate::task_size_present),
    rule("ES062", Error, "FARGATE cpu/memory not a valid pair", fargate::task_size_pair),
    rule("ES063", Error, "FARGATE cpu 8192/16384 needs platform 1.4.0", fargate::large_cpu_platform),
    rule("ES064", Error, "Windows on FARGATE needs cpu >= 1024", fargate::windows_cpu),
    rule("ES065", Error, "requiresCompatibilities value is not a launch type", fargate::compatibility_values),
    rule("ES070", Error, "secretOptions without a logDriver", log_config::secret_options_without_driver),
    rule("ES071", Error, "container memory below memoryReservation", log_config::memory_below_reservation),
    rule("ES080", Error, "plaintext credential in environment", plaintext::known_credential_format),
    rule("ES081", Warning, "plaintext secret in environment", plaintext::secret_like_name),
    rule("ES082", Warning, "plaintext random-looking value in environment", plaintext::high_entropy_value),
    rule("ES083", Warning, "plaintext secret in a log-driver option", plaintext::log_option_secret),
];

/// Runs every rule on `td` and returns the diagnostics sorted by path in
/// document order, then by code (then message, for full determinism).
pub fn lint(td: &TaskDefinition, ctx: &Context) -> Vec<Diagnostic> {
    let input = Input::new(td, ctx);
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(&input, &mut out);
    }
    // The rule order breaks ties, exactly as a stable sort would; the
    // unstable sort is smaller code in the UI's WASM.
    let mut keyed: Vec<_> = out.into_iter().enumerate().map(|(i, d)| (document_order::key(&d.path), i, d)).collect();
    keyed.sort_unstable_by(|(ka, ia, a), (kb, ib, b)| {
        ka.cmp(kb).then_with(|| a.code.cmp(&b.code)).then_with(|| a.message.cmp(&b.message)).then(ia.cmp(ib))
    });
    keyed.into_iter().map(|(_, _, d)| d).collect()
}

/// The task memory sizes (MiB) Fargate accepts with a task `cpu` value
/// (`"256"`, `"1 vCPU"`); empty when it is not a Fargate CPU size.
pub fn fargate_memory_options(cpu: &str) -> Vec<u64> {
    fargate::parse_cpu(cpu)
        .and_then(fargate::FargateSize::for_cpu)
        .map(|size| size.memory_options())
        .unwrap_or_default()
}

/// Looks up a rule by code.
pub fn rule_info(code: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.code == code)
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
/// family and container names.
fn is_ecs_name(name: &str) -> bool {
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
        let ctx = Context { platform_version: Some("LATEST".into()), ..known_ctx() };
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
    fn codes_are_unique_sorted_and_documented() {
        let docs = include_str!("mod.rs");
        for pair in RULES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
        for rule in RULES {
            assert!(rule.code.len() == 5 && rule.code.starts_with("ES"), "{}", rule.code);
            let row = format!("//! | {} | {:<8} |", rule.code, rule.severity.as_str());
            assert!(docs.contains(&row), "no doc row `{row}`");
        }
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
            let ctx = Context { region, account_id: account.map(str::to_owned), platform_version: platform };
            let found = lint(&td, &ctx);
            let as_json = serde_json::to_value(&td).unwrap();
            for d in &found {
                prop_assert!(rule_info(&d.code).is_some(), "unregistered code {}", d.code);
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
