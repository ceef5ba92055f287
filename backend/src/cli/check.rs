//! `ecs-secrets check FILE --role-policy POLICY.json…`: before deploying,
//! will the execution role be allowed to read every secret the task
//! definition references?
//!
//! Environment files count as references: the role needs `s3:GetObject` on
//! each object and `s3:GetBucketLocation` on its bucket.
//!
//! Exit codes (a contract): 0 when every reference is allowed, 1 when any
//! would be denied, 2 on bad input — which includes a reference that cannot
//! be checked at all (malformed, or a bare parameter name without
//! `--region`/`--account`): the run could not answer the question.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args as ClapArgs;
use serde::Serialize;
use serde_json::Value;
use shared::iam::access::{self, AccessReport, CheckContext, PolicyKind, ReferenceVerdict, VerdictStatus};
use shared::iam::eval::DecisionKind;
use shared::iam::policy::PolicyDocument;
use shared::{JsonInputError, JsonSyntax};

use super::context_args::GrantArgs;
use super::input::{self, Failure, InputProblem, Loaded, STDIN, TaskDefinitionFile};
use super::style::Style;
use super::{Format, exit, output};

/// Check that the execution role's policies allow every secret the task definition references.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: TaskDefinitionFile,
    /// A policy of the execution role: a policy document, or the output of `aws iam
    /// get-role-policy` / `aws iam get-policy-version`. Repeat for every policy of the role.
    #[arg(long = "role-policy", value_name = "POLICY.json", required = true)]
    pub role_policies: Vec<String>,
    /// The execution role's ARN (default: the task definition's executionRoleArn): lets
    /// conditions on the principal be evaluated and cross-account reads be judged as AWS does.
    #[arg(long, value_name = "ROLE_ARN")]
    pub role_arn: Option<String>,
    /// The resource policy of a secret (keyed by its ARN, with or without the random
    /// suffix) or the key policy of a KMS key (keyed by the key ARN): RESOURCE_ARN=POLICY.json.
    /// Needed to judge cross-account reads; a customer-managed key's policy decides
    /// kms:Decrypt, so without it such a reference "depends on the key policy". Repeatable.
    #[arg(long = "resource-policy", value_name = "RESOURCE_ARN=POLICY.json", value_parser = parse_resource_policy)]
    pub resource_policies: Vec<(String, String)>,
    /// Output format: text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub grant: GrantArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdin_uses = std::iter::once(&args.input.file)
        .chain(&args.role_policies)
        .chain(args.resource_policies.iter().map(|(_, path)| path))
        .filter(|p| *p == STDIN)
        .count();
    if stdin_uses > 1 {
        bail!("`-` (standard input) can be given only once: save all but one of the inputs to files");
    }
    let (loaded, notes) = args.grant.load(&args.input.file)?;
    output::stderr(&notes);
    let policies = args.role_policies.iter().map(|path| read_policy(path)).collect::<anyhow::Result<Vec<_>>>()?;
    let resource_policies = args
        .resource_policies
        .iter()
        .map(|(arn, path)| Ok((arn.clone(), read_policy(path)?)))
        .collect::<anyhow::Result<_>>()?;
    let context = CheckContext {
        location: args.grant.location.location(),
        kms_keys: args.grant.kms.by_reference(),
        principal: args.role_arn.clone(),
        resource_policies,
        ..CheckContext::default()
    };
    let report = access::check(&loaded.imported.task_definition, &policies, &context);
    let rendered = match args.format {
        Format::Text => text(&loaded, &args.role_policies, &report, Style::for_stdout())?,
        Format::Json => json(&loaded, &report)?,
    };
    output::stdout(&rendered)?;
    let open = |status| report.references.iter().any(|r| r.status == status);
    let code = if open(VerdictStatus::Denied) {
        exit::FINDINGS
    } else if open(VerdictStatus::DependsOnKeyPolicy) || open(VerdictStatus::Unverified) {
        output::stderr(
            "error: some references are not proven allowed: their KMS key's policy decides and was not given (pass it with --resource-policy KEY_ARN=key-policy.json, from aws kms get-key-policy), or a deciding policy could not be read\n",
        );
        exit::FINDINGS
    } else if report.references.iter().any(|r| r.status == VerdictStatus::Unchecked) {
        output::stderr(
            "error: some references could not be checked (see above): fix them (`ecs-secrets lint` explains) or pass --region and --account for bare parameter names\n",
        );
        exit::BAD_INPUT
    } else {
        exit::CLEAN
    };
    Ok(ExitCode::from(code))
}

