//! Fields of the wrong JSON type.
//!
//! Import does not stop at a modelled field with the wrong type
//! (`portMappings` written as an object): it keeps the value verbatim among
//! the unknown fields of its object (so export still writes it back) and the
//! rest of the task definition is checked as usual. A modelled field name
//! among the unknown fields is therefore exactly a type error, which this
//! rule reports at its JSON path.

use super::{Input, Report, container_path};
use crate::task_def::{Extra, TaskDefinition};

/// This rule's code, for [`super::wrong_field_types`].
pub(super) const CODE: &str = "ES005";

/// The modelled fields of each object and the JSON type each one takes.
const TASK_FIELDS: &[(&str, &str)] = &[
    ("family", "a string"),
    ("taskRoleArn", "a string"),
    ("executionRoleArn", "a string"),
    ("networkMode", "a string"),
    ("requiresCompatibilities", "an array of strings"),
    ("cpu", "a string (\"256\", \"1 vCPU\")"),
    ("memory", "a string (\"512\", \"2 GB\")"),
    ("runtimePlatform", "an object"),
    ("containerDefinitions", "an array of objects"),
];
const RUNTIME_PLATFORM_FIELDS: &[(&str, &str)] =
    &[("cpuArchitecture", "a string"), ("operatingSystemFamily", "a string")];
const CONTAINER_FIELDS: &[(&str, &str)] = &[
    ("name", "a string"),
    ("image", "a string"),
    ("essential", "a boolean"),
    ("cpu", "an integer"),
    ("memory", "an integer (MiB)"),
    ("memoryReservation", "an integer (MiB)"),
    ("portMappings", "an array of objects"),
    ("environment", "an array of {\"name\", \"value\"} objects"),
    ("environmentFiles", "an array of {\"value\", \"type\"} objects"),
    ("secrets", "an array of {\"name\", \"valueFrom\"} objects"),
    ("logConfiguration", "an object"),
    ("repositoryCredentials", "an object"),
];
const PORT_MAPPING_FIELDS: &[(&str, &str)] =
    &[("containerPort", "an integer"), ("hostPort", "an integer"), ("protocol", "a string")];
const NAME_VALUE_FIELDS: &[(&str, &str)] = &[("name", "a string"), ("value", "a string")];
const ENVIRONMENT_FILE_FIELDS: &[(&str, &str)] = &[("value", "a string"), ("type", "a string")];
const SECRET_FIELDS: &[(&str, &str)] = &[("name", "a string"), ("valueFrom", "a string")];
const LOG_FIELDS: &[(&str, &str)] = &[
    ("logDriver", "a string"),
    ("options", "an object whose values are strings"),
    ("secretOptions", "an array of {\"name\", \"valueFrom\"} objects"),
];
const CREDENTIALS_FIELDS: &[(&str, &str)] = &[("credentialsParameter", "a string")];

/// The fields an object models, each with the JSON type it takes.
type Fields = &'static [(&'static str, &'static str)];

/// Every object of the model with its pointer, its unknown fields and the
/// fields it models.
fn objects(td: &TaskDefinition) -> Vec<(String, &Extra, Fields)> {
    let mut all: Vec<(String, &Extra, Fields)> = vec![(String::new(), &td.extra, TASK_FIELDS)];
    if let Some(platform) = &td.runtime_platform {
        all.push(("/runtimePlatform".into(), &platform.extra, RUNTIME_PLATFORM_FIELDS));
    }
    for (ci, c) in td.container_definitions.iter().enumerate() {
        let base = container_path(ci);
        all.push((base.clone(), &c.extra, CONTAINER_FIELDS));
        for (i, p) in c.port_mappings.iter().flatten().enumerate() {
            all.push((format!("{base}/portMappings/{i}"), &p.extra, PORT_MAPPING_FIELDS));
        }
        for (i, e) in c.environment.iter().flatten().enumerate() {
            all.push((format!("{base}/environment/{i}"), &e.extra, NAME_VALUE_FIELDS));
        }
        for (i, f) in c.environment_files.iter().flatten().enumerate() {
            all.push((format!("{base}/environmentFiles/{i}"), &f.extra, ENVIRONMENT_FILE_FIELDS));
        }
        for (i, s) in c.secrets.iter().flatten().enumerate() {
            all.push((format!("{base}/secrets/{i}"), &s.extra, SECRET_FIELDS));
        }
        if let Some(log) = &c.log_configuration {
            all.push((format!("{base}/logConfiguration"), &log.extra, LOG_FIELDS));
            for (i, s) in log.secret_options.iter().flatten().enumerate() {
                all.push((format!("{base}/logConfiguration/secretOptions/{i}"), &s.extra, SECRET_FIELDS));
            }
        }
        if let Some(creds) = &c.repository_credentials {
            all.push((format!("{base}/repositoryCredentials"), &creds.extra, CREDENTIALS_FIELDS));
        }
    }
    all
}

/// ES005: a modelled field with the wrong JSON type. RegisterTaskDefinition
/// rejects it; everything else is still checked.
pub(super) fn wrong_field_type(input: &Input<'_>, out: &mut Report<'_>) {
    for (base, extra, fields) in objects(input.td) {
        for (field, expected) in fields {
            let Some(value) = extra.get(*field) else { continue };
            out.push(out.diag(
                format!("{base}/{field}"),
                format!(
                    "`{field}` is {}, but a task definition takes {expected} here: RegisterTaskDefinition rejects \
                     the file as it is; write it as {expected}",
                    crate::json_input::kind(value)
                ),
            ));
        }
    }
}

/// The modelled field names of the object at `pointer`, when the model has
/// an object there (import uses this to keep a wrong-typed field verbatim).
pub(crate) fn modelled_object_at(pointer: &[&str]) -> bool {
    let is_index = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match pointer {
        [] | ["runtimePlatform"] => true,
        ["containerDefinitions", c, rest @ ..] if is_index(c) => match rest {
            [] | ["logConfiguration"] | ["repositoryCredentials"] => true,
            ["portMappings" | "environment" | "environmentFiles" | "secrets", i] => is_index(i),
            ["logConfiguration", "secretOptions", i] => is_index(i),
            _ => false,
        },
        _ => false,
    }
}
