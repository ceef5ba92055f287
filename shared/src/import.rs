//! Import and export of task definitions.
//!
//! Import accepts what people actually have lying around: a
//! RegisterTaskDefinition input (`--cli-input-json`), DescribeTaskDefinition
//! output (wrapped in `{"taskDefinition": …}` or bare), DescribeDaemonTaskDefinition
//! output (`{"daemonTaskDefinition": …}`: ECS Managed Daemons, whose
//! containers carry `secrets`, log `secretOptions`, `repositoryCredentials`
//! and `environmentFiles` like a task's) and a bare `containerDefinitions`
//! array (Terraform's `container_definitions`). Read-only fields that
//! RegisterTaskDefinition (RegisterDaemonTaskDefinition) rejects are stripped
//! and reported as notes. Export writes register-ready JSON with a stable key
//! order.

use serde::Serialize;
use serde_json::Value;

use crate::json_input::{JsonInputError, JsonProblem, JsonSyntax, kind};
use crate::task_def::TaskDefinition;

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

/// Fields DescribeDaemonTaskDefinition returns that RegisterDaemonTaskDefinition
/// does not take (AWS API reference, `DaemonTaskDefinition`).
pub const DAEMON_READ_ONLY_FIELDS: [&str; 6] =
    ["daemonTaskDefinitionArn", "revision", "status", "registeredAt", "registeredBy", "deleteRequestedAt"];

/// What kind of document was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InputShape {
    RegisterInput,
    DescribeOutput,
    ContainerDefinitions,
    /// DescribeDaemonTaskDefinition output (wrapped in
    /// `{"daemonTaskDefinition": …}` or bare): exported as the input of
    /// RegisterDaemonTaskDefinition.
    DaemonDescribeOutput,
}

impl InputShape {
    /// The member of a describe output that wraps the task definition.
    pub fn wrapper(self) -> Option<&'static str> {
        match self {
            InputShape::DescribeOutput => Some("taskDefinition"),
            InputShape::DaemonDescribeOutput => Some("daemonTaskDefinition"),
            InputShape::RegisterInput | InputShape::ContainerDefinitions => None,
        }
    }
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

/// Imports a task definition from JSON text.
pub fn import(text: &str) -> Result<Imported, JsonInputError> {
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    import_value(value)
}

