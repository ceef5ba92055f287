//! Gathering the facts of an error text and choosing its [`Cause`].
//!
//! The rules are ordered from the most specific evidence to the least: an
//! `is not authorized to perform: ACTION on resource: ARN` sentence names
//! exactly what was refused and wins over everything else; KMS wording comes
//! next (KMS refusals also say `AccessDeniedException`); then "not found"
//! wording, a missing JSON key, network timeouts, registry credentials, and
//! finally a bare access-denied without details.

use crate::context::Context;
use crate::secret_ref::{SecretRef, Store};

use super::extract::{self, Line, contains_ci};
use super::{Cause, PolicyKind};

/// Everything the decoder could find in one normalised text.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Facts {
    pub role: Option<String>,
    /// The action named after `is not authorized to perform:`.
    pub denied_action: Option<String>,
    /// The resource the failure is about (ARN or bare parameter name).
    pub resource: Option<String>,
    /// Further parameter names of an `invalid parameters: a, b` list.
    pub more_resources: Vec<String>,
    /// A KMS key ARN named anywhere in the text.
    pub kms_key: Option<String>,
    pub store: Option<Store>,
    pub resource_region: Option<String>,
    pub resource_account: Option<String>,
    /// The region the task runs in: from an ECS ARN in the text, else the context.
    pub task_region: Option<String>,
    /// The region of an AWS endpoint host named in the text.
    pub endpoint_region: Option<String>,
    /// The account of the role, else the context's.
    pub task_account: Option<String>,
    pub explicit_deny: bool,
    pub denied_by: Option<PolicyKind>,
    /// The policy ARN a newer denial message names.
    pub policy: Option<String>,
    pub json_key: Option<String>,
    /// The image reference a pull failed for.
    pub image: Option<String>,
}

impl Facts {
    pub(crate) fn gather(line: &Line, ctx: &Context) -> Facts {
        let arns = extract::arns(line);
        let role = extract::role(line);
        let denied_action = extract::denied_action(line);
        let invalid = extract::invalid_parameters(line);
        let resource = extract::denied_resource(line)
            .or_else(|| extract::token_after(line, "failed to fetch secret").map(str::to_owned))
            .or_else(|| {
                arns.iter()
                    .find(|a| matches!(crate::arn::service_of(a), Some("secretsmanager" | "ssm")))
                    .map(|a| (*a).to_owned())
            })
            .or_else(|| invalid.first().cloned());
        let more_resources = invalid.iter().filter(|p| Some(*p) != resource.as_ref()).cloned().collect();
        let kms_key = arns.iter().find(|a| crate::arn::service_of(a) == Some("kms")).map(|a| (*a).to_owned());
        let resource_arn = resource.as_deref().filter(|r| r.starts_with("arn:"));
        let store = store_of(denied_action.as_deref(), resource.as_deref(), line);
        let task_region = arns
            .iter()
            .find(|a| crate::arn::service_of(a) == Some("ecs"))
            .and_then(|a| crate::arn::region_of(a))
            .map(str::to_owned)
            .or_else(|| ctx.region().map(str::to_owned));
        let task_account = role
            .as_deref()
            .filter(|r| r.starts_with("arn:"))
            .and_then(crate::arn::account_of)
            .map(str::to_owned)
            .or_else(|| ctx.account_id().map(str::to_owned));
        Facts {
            role,
            resource_region: resource_arn.and_then(crate::arn::region_of).map(str::to_owned),
            resource_account: resource_arn.and_then(crate::arn::account_of).map(str::to_owned),
            denied_action,
            more_resources,
            kms_key,
            store,
            task_region,
            endpoint_region: extract::endpoint_region(line),
            task_account,
            explicit_deny: contains_ci(line, "explicit deny"),
            denied_by: denied_by(line),
            policy: extract::named_policy(line),
            json_key: extract::token_after(line, "did not contain json key").map(str::to_owned),
            image: extract::token_after(line, "failed to resolve ref")
                .or_else(|| extract::token_after(line, "pull access denied for"))
                .map(str::to_owned),
            resource,
        }
    }

    /// True when the resource names a region other than the task's.
    pub(crate) fn region_mismatch(&self) -> bool {
        matches!((&self.resource_region, &self.task_region), (Some(r), Some(t)) if r != t)
    }

    /// True when the resource is in another account than the role.
    pub(crate) fn cross_account(&self) -> bool {
        matches!((&self.resource_account, &self.task_account), (Some(r), Some(t)) if r != t)
    }

    /// The parsed secret reference behind the resource, if it is one.
    pub(crate) fn secret_ref(&self) -> Option<SecretRef> {
        let resource = self.resource.as_deref()?;
        let parsed = SecretRef::parse(resource).ok()?;
        matches!(self.store, Some(s) if s == parsed.store()).then_some(parsed)
    }

    /// True when the resource is a Secrets Manager ARN without its suffix.
    pub(crate) fn partial_secret(&self) -> bool {
        self.secret_ref().is_some_and(|r| r.is_partial())
    }
}

