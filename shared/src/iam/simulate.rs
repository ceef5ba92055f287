//! The request and response of `ecs-secrets iam simulate REQUEST.json`.
//!
//! Request:
//! ```json
//! {"action": "secretsmanager:GetSecretValue",
//!  "resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
//!  "principal": "arn:aws:iam::111122223333:role/exec",
//!  "context": {"aws:SourceVpc": "vpc-1", "aws:TagKeys": ["a", "b"], "aws:SecureTransport": true},
//!  "identityPolicies": [ {policy}, … ],
//!  "resourcePolicy": {policy}}
//! ```
//! `principal`, `context`, `identityPolicies` and `resourcePolicy` are
//! optional; unknown fields are ignored; context values may be strings,
//! numbers or booleans (converted to strings) or arrays of them; a policy may
//! also be given as a JSON string holding the policy (as IAM APIs return it).
//!
//! Response: the [`Decision`] — `{"decision": "allowed" | "explicitDeny" |
//! "implicitDeny", "matchedStatements": […], "missingContextKeys": […],
//! "notes": […]}`; the first note says which policy decided (identity,
//! resource, or — for a `kms` resource, whose `resourcePolicy` is its key
//! policy — the key policy and its delegation to the account).

use serde_json::Value;

use crate::iam::eval::{Decision, EvalRequest, RequestContext, evaluate};
use crate::iam::policy::PolicyDocument;
use crate::json_input::{JsonInputError, JsonProblem, JsonSyntax, kind};
use crate::json_pointer::escape;

/// The simulate command's output is the evaluator's decision.
pub type SimulateResponse = Decision;

/// A parsed simulate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulateRequest {
    pub request: EvalRequest,
    pub identity_policies: Vec<PolicyDocument>,
    pub resource_policy: Option<PolicyDocument>,
}

impl SimulateRequest {
    /// Reads a request from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Self, JsonInputError> {
        let Value::Object(object) = value else {
            return Err(JsonInputError::invalid(
                "",
                "expected a JSON object with \"action\", \"resource\" and \"identityPolicies\"",
            ));
        };
        let action = required_string(object.get("action"), "/action", "e.g. \"secretsmanager:GetSecretValue\"")?;
        let resource = required_string(object.get("resource"), "/resource", "the resource ARN")?;
        let principal = match object.get("principal") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                return Err(JsonInputError::invalid(
                    "/principal",
                    format!("expected the caller's ARN as a non-empty string, found {}", kind(other)),
                ));
            }
        };
        let context = match object.get("context") {
            None | Some(Value::Null) => RequestContext::new(),
            Some(value) => parse_context(value)?,
        };
        let identity_policies = match object.get("identityPolicies") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_policy(item, &format!("/identityPolicies/{i}")))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(JsonInputError::invalid(
                    "/identityPolicies",
                    format!("expected an array of policy documents, found {}", kind(other)),
                ));
            }
        };
        let resource_policy = match object.get("resourcePolicy") {
            None | Some(Value::Null) => None,
            Some(value) => Some(parse_policy(value, "/resourcePolicy")?),
        };
        Ok(SimulateRequest {
            request: EvalRequest { action, resource, principal, context },
            identity_policies,
            resource_policy,
        })
    }
}

/// Evaluates a parsed request; the response's `notes` start with which
/// policy decided. For a `kms` resource `resourcePolicy` is the key policy;
/// without one the answer is `implicitDeny` (no key policy allows it), never
/// "depends": a simulate request is complete by definition.
pub fn simulate(request: &SimulateRequest) -> SimulateResponse {
    let mut decision = evaluate(&request.request, &request.identity_policies, request.resource_policy.as_ref());
    decision.notes.insert(0, decision.explanation());
    decision
}

/// Parses and evaluates a request given as JSON text.
pub fn simulate_json(text: &str) -> Result<SimulateResponse, JsonInputError> {
    let value = crate::json_input::parse(text)?;
    Ok(simulate(&SimulateRequest::from_value(&value)?))
}

fn required_string(value: Option<&Value>, path: &str, what: &str) -> Result<String, JsonInputError> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(JsonInputError::invalid(path, format!("must not be empty: give {what}"))),
        None => Err(JsonInputError::invalid(path, format!("missing: give {what}"))),
        Some(other) => Err(JsonInputError::invalid(path, format!("expected a string ({what}), found {}", kind(other)))),
    }
}

fn context_value(value: &Value, path: &str) -> Result<String, JsonInputError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => {
            Err(JsonInputError::invalid(path, format!("expected a string, number or boolean, found {}", kind(other))))
        }
    }
}

fn parse_context(value: &Value) -> Result<RequestContext, JsonInputError> {
    let Value::Object(map) = value else {
        return Err(JsonInputError::invalid(
            "/context",
            format!("expected an object of condition keys to values, found {}", kind(value)),
        ));
    };
    let mut context = RequestContext::new();
    for (key, item) in map {
        let path = format!("/context/{}", escape(key));
        let values = match item {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| context_value(v, &format!("{path}/{i}")))
                .collect::<Result<Vec<_>, _>>()?,
            single => vec![context_value(single, &path)?],
        };
        if context.get(key).is_some() {
            return Err(JsonInputError::invalid(
                &path,
                "this key is given twice (condition keys are case-insensitive); keep one",
            ));
        }
        context.insert(key.clone(), values);
    }
    Ok(context)
}

