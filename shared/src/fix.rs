//! Machine-applicable fixes: a list of JSON Patch (RFC 6902) operations on
//! the task definition, plus, for a plaintext secret moved out of
//! `environment`, the secret that has to be created.
//!
//! A fix never carries a secret value. `SecretToCreate::value_path` points at
//! the value in the task definition the fix was computed on; [`apply_fix`]
//! lifts it out into a [`PendingSecret`] held in memory only.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json_pointer;
use crate::secret_ref::Store;
use crate::task_def::TaskDefinition;

/// One JSON Patch operation. `path` and `from` are JSON pointers; `-` as the
/// last token of an `add` path appends to an array.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Edit {
    Add { path: String, value: Value },
    Remove { path: String },
    Replace { path: String, value: Value },
}

/// The JSON a derived internally tagged `Deserialize` reads, read as one
/// struct of every operation's fields: the derive buffers each object and
/// reads it once more per operation (about 10 KB of code in the UI's WASM,
/// which reads diagnostics with their fixes; BENCHMARKS.md).
impl<'de> Deserialize<'de> for Edit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Edit, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            op: String,
            path: String,
            #[serde(default, deserialize_with = "crate::json_read::present")]
            value: Option<Value>,
        }
        let Fields { op, path, value } = Fields::deserialize(deserializer)?;
        Ok(match op.as_str() {
            "add" => Edit::Add { path, value: value.ok_or_else(|| serde::de::Error::missing_field("value"))? },
            "remove" => Edit::Remove { path },
            "replace" => Edit::Replace { path, value: value.ok_or_else(|| serde::de::Error::missing_field("value"))? },
            other => return Err(serde::de::Error::unknown_variant(other, &["add", "remove", "replace"])),
        })
    }
}

/// A repair for one diagnostic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// What the fix does, as a button label: "Move DB_PASSWORD to a secret".
    pub title: String,
    pub edits: Vec<Edit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_secret: Option<SecretToCreate>,
}

/// A secret the fix asks to create; its value is still at `value_path` in
/// the task definition the fix was computed for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretToCreate {
    pub store: Store,
    pub name: String,
    pub value_path: String,
}

/// A secret value lifted out of a task definition by a fix, waiting to be
/// created at apply time. It is never serialised and its `Debug` is redacted.
#[derive(Debug)]
pub struct PendingSecret {
    pub store: Store,
    pub name: String,
    pub value: SecretString,
}

/// Why a fix could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("{path}: no such location in the task definition (was it edited since the diagnostic?)")]
    NoSuchPath { path: String },
    #[error("{path}: expected a string secret value to move")]
    NotAString { path: String },
    #[error("the fixed task definition no longer fits the model: {0}")]
    Model(String),
}

/// Applies `fix` to `td`, returning the new task definition and the secret
/// value it lifted out, if any.
pub fn apply_fix(td: &TaskDefinition, fix: &Fix) -> Result<(TaskDefinition, Option<PendingSecret>), FixError> {
    // Through the text writer export uses (not `to_value`): one copy of the
    // model's serialisation code in the UI's WASM.
    let mut doc: Value = crate::json_text::compact(td)
        .and_then(|text| serde_json::from_str(&text))
        .map_err(|e| FixError::Model(e.to_string()))?;
    let pending = match &fix.create_secret {
        Some(create) => {
            let value = doc
                .pointer(&create.value_path)
                .ok_or_else(|| FixError::NoSuchPath { path: create.value_path.clone() })?
                .as_str()
                .ok_or_else(|| FixError::NotAString { path: create.value_path.clone() })?;
            Some(PendingSecret {
                store: create.store,
                name: create.name.clone(),
                value: SecretString::from(value.to_owned()),
            })
        }
        None => None,
    };
    apply_edits(&mut doc, &fix.edits)?;
    let td = crate::import::lenient(doc).map_err(|e| FixError::Model(e.to_string()))?;
    Ok((td, pending))
}

/// Applies JSON Patch operations to a document in order.
pub fn apply_edits(doc: &mut Value, edits: &[Edit]) -> Result<(), FixError> {
    for edit in edits {
        match edit {
            Edit::Add { path, value } => add(doc, path, value.clone())?,
            Edit::Remove { path } => {
                remove(doc, path)?;
            }
            Edit::Replace { path, value } => {
                let slot = doc.pointer_mut(path).ok_or_else(|| FixError::NoSuchPath { path: path.clone() })?;
                *slot = value.clone();
            }
        }
    }
    Ok(())
}

