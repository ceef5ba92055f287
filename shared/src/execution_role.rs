//! The execution role's ARN and inline policy name. The policies themselves come
//! from [`crate::iam::generate`] and are compared with
//! [`crate::iam::policy::PolicyDocument::same_as`]; the pre-flight check is
//! [`crate::iam::access`].

/// The inline policy this tool writes on the execution role, one per family.
pub fn inline_policy_name(family: &str) -> String {
    format!("ecs-secrets-{family}")
}

/// The ARN of the role `name` in `account`: IAM ARNs have no region, but
/// their partition is the region's (`arn:aws-cn:iam::…` in China).
pub fn role_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:{}:iam::{account}:role/{name}", crate::secret_ref::partition_for_region(region))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::PolicyDocument;
    use serde_json::{Value, json};

    fn same_policy(a: &Value, b: &Value) -> bool {
        PolicyDocument::from_value(a).expect("valid").same_as(&PolicyDocument::from_value(b).expect("valid"))
    }

    #[test]
    fn role_arns_have_no_region_but_the_regions_partition() {
        assert_eq!(role_arn("eu-west-1", "123456789012", "web-exec"), "arn:aws:iam::123456789012:role/web-exec");
        assert_eq!(role_arn("cn-north-1", "123456789012", "web-exec"), "arn:aws-cn:iam::123456789012:role/web-exec");
    }

    #[test]
    fn name_has_the_family() {
        assert_eq!(inline_policy_name("web"), "ecs-secrets-web");
    }

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
        let two = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["x", "y"]}]});
        let swapped = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["y", "x"]}]});
        let fewer = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["y"]}]});
        assert!(same_policy(&two, &swapped));
        assert!(!same_policy(&two, &fewer));
    }
}
