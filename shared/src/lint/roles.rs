//! The task execution role and the task role.
//!
//! The ECS agent fetches secrets (and private-registry credentials) with the
//! task execution role before the container starts; the application uses
//! the task role afterwards. The rules here catch a missing execution role,
//! the two being one role, and role ARNs that cannot be right.

use super::{Input, Report};
use crate::arn::Arn;
use crate::diagnostic::Severity;
use crate::location::AccountId;

/// ES015: any secret reference makes `executionRoleArn` mandatory.
pub(super) fn execution_role_required(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    if td.execution_role_arn.as_deref().is_some_and(|arn| !arn.trim().is_empty()) {
        return;
    }
    if td.execution_role_arn.is_none() && input.ctx.container_definitions_only {
        return; // The resource sets it (ES013 says so).
    }
    let sites = &input.sites;
    let Some(first) = sites.first().map(|s| &s.site) else {
        environment_files_need_role(input, out);
        return;
    };
    let what = match first.kind {
        crate::secret_ref::RefSite::Secret => "`secrets`",
        crate::secret_ref::RefSite::SecretOption => "log `secretOptions`",
        crate::secret_ref::RefSite::RepositoryCredentials => "`repositoryCredentials`",
        crate::secret_ref::RefSite::EnvironmentFile => "`environmentFiles`",
    };
    let role_hint = if td.task_role_arn.is_some() {
        " The `taskRoleArn` does not count: it is what your application uses after start."
    } else {
        ""
    };
    out.push(out.diag(
        "/executionRoleArn",
        format!(
            "the task references {} secret{} (first: {what} at {}) but has no `executionRoleArn`: the ECS agent reads \
             secrets with the task execution role before the container starts, so the task fails with \
             ResourceInitializationError. Add \"executionRoleArn\" with a role that trusts ecs-tasks.amazonaws.com and \
             may read these secrets.{role_hint}",
            sites.len(),
            if sites.len() == 1 { "" } else { "s" },
            first.path
        ),
    ));
}

/// ES015 for `environmentFiles` alone: the agent reads them from S3 with
/// the execution role too.
fn environment_files_need_role(input: &Input<'_>, out: &mut Report<'_>) {
    let files: usize =
        input.td.container_definitions.iter().map(|c| c.environment_files.iter().flatten().count()).sum();
    if files == 0 {
        return;
    }
    out.push(out.diag(
        "/executionRoleArn",
        format!(
            "the task reads {files} environment file{} from S3 but has no `executionRoleArn`: the ECS agent \
             downloads them with the task execution role (s3:GetObject on each object, s3:GetBucketLocation on its \
             bucket) before the container starts. Add \"executionRoleArn\" with a role that trusts \
             ecs-tasks.amazonaws.com and may read them",
            if files == 1 { "" } else { "s" }
        ),
    ));
}

/// ES016: one role as both execution role and task role.
pub(super) fn same_role(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let (Some(exec), Some(task)) = (td.execution_role_arn.as_deref(), td.task_role_arn.as_deref()) else { return };
    if !exec.trim().is_empty() && exec.trim() == task.trim() {
        out.push(out.diag(
            "/taskRoleArn",
            "`taskRoleArn` is the same role as `executionRoleArn`: the execution role is what the ECS agent uses to \
             pull images and fetch secrets, the task role is what your application code uses. Sharing one role lets \
             the application read every secret and pull every image the agent can; give the task its own role with \
             only what the application calls.",
        ));
    }
}

/// ES017: role ARNs must be `arn:PARTITION:iam::ACCOUNT:role/NAME`. The API
/// also accepts a short role name for `taskRoleArn`, so that is a warning.
pub(super) fn role_arn_shape(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (field, value, short_name_ok) in [
        ("taskRoleArn", td.task_role_arn.as_deref(), true),
        ("executionRoleArn", td.execution_role_arn.as_deref(), false),
    ] {
        let Some(value) = value else { continue };
        let Err(problem) = check_role_arn(value) else { continue };
        let path = format!("/{field}");
        let example = "write arn:aws:iam::123456789012:role/NAME (partition, empty region, 12-digit account, role/ and the role name)";
        if short_name_ok && !value.starts_with("arn:") && is_role_name(value) {
            out.push(out.diag_as(Severity::Warning,
                path,
                format!("`{field}` is a bare role name: ECS accepts it for the task role, but the full ARN is unambiguous and what IAM policies and other tools expect; {example}"),
            ));
        } else {
            out.push(out.diag(path, format!("`{field}` {problem}; {example}")));
        }
    }
}

/// ES018: ECS can only pass roles of the task's own account, so a role ARN
/// naming another (well-formed) account is a mistake; checked only when the
/// account is known.
pub(super) fn role_in_other_account(input: &Input<'_>, out: &mut Report<'_>) {
    let (td, ctx) = (input.td, input.ctx);
    let Some(own) = ctx.account_id() else { return };
    for (field, value) in [("taskRoleArn", &td.task_role_arn), ("executionRoleArn", &td.execution_role_arn)] {
        let Some(arn) = value.as_deref().filter(|v| check_role_arn(v).is_ok()) else { continue };
        let Some(account) = crate::arn::account_of(arn).filter(|a| AccountId::is_valid(a)) else { continue };
        if account != own {
            out.push(out.diag(
                format!("/{field}"),
                format!(
                    "`{field}` is a role in account {account}, but the task runs in {own}: ECS passes only roles of \
                     the task's own account — create the role in {own} (or check --account)"
                ),
            ));
        }
    }
}