fn split_parent(path: &str) -> Result<(String, String), FixError> {
    let no_path = || FixError::NoSuchPath { path: path.to_owned() };
    let tokens = json_pointer::tokens(path).ok_or_else(no_path)?;
    let (last, parent) = tokens.split_last().ok_or_else(no_path)?;
    Ok((json_pointer::pointer(parent), last.clone()))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), FixError> {
    let no_path = || FixError::NoSuchPath { path: path.to_owned() };
    let (parent, last) = split_parent(path)?;
    match doc.pointer_mut(&parent).ok_or_else(no_path)? {
        Value::Object(map) => {
            map.insert(last, value);
        }
        Value::Array(items) => {
            let index = if last == "-" { items.len() } else { last.parse::<usize>().map_err(|_| no_path())? };
            if index > items.len() {
                return Err(no_path());
            }
            items.insert(index, value);
        }
        _ => return Err(no_path()),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, FixError> {
    let no_path = || FixError::NoSuchPath { path: path.to_owned() };
    let (parent, last) = split_parent(path)?;
    match doc.pointer_mut(&parent).ok_or_else(no_path)? {
        Value::Object(map) => map.remove(&last).ok_or_else(no_path),
        Value::Array(items) => {
            let index = last.parse::<usize>().map_err(|_| no_path())?;
            if index >= items.len() {
                return Err(no_path());
            }
            Ok(items.remove(index))
        }
        _ => Err(no_path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use serde_json::json;

    #[test]
    fn moves_a_plaintext_value_into_a_pending_secret() {
        let td: TaskDefinition = serde_json::from_value(json!({
            "family": "web",
            "containerDefinitions": [{"name": "app", "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}]}]
        }))
        .unwrap();
        let fix = Fix {
            title: "Move DB_PASSWORD to a secret".into(),
            edits: vec![
                Edit::Remove { path: "/containerDefinitions/0/environment/0".into() },
                Edit::Add {
                    path: "/containerDefinitions/0/secrets".into(),
                    value: json!([{"name": "DB_PASSWORD", "valueFrom": "/web/app/DB_PASSWORD"}]),
                },
            ],
            create_secret: Some(SecretToCreate {
                store: Store::Ssm,
                name: "/web/app/DB_PASSWORD".into(),
                value_path: "/containerDefinitions/0/environment/0/value".into(),
            }),
        };
        let (fixed, pending) = apply_fix(&td, &fix).unwrap();
        let pending = pending.unwrap();
        assert_eq!(pending.value.expose_secret(), "hunter2");
        assert!(!format!("{pending:?}").contains("hunter2"));
        let out = serde_json::to_string(&fixed).unwrap();
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("/web/app/DB_PASSWORD"));
    }

    #[test]
    fn reports_a_stale_path() {
        let mut doc = json!({"a": [1]});
        let err = apply_edits(&mut doc, &[Edit::Remove { path: "/a/3".into() }]).unwrap_err();
        assert_eq!(err, FixError::NoSuchPath { path: "/a/3".into() });
        apply_edits(&mut doc, &[Edit::Add { path: "/a/-".into(), value: json!(2) }]).unwrap();
        assert_eq!(doc, json!({"a": [1, 2]}));
    }

    #[test]
    fn an_edit_that_sets_a_value_needs_one_and_may_set_null() {
        for op in ["add", "replace"] {
            let missing = serde_json::from_value::<Edit>(json!({"op": op, "path": "/a"})).unwrap_err();
            assert!(missing.to_string().contains("missing field `value`"), "{missing}");
            let null: Edit = serde_json::from_value(json!({"op": op, "path": "/a", "value": null})).unwrap();
            assert_eq!(
                null,
                if op == "add" {
                    Edit::Add { path: "/a".into(), value: Value::Null }
                } else {
                    Edit::Replace { path: "/a".into(), value: Value::Null }
                }
            );
        }
        let remove: Edit = serde_json::from_value(json!({"op": "remove", "path": "/a"})).unwrap();
        assert_eq!(remove, Edit::Remove { path: "/a".into() });
    }
}
