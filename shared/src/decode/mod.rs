//! The ECS error decoder: a stopped-task reason (or any AWS error text a
//! user pastes) in, plain words and a concrete fix out.
//!
//! `ResourceInitializationError` messages are long and nested; the useful
//! facts are always the same few: which role was refused which action on
//! which resource, or that the resource does not exist, or that the network
//! path to the service is missing. [`decode`] finds those facts
//! ([`extract`]), picks the cause ([`classify`]) and writes the explanation
//! and the least-privilege fix ([`explain`]). It never fails: text it does
//! not recognise is reported as [`Cause::Unknown`] with advice on what to
//! paste instead.

mod classify;
mod explain;
pub(crate) mod extract;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::context::Context;
use crate::iam::policy::Statement;

/// What the decoder understood from an error text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decoded {
    /// The execution role that was refused: an IAM role ARN
    /// (`arn:aws:iam::123456789012:role/ecsTaskExecutionRole`, converted from
    /// the `assumed-role` STS ARN in the message), or just its name when the
    /// account is not in the text.
    pub role: Option<String>,
    /// The IAM action involved (`secretsmanager:GetSecretValue`), as named
    /// in the message or implied by the service that failed.
    pub action: Option<String>,
    /// The ARN (or bare SSM parameter name) the action was on.
    pub resource: Option<String>,
    /// The region of the resource (or of the endpoint / task when the
    /// resource carries none).
    pub region: Option<String>,
    /// The account of the resource, or of the role.
    pub account: Option<String>,
    pub cause: Cause,
    /// Which kind of policy refused the request, when the message says so.
    pub denied_by: Option<PolicyKind>,
    /// The ARN of the policy that refused, when the message names it (newer
    /// AWS messages do: `… in an identity-based policy: arn:aws:iam::…:policy/P`).
    pub policy: Option<String>,
    /// What happened, in plain words.
    pub explanation: String,
    pub fix: Fix,
}

/// Why the task could not get its secret (or image credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Cause {
    /// No policy allows the execution role the action on the resource.
    MissingPermission,
    /// A policy explicitly denies it; adding an Allow does not help.
    ExplicitDeny,
    /// The value is encrypted with a KMS key the role may not use (or that
    /// does not exist in that region).
    KmsAccess,
    /// The secret or parameter does not exist under that name/ARN.
    NotFound,
    /// The reference points at another region than the task runs in.
    WrongRegion,
    /// A Secrets Manager ARN without its 6-character suffix could not be
    /// resolved.
    PartialArn,
    /// A JSON key named in `valueFrom` is not in the secret's JSON.
    JsonKeyNotFound,
    /// The task cannot reach the AWS endpoint (private subnet without NAT or
    /// VPC endpoints).
    Network,
    /// Pulling the image failed for lack of (valid) registry credentials.
    RegistryAuth,
    /// The text matched nothing the decoder knows.
    Unknown,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::MissingPermission => "missingPermission",
            Cause::ExplicitDeny => "explicitDeny",
            Cause::KmsAccess => "kmsAccess",
            Cause::NotFound => "notFound",
            Cause::WrongRegion => "wrongRegion",
            Cause::PartialArn => "partialArn",
            Cause::JsonKeyNotFound => "jsonKeyNotFound",
            Cause::Network => "network",
            Cause::RegistryAuth => "registryAuth",
            Cause::Unknown => "unknown",
        }
    }
}

impl Cause {
    /// The cause in words, for people (`as_str` is the stable JSON name).
    pub fn label(self) -> &'static str {
        match self {
            Cause::MissingPermission => "Missing permission",
            Cause::ExplicitDeny => "Explicitly denied",
            Cause::KmsAccess => "KMS key not usable",
            Cause::NotFound => "Secret not found",
            Cause::WrongRegion => "Wrong region",
            Cause::PartialArn => "Partial Secrets Manager ARN",
            Cause::JsonKeyNotFound => "JSON key not found",
            Cause::Network => "AWS endpoint unreachable",
            Cause::RegistryAuth => "Registry credentials refused",
            Cause::Unknown => "Not recognised",
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of policy an `AccessDeniedException` blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyKind {
    /// A policy attached to the role (inline or managed).
    IdentityBased,
    /// The secret's resource policy (or a KMS key policy).
    ResourceBased,
    /// The role's permissions boundary.
    PermissionsBoundary,
    /// An AWS Organizations service control policy.
    ServiceControlPolicy,
    /// A session policy passed when the role was assumed.
    SessionPolicy,
    /// A VPC endpoint policy.
    VpcEndpointPolicy,
}

/// How to repair the cause: an IAM statement to add (when an IAM change is
/// the fix) and concrete steps either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// A least-privilege Allow statement (exact resource ARNs, `NAME-??????`
    /// for a secret known only by name). For an identity-based denial it
    /// belongs in a policy of the execution role; for a resource-based one
    /// it carries a `Principal` and belongs in the secret's resource policy.
    #[serde(default, deserialize_with = "deserialize_statement")]
    pub statement: Option<Statement>,
    /// What to do, in order, as sentences and commands.
    pub steps: Vec<String>,
}

/// `Statement` parses through its own lenient parser (errors name a JSON
/// pointer), not through a derived `Deserialize`.
fn deserialize_statement<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Statement>, D::Error> {
    Option::<Value>::deserialize(deserializer)?
        .map(|value| Statement::from_value_at(&value, "/fix/statement").map_err(serde::de::Error::custom))
        .transpose()
}

/// Decodes an error text without any outside knowledge.
pub fn decode(text: &str) -> Decoded {
    decode_with(text, &Context::default())
}

/// Decodes an error text; `ctx` supplies the region and account the task
/// runs in (for the wrong-region check and to complete bare parameter
/// names) when the text itself does not say.
pub fn decode_with(text: &str, ctx: &Context) -> Decoded {
    let line = extract::Line::new(extract::normalize(text));
    let facts = classify::Facts::gather(&line, ctx);
    let cause = classify::cause(&line, &facts);
    explain::explain(&line, &facts, cause)
}
