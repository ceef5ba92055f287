//! The execution role a bundle needs: its trust policy, its inline
//! permission policy, whether the AWS managed policy should be attached,
//! and a pre-flight check that the role's effective policies let the ECS
//! agent read every referenced secret.
//!
//! The permissions follow AWS's least-privilege rules: `ssm:GetParameters`
//! on each parameter ARN, `secretsmanager:GetSecretValue` on each secret
//! (its exact ARN when known, else `NAME-??????`, never `NAME*`), and
//! `kms:Decrypt` only on customer-managed keys.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The AWS managed policy for pulling from ECR and writing to CloudWatch Logs.
pub const MANAGED_POLICY_ARN: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// The service principal ECS uses to assume an execution role.
pub const ECS_TASKS_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

/// The inline policy this tool writes on the execution role, one per family.
pub fn inline_policy_name(family: &str) -> String {
    format!("ecs-secrets-{family}")
}

/// One permission the ECS agent needs, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub action: String,
    pub resource: String,
    /// JSON pointer (into the task definition) or bundle path that needs it.
    pub path: String,
}

/// The trust policy that lets ECS tasks assume the role.
pub fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": ECS_TASKS_PRINCIPAL},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The inline permission policy granting exactly `grants` (one statement per
/// action, resources sorted and de-duplicated so the document is stable).
pub fn permission_policy(grants: &[Grant]) -> Value {
    let actions: BTreeSet<&str> = grants.iter().map(|g| g.action.as_str()).collect();
    let statements: Vec<Value> = actions
        .into_iter()
        .map(|action| {
            let resources: BTreeSet<&str> =
                grants.iter().filter(|g| g.action == action).map(|g| g.resource.as_str()).collect();
            let resources: Vec<&str> = resources.into_iter().collect();
            let sid: String = action.chars().filter(char::is_ascii_alphanumeric).collect();
            json!({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resources})
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Whether the managed policy is recommended: images from ECR or the
/// `awslogs` log driver need what it grants.
pub fn managed_policy_recommended(td: &crate::task_def::TaskDefinition) -> bool {
    td.container_definitions.iter().any(|c| {
        let ecr = c.image.as_deref().is_some_and(|i| i.contains(".dkr.ecr.") && i.contains(".amazonaws.com"));
        let awslogs = c.log_configuration.as_ref().and_then(|l| l.log_driver.as_deref()) == Some("awslogs");
        ecr || awslogs
    })
}

/// Semantic equality of two IAM policy documents: single values and
/// one-element lists are the same, list order does not matter, keys are
/// case-sensitive as IAM's are.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(|v| v.to_string());
            items.dedup();
            if items.len() == 1 { items.remove(0) } else { Value::Array(items) }
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        other => other.clone(),
    }
}

/// The outcome of checking one grant against a role's policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck {
    pub action: String,
    pub resource: String,
    pub path: String,
    pub allowed: bool,
    /// Which statement decided, or why nothing did.
    pub detail: String,
}

/// The pre-flight access report: would the task's execution role be
/// allowed to read every reference?
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessReport {
    pub checks: Vec<AccessCheck>,
}

impl AccessReport {
    pub fn all_allowed(&self) -> bool {
        self.checks.iter().all(|c| c.allowed)
    }
}

/// Evaluates `grants` against identity policies (named documents): an
/// explicit Deny wins, then any Allow, else the implicit deny. Statements
/// with `NotAction`/`NotResource` or conditions are honoured conservatively:
/// a conditional Allow does not count, a conditional Deny does.
pub fn check_access(policies: &[(String, Value)], grants: &[Grant]) -> AccessReport {
    let checks = grants
        .iter()
        .map(|grant| {
            let mut allow = None;
            let mut deny = None;
            for (name, doc) in policies {
                for (index, statement) in statements(doc).into_iter().enumerate() {
                    let effect = statement.get("Effect").and_then(Value::as_str).unwrap_or("");
                    if !applies(statement, &grant.action, &grant.resource) {
                        continue;
                    }
                    let conditional = statement.get("Condition").is_some();
                    let label = format!("{name} statement {index}");
                    match effect {
                        "Deny" => deny = deny.or(Some(label)),
                        "Allow" if !conditional => allow = allow.or(Some(label)),
                        _ => {}
                    }
                }
            }
            let (allowed, detail) = match (deny, allow) {
                (Some(d), _) => (false, format!("explicitly denied by {d}")),
                (None, Some(a)) => (true, format!("allowed by {a}")),
                (None, None) => (false, "no policy of the role allows it (AccessDenied at task start)".to_owned()),
            };
            AccessCheck {
                action: grant.action.clone(),
                resource: grant.resource.clone(),
                path: grant.path.clone(),
                allowed,
                detail,
            }
        })
        .collect();
    AccessReport { checks }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn applies(statement: &Value, action: &str, resource: &str) -> bool {
    let action_ok = if let Some(not) = statement.get("NotAction") {
        !strings(Some(not)).iter().any(|p| glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    } else {
        strings(statement.get("Action")).iter().any(|p| glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    };
    let resource_ok = if let Some(not) = statement.get("NotResource") {
        !strings(Some(not)).iter().any(|p| glob(p, resource))
    } else {
        strings(statement.get("Resource")).iter().any(|p| glob(p, resource))
    };
    action_ok && resource_ok
}

/// IAM wildcard matching: `*` any run of characters, `?` exactly one.
/// A pattern `NAME-??????` matches the concrete `NAME-AbCdEf`, and also the
/// pattern itself (when only the wildcard form of a resource is known).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(action: &str, resource: &str) -> Grant {
        Grant { action: action.into(), resource: resource.into(), path: "/x".into() }
    }

    #[test]
    fn policies_compare_semantically() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let b = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}});
        assert!(same_policy(&a, &b));
        assert!(same_policy(&trust_policy(), &a));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!same_policy(&a, &c));
    }

    #[test]
    fn access_is_checked_statement_by_statement() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf";
        let grants = [grant("secretsmanager:GetSecretValue", arn), grant("ssm:GetParameters", "arn:aws:ssm:x")];
        let policy = permission_policy(&[grant(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-??????",
        )]);
        let report = check_access(&[("inline".into(), policy.clone())], &grants);
        assert!(report.checks[0].allowed, "{report:?}");
        assert!(!report.checks[1].allowed);
        assert!(!report.all_allowed());
        let deny = json!({"Statement": [{"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]});
        let report = check_access(&[("inline".into(), policy), ("deny".into(), deny)], &grants[..1]);
        assert!(!report.checks[0].allowed);
        assert!(report.checks[0].detail.contains("deny statement 0"), "{report:?}");
    }

    #[test]
    fn wildcards() {
        assert!(glob("db-??????", "db-AbCdEf"));
        assert!(!glob("db-??????", "db-other-AbCdEf"));
        assert!(glob("db*", "db-other-AbCdEf"));
        assert!(glob("*", ""));
        assert!(!glob("a?", "a"));
    }
}
