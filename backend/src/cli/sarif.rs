//! SARIF 2.1.0 output of `ecs-secrets lint`, as GitHub code scanning reads it
//! (`github/codeql-action/upload-sarif`).
//!
//! One run; the driver lists every lint rule (so GitHub can show rule help
//! even for rules without results); each diagnostic becomes a result located
//! at the line and column of its JSON pointer in the original file. Files
//! that could not be linted become tool execution notifications and mark the
//! invocation unsuccessful.

use std::path::{Component, Path};

use serde::Serialize;
use shared::Severity;

use super::input::{Failure, STDIN};
use super::lint_report::FileReport;

/// The schema URI GitHub and SARIF viewers recognise for 2.1.0.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where people learn about the tool and its rules.
pub const INFORMATION_URI: &str = "https://github.com/ecs-secrets/ecs-secrets";

/// One rule as the SARIF driver describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDescription {
    /// The stable diagnostic code, e.g. `ES012`.
    pub id: String,
    /// The rule's short kebab-case name, e.g. `too-many-tags`.
    pub name: Option<String>,
    /// One sentence saying what the rule checks.
    pub summary: String,
    /// What the rule finds, in full.
    pub full_description: Option<String>,
    /// The rule's documentation as Markdown (why, example, fix).
    pub help_markdown: Option<String>,
    /// The rule's section in docs/rules.md.
    pub help_uri: Option<String>,
    /// The severity the rule reports with.
    pub severity: Severity,
}

impl RuleDescription {
    /// A registered rule with its documentation from the registry.
    pub fn of(rule: &shared::RuleInfo) -> Self {
        let docs = shared::lint::rule_docs::docs(rule.code);
        RuleDescription {
            id: rule.code.to_owned(),
            name: Some(rule.name.to_owned()),
            summary: rule.summary.to_owned(),
            full_description: docs.map(|d| d.what.to_owned()),
            help_markdown: Some(shared::lint::rule_docs::rule_markdown(rule)),
            help_uri: Some(shared::lint::rule_docs::help_uri(rule)),
            severity: rule.severity,
        }
    }

    /// The plain-text help: why it matters and the fix.
    fn help_text(&self) -> Option<String> {
        let docs = shared::lint::rule_docs::docs(&self.id)?;
        Some(format!("{} Fix: {}", docs.why, docs.fix))
    }
}

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Renders the reports as a SARIF 2.1.0 log. `rules` is the rule catalogue;
/// a diagnostic whose code is not in it gets a rule entry of its own so every
/// `ruleIndex` is valid.
pub fn render(reports: &[FileReport], rules: &[RuleDescription]) -> anyhow::Result<String> {
    let mut rules = rules.to_vec();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for report in reports {
        match report {
            FileReport::Failed { failure, .. } => notifications.push(notification(report.path(), failure)),
            FileReport::Linted { loaded, diagnostics, .. } => {
                for d in diagnostics {
                    let at = loaded.position(&d.path);
                    let mut text = d.message.clone();
                    if let Some(fix) = &d.fix {
                        text.push_str(&format!(" Fix: {}.", fix.title.trim_end_matches('.')));
                    }
                    results.push(SarifResult {
                        rule_id: d.code.clone(),
                        rule_index: rule_index(&mut rules, &d.code, d.severity, &d.message),
                        level: level(d.severity),
                        message: Message { text },
                        locations: vec![Location {
                            physical_location: physical_location(report.path(), at.line, at.column),
                        }],
                        properties: ResultProperties { json_pointer: loaded.source_pointer(&d.path) },
                    });
                }
            }
        }
    }
    log(&rules, results, notifications)
}

/// The audit as a SARIF 2.1.0 log: every lint diagnostic and every reference
/// that is not allowed becomes a result (rules `audit-denied`,
/// `audit-missing`, `audit-unverified`), located at the service's task
/// definition ARN (there is no file) with the JSON pointer in its properties.
pub fn render_audit(report: &shared::audit::AuditReport, rules: &[RuleDescription]) -> anyhow::Result<String> {
    use shared::audit::ReferenceStatus;
    let mut rules = rules.to_vec();
    let mut results = Vec::new();
    for service in &report.services {
        let uri =
            service.task_definition.clone().unwrap_or_else(|| format!("ecs:{}/{}", service.cluster, service.service));
        let mut push = |code: &str, severity: Severity, summary: &str, text: String, pointer: &str| {
            results.push(SarifResult {
                rule_id: code.to_owned(),
                rule_index: rule_index(&mut rules, code, severity, summary),
                level: level(severity),
                message: Message { text: format!("{}/{}: {text}", service.cluster, service.service) },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri.clone(), uri_base_id: None },
                        region: None,
                    },
                }],
                properties: ResultProperties { json_pointer: pointer.to_owned() },
            });
        };
        for d in &service.diagnostics {
            push(&d.code, d.severity, &d.message, d.message.clone(), &d.path);
        }
        for r in &service.references {
            let (code, severity, summary) = match r.status {
                ReferenceStatus::Allowed => continue,
                ReferenceStatus::Denied => {
                    ("audit-denied", Severity::Error, "the execution role may not read a referenced secret")
                }
                ReferenceStatus::Missing => ("audit-missing", Severity::Error, "a referenced secret does not exist"),
                ReferenceStatus::Unverified => {
                    ("audit-unverified", Severity::Warning, "access to a referenced secret could not be verified")
                }
            };
            let text = format!("{} ({}): {}", r.path, r.value_from.as_deref().unwrap_or("-"), r.reason);
            push(code, severity, summary, text, &r.path);
        }
        for problem in &service.problems {
            push(
                "audit-unreadable",
                Severity::Error,
                "a service's task definition could not be read",
                problem.clone(),
                "",
            );
        }
    }
    log(&rules, results, Vec::new())
}

