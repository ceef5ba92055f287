//! The pure core of ecs-secrets.
//!
//! Everything that decides anything lives here: the task-definition model,
//! import and export, secret references, lint rules, IAM policies and their
//! evaluation, the error decoder and the deployment plan. The crate does no
//! IO at all (no files, no network, no clock), so the browser (compiled to
//! `wasm32-unknown-unknown`) and the server call exactly the same functions.

pub mod api;
pub mod arn;
pub mod audit;
pub mod bundle;
pub mod context;
pub mod decode;
pub mod deploy_script;
pub mod diagnostic;
pub mod downloads;
pub mod estate;
pub mod execution_role;
pub mod fix;
pub mod iam;
pub mod import;
pub mod json_input;
pub mod json_locate;
pub mod json_pointer;
pub mod json_read;
pub mod json_text;
pub mod lint;
pub mod location;
pub mod observed;
pub mod plan;
pub mod revision_compare;
pub mod rotate;
pub mod secret_ref;
pub mod task_def;
#[cfg(feature = "test-data")]
pub mod test_data;
pub mod watch;
pub mod workspace;

pub use context::{Context, PlatformVersion};
pub use diagnostic::{Diagnostic, Severity};
pub use fix::{Edit, Fix, SecretToCreate};
pub use import::{ImportNote, Imported, InputShape, export, import};
pub use json_input::{JsonInputError, JsonProblem, JsonSyntax};
pub use lint::{RULES, RuleInfo, lint};
pub use location::{AccountId, Location, LocationError, Region};
pub use secret_ref::{RefSite, SecretRef, SecretRefError, Store};
pub use task_def::TaskDefinition;
