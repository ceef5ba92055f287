//! `ecs-secrets policy FILE`: the execution role's least-privilege
//! permission policy for a task definition (or, with `--trust`, its trust
//! policy; with `--key-policy`, the statement each customer-managed key's
//! key policy needs for the role; with `--resource-policy`, the statement
//! each secret in another account needs in its resource policy).
//!
//! The policy JSON goes to stdout, ready for `aws iam put-role-policy
//! --policy-document file:///dev/stdin`; what the generator left out, advice
//! and the managed-policy recommendation go to stderr.
//!
//! Exit codes (a contract): 0 with a policy (or with none when the task
//! definition references nothing to read), 1 when it references secrets but
//! none can be granted — then stdout stays empty and stderr lists each
//! reference with why (never an empty policy a script would attach) — and 2
//! on bad input.

use std::process::ExitCode;

use clap::Args as ClapArgs;
use shared::iam::generate::{self, GenerateOptions, NoteLevel, ResourceSide};

use super::context_args::GrantArgs;
use super::input::{Loaded, TaskDefinitionFile};
use super::{exit, output};

/// Print the execution role's least-privilege permission policy (or trust policy) for a task definition.
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: TaskDefinitionFile,
    /// Print the execution role's trust policy (ecs-tasks.amazonaws.com may assume it) instead.
    #[arg(long, conflicts_with_all = ["key_policy", "resource_policy"])]
    pub trust: bool,
    /// Print, per customer-managed KMS key (--kms-key), the statement its key policy needs for the role instead.
    #[arg(long, conflicts_with = "resource_policy")]
    pub key_policy: bool,
    /// Print, per Secrets Manager secret in another account, the statement its resource policy needs instead.
    #[arg(long)]
    pub resource_policy: bool,
    /// The execution role the statements name (default: the task definition's executionRoleArn).
    #[arg(long, value_name = "ROLE_ARN")]
    pub role_arn: Option<String>,
    #[command(flatten)]
    pub grant: GrantArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Read the task definition even for --trust: a typo in the path or a
    // broken file should not go unnoticed.
    let (loaded, mut advice) = args.grant.load(&args.input.file)?;
    if args.trust {
        output::stdout(&output::json(&generate::trust_policy())?)?;
        return Ok(ExitCode::from(exit::CLEAN));
    }
    let options = args.grant.generate_options();
    let td = &loaded.imported.task_definition;
    if args.key_policy || args.resource_policy {
        return resource_side(&args, &loaded, &options);
    }
    let generated = generate::permission_policy(td, &options);
    if !generated.nothing_grantable() {
        output::stdout(&output::json(&generated.policy)?)?;
    }
    for note in &generated.notes {
        let level = match note.level {
            NoteLevel::Warning => "warning",
            NoteLevel::Info => "note",
        };
        advice.push_str(&format!("{level}: {}{}\n", place(&loaded, note.path.as_deref()), note.message));
    }
    if let Some(recommendation) = generate::managed_policy_recommendation(td, &options) {
        advice.push_str(&format!(
            "recommendation: also attach the AWS managed policy {} to the execution role:\n",
            recommendation.policy_arn
        ));
        for reason in &recommendation.reasons {
            advice.push_str(&format!("  - {reason}\n"));
        }
        advice.push_str(&format!("  ({})\n", recommendation.note));
    }
    if generated.nothing_grantable() {
        advice.push_str("error: no policy was printed: fix the references above (`ecs-secrets lint` explains each)\n");
        output::stderr(&advice);
        return Ok(ExitCode::from(exit::FINDINGS));
    }
    output::stderr(&advice);
    Ok(ExitCode::from(exit::CLEAN))
}

/// `--key-policy` / `--resource-policy`: a JSON array of
/// `{"policy", "resource", "statement"}`, the statement to add to the named
/// key's key policy or secret's resource policy.
fn resource_side(args: &Args, loaded: &Loaded, options: &GenerateOptions) -> anyhow::Result<ExitCode> {
    let td = &loaded.imported.task_definition;
    let Some(role) = args.role_arn.clone().or_else(|| td.execution_role_arn.clone()).filter(|r| r.starts_with("arn:"))
    else {
        anyhow::bail!(
            "{}: the statements name the execution role, and the task definition has no executionRoleArn ARN: add it, or give --role-arn arn:aws:iam::ACCOUNT:role/NAME",
            loaded.input.name
        );
    };
    let wanted = if args.key_policy { ResourceSide::KeyPolicy } else { ResourceSide::ResourcePolicy };
    let statements: Vec<_> =
        generate::resource_side_statements(td, options, &role).into_iter().filter(|s| s.policy == wanted).collect();
    output::stdout(&output::json(&statements)?)?;
    if statements.is_empty() {
        output::stderr(&match wanted {
            ResourceSide::KeyPolicy => format!(
                "{}: no customer-managed KMS key is given for its references (--kms-key SECRET_REF=KEY_ARN): no key policy needs a statement\n",
                loaded.input.name
            ),
            ResourceSide::ResourcePolicy => {
                format!(
                    "{}: no Secrets Manager secret in another account: no resource policy needs a statement\n",
                    loaded.input.name
                )
            }
        });
    } else if wanted == ResourceSide::KeyPolicy {
        output::stderr(
            "note: add each statement to the key's policy (aws kms get-key-policy --key-id KEY --policy-name default, then put-key-policy); a key whose policy delegates to the account (the default key policy) needs none for a role in that account\n",
        );
    }
    Ok(ExitCode::from(exit::CLEAN))
}

/// `FILE:LINE:COLUMN: POINTER: ` for a note about one reference, `FILE: `
/// for a note about the whole task definition.
fn place(loaded: &Loaded, path: Option<&str>) -> String {
    match path {
        Some(path) => {
            let at = loaded.position(path);
            format!("{}:{}:{}: {path}: ", loaded.input.name, at.line, at.column)
        }
        None => format!("{}: ", loaded.input.name),
    }
}
