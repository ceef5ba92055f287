//! The rule registry: the one place a diagnostic code lives.
//!
//! Each entry gives the code, a short kebab-case name, the default severity,
//! whether a machine-applicable fix comes with it, a one-line summary and,
//! for lint rules, the function that checks it. The longer documentation of
//! each code (what it finds, why it matters, an example, the fix) is in
//! [`super::rule_docs`], keyed by the same code and tested to cover exactly
//! the codes here; it is a separate table so that the UI's WASM, which runs
//! the lint, does not carry the documentation text.
//!
//! Rules report through their entry ([`Report`]), so a rule file never types
//! a code or a severity. The plan's `EP0xx` codes are registered here too
//! (without a check: the planner reports them through [`plan_diagnostic`]).

use serde::Serialize;

use super::{
    Input, env, environment_files, fargate, limits, log_config, names, plaintext, references, repository_credentials,
    roles, secrets_manager, ssm_names, types, value_from,
};
use crate::diagnostic::{Diagnostic, Severity};

/// A rule's check: reports what it finds.
pub(crate) type Check = fn(&Input<'_>, &mut Report<'_>);

/// Whether a rule's diagnostics come with a machine-applicable fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    /// Every diagnostic of the rule has a fix.
    Always,
    /// Some do (when the repair is unambiguous).
    Sometimes,
    /// None do: the repair needs a decision only the user can make.
    None,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Always => "always",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::None => "none",
        }
    }
}

/// Which analysis reports a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// `ecs-secrets lint` (and `check`, the UI): the task definition alone.
    Lint,
    /// `ecs-secrets plan` / `apply`: the bundle against what AWS has.
    Plan,
}

/// One registered code.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    /// Short kebab-case name (`missing-family`).
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    pub origin: Origin,
    pub summary: &'static str,
    /// True for the rules that say a reference can never resolve: policy
    /// generation skips what any of them reports, so `lint` and `policy`
    /// agree on every reference.
    #[serde(skip)]
    pub(crate) validates_reference: bool,
    #[serde(skip)]
    pub(crate) check: Option<Check>,
}

/// Where a rule reports: diagnostics carry the rule's code, and its default
/// severity unless the rule says otherwise for one finding.
#[derive(Debug)]
pub(crate) struct Report<'o> {
    rule: &'static RuleInfo,
    out: &'o mut Vec<Diagnostic>,
}

impl RuleInfo {
    /// This rule's errors mean the reference can never be read.
    const fn validating_references(self) -> Self {
        RuleInfo { validates_reference: true, ..self }
    }
}

impl<'o> Report<'o> {
    pub(crate) fn new(rule: &'static RuleInfo, out: &'o mut Vec<Diagnostic>) -> Self {
        Report { rule, out }
    }

    /// A diagnostic of this rule at its default severity (not yet reported).
    pub(crate) fn diag(&self, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.rule.code, self.rule.severity, path, message)
    }

    /// A diagnostic of this rule at another severity, for the one finding
    /// the rule's documentation says differs (`ES083` on a known format).
    pub(crate) fn diag_as(
        &self,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(self.rule.code, severity, path, message)
    }

    /// Reports `d`.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

use FixAvailability::{Always, None as NoFix, Sometimes};
use Severity::{Error, Info, Warning};

const fn rule(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    fix: FixAvailability,
    summary: &'static str,
    check: Check,
) -> RuleInfo {
    RuleInfo {
        code,
        name,
        severity,
        fix,
        origin: Origin::Lint,
        summary,
        validates_reference: false,
        check: Some(check),
    }
}

const fn plan_code(code: &'static str, name: &'static str, severity: Severity, summary: &'static str) -> RuleInfo {
    RuleInfo {
        code,
        name,
        severity,
        fix: NoFix,
        origin: Origin::Plan,
        summary,
        validates_reference: false,
        check: None,
    }
}

