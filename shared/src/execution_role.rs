//! The execution role's inline policy name, and semantic comparison of
//! policy documents (so a re-apply does not rewrite a policy IAM merely
//! reformatted). The policies themselves come from [`crate::iam::generate`];
//! the pre-flight check is [`crate::iam::access`].

use serde_json::Value;

/// The inline policy this tool writes on the execution role, one per family.
pub fn inline_policy_name(family: &str) -> String {
    format!("ecs-secrets-{family}")
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
            // Equal keys are equal values: an unstable sort gives the same result.
            items.sort_unstable_by_key(|v| v.to_string());
            items.dedup();
            if items.len() == 1 { items.remove(0) } else { Value::Array(items) }
        }
        Value::Object(map) => {
            // Built by `extend` (inserts), not `collect` (sorts first): keeps a
            // stable sort instance out of the UI's WASM (size budget).
            let mut object = serde_json::Map::new();
            object.extend(map.iter().map(|(k, v)| (k.clone(), canonical(v))));
            Value::Object(object)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policies_compare_semantically() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let b = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}});
        assert!(same_policy(&a, &b));
        assert!(same_policy(&crate::iam::generate::trust_policy().to_value(), &a));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!same_policy(&a, &c));
        let two = json!({"Statement": [{"Effect": "Allow", "Action": "a", "Resource": ["x", "y"]}]});
        let swapped = json!({"Statement": [{"Effect": "Allow", "Action": "a", "Resource": ["y", "x"]}]});
        let fewer = json!({"Statement": [{"Effect": "Allow", "Action": "a", "Resource": ["y"]}]});
        assert!(same_policy(&two, &swapped));
        assert!(!same_policy(&two, &fewer));
    }
}