/// The index of `code` in `rules`, adding a rule entry for a code the
/// catalogue does not have so every `ruleIndex` is valid.
fn rule_index(rules: &mut Vec<RuleDescription>, code: &str, severity: Severity, summary: &str) -> usize {
    if let Some(index) = rules.iter().position(|r| r.id == code) {
        return index;
    }
    rules.push(RuleDescription {
        id: code.to_owned(),
        name: None,
        summary: summary.to_owned(),
        full_description: None,
        help_markdown: None,
        help_uri: None,
        severity,
    });
    rules.len() - 1
}

/// One run of ecs-secrets with `rules`, `results` and `notifications`.
fn log(
    rules: &[RuleDescription],
    results: Vec<SarifResult>,
    notifications: Vec<Notification>,
) -> anyhow::Result<String> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "ecs-secrets",
                    information_uri: INFORMATION_URI,
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules
                        .iter()
                        .map(|rule| Rule {
                            id: rule.id.clone(),
                            name: rule.name.clone(),
                            short_description: Message { text: rule.summary.clone() },
                            full_description: rule.full_description.clone().map(|text| Message { text }),
                            help: rule.help_text().map(|text| Help { text, markdown: rule.help_markdown.clone() }),
                            help_uri: rule.help_uri.clone(),
                            default_configuration: Configuration { level: level(rule.severity) },
                        })
                        .collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            invocations: vec![Invocation {
                execution_successful: notifications.is_empty(),
                tool_execution_notifications: notifications,
            }],
            results,
        }],
    };
    super::output::json(&log)
}

// The SARIF object model, the part of it this tool writes. Field order
// follows the specification's examples so the output reads naturally.

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    information_uri: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
}

/// A rule's help: plain text, and Markdown for viewers that render it.
#[derive(Serialize)]
struct Help {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    /// The JSON pointer of the finding in the original document, for tools
    /// that want more than a line and column.
    json_pointer: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

fn notification(path: &str, failure: &Failure) -> Notification {
    let line = failure.problem.line.unwrap_or(1);
    let column = failure.problem.column.unwrap_or(1);
    Notification {
        level: "error",
        message: Message { text: format!("{}: {}", failure.name, failure.problem) },
        locations: vec![Location { physical_location: physical_location(path, line, column) }],
    }
}

fn physical_location(path: &str, line: usize, column: usize) -> PhysicalLocation {
    let uri = artifact_uri(path, std::env::current_dir().ok().as_deref());
    // A relative URI is relative to the checkout root; GitHub resolves the
    // %SRCROOT% base itself.
    let uri_base_id = (!uri.starts_with("file://")).then_some("%SRCROOT%");
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri, uri_base_id },
        region: Some(Region { start_line: line, start_column: column }),
    }
}

/// The artifact URI of a path argument: relative to the working directory
/// (the repository root in CI) when possible, as GitHub requires to match
/// results to files; a `file://` URI for an absolute path elsewhere.
pub fn artifact_uri(path: &str, cwd: Option<&Path>) -> String {
    if path == STDIN {
        return "stdin".to_owned();
    }
    let given = Path::new(path);
    let relative = if given.is_absolute() {
        match cwd.and_then(|cwd| given.strip_prefix(cwd).ok()) {
            Some(inside) => inside,
            None => return format!("file://{}", encode_path(given)),
        }
    } else {
        given
    };
    encode_path(relative).trim_start_matches('/').to_owned()
}

/// Joins the normal components of a path with `/`, percent-encoding what a
/// URI path may not contain. `.` components are dropped.
fn encode_path(path: &Path) -> String {
    let mut parts = Vec::new();
    let mut absolute = false;
    for component in path.components() {
        match component {
            Component::RootDir => absolute = true,
            Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => parts.push("..".to_owned()),
            Component::Normal(part) => parts.push(percent_encode(&part.to_string_lossy())),
        }
    }
    let joined = parts.join("/");
    if absolute { format!("/{joined}") } else { joined }
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@' | b'+' | b'=' | b',') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_relative_and_encoded() {
        let cwd = Path::new("/repo");
        for (path, expect) in [
            ("task.json", "task.json"),
            ("./deploy/task.json", "deploy/task.json"),
            ("/repo/deploy/my task.json", "deploy/my%20task.json"),
            ("/elsewhere/t#1.json", "file:///elsewhere/t%231.json"),
            ("../up/é.json", "../up/%C3%A9.json"),
            ("-", "stdin"),
        ] {
            assert_eq!(artifact_uri(path, Some(cwd)), expect, "{path}");
        }
        assert_eq!(artifact_uri("/x/y.json", None), "file:///x/y.json");
    }
}
