//! Import and export of task definitions.
//!
//! Import accepts what people actually have lying around: a
//! RegisterTaskDefinition input (`--cli-input-json`), DescribeTaskDefinition
//! output (wrapped in `{"taskDefinition": …}` or bare) and a bare
//! `containerDefinitions` array (Terraform's `container_definitions`).
//! Read-only fields that RegisterTaskDefinition rejects are stripped and
//! reported as notes. Export writes register-ready JSON with a stable key
//! order.

use serde::Serialize;
use serde_json::Value;

use crate::task_def::{ContainerDefinition, TaskDefinition};

/// Fields DescribeTaskDefinition returns that RegisterTaskDefinition rejects.
pub const READ_ONLY_FIELDS: [&str; 8] = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// What kind of document was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InputShape {
    RegisterInput,
    DescribeOutput,
    ContainerDefinitions,
}

/// Something import did to the document that the user should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportNote {
    /// JSON pointer into the *input* document.
    pub path: String,
    pub message: String,
}

/// A successfully imported task definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub task_definition: TaskDefinition,
    pub shape: InputShape,
    pub notes: Vec<ImportNote>,
}

/// Why a document could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The text is not JSON.
    #[error("line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    /// JSON, but not a task definition; `path` is a JSON pointer.
    #[error("{}: {message}", if path.is_empty() { "(document)" } else { path.as_str() })]
    Shape { path: String, message: String },
}

/// Imports a task definition from JSON text.
pub fn import(text: &str) -> Result<Imported, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    import_value(value)
}

/// Imports a task definition from an already parsed JSON value.
///
/// A value nested deeper than a JSON text may be
/// ([`crate::json_pointer::MAX_DEPTH`]; for a bare `containerDefinitions`
/// array one level less, as export wraps it in an object) is refused with
/// the pointer of the first too-deep value, and dropped without recursion.
pub fn import_value(value: Value) -> Result<Imported, ImportError> {
    use crate::json_pointer::{MAX_DEPTH, deeper_than, drop_iteratively, too_deep_message};
    let limit = if value.is_array() { MAX_DEPTH - 1 } else { MAX_DEPTH };
    if let Some(path) = deeper_than(&value, limit) {
        drop_iteratively(value);
        return Err(ImportError::Shape { path, message: too_deep_message() });
    }
    let mut notes = Vec::new();
    match value {
        Value::Array(_) => {
            let containers: Vec<ContainerDefinition> = typed(value, "")?;
            notes.push(ImportNote {
                path: String::new(),
                message: format!(
                    "imported a bare containerDefinitions array ({} container{}); add family, roles and task size",
                    containers.len(),
                    if containers.len() == 1 { "" } else { "s" }
                ),
            });
            Ok(Imported {
                task_definition: TaskDefinition { container_definitions: containers, ..TaskDefinition::default() },
                shape: InputShape::ContainerDefinitions,
                notes,
            })
        }
        Value::Object(mut root) => {
            let mut shape = InputShape::RegisterInput;
            let mut prefix = "";
            let mut envelope_tags = None;
            let mut obj = match root.remove("taskDefinition") {
                Some(Value::Object(inner)) => {
                    shape = InputShape::DescribeOutput;
                    prefix = "/taskDefinition";
                    for (key, value) in root {
                        if key == "tags" {
                            if value.as_array().is_some_and(|t| !t.is_empty()) {
                                notes.push(ImportNote {
                                    path: "/tags".into(),
                                    message: "kept the task definition's tags for registration".into(),
                                });
                                envelope_tags = Some(value);
                            }
                        } else {
                            notes.push(ImportNote {
                                path: crate::json_pointer::pointer([&key]),
                                message: format!("dropped `{key}`: not part of a task definition"),
                            });
                        }
                    }
                    inner
                }
                Some(other) => {
                    return Err(ImportError::Shape {
                        path: "/taskDefinition".into(),
                        message: format!("expected an object, found {}", kind(&other)),
                    });
                }
                None => root,
            };
            // DescribeTaskDefinition returns tags beside the task definition;
            // RegisterTaskDefinition takes them inside.
            if let Some(tags) = envelope_tags {
                obj.entry("tags").or_insert(tags);
            }
            for field in READ_ONLY_FIELDS {
                if obj.remove(field).is_some() {
                    shape = if shape == InputShape::RegisterInput { InputShape::DescribeOutput } else { shape };
                    notes.push(ImportNote {
                        path: format!("{prefix}/{field}"),
                        message: format!("stripped read-only field `{field}` (RegisterTaskDefinition rejects it)"),
                    });
                }
            }
            if !obj.contains_key("containerDefinitions") {
                return Err(ImportError::Shape {
                    path: prefix.to_owned(),
                    message: "no `containerDefinitions`: expected a task definition (register input or describe output) or a containerDefinitions array".into(),
                });
            }
            let task_definition = typed(Value::Object(obj), prefix)?;
            Ok(Imported { task_definition, shape, notes })
        }
        other => Err(ImportError::Shape {
            path: String::new(),
            message: format!(
                "expected a task definition object or a containerDefinitions array, found {}",
                kind(&other)
            ),
        }),
    }
}