fn parse_policy(value: &Value, path: &str) -> Result<PolicyDocument, JsonInputError> {
    match value {
        Value::String(text) => PolicyDocument::parse(text).map_err(|e| match e {
            JsonInputError::Syntax(JsonSyntax { line, column, message }) => JsonInputError::invalid(
                path,
                format!("the policy string is not JSON (line {line}, column {column}): {message}"),
            ),
            JsonInputError::Invalid(JsonProblem { path: inner, message, .. }) => {
                JsonInputError::invalid(format!("{path}{inner}"), message)
            }
        }),
        other => PolicyDocument::from_value_at(other, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::eval::DecisionKind;

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            ("[]", "(document): expected a JSON object"),
            (r#"{"resource": "r"}"#, "/action: missing"),
            (r#"{"action": "a:b", "resource": 3}"#, "/resource: expected a string"),
            (r#"{"action": "a:b", "resource": "r", "principal": 1}"#, "/principal: expected the caller's ARN"),
            (
                r#"{"action": "a:b", "resource": "r", "context": {"k": [true, null]}}"#,
                "/context/k/1: expected a string, number or boolean, found null",
            ),
            (r#"{"action": "a:b", "resource": "r", "context": {"a:B": "1", "A:b": "2"}}"#, "given twice"),
            (r#"{"action": "a:b", "resource": "r", "identityPolicies": {}}"#, "/identityPolicies: expected an array"),
            (
                r#"{"action": "a:b", "resource": "r", "identityPolicies": [{"Statement": []}, {"Statement": [{"Effect": "allow", "Action": "*"}]}]}"#,
                "/identityPolicies/1/Statement/0/Effect: expected \"Allow\" or \"Deny\"",
            ),
            (
                r#"{"action": "a:b", "resource": "r", "resourcePolicy": "{\"Statement\": {\"Effect\": \"Allow\"}}"}"#,
                "/resourcePolicy/Statement: missing \"Action\"",
            ),
            (
                r#"{"action": "a:b", "resource": "r", "resourcePolicy": "{nope"}"#,
                "/resourcePolicy: the policy string is not JSON",
            ),
            ("{", "line 1, column 1"),
        ];
        for (input, want) in cases {
            let got = simulate_json(input).expect_err(input).to_string();
            assert!(got.contains(want), "input {input}\n  got: {got}\n want: {want}");
        }
    }

    #[test]
    fn ignores_unknown_fields_and_converts_context_values() {
        let response = simulate_json(
            r#"{"action": "S3:GetObject", "resource": "arn:aws:s3:::b/k", "comment": "ignored",
                "context": {"s3:max-keys": 5, "aws:SecureTransport": true},
                "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                  "Condition": {"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": "true"}}}}]}"#,
        )
        .expect("valid");
        assert_eq!(response.decision, DecisionKind::Allowed);
        assert!(response.missing_context_keys.is_empty());
    }

    #[test]
    fn a_kms_resource_without_key_policy_is_an_implicit_deny_with_a_note() {
        let identity =
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}"#;
        let request = serde_json::json!({
            "action": "kms:Decrypt",
            "resource": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "principal": "arn:aws:iam::111122223333:role/exec",
            "identityPolicies": [identity],
        });
        let response = simulate_json(&request.to_string()).expect("valid");
        assert_eq!(response.decision, DecisionKind::ImplicitDeny);
        assert!(response.notes[0].contains("no key policy was given"), "{:?}", response.notes);
        let mut with_key_policy = request.clone();
        with_key_policy["resourcePolicy"] = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
        let response = simulate_json(&with_key_policy.to_string()).expect("valid");
        assert_eq!(response.decision, DecisionKind::Allowed);
        assert!(response.notes[0].contains("key policy enables by delegating"), "{:?}", response.notes);
    }

    #[test]
    fn a_wildcarded_service_prefix_is_an_invalid_policy() {
        let request = r#"{"action": "s3:GetBucket", "resource": "arn:aws:s3:::b",
            "identityPolicies": [{"Statement": [{"Effect": "Allow", "Action": "*:GetBucket", "Resource": "*"}]}]}"#;
        let err = simulate_json(request).expect_err("invalid").to_string();
        assert!(err.starts_with("/identityPolicies/0/Statement/0/Action: "), "{err}");
    }

    #[test]
    fn policies_may_be_json_strings() {
        let policy = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#;
        let request = serde_json::json!({
            "action": "ssm:GetParameters",
            "resource": "arn:aws:ssm:eu-west-1:111122223333:parameter/x",
            "identityPolicies": [policy],
        });
        let response = simulate_json(&request.to_string()).expect("valid");
        assert_eq!(response.decision, DecisionKind::ExplicitDeny);
        assert_eq!(response.matched_statements.len(), 1);
    }
}