/// Imports a task definition from an already parsed JSON value.
///
/// A value nested deeper than a JSON text may be
/// ([`crate::json_pointer::MAX_DEPTH`]; for a bare `containerDefinitions`
/// array one level less, as export wraps it in an object) is refused with
/// the pointer of the first too-deep value, and dropped without recursion.
pub fn import_value(value: Value) -> Result<Imported, JsonInputError> {
    use crate::json_pointer::{MAX_DEPTH, deeper_than, drop_iteratively, too_deep_message};
    let limit = if value.is_array() { MAX_DEPTH - 1 } else { MAX_DEPTH };
    if let Some(path) = deeper_than(&value, limit) {
        drop_iteratively(value);
        return Err(JsonInputError::invalid(path, too_deep_message()));
    }
    let mut notes = Vec::new();
    match value {
        Value::Array(_) => {
            // Read as a task definition holding the array, so that a
            // wrong-typed field is kept like in any other input; error
            // pointers are then about the array itself.
            let wrapped = Value::Object(std::iter::once(("containerDefinitions".to_owned(), value)).collect());
            let td: TaskDefinition = lenient(wrapped).map_err(|e| match e {
                JsonInputError::Invalid(JsonProblem { path, message, .. }) => {
                    JsonInputError::invalid(path.strip_prefix("/containerDefinitions").unwrap_or(&path), message)
                }
                other => other,
            })?;
            let containers = td.container_definitions;
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
            let mut prefix = String::new();
            let mut envelope_tags = None;
            // A document with its own `containerDefinitions` is the task
            // definition itself (a `taskDefinition` member in it is an unknown
            // field, kept): so that what export writes always imports again.
            let wrapper = ["taskDefinition", "daemonTaskDefinition"]
                .into_iter()
                .find(|k| root.contains_key(*k) && !root.contains_key("containerDefinitions"));
            let mut obj = match wrapper.and_then(|key| Some((key, root.remove(key)?))) {
                Some((key, Value::Object(inner))) => {
                    shape = if key == "taskDefinition" {
                        InputShape::DescribeOutput
                    } else {
                        InputShape::DaemonDescribeOutput
                    };
                    prefix = format!("/{key}");
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
                Some((key, other)) => {
                    return Err(JsonInputError::invalid(
                        format!("/{key}"),
                        format!("expected an object, found {}", kind(&other)),
                    ));
                }
                None => root,
            };
            if shape == InputShape::RegisterInput && obj.contains_key("daemonTaskDefinitionArn") {
                shape = InputShape::DaemonDescribeOutput;
            }
            // DescribeTaskDefinition returns tags beside the task definition;
            // RegisterTaskDefinition takes them inside.
            if let Some(tags) = envelope_tags {
                obj.entry("tags").or_insert(tags);
            }
            // A daemon's register input takes none of a task definition's
            // read-only fields either (a `taskDefinitionArn` in it would be
            // kept by its export and stripped when that is imported again).
            let (read_only, register): (&[&[&str]], _) = if shape == InputShape::DaemonDescribeOutput {
                notes.push(ImportNote {
                    path: prefix.clone(),
                    message: "imported a daemon task definition (ECS Managed Daemons): register the export with \
                              `aws ecs register-daemon-task-definition --cli-input-json`, not register-task-definition"
                        .into(),
                });
                (&[&DAEMON_READ_ONLY_FIELDS, &READ_ONLY_FIELDS], "RegisterDaemonTaskDefinition")
            } else {
                (&[&READ_ONLY_FIELDS], "RegisterTaskDefinition")
            };
            for field in read_only.iter().copied().flatten() {
                if obj.remove(*field).is_some() {
                    shape = if shape == InputShape::RegisterInput { InputShape::DescribeOutput } else { shape };
                    notes.push(ImportNote {
                        path: format!("{prefix}/{field}"),
                        message: format!("stripped read-only field `{field}` ({register} rejects it)"),
                    });
                }
            }
            if !obj.contains_key("containerDefinitions") && obj.contains_key("primaryContainer") {
                // CreateExpressGatewayService input: ECS builds the task
                // definition from it; that one is what carries the secrets.
                return Err(JsonInputError::invalid(
                    format!("{prefix}/primaryContainer"),
                    "this is an ECS Express Mode service (`primaryContainer`), not a task definition: lint the task definition ECS created for it (aws ecs describe-task-definition --task-definition FAMILY)",
                ));
            }
            if !obj.contains_key("containerDefinitions") {
                return Err(JsonInputError::invalid(
                    prefix,
                    "no `containerDefinitions`: expected a task definition (register input or describe output) or a containerDefinitions array",
                ));
            }
            let task_definition = lenient(Value::Object(obj)).map_err(|e| e.under(&prefix))?;
            Ok(Imported { task_definition, shape, notes })
        }
        other => Err(JsonInputError::invalid(
            "",
            format!("expected a task definition object or a containerDefinitions array, found {}", kind(&other)),
        )),
    }
}

/// Writes a task definition as register-ready JSON: two-space indented,
/// typed fields in model order then unknown fields sorted, trailing newline.
pub fn export(td: &TaskDefinition) -> String {
    let mut out = crate::json_text::pretty(td).unwrap_or_else(|e| {
        // Serialising plain data into a string cannot fail; keep a readable
        // marker rather than a panic should that ever change.
        format!("{{\"error\": \"{e}\"}}")
    });
    out.push('\n');
    out
}

/// At most this many wrong-typed fields are kept for the lint to report;
/// a document with more is not a task definition.
const MAX_TYPE_ERRORS: usize = 256;

/// Reads a task definition leniently: a modelled field whose JSON type is
/// wrong (`portMappings` as an object) does not stop the import. Its value
/// is kept verbatim among the unknown fields of its object, where export
/// writes it back unchanged and the lint reports it (ES005), so everything
/// else is still checked. Only when the wrong-typed value is not inside a
/// modelled object's field, or is `containerDefinitions` itself (or one of
/// its entries), is the document not a task definition.
pub(crate) fn lenient(mut value: Value) -> Result<TaskDefinition, JsonInputError> {
    let mut kept: Vec<Kept> = Vec::new();
    // Container by container first: re-reading one container after each
    // wrong-typed field is cheap, re-reading the whole document is not (a
    // 128 KB one with hundreds of them took 400 ms). This pass only keeps
    // what the pass over the whole document would keep; anything else (a
    // container that is not one, too many errors) is left to that pass, so
    // the outcome is the same.
    if let Some(Value::Array(containers)) = value.get_mut("containerDefinitions") {
        for (i, container) in containers.iter_mut().enumerate() {
            let prefix = ["containerDefinitions".to_owned(), i.to_string()];
            if keep_wrong_types::<crate::task_def::ContainerDefinition>(container, &prefix, &mut kept).is_err() {
                break;
            }
        }
    }
    let mut td: TaskDefinition = keep_wrong_types(&mut value, &[], &mut kept)?;
    for (parent, key, field) in kept {
        if let Some(extra) = extra_at(&mut td, &parent) {
            extra.insert(key, field);
        }
    }
    Ok(td)
}

/// A wrong-typed field taken out of the document: the pointer segments of
/// its object, its key and its value.
type Kept = (Vec<String>, String, Value);

/// Reads `value` (at `prefix` in the document) as a `T`, taking each
/// wrong-typed field of a modelled object out into `kept` until it reads.
fn keep_wrong_types<T: serde::de::DeserializeOwned>(
    value: &mut Value,
    prefix: &[String],
    kept: &mut Vec<Kept>,
) -> Result<T, JsonInputError> {
    loop {
        // Borrowed, not a copy of the whole value per wrong-typed field; the
        // same deserializer as `from_json_value`, so the UI's WASM carries
        // one copy of the model's deserialisation code.
        let err = match crate::json_read::read::<T>(value) {
            Ok(read) => return Ok(read),
            Err(err) => err,
        };
        let segments = &err.segments;
        let fatal = || {
            let mut path = String::new();
            for segment in prefix {
                path.push('/');
                path.push_str(&crate::json_pointer::escape(segment));
            }
            path.push_str(&err.pointer());
            JsonInputError::invalid(path, format!("{}; fix the value and import again", err.error))
        };
        let absolute: Vec<String> = prefix.iter().chain(segments).cloned().collect();
        let mut end = segments.len();
        let found = loop {
            if end == 0 {
                break None;
            }
            let parent: Vec<&str> = absolute[..prefix.len() + end - 1].iter().map(String::as_str).collect();
            if crate::lint::modelled_object_at(&parent) && !(parent.is_empty() && absolute[0] == "containerDefinitions")
            {
                break Some(end);
            }
            end -= 1;
        };
        let Some(end) = found.filter(|_| kept.len() < MAX_TYPE_ERRORS) else { return Err(fatal()) };
        let (parent, key) = (segments[..end - 1].to_vec(), segments[end - 1].clone());
        let Some(field) = remove_member(value, &parent, &key) else { return Err(fatal()) };
        kept.push((absolute[..prefix.len() + end - 1].to_vec(), key, field));
    }
}

/// Removes `key` from the object at `parent` inside `value`.
fn remove_member(value: &mut Value, parent: &[String], key: &str) -> Option<Value> {
    let mut at = value;
    for segment in parent {
        at = match at {
            Value::Object(map) => map.get_mut(segment)?,
            Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    at.as_object_mut()?.remove(key)
}

/// The unknown-field map of the modelled object at `pointer`.
fn extra_at<'t>(td: &'t mut TaskDefinition, pointer: &[String]) -> Option<&'t mut crate::task_def::Extra> {
    let p: Vec<&str> = pointer.iter().map(String::as_str).collect();
    let index = |s: &str| s.parse::<usize>().ok();
    match p.as_slice() {
        [] => Some(&mut td.extra),
        ["runtimePlatform"] => td.runtime_platform.as_mut().map(|r| &mut r.extra),
        ["containerDefinitions", c, rest @ ..] => {
            let c = td.container_definitions.get_mut(index(c)?)?;
            match rest {
                [] => Some(&mut c.extra),
                ["portMappings", i] => Some(&mut c.port_mappings.as_mut()?.get_mut(index(i)?)?.extra),
                ["environment", i] => Some(&mut c.environment.as_mut()?.get_mut(index(i)?)?.extra),
                ["environmentFiles", i] => Some(&mut c.environment_files.as_mut()?.get_mut(index(i)?)?.extra),
                ["secrets", i] => Some(&mut c.secrets.as_mut()?.get_mut(index(i)?)?.extra),
                ["logConfiguration"] => Some(&mut c.log_configuration.as_mut()?.extra),
                ["logConfiguration", "secretOptions", i] => {
                    Some(&mut c.log_configuration.as_mut()?.secret_options.as_mut()?.get_mut(index(i)?)?.extra)
                }
                ["repositoryCredentials"] => Some(&mut c.repository_credentials.as_mut()?.extra),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every `null` object member of `value`, as JSON pointers in document
/// order. RegisterTaskDefinition accepts no `null` (the AWS CLI's own
/// parameter validation rejects it), so `normalize` drops them.
pub fn null_members(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: &mut String, out: &mut Vec<String>) {
        let len = at.len();
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    at.push('/');
                    at.push_str(&crate::json_pointer::escape(key));
                    if member.is_null() {
                        out.push(at.clone());
                    } else {
                        walk(member, at, out);
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push_str(&format!("/{i}"));
                    walk(item, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

/// Removes every `null` member from the unknown fields of every object of
/// the model, at any depth (modelled fields read `null` as absent already).
pub fn drop_nulls(td: &mut TaskDefinition) {
    let clean = |extra: &mut crate::task_def::Extra| {
        extra.retain(|_, value| !value.is_null());
        extra.values_mut().for_each(drop_null_members);
    };
    clean(&mut td.extra);
    if let Some(platform) = &mut td.runtime_platform {
        clean(&mut platform.extra);
    }
    for c in &mut td.container_definitions {
        clean(&mut c.extra);
        c.port_mappings.iter_mut().flatten().for_each(|p| clean(&mut p.extra));
        c.environment.iter_mut().flatten().for_each(|e| clean(&mut e.extra));
        c.environment_files.iter_mut().flatten().for_each(|f| clean(&mut f.extra));
        c.secrets.iter_mut().flatten().for_each(|s| clean(&mut s.extra));
        if let Some(log) = &mut c.log_configuration {
            clean(&mut log.extra);
            log.secret_options.iter_mut().flatten().for_each(|s| clean(&mut s.extra));
        }
        if let Some(creds) = &mut c.repository_credentials {
            clean(&mut creds.extra);
        }
    }
}

/// Removes every `null` object member of `value`, at any depth.
pub fn drop_null_members(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, member| !member.is_null());
            map.values_mut().for_each(drop_null_members);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_members),
        _ => {}
    }
}

/// Reads a typed value out of parsed JSON, with the same deserializer
/// [`import`] uses ([`crate::json_read`], which tracks the JSON path).
/// Everything the UI reads goes through here: each distinct deserializer a
/// type is read with is another copy of that type's code in the WASM bundle.
/// Errors are serde_json's own.
pub fn from_json_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    from_json_value_at(value).map_err(|(_, error)| error)
}

/// Like [`from_json_value`], keeping the JSON pointer of the value that did
/// not fit (the same deserializer instance, so no extra code in the WASM).
pub fn from_json_value_at<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, serde_json::Error)> {
    crate::json_read::read(&value).map_err(|err| (err.pointer(), err.error))
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

fn syntax_error(text: &str, err: &serde_json::Error) -> JsonInputError {
    let mut syntax = JsonSyntax::from_serde(err);
    if text.trim().is_empty() {
        syntax.message = "the input is empty: paste a task definition JSON".to_owned();
    }
    JsonInputError::Syntax(syntax)
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
        assert_eq!(
            err,
            JsonInputError::Syntax(JsonSyntax { line: 3, column: 3, message: "expected `,` or `}`".into() })
        );
    }

    #[test]
    fn a_wrong_typed_field_is_kept_verbatim_for_the_lint() {
        let doc = json!({"family": "web", "containerDefinitions": [{
            "name": "a", "memory": "512", "portMappings": {"containerPort": 80},
            "environment": [{"name": "N", "value": 5}], "secrets": [{"name": "S", "valueFrom": "/x"}]
        }]});
        let imported = import(&doc.to_string()).unwrap();
        let c = &imported.task_definition.container_definitions[0];
        assert_eq!(c.memory, None);
        assert_eq!(c.extra["memory"], json!("512"));
        assert_eq!(c.extra["portMappings"], json!({"containerPort": 80}));
        assert_eq!(c.environment.as_ref().unwrap()[0].extra["value"], json!(5));
        assert_eq!(c.secrets.as_ref().unwrap().len(), 1, "the rest is read");
        let out: Value = serde_json::from_str(&export(&imported.task_definition)).unwrap();
        assert_eq!(out, doc, "lossless");
        let array = import(&json!([{"name": "a", "cpu": "x"}]).to_string()).unwrap();
        assert_eq!(array.task_definition.container_definitions[0].extra["cpu"], json!("x"));
    }

    /// Wrong types in several containers and at the top level: each kept
    /// where it was (found container by container, then in the document),
    /// and a container that is not an object still refuses the document.
    #[test]
    fn wrong_types_in_every_container_are_kept() {
        let mut containers: Vec<Value> =
            (0..10).map(|i| json!({"name": format!("c{i}"), "cpu": "x", "essential": "yes"})).collect();
        containers[4]["logConfiguration"] = json!({"logDriver": 1, "secretOptions": [{"name": "t", "valueFrom": 2}]});
        let doc = json!({"family": 7, "containerDefinitions": containers, "cpu": 256});
        let imported = import(&doc.to_string()).unwrap();
        let td = &imported.task_definition;
        assert_eq!((td.extra["family"].clone(), td.extra["cpu"].clone()), (json!(7), json!(256)));
        for c in &td.container_definitions {
            assert_eq!((c.extra["cpu"].clone(), c.extra["essential"].clone()), (json!("x"), json!("yes")));
        }
        let log = td.container_definitions[4].log_configuration.as_ref().unwrap();
        assert_eq!(log.extra["logDriver"], json!(1));
        assert_eq!(log.secret_options.as_ref().unwrap()[0].extra["valueFrom"], json!(2));
        let out: Value = serde_json::from_str(&export(td)).unwrap();
        assert_eq!(out, doc, "lossless");
        let refused = json!({"containerDefinitions": [{"name": "a", "cpu": "x"}, "nginx", {"cpu": "y"}]});
        assert_eq!(import(&refused.to_string()).unwrap_err().path(), "/containerDefinitions/1");
    }

    #[test]
    fn type_errors_outside_the_model_are_not_a_task_definition() {
        for (doc, at) in [
            (json!({"containerDefinitions": {"name": "a"}}), "/containerDefinitions"),
            (json!({"containerDefinitions": ["nginx"]}), "/containerDefinitions/0"),
            (json!(["nginx"]), "/0"),
            (json!({"taskDefinition": {"containerDefinitions": 5}}), "/taskDefinition/containerDefinitions"),
            (
                json!({"daemonTaskDefinition": {"containerDefinitions": 5}}),
                "/daemonTaskDefinition/containerDefinitions",
            ),
            (json!({"daemonTaskDefinition": []}), "/daemonTaskDefinition"),
            (json!({"daemonTaskDefinition": {"family": "agent"}}), "/daemonTaskDefinition"),
        ] {
            let err = import(&doc.to_string()).unwrap_err();
            let JsonInputError::Invalid(JsonProblem { path, .. }) = &err else { panic!("{err}") };
            assert_eq!(path, at, "{doc}");
        }
    }

    /// DescribeDaemonTaskDefinition output is a task definition in all that
    /// matters here; its read-only fields are stripped, the rest kept.
    #[test]
    fn a_daemon_task_definition_is_unwrapped_and_stripped() {
        let doc = json!({"daemonTaskDefinition": {
            "daemonTaskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:daemon-task-definition/agent:2",
            "revision": 2, "status": "ACTIVE", "deleteRequestedAt": 1767225600.5,
            "family": "agent", "executionRoleArn": "arn:aws:iam::123456789012:role/agent-exec",
            "containerDefinitions": [{"name": "agent", "image": "agent:1",
                "secrets": [{"name": "TOKEN", "valueFrom": "/agent/token"}],
                "restartPolicy": {"enabled": true}}]
        }});
        let imported = import(&doc.to_string()).unwrap();
        assert_eq!(imported.shape, InputShape::DaemonDescribeOutput);
        assert_eq!(imported.shape.wrapper(), Some("daemonTaskDefinition"));
        let exported: Value = serde_json::from_str(&export(&imported.task_definition)).unwrap();
        let mut expected = doc["daemonTaskDefinition"].clone();
        for field in DAEMON_READ_ONLY_FIELDS {
            expected.as_object_mut().unwrap().remove(field);
        }
        assert_eq!(exported, expected);
        let paths: Vec<&str> = imported.notes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/daemonTaskDefinition",
                "/daemonTaskDefinition/daemonTaskDefinitionArn",
                "/daemonTaskDefinition/revision",
                "/daemonTaskDefinition/status",
                "/daemonTaskDefinition/deleteRequestedAt"
            ]
        );
        assert_eq!(imported.task_definition.secret_sites().len(), 1);
    }

    /// Found by the fuzz: a member named like a wrapper inside the task
    /// definition is an unknown field, exported as is — and that export
    /// must import again.
    #[test]
    fn a_wrapper_named_member_beside_container_definitions_is_kept() {
        for key in ["taskDefinition", "daemonTaskDefinition"] {
            let doc = json!({"daemonTaskDefinition": {key: "x", "containerDefinitions": [{"name": "a"}]}});
            let imported = import(&doc.to_string()).unwrap();
            let again = import(&export(&imported.task_definition)).unwrap();
            assert_eq!(again.task_definition, imported.task_definition, "{key}");
            assert_eq!(again.shape, InputShape::RegisterInput);
        }
    }

    #[test]
    fn an_express_mode_service_is_explained() {
        let doc = json!({"serviceName": "web", "primaryContainer": {"image": "nginx", "secrets": []}});
        let JsonInputError::Invalid(JsonProblem { path, message, .. }) = import(&doc.to_string()).unwrap_err() else {
            panic!()
        };
        assert_eq!(path, "/primaryContainer");
        assert!(message.contains("Express Mode"), "{message}");
    }

    #[test]
    fn null_members_are_found_and_dropped() {
        let mut doc = json!({"family": null, "a": [{"b": null, "c": 1}, null], "d": {"e~f": null}});
        assert_eq!(null_members(&doc), ["/a/0/b", "/d/e~0f", "/family"]);
        drop_null_members(&mut doc);
        assert_eq!(doc, json!({"a": [{"c": 1}, null], "d": {}}));
    }
}
