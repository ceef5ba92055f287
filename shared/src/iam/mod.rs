//! IAM policies: the document model, AWS's evaluation logic and the
//! simulator behind `ecs-secrets iam simulate`.
//!
//! - [`policy`]: policy documents as AWS accepts them, parsed leniently with
//!   errors that name a JSON pointer, and serialised losslessly.
//! - [`generate`]: least-privilege execution-role policies (trust, inline
//!   permissions, managed-policy advice) from a task definition.
//! - [`condition`]: condition operators and how one condition evaluates.

pub mod condition;
pub mod generate;
pub mod policy;

pub use condition::{BaseOperator, ConditionOperator, SetQualifier};
pub use policy::{
    ActionBlock, ConditionBlock, ConditionEntry, ConditionValue, ConditionValues, Effect, ListShape, PolicyDocument,
    PolicyError, Principal, PrincipalBlock, PrincipalType, ResourceBlock, Statement, StringList,
};