/// Which store the failure is about: from the action, the resource ARN, or
/// the wording of the agent's message.
fn store_of(action: Option<&str>, resource: Option<&str>, line: &Line) -> Option<Store> {
    if let Some(action) = action {
        if action.starts_with("secretsmanager:") {
            return Some(Store::SecretsManager);
        }
        if action.starts_with("ssm:") {
            return Some(Store::Ssm);
        }
    }
    match resource.and_then(crate::arn::service_of) {
        Some("secretsmanager") => return Some(Store::SecretsManager),
        Some("ssm") => return Some(Store::Ssm),
        _ => {}
    }
    const SECRETS_MANAGER: [&str; 4] =
        ["from asm", "secrets manager", "secretsmanager", "can't find the specified secret"];
    const SSM: [&str; 6] =
        ["from ssm", "parameter store", "ssm parameter", "parameternotfound", "invalid parameters", "ssm:"];
    if SECRETS_MANAGER.iter().any(|m| contains_ci(line, m)) {
        Some(Store::SecretsManager)
    } else if SSM.iter().any(|m| contains_ci(line, m)) {
        Some(Store::Ssm)
    } else {
        None
    }
}

/// The policy kind named in `explicit deny in a …` or `no … allows`.
fn denied_by(line: &Line) -> Option<PolicyKind> {
    const KINDS: [(&str, PolicyKind); 6] = [
        ("identity-based policy", PolicyKind::IdentityBased),
        ("resource-based policy", PolicyKind::ResourceBased),
        ("service control polic", PolicyKind::ServiceControlPolicy),
        ("permissions boundary", PolicyKind::PermissionsBoundary),
        ("session policy", PolicyKind::SessionPolicy),
        ("vpc endpoint policy", PolicyKind::VpcEndpointPolicy),
    ];
    // The sentence that decides is the one after `because` / `with`, so look
    // from the action onwards.
    let from = extract::find_ci(line, "is not authorized to perform", 0).unwrap_or(0);
    KINDS
        .iter()
        .filter_map(|(marker, kind)| extract::find_ci(line, marker, from).map(|at| (at, *kind)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, kind)| kind)
}

const KMS_MARKERS: [&str; 9] = [
    "access to kms is not allowed",
    "ciphertext refers to a customer master key",
    "ciphertext refers to a kms key",
    "kmsaccessdeniedexception",
    "kms.accessdeniedexception",
    "kmsdisabledexception",
    "kmsinvalidstateexception",
    "kms.disabledexception",
    "kms:decrypt",
];

const NOT_FOUND_MARKERS: [&str; 8] = [
    "resourcenotfoundexception",
    "can't find the specified secret",
    "can’t find the specified secret",
    "parameternotfound",
    "invalid parameters",
    "invalid ssm parameters",
    "invalidparameters",
    "marked for deletion",
];

const JSON_KEY_MARKERS: [&str; 3] = ["did not contain json key", "unable to unmarshal secret", "json key"];

const NETWORK_MARKERS: [&str; 13] = [
    "context deadline exceeded",
    "i/o timeout",
    "dial tcp",
    "send request failed",
    "connection issue",
    "no such host",
    "connection refused",
    "connection reset",
    "network is unreachable",
    "tls handshake timeout",
    "requestcanceled",
    "request canceled",
    "client.timeout exceeded",
];

const REGISTRY_MARKERS: [&str; 10] = [
    "unable to pull registry auth",
    "pull access denied",
    "no basic auth credentials",
    "401 unauthorized",
    "403 forbidden",
    "authorization failed",
    "unauthorized: authentication required",
    "denied: requested access to the resource is denied",
    "unexpected status code 401",
    "unexpected status code 403",
];

const ACCESS_DENIED_MARKERS: [&str; 3] = ["accessdeniedexception", "not authorized", "access denied"];

fn any_marker(line: &Line, markers: &[&str]) -> bool {
    markers.iter().any(|m| contains_ci(line, m))
}

/// Picks the cause; see the module header for the order.
pub(crate) fn cause(line: &Line, facts: &Facts) -> Cause {
    if line.is_empty() {
        return Cause::Unknown;
    }
    if let Some(action) = &facts.denied_action {
        return if facts.explicit_deny {
            Cause::ExplicitDeny
        } else if action.to_ascii_lowercase().starts_with("kms:") {
            Cause::KmsAccess
        } else {
            Cause::MissingPermission
        };
    }
    if any_marker(line, &KMS_MARKERS) {
        return Cause::KmsAccess;
    }
    if any_marker(line, &NOT_FOUND_MARKERS) {
        return if facts.region_mismatch() {
            Cause::WrongRegion
        } else if facts.partial_secret() {
            Cause::PartialArn
        } else {
            Cause::NotFound
        };
    }
    if any_marker(line, &JSON_KEY_MARKERS) {
        return Cause::JsonKeyNotFound;
    }
    if any_marker(line, &NETWORK_MARKERS) {
        return Cause::Network;
    }
    if any_marker(line, &REGISTRY_MARKERS) {
        return Cause::RegistryAuth;
    }
    if any_marker(line, &ACCESS_DENIED_MARKERS) {
        return if facts.explicit_deny { Cause::ExplicitDeny } else { Cause::MissingPermission };
    }
    Cause::Unknown
}