/// Splits `RESOURCE_ARN=POLICY.json` at the last `=`: secret names (and so
/// their ARNs) may contain `=`, file paths seldom do.
fn parse_resource_policy(raw: &str) -> Result<(String, String), String> {
    match raw.rsplit_once('=') {
        Some((arn, path)) if arn.starts_with("arn:") && !path.is_empty() => Ok((arn.to_owned(), path.to_owned())),
        _ => Err(format!(
            "`{raw}` is not RESOURCE_ARN=POLICY.json; write e.g. arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf=secret-policy.json"
        )),
    }
}

/// Reads one role policy. Besides a bare policy document, accepts what the
/// AWS CLI prints for `iam get-role-policy` (`{"PolicyDocument": …}`) and
/// `iam get-policy-version` (`{"PolicyVersion": {"Document": …}}`).
fn read_policy(path: &str) -> anyhow::Result<PolicyDocument> {
    let (source, value) = input::read_json(path)?;
    let (document, prefix) = if let Some(document) = value.get("PolicyDocument") {
        (document, "/PolicyDocument")
    } else if let Some(document) = value.pointer("/PolicyVersion/Document") {
        (document, "/PolicyVersion/Document")
    } else {
        (&value, "")
    };
    // The IAM API returns documents URL-encoded inside a string; the CLI
    // decodes them, but a policy pasted from elsewhere may still be a string.
    let parsed = match document {
        Value::String(text) => PolicyDocument::parse(text),
        other => PolicyDocument::from_value_at(other, prefix),
    };
    parsed.map_err(|error| {
        let error = match error {
            JsonInputError::Syntax(JsonSyntax { line, column, message }) => JsonInputError::invalid(
                prefix,
                format!("the policy string is not JSON (line {line}, column {column}): {message}"),
            ),
            invalid => invalid,
        };
        let mut problem = InputProblem::from_json(&source.text, error);
        problem.message = format!("{}; fix the policy and try again", problem.message);
        Failure { name: source.name.clone(), problem }.into()
    })
}

fn status_word(status: VerdictStatus) -> &'static str {
    match status {
        VerdictStatus::Allowed => "allowed",
        VerdictStatus::Denied => "denied",
        VerdictStatus::DependsOnKeyPolicy => "depends on the key policy",
        VerdictStatus::Unverified => "unverified",
        VerdictStatus::Unchecked => "not checked",
    }
}

fn decision_word(decision: DecisionKind) -> &'static str {
    match decision {
        DecisionKind::Allowed => "allowed",
        DecisionKind::ExplicitDeny => "explicitly denied",
        DecisionKind::ImplicitDeny => "not allowed by any statement",
    }
}

/// What a reference is, for people: `app: secret DB_PASSWORD`.
fn subject(verdict: &ReferenceVerdict) -> String {
    let container = verdict.container.as_deref().unwrap_or("(unnamed container)");
    let what = match verdict.site {
        shared::RefSite::Secret => format!("secret {}", verdict.variable.as_deref().unwrap_or("(unnamed)")),
        shared::RefSite::SecretOption => {
            format!("log secret option {}", verdict.variable.as_deref().unwrap_or("(unnamed)"))
        }
        shared::RefSite::RepositoryCredentials => "registry credentials".to_owned(),
        shared::RefSite::EnvironmentFile => "environment file".to_owned(),
    };
    format!("{container}: {what}")
}