/// Checks the shape of a role ARN; the account id's digits are ES032's job.
pub(super) fn check_role_arn(arn: &str) -> Result<(), &'static str> {
    if arn.trim().is_empty() {
        return Err("is empty");
    }
    let Some(Arn { partition, service, region, account, resource }) = Arn::parse(arn) else {
        return Err("is not an ARN");
    };
    if partition.is_empty() {
        return Err("is not an ARN");
    }
    if service != "iam" {
        return Err("is not an IAM ARN (the service must be `iam`)");
    }
    if !region.is_empty() {
        return Err("has a region, but IAM ARNs have none (`iam::ACCOUNT`)");
    }
    if account.is_empty() {
        return Err("has no account id");
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err("is not a role ARN (the resource must be `role/NAME`)");
    };
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    if !is_role_name(name) || !path_and_name.bytes().all(|b| b == b'/' || is_role_name_byte(b)) {
        return Err("has an invalid role name (letters, digits and `+=,.@_-`, up to 64 characters)");
    }
    Ok(())
}

/// An IAM role name: 1-64 letters, digits and `+=,.@_-`.
pub(crate) fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(is_role_name_byte)
}

fn is_role_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, container, known_ctx, run, td};
    use super::*;

    #[test]
    fn execution_role_is_required_for_any_secret() {
        let with = |c: serde_json::Value| json!({"family": "f", "containerDefinitions": [container(c)]});
        check(
            "ES015",
            &known_ctx(),
            &[
                (with(json!({})), &[]),
                (with(json!({"environment": [{"name": "A", "value": "b"}]})), &[]),
                (with(json!({"secrets": [{"name": "A", "valueFrom": "/a"}]})), &["/executionRoleArn"]),
                (
                    with(
                        json!({"logConfiguration": {"logDriver": "splunk", "secretOptions": [{"name": "splunk-token", "valueFrom": "/t"}]}}),
                    ),
                    &["/executionRoleArn"],
                ),
                (
                    with(
                        json!({"repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:r-AbCdEf"}}),
                    ),
                    &["/executionRoleArn"],
                ),
                (
                    json!({"executionRoleArn": " ", "containerDefinitions": [container(json!({"secrets": [{"name": "A", "valueFrom": "/a"}]}))]}),
                    &["/executionRoleArn"],
                ),
                (
                    json!({"executionRoleArn": "arn:aws:iam::123456789012:role/e", "containerDefinitions": [container(json!({"secrets": [{"name": "A", "valueFrom": "/a"}]}))]}),
                    &[],
                ),
            ],
        );
        let d = run(
            "ES015",
            &td(
                json!({"taskRoleArn": "arn:aws:iam::123456789012:role/t", "containerDefinitions": [container(json!({"secrets": [{"name": "A", "valueFrom": "/a"}]}))]}),
            ),
            &known_ctx(),
        );
        assert!(d[0].message.contains("execution role") && d[0].message.contains("taskRoleArn"), "{}", d[0].message);
    }

    #[test]
    fn same_role_for_both() {
        let arn = "arn:aws:iam::123456789012:role/r";
        check(
            "ES016",
            &known_ctx(),
            &[
                (json!({"executionRoleArn": arn, "taskRoleArn": arn, "containerDefinitions": []}), &["/taskRoleArn"]),
                (
                    json!({"executionRoleArn": arn, "taskRoleArn": "arn:aws:iam::123456789012:role/t", "containerDefinitions": []}),
                    &[],
                ),
                (json!({"executionRoleArn": arn, "containerDefinitions": []}), &[]),
            ],
        );
    }

    #[test]
    fn roles_live_in_the_task_account() {
        let case = |exec: &str| json!({"executionRoleArn": exec, "taskRoleArn": "arn:aws:iam::123456789012:role/t", "containerDefinitions": []});
        check(
            "ES018",
            &known_ctx(),
            &[
                (case("arn:aws:iam::123456789012:role/e"), &[]),
                (case("arn:aws:iam::111122223333:role/e"), &["/executionRoleArn"]),
                (case("arn:aws:iam::awsExampleAccountID:role/e"), &[]),
            ],
        );
        check("ES018", &crate::context::Context::default(), &[(case("arn:aws:iam::111122223333:role/e"), &[])]);
    }

    #[test]
    fn role_arn_shapes() {
        let case = |exec: &str| json!({"executionRoleArn": exec, "containerDefinitions": []});
        let ok: &[&str] = &[];
        let bad: &[&str] = &["/executionRoleArn"];
        check(
            "ES017",
            &known_ctx(),
            &[
                (case("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"), ok),
                (case("arn:aws-cn:iam::123456789012:role/service-role/my.role@x"), ok),
                // The account id's shape is ES032's business.
                (case("arn:aws:iam::awsExampleAccountID:role/r"), ok),
                (case("ecsTaskExecutionRole"), bad),
                (case("arn:aws:iam:us-east-1:123456789012:role/r"), bad),
                (case("arn:aws:iam::123456789012:user/r"), bad),
                (case("arn:aws:sts::123456789012:assumed-role/r/s"), bad),
                (case("arn:aws:iam::123456789012:role/"), bad),
                (case("arn:aws:iam::123456789012:role/bad name"), bad),
                (case("arn:aws:iam:::role/r"), bad),
                (case(""), bad),
            ],
        );
        let short = run("ES017", &td(json!({"taskRoleArn": "myTaskRole", "containerDefinitions": []})), &known_ctx());
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].severity, Severity::Warning);
    }
}
