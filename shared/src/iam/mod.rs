//! IAM policies: the document model, AWS's evaluation logic and the
//! simulator behind `ecs-secrets iam simulate`.
//!
//! - [`policy`]: policy documents as AWS accepts them, parsed leniently with
//!   errors that name a JSON pointer, and serialised losslessly.
//! - [`context`]: the request context and the facts derived from the request.
//! - [`condition`]: condition operators and how one condition evaluates.
//! - [`glob`]: the `*`/`?` wildcard matcher shared by actions, resources and
//!   `…Like` conditions (no regex crate: the wasm build stays small).
//! - [`variables`]: policy variables (`${aws:username}`) and their escapes.
//! - [`date`]: the ISO 8601 / epoch-seconds parser used by `Date…` operators.
//! - [`eval`]: identity policies + an optional resource policy → a decision.
//! - [`simulate`]: the JSON request/response of the simulate command.
//! - [`generate`]: least-privilege execution-role policies (trust, inline
//!   permissions, managed-policy advice) from a task definition.
//! - [`access`]: the pre-deploy check that a role's policies allow every
//!   secret a task definition references.
//!
//! # What the evaluator models, and what it does not
//! Modelled (details in [`eval`] and [`condition`]): identity policies plus
//! one resource policy (a KMS key's policy decides for the key, with its
//! delegation to the account); explicit deny → allow (identity OR resource in
//! the same account, identity AND resource across accounts) → implicit deny;
//! `Action`/`NotAction`, `Resource`/`NotResource`, `Principal`/`NotPrincipal`;
//! every string, numeric, date, `Bool`, `BinaryEquals`, IP, ARN and `Null`
//! operator with `IfExists` and `ForAnyValue:`/`ForAllValues:`; policy
//! variables with defaults and escapes; missing context keys reported, never
//! guessed.
//!
//! Not modelled: service control / resource control policies, permission
//! boundaries, session policies, KMS grants, S3 ACLs and VPC endpoint
//! policies; the `NotPrincipal` + `Deny` subtlety that a session must be
//! listed by its session ARN as well as its role ARN (here a role ARN
//! covers its sessions everywhere); `aws:PrincipalArn` of a session (the
//! role's path is not in the session ARN — supply the key in the context);
//! service-specific ARN quirks (e.g. S3 bucket vs object ARNs are plain
//! strings here); policy validation beyond parsing (e.g. AWS rejecting
//! `Principal` in identity policies — it is ignored there instead).

pub mod access;
pub mod condition;
pub mod context;
pub mod date;
pub mod eval;
pub mod generate;
pub mod glob;
pub mod policy;
pub mod simulate;
pub mod variables;

pub use condition::{BaseOperator, ConditionOperator, SetQualifier};
pub use eval::{
    Decision, DecisionKind, EvalRequest, Grants, MatchedStatement, MissingKey, PolicySource, RequestContext, evaluate,
};
pub use policy::{
    ActionBlock, ConditionBlock, ConditionEntry, ConditionValue, ConditionValues, Effect, ListShape, PolicyDocument,
    Principal, PrincipalBlock, PrincipalType, ResourceBlock, ShapedList, Statement, StringList,
};
pub use simulate::{SimulateRequest, SimulateResponse, simulate, simulate_json};