/// The registry: every code, lint codes (`ES`) then plan codes (`EP`), each
/// in code order.
pub const RULES: &[RuleInfo] = &[
    rule("ES001", "invalid-family", Error, NoFix, "family missing or not ^[A-Za-z0-9_-]{1,255}$", names::family_name),
    rule(
        "ES002",
        "invalid-container-name",
        Error,
        NoFix,
        "container name missing or not ^[A-Za-z0-9_-]{1,255}$",
        names::container_name,
    ),
    rule("ES003", "missing-image", Error, NoFix, "container image missing", names::container_image),
    rule(
        "ES004",
        "duplicate-container-name",
        Error,
        NoFix,
        "two containers share one name",
        names::duplicate_container_name,
    ),
    rule(
        "ES005",
        "wrong-field-type",
        Error,
        NoFix,
        "a task definition field has the wrong JSON type",
        types::wrong_field_type,
    ),
    rule("ES010", "too-many-containers", Error, NoFix, "more than 10 containers", limits::container_count),
    rule(
        "ES011",
        "task-definition-too-large",
        Error,
        NoFix,
        "task definition JSON larger than 64 KiB",
        limits::document_size,
    ),
    rule("ES012", "too-many-tags", Error, NoFix, "more than 50 tags", limits::tag_count),
    rule(
        "ES013",
        "container-definitions-only",
        Info,
        NoFix,
        "a bare containerDefinitions array: the resource sets family and roles",
        names::container_definitions_only,
    ),
    rule(
        "ES015",
        "missing-execution-role",
        Error,
        NoFix,
        "secrets referenced without an executionRoleArn",
        roles::execution_role_required,
    ),
    rule(
        "ES016",
        "shared-execution-and-task-role",
        Warning,
        NoFix,
        "execution role and task role are the same role",
        roles::same_role,
    ),
    rule(
        "ES017",
        "invalid-role-arn",
        Error,
        NoFix,
        "role ARN not arn:PARTITION:iam::ACCOUNT:role/NAME",
        roles::role_arn_shape,
    ),
    rule(
        "ES018",
        "role-in-other-account",
        Warning,
        NoFix,
        "role ARN in another account than the task",
        roles::role_in_other_account,
    ),
    rule(
        "ES020",
        "environment-and-secret-clash",
        Error,
        NoFix,
        "same name in environment and secrets",
        env::environment_and_secret_clash,
    ),
    rule(
        "ES021",
        "duplicate-variable",
        Warning,
        NoFix,
        "same name twice within environment or within secrets",
        env::duplicate_within_list,
    ),
    rule(
        "ES022",
        "non-portable-variable-name",
        Warning,
        NoFix,
        "environment variable name is not portable",
        env::portable_variable_name,
    ),
    rule("ES023", "unnamed-entry", Error, NoFix, "environment or secret entry without a name", env::entry_without_name),
    rule(
        "ES030",
        "missing-reference",
        Error,
        NoFix,
        "valueFrom or credentialsParameter missing",
        value_from::missing_reference,
    )
    .validating_references(),
    rule(
        "ES031",
        "unparseable-reference",
        Error,
        NoFix,
        "secret reference does not parse",
        value_from::unparseable_reference,
    )
    .validating_references(),
    rule(
        "ES032",
        "invalid-account-id",
        Error,
        Sometimes,
        "ARN account id is not 12 digits",
        value_from::account_id_shape,
    )
    .validating_references(),
    rule(
        "ES033",
        "invalid-region",
        Error,
        Sometimes,
        "ARN region does not look like a region",
        value_from::region_shape,
    )
    .validating_references(),
    rule(
        "ES034",
        "bare-name-elsewhere",
        Warning,
        Sometimes,
        "bare SSM name may resolve in the wrong region/account",
        references::bare_name_elsewhere,
    ),
    rule(
        "ES035",
        "json-key-on-old-platform",
        Error,
        NoFix,
        "JSON key/version reference on Fargate below 1.4.0",
        references::key_or_version_too_old,
    ),
    rule(
        "ES036",
        "json-key-needs-recent-agent",
        Info,
        NoFix,
        "JSON key/version reference on EC2 needs agent 1.37.0",
        references::key_or_version_reminder,
    ),
    rule(
        "ES037",
        "partition-mismatch",
        Error,
        Sometimes,
        "ARN partition unknown or not the region's",
        value_from::partition_matches_region,
    )
    .validating_references(),
    rule(
        "ES038",
        "cross-account-reference",
        Info,
        NoFix,
        "reference into another account needs KMS and resource policies",
        references::cross_account_reference,
    ),
    rule(
        "ES040",
        "ssm-name-characters",
        Error,
        NoFix,
        "SSM parameter name has invalid characters",
        ssm_names::characters,
    )
    .validating_references(),
    rule(
        "ES041",
        "ssm-reserved-prefix",
        Error,
        NoFix,
        "SSM parameter name starts with reserved aws/ssm",
        ssm_names::reserved_prefix,
    )
    .validating_references(),
    rule(
        "ES042",
        "ssm-reserved-first-level",
        Warning,
        NoFix,
        "hierarchical SSM name starts with aws/ssm (unverified)",
        ssm_names::reserved_first_level,
    ),
    rule(
        "ES043",
        "ssm-name-too-deep",
        Error,
        NoFix,
        "SSM parameter name deeper than 15 levels",
        ssm_names::hierarchy_depth,
    )
    .validating_references(),
    rule("ES044", "ssm-name-too-long", Error, NoFix, "SSM parameter name or ARN too long", ssm_names::length)
        .validating_references(),
    rule(
        "ES045",
        "ssm-missing-leading-slash",
        Error,
        Always,
        "hierarchical SSM name without leading /",
        ssm_names::missing_leading_slash,
    )
    .validating_references(),
    rule(
        "ES046",
        "ssm-empty-level",
        Error,
        Sometimes,
        "empty SSM hierarchy level (double slash)",
        ssm_names::empty_level,
    )
    .validating_references(),
    rule(
        "ES047",
        "ssm-version-selector",
        Error,
        NoFix,
        "SSM version or label selector, which ECS does not accept",
        ssm_names::version_selector,
    )
    .validating_references(),
    rule(
        "ES050",
        "secret-arn-colon-layout",
        Error,
        Always,
        "Secrets Manager ARN with 1 or 2 optional fields",
        secrets_manager::colon_layout,
    )
    .validating_references(),
    rule(
        "ES051",
        "version-stage-and-id",
        Error,
        NoFix,
        "both version stage and version id",
        secrets_manager::stage_and_id,
    )
    .validating_references(),
    rule(
        "ES052",
        "partial-secret-arn",
        Warning,
        NoFix,
        "partial Secrets Manager ARN (no random suffix)",
        secrets_manager::partial_arn,
    ),
    rule(
        "ES053",
        "ambiguous-secret-suffix",
        Info,
        NoFix,
        "Secrets Manager suffix may be part of the name",
        secrets_manager::ambiguous_suffix,
    ),
    rule(
        "ES054",
        "invalid-secret-name",
        Error,
        NoFix,
        "Secrets Manager secret name invalid",
        secrets_manager::secret_name,
    )
    .validating_references(),
    rule(
        "ES055",
        "registry-credentials-not-a-secret",
        Error,
        NoFix,
        "registry credentials not a Secrets Manager ARN",
        repository_credentials::not_secrets_manager,
    )
    .validating_references(),
    rule(
        "ES056",
        "registry-credentials-other-account",
        Warning,
        NoFix,
        "registry credentials in another account",
        repository_credentials::other_account,
    ),
    rule("ES060", "fargate-network-mode", Error, Always, "FARGATE without networkMode awsvpc", fargate::network_mode),
    rule(
        "ES061",
        "fargate-task-size-missing",
        Error,
        Sometimes,
        "FARGATE without task-level cpu or memory",
        fargate::task_size_present,
    ),
    rule(
        "ES062",
        "fargate-task-size-invalid",
        Error,
        Sometimes,
        "FARGATE cpu/memory not a valid pair",
        fargate::task_size_pair,
    ),
    rule(
        "ES063",
        "fargate-large-cpu-platform",
        Error,
        NoFix,
        "FARGATE cpu 8192/16384 needs platform 1.4.0",
        fargate::large_cpu_platform,
    ),
    rule("ES064", "fargate-windows-cpu", Error, Always, "Windows on FARGATE needs cpu >= 1024", fargate::windows_cpu),
    rule(
        "ES065",
        "invalid-launch-type",
        Error,
        Sometimes,
        "requiresCompatibilities value is not a launch type",
        fargate::compatibility_values,
    ),
    rule(
        "ES066",
        "fargate-platform-retired",
        Error,
        NoFix,
        "Fargate platform version 1.3.0 or older is retired",
        fargate::retired_platform,
    ),
    rule(
        "ES070",
        "secret-options-without-driver",
        Error,
        NoFix,
        "secretOptions without a logDriver",
        log_config::secret_options_without_driver,
    ),
    rule(
        "ES071",
        "memory-below-reservation",
        Error,
        NoFix,
        "container memory below memoryReservation",
        log_config::memory_below_reservation,
    ),
    rule(
        "ES072",
        "invalid-environment-file",
        Error,
        NoFix,
        "environmentFiles entry not type s3 with an S3 object ARN",
        environment_files::environment_file_shape,
    ),
    rule(
        "ES080",
        "plaintext-credential",
        Error,
        Sometimes,
        "plaintext credential in environment",
        plaintext::known_credential_format,
    ),
    rule(
        "ES081",
        "plaintext-secret",
        Warning,
        Sometimes,
        "plaintext secret in environment",
        plaintext::secret_like_name,
    ),
    rule(
        "ES082",
        "plaintext-high-entropy",
        Warning,
        Sometimes,
        "plaintext random-looking value in environment",
        plaintext::high_entropy_value,
    ),
    rule(
        "ES083",
        "plaintext-log-option",
        Warning,
        Always,
        "plaintext secret in a log-driver option",
        plaintext::log_option_secret,
    ),
    rule(
        "ES084",
        "templated-secret",
        Warning,
        Sometimes,
        "secret-like variable whose value a template renders in",
        plaintext::templated_secret,
    ),
    plan_code("EP001", "account-mismatch", Error, "the credentials are for another account than the bundle's"),
    plan_code("EP002", "region-mismatch", Error, "the AWS client talks to another region than the bundle's"),
    plan_code("EP003", "existing-value-kept", Warning, "a value was supplied for a secret that exists; it is not used"),
    plan_code("EP004", "parameter-not-secure-string", Warning, "an existing SSM parameter is not a SecureString"),
    plan_code("EP005", "secret-missing-create-false", Error, "a secret does not exist and create is false"),
    plan_code("EP006", "secret-value-missing", Error, "a secret to create has no value supplied"),
    plan_code("EP010", "plan-reference-invalid", Error, "a task definition reference is missing or does not parse"),
    plan_code("EP011", "kms-key-not-grantable", Warning, "a KMS key cannot be granted (alias or not a key)"),
    plan_code(
        "EP012",
        "referenced-secret-missing",
        Error,
        "a referenced secret does not exist and is not in the bundle",
    ),
    plan_code("EP013", "policy-left-out", Warning, "policy generation left a reference out"),
    plan_code(
        "EP014",
        "role-policy-unreadable",
        Warning,
        "a policy of the role cannot be read; the pre-flight ignores it",
    ),
    plan_code("EP020", "execution-role-mismatch", Error, "executionRoleArn is not the bundle's execution role"),
    plan_code("EP021", "role-missing-create-false", Error, "the execution role does not exist and create is false"),
    plan_code("EP030", "service-missing", Error, "a service to redeploy does not exist or is not ACTIVE"),
    plan_code("EP040", "preflight-access-denied", Error, "pre-flight: the execution role may not read a reference"),
    plan_code(
        "EP041",
        "preflight-access-open",
        Warning,
        "pre-flight: a read depends on a key policy, or on a policy observe could not read",
    ),
];

/// Looks up a code.
pub fn rule_info(code: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.code == code)
}

/// Looks up a code that must be registered (a typo is a bug the registry
/// tests catch).
pub(crate) fn registered(code: &str) -> &'static RuleInfo {
    match rule_info(code) {
        Some(rule) => rule,
        None => &UNREGISTERED,
    }
}

/// Stands in for a code missing from the registry, so that a typo shows up
/// in the output (and fails the registry test) instead of panicking.
const UNREGISTERED: RuleInfo = plan_code("E????", "unregistered", Error, "unregistered code");

/// A plan diagnostic with `code`'s default severity.
pub fn plan_diagnostic(code: &str, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    let rule = registered(code);
    Diagnostic::new(if rule.code == UNREGISTERED.code { code } else { rule.code }, rule.severity, path, message)
}