/// Writes a task definition as register-ready JSON: two-space indented,
/// typed fields in model order then unknown fields sorted, trailing newline.
pub fn export(td: &TaskDefinition) -> String {
    let mut out = serde_json::to_string_pretty(td).unwrap_or_else(|e| {
        // Serialising plain data into a string cannot fail; keep a readable
        // marker rather than a panic should that ever change.
        format!("{{\"error\": \"{e}\"}}")
    });
    out.push('\n');
    out
}

fn typed<T: serde::de::DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ImportError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = format!("{prefix}{}", pointer_of(err.path()));
        let inner = err.into_inner().to_string();
        ImportError::Shape { path, message: format!("{inner}; fix the value and import again") }
    })
}

/// Reads a typed value out of parsed JSON, with the same deserializer
/// [`import`] uses (which tracks the JSON path). Everything the UI reads goes
/// through here: each distinct deserializer a type is read with is another
/// copy of that type's code in the WASM bundle. Errors are serde_json's own.
pub fn from_json_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    from_json_value_at(value).map_err(|(_, error)| error)
}

/// Like [`from_json_value`], keeping the JSON pointer of the value that did
/// not fit (the same deserializer instance, so no extra code in the WASM).
pub fn from_json_value_at<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, serde_json::Error)> {
    serde_path_to_error::deserialize(value).map_err(|err| (pointer_of(err.path()), err.into_inner()))
}

/// Converts serde_path_to_error's path into a JSON pointer.
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&crate::json_pointer::escape(key));
            }
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn syntax_error(text: &str, err: &serde_json::Error) -> ImportError {
    let line = err.line();
    let column = err.column();
    let message = crate::json_locate::message_without_position(err);
    let message =
        if text.trim().is_empty() { "the input is empty: paste a task definition JSON".to_owned() } else { message };
    ImportError::Syntax { line, column, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_output_is_stripped_and_noted() {
        let doc = json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
                "family": "web",
                "revision": 3,
                "status": "ACTIVE",
                "containerDefinitions": [{"name": "app", "image": "nginx", "newField": {"x": 1}}],
                "compatibilities": ["EC2", "FARGATE"],
                "ephemeralStorage": {"sizeInGiB": 30}
            },
            "tags": [{"key": "team", "value": "web"}]
        });
        let imported = import(&doc.to_string()).unwrap();
        assert_eq!(imported.shape, InputShape::DescribeOutput);
        let out: Value = serde_json::from_str(&export(&imported.task_definition)).unwrap();
        assert_eq!(
            out,
            json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "nginx", "newField": {"x": 1}}],
                "ephemeralStorage": {"sizeInGiB": 30},
                "tags": [{"key": "team", "value": "web"}]
            })
        );
        let paths: Vec<_> = imported.notes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/tags",
                "/taskDefinition/taskDefinitionArn",
                "/taskDefinition/revision",
                "/taskDefinition/status",
                "/taskDefinition/compatibilities"
            ]
        );
    }

    #[test]
    fn bare_container_definitions() {
        let imported = import(r#"[{"name": "a", "image": "x"}]"#).unwrap();
        assert_eq!(imported.shape, InputShape::ContainerDefinitions);
        assert_eq!(imported.task_definition.container_definitions.len(), 1);
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = import("{\n  \"family\": \"web\"\n  \"cpu\": \"256\"\n}").unwrap_err();
        assert_eq!(err, ImportError::Syntax { line: 3, column: 3, message: "expected `,` or `}`".into() });
    }

    #[test]
    fn type_errors_name_the_json_path() {
        let err = import(r#"{"containerDefinitions": [{"name": "a", "memory": "512"}]}"#).unwrap_err();
        let ImportError::Shape { path, message } = err else { panic!() };
        assert_eq!(path, "/containerDefinitions/0/memory");
        assert!(message.contains("expected i64"), "{message}");
    }
}