/// One block per reference: its place and verdict; for a reference that is
/// not allowed, each denied action with its fix.
fn text(loaded: &Loaded, policy_files: &[String], report: &AccessReport, style: Style) -> anyhow::Result<String> {
    let mut out = format!("{}\n", style.bold(&loaded.input.name));
    // Fixes name policies by index ("role policy #1"); say which file is which.
    let numbered: Vec<String> = policy_files
        .iter()
        .enumerate()
        .map(|(index, path)| format!("#{index} {}", input::display_name(path)))
        .collect();
    out.push_str(&format!("  {} {}\n", style.dim("role policies:"), numbered.join(", ")));
    if report.references.is_empty() {
        out.push_str("  the task definition references no secrets\n");
    }
    for verdict in &report.references {
        let at = loaded.position(&verdict.path);
        let status = status_word(verdict.status);
        let status = match verdict.status {
            VerdictStatus::Allowed => style.green(status),
            _ => style.red(status),
        };
        out.push_str(&format!(
            "  {}  {}  {status}  {}\n",
            style.dim(&format!("{}:{}", at.line, at.column)),
            subject(verdict),
            verdict.value_from.as_deref().unwrap_or("(no reference)")
        ));
        for check in &verdict.checks {
            if let Some(open) = &check.open {
                out.push_str(&format!("      {} on {}: {}\n", check.action, check.resource, open.message));
            } else if check.decision != DecisionKind::Allowed {
                let stand_in = if check.representative {
                    format!(" (checked as {})", check.evaluated_resource)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "      {} on {}{stand_in}: {}\n",
                    check.action,
                    check.resource,
                    decision_word(check.decision)
                ));
            }
            for missing in &check.missing_context_keys {
                out.push_str(&format!(
                    "      note: the decision depends on context key `{}`, which the check could not know\n",
                    missing.key
                ));
            }
            if let Some(fix) = &check.fix {
                out.push_str(&format!("      {} {}\n", style.green("fix:"), fix.message));
                if !fix.policies.is_empty() {
                    let names: Vec<&str> = fix.policies.iter().map(|p| p.describe()).collect();
                    out.push_str(&format!("        policies to change: {}\n", names.join(" and ")));
                }
                if let Some(statement) = &fix.statement {
                    out.push_str(&format!(
                        "        add to {}: {}\n",
                        PolicyKind::Identity.describe(),
                        serde_json::to_string(statement)?
                    ));
                }
                if let Some(statement) = &fix.resource_policy_statement {
                    let side =
                        if fix.policies.contains(&PolicyKind::Key) { PolicyKind::Key } else { PolicyKind::Resource };
                    out.push_str(&format!(
                        "        add to {}: {}\n",
                        side.describe(),
                        serde_json::to_string(statement)?
                    ));
                }
            }
        }
        for note in &verdict.notes {
            out.push_str(&format!("      note: {note}\n"));
        }
    }
    let count = |status| report.references.iter().filter(|r| r.status == status).count();
    let total = report.references.len();
    let open = count(VerdictStatus::DependsOnKeyPolicy) + count(VerdictStatus::Unverified);
    out.push_str(&format!(
        "\n{} {}: {} allowed, {} denied, {}{} not checked\n",
        total,
        if total == 1 { "reference" } else { "references" },
        count(VerdictStatus::Allowed),
        count(VerdictStatus::Denied),
        if open > 0 { format!("{open} depending on a key policy or unverified, ") } else { String::new() },
        count(VerdictStatus::Unchecked)
    ));
    Ok(out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    file: &'a str,
    all_allowed: bool,
    references: Vec<JsonVerdict<'a>>,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    #[serde(flatten)]
    verdict: &'a ReferenceVerdict,
    line: usize,
    column: usize,
}

/// `{"file", "allAllowed", "references": [{path, container, site, variable,
/// valueFrom, status, checks, notes, line, column}]}`.
fn json(loaded: &Loaded, report: &AccessReport) -> anyhow::Result<String> {
    let references = report
        .references
        .iter()
        .map(|verdict| {
            let at = loaded.position(&verdict.path);
            JsonVerdict { verdict, line: at.line, column: at.column }
        })
        .collect();
    output::json(&JsonReport { file: &loaded.input.name, all_allowed: report.all_allowed(), references })
}
