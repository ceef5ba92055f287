//! Reading typed values out of parsed JSON, with the JSON path of the value
//! that did not fit.
//!
//! Everything the UI reads goes through [`read`]: each distinct deserializer
//! a type is read with is another copy of that type's (derived) code in the
//! WASM bundle, so there is one, and it is a plain, non-generic one over a
//! borrowed [`Value`]. It gives the same values and the same messages as
//! serde_json's own `&Value` deserializer (errors are `serde_json::Error`s,
//! made through the same `serde::de::Error` methods), and the same paths as
//! `serde_path_to_error` gives for it: the innermost map member or array
//! element an error passed through, whether the error came from the
//! deserializer (a wrong type) or from a type's own `Deserialize` (a custom
//! check). Wrapping a deserializer generically (as `serde_path_to_error`
//! does) would instantiate every visitor once more for the wrapper: about
//! 30 KB gzipped of the UI's download (BENCHMARKS.md).

use std::cell::RefCell;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Error as _, Unexpected, Visitor};
use serde_json::{Error, Value};

/// A value that did not fit: the pointer segments of where (empty for the
/// whole document) and serde_json's error.
#[derive(Debug)]
pub struct ReadError {
    pub segments: Vec<String>,
    pub error: Error,
}

impl ReadError {
    /// The place as an RFC 6901 JSON pointer.
    pub fn pointer(&self) -> String {
        crate::json_pointer::pointer(&self.segments)
    }
}

/// Reads a `T` out of `value`.
pub fn read<T: DeserializeOwned>(value: &Value) -> Result<T, ReadError> {
    let track = Track::default();
    T::deserialize(At { value, chain: &Chain::Root, track: &track }).map_err(|error| {
        track.trigger(&Chain::Root);
        ReadError { segments: track.0.take().unwrap_or_default(), error }
    })
}

/// For a hand-written reader's `Option<Value>` field, with
/// `#[serde(default, deserialize_with = "crate::json_read::present")]`:
/// `None` only when the member is absent, `Some(Value::Null)` for `null`
/// (a plain `Option<Value>` reads both as `None`), so a required JSON value
/// stays required as it is in a derived reader.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Where a value is, as a list from the value up to the root (on the stack;
/// turned into segments only when an error happens).
enum Chain<'c> {
    Root,
    Key(&'c Chain<'c>, &'c str),
    Index(&'c Chain<'c>, usize),
}

/// The path of the first (innermost) place an error passed through.
#[derive(Default)]
struct Track(RefCell<Option<Vec<String>>>);

impl Track {
    #[inline(never)]
    fn trigger(&self, chain: &Chain<'_>) {
        let mut path = self.0.borrow_mut();
        if path.is_some() {
            return;
        }
        let mut segments = Vec::new();
        let mut at = chain;
        loop {
            at = match at {
                Chain::Root => break,
                Chain::Key(parent, key) => {
                    segments.push((*key).to_owned());
                    parent
                }
                Chain::Index(parent, index) => {
                    segments.push(index.to_string());
                    parent
                }
            };
        }
        segments.reverse();
        *path = Some(segments);
    }

    fn noted<T>(&self, chain: &Chain<'_>, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() {
            self.trigger(chain);
        }
        result
    }
}

/// What `value` is, in serde's terms (as serde_json says it).
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            (None, None) => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// The deserializer of one value at its place.
struct At<'de, 'c> {
    value: &'de Value,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'de, 'c> At<'de, 'c> {
    /// `result`, the error (if any) noted at this place.
    fn noted<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        self.track.noted(self.chain, result)
    }

    /// The error for a value of the wrong kind, as serde_json words it.
    fn wrong<T>(&self, expected: &dyn de::Expected) -> Result<T, Error> {
        self.noted(Err(Error::invalid_type(unexpected(self.value), expected)))
    }

    fn visit_number<V: Visitor<'de>>(&self, n: &serde_json::Number, visitor: V) -> Result<V::Value, Error> {
        self.noted(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => visitor.visit_u64(u),
            (None, Some(i)) => visitor.visit_i64(i),
            (None, None) => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
        })
    }

    fn visit_array<V: Visitor<'de>>(&self, items: &'de [Value], visitor: V) -> Result<V::Value, Error> {
        let mut seq = Seq { items: items.iter(), index: 0, chain: self.chain, track: self.track };
        let read = visitor.visit_seq(&mut seq).and_then(|read| match seq.items.len() {
            0 => Ok(read),
            _ => Err(Error::invalid_length(items.len(), &"fewer elements in array")),
        });
        self.noted(read)
    }

    fn visit_object<V: Visitor<'de>>(
        &self,
        members: &'de serde_json::Map<String, Value>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let mut map = Map { members: members.iter(), value: None, chain: self.chain, track: self.track };
        let read = visitor.visit_map(&mut map).and_then(|read| match map.members.len() {
            0 => Ok(read),
            _ => Err(Error::invalid_length(members.len(), &"fewer elements in map")),
        });
        self.noted(read)
    }

    fn visit_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => self.noted(visitor.visit_borrowed_str(s)),
            _ => self.wrong(&visitor),
        }
    }

    fn visit_numeric<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Number(n) => self.visit_number(n, visitor),
            _ => self.wrong(&visitor),
        }
    }
}

/// Each method accepts the kinds of JSON serde_json's `&Value` deserializer
/// accepts for it (and calls the same visitor method), so values and
/// messages are the same; the error of another kind is made here rather
/// than in the visitor, so each type's code handles only its own kinds.
impl<'de> de::Deserializer<'de> for At<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => self.noted(visitor.visit_unit()),
            Value::Bool(b) => self.noted(visitor.visit_bool(*b)),
            Value::Number(n) => self.visit_number(n, visitor),
            Value::String(s) => self.noted(visitor.visit_borrowed_str(s)),
            Value::Array(items) => self.visit_array(items, visitor),
            Value::Object(members) => self.visit_object(members, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => self.noted(visitor.visit_bool(*b)),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_numeric(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => self.noted(visitor.visit_borrowed_str(s)),
            Value::Array(items) => self.visit_array(items, visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => self.noted(visitor.visit_unit()),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => self.visit_array(items, visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(members) => self.visit_object(members, visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => self.visit_array(items, visitor),
            Value::Object(members) => self.visit_object(members, visitor),
            _ => self.wrong(&visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (chain, track) = (self.chain, self.track);
        let result = match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        track.noted(chain, result)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        let (chain, track) = (self.chain, self.track);
        track.noted(chain, visitor.visit_newtype_struct(self))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (chain, track) = (self.chain, self.track);
        let result = match self.value {
            Value::String(variant) => visitor.visit_enum(Enum { variant, value: None, chain, track }),
            Value::Object(members) => {
                let mut iter = members.iter();
                match (iter.next(), iter.next()) {
                    (Some((variant, value)), None) => {
                        visitor.visit_enum(Enum { variant, value: Some(value), chain, track })
                    }
                    _ => Err(Error::invalid_value(Unexpected::Map, &"map with a single key")),
                }
            }
            other => Err(Error::invalid_type(unexpected(other), &"string or map")),
        };
        track.noted(chain, result)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// The elements of an array.
struct Seq<'de, 'c> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'de> de::SeqAccess<'de> for Seq<'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(value) = self.items.next() else { return Ok(None) };
        let chain = Chain::Index(self.chain, self.index);
        self.index += 1;
        let read = seed.deserialize(At { value, chain: &chain, track: self.track });
        self.track.noted(&chain, read).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The members of an object.
struct Map<'de, 'c> {
    members: serde_json::map::Iter<'de>,
    value: Option<(&'de str, &'de Value)>,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'de> de::MapAccess<'de> for Map<'de, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.members.next() else { return Ok(None) };
        self.value = Some((key, value));
        let read = seed.deserialize(BorrowedStrDeserializer::new(key));
        self.track.noted(&Chain::Key(self.chain, key), read).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.value.take() else { return Err(Error::custom("value is missing")) };
        let chain = Chain::Key(self.chain, key);
        let read = seed.deserialize(At { value, chain: &chain, track: self.track });
        self.track.noted(&chain, read)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

/// An enum: a variant name, alone or with its content.
struct Enum<'de, 'c> {
    variant: &'de str,
    value: Option<&'de Value>,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'de, 'c> de::EnumAccess<'de> for Enum<'de, 'c> {
    type Error = Error;
    type Variant = Enum<'de, 'c>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let read = seed.deserialize(BorrowedStrDeserializer::new(self.variant))?;
        Ok((read, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'de, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        let chain = Chain::Key(self.chain, self.variant);
        let result = match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(Error::invalid_type(unexpected(other), &"unit")),
        };
        self.track.noted(&chain, result)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let chain = Chain::Key(self.chain, self.variant);
        let result = match self.value {
            Some(value) => seed.deserialize(At { value, chain: &chain, track: self.track }),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        };
        self.track.noted(&chain, result)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let chain = Chain::Key(self.chain, self.variant);
        let result = match self.value {
            Some(Value::Array(items)) if items.is_empty() => visitor.visit_unit(),
            Some(value @ Value::Array(_)) => {
                de::Deserializer::deserialize_any(At { value, chain: &chain, track: self.track }, visitor)
            }
            Some(other) => Err(Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        };
        self.track.noted(&chain, result)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        let chain = Chain::Key(self.chain, self.variant);
        let result = match self.value {
            Some(value @ Value::Object(_)) => {
                de::Deserializer::deserialize_any(At { value, chain: &chain, track: self.track }, visitor)
            }
            Some(other) => Err(Error::invalid_type(unexpected(other), &"struct variant")),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        };
        self.track.noted(&chain, result)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;
    use crate::bundle::Bundle;
    use crate::json_locate::tests::properties::pointers;
    use crate::task_def::TaskDefinition;

    /// What serde_json's `&Value` deserializer, wrapped by
    /// `serde_path_to_error`, makes of `value`: the reader this module
    /// replaced.
    fn reference<T: DeserializeOwned>(value: &Value) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize(value)
            .map_err(|err| (crate::import::pointer_of(err.path()), err.into_inner().to_string()))
    }

    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(value: &Value) {
        let ours = read::<T>(value).map_err(|err| (err.pointer(), err.error.to_string()));
        assert_eq!(ours, reference::<T>(value), "{value}");
    }

    fn task_definition() -> Value {
        json!({
            "family": "web", "cpu": "256", "memory": "512", "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"], "runtimePlatform": {"cpuArchitecture": "ARM64", "x": [1]},
            "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
            "containerDefinitions": [{
                "name": "app", "image": "nginx", "essential": true, "memory": 512, "cpu": 0,
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                "environment": [{"name": "A", "value": "1"}],
                "environmentFiles": [{"value": "arn:aws:s3:::b/f.env", "type": "s3"}],
                "secrets": [{"name": "DB", "valueFrom": "/web/db"}],
                "logConfiguration": {"logDriver": "splunk", "options": {"splunk-url": "https://s"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": "/web/splunk"}]},
                "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:r"},
                "healthCheck": {"command": ["CMD", "true"], "interval": 1.5e1}
            }],
            "tags": [{"key": "team", "value": "web"}], "volumes": [], "n": -3
        })
    }

    fn replacements() -> Vec<Value> {
        vec![
            json!(null),
            json!(true),
            json!(7),
            json!(70000),
            json!(-3),
            json!(1.5),
            json!(1e-28),
            json!("x"),
            json!([]),
            json!(["x", 2]),
            json!({}),
            json!({"name": 1}),
        ]
    }

    /// Every value of a task definition replaced by every kind of JSON, one
    /// at a time: the same result, the same path and the same message as
    /// the reader this module replaced.
    #[test]
    fn a_task_definition_reads_as_with_serde_path_to_error_wherever_it_is_wrong() {
        let doc = task_definition();
        same::<TaskDefinition>(&doc);
        let mut places = Vec::new();
        pointers(&doc, String::new(), &mut places);
        for place in &places {
            for replacement in replacements() {
                let mut wrong = doc.clone();
                *wrong.pointer_mut(place).unwrap() = replacement;
                same::<TaskDefinition>(&wrong);
                same::<crate::task_def::ContainerDefinition>(&wrong["containerDefinitions"][0]);
            }
        }
    }

    /// The same for a bundle, whose types have custom checks (region,
    /// account) and enums.
    #[test]
    fn a_bundle_reads_as_with_serde_path_to_error_wherever_it_is_wrong() {
        let mut doc = json!({"version": 1, "region": "eu-west-1", "accountId": "123456789012",
            "executionRole": {"name": "web-exec", "create": true, "attachManagedPolicy": null},
            "secrets": [{"store": "ssm", "name": "/web/db", "create": true, "kmsKeyId": "alias/k"},
                {"store": "secretsmanager", "name": "web/api", "create": false}],
            "services": [{"cluster": "c", "service": "s"}]});
        doc["taskDefinition"] = task_definition();
        let parsed: Result<Bundle, _> = reference(&doc);
        assert!(parsed.is_ok(), "{parsed:?}");
        same::<Bundle>(&doc);
        let mut places = Vec::new();
        pointers(&doc, String::new(), &mut places);
        for place in places.iter().filter(|p| !p.starts_with("/taskDefinition/containerDefinitions")) {
            for replacement in replacements() {
                let mut wrong = doc.clone();
                *wrong.pointer_mut(place).unwrap() = replacement;
                same::<Bundle>(&wrong);
            }
        }
        for region in ["eu-*-1", "", "EU-WEST-1"] {
            doc["region"] = json!(region);
            same::<Bundle>(&doc);
        }
    }

    #[test]
    fn enums_options_and_lengths_read_as_serde_json_does() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, String),
            Struct { a: Option<bool> },
        }
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct S {
            e: Vec<E>,
            pair: Option<(u8, u8)>,
            #[serde(default)]
            map: std::collections::BTreeMap<String, i64>,
        }
        for doc in [
            json!({"e": ["Unit", {"New": 3}, {"Tuple": [1, "x"]}, {"Struct": {"a": null}}, {"Unit": null}]}),
            json!({"e": ["Other"]}),
            json!({"e": [{"New": 300}]}),
            json!({"e": [{"New": 1, "Unit": null}]}),
            json!({"e": [{"Unit": 1}]}),
            json!({"e": [5]}),
            json!({"e": ["New"]}),
            json!({"e": [{"Tuple": [1]}]}),
            json!({"e": [{"Tuple": [1, "x", 3]}]}),
            json!({"e": [{"Tuple": []}]}),
            json!({"e": [{"Struct": [true]}]}),
            json!({"e": [{"Struct": 1}]}),
            json!({"e": [], "pair": [1, 2, 3]}),
            json!({"e": [], "pair": [1]}),
            json!({"e": [], "unknown": 1}),
            json!({"e": [], "map": {"a": 1, "b": "2"}}),
            json!({"e": [], "map": {"a": -9223372036854775808_i64, "b": 18446744073709551615_u64}}),
            json!({}),
            json!([[]]),
            json!([[], null, {}, 1]),
            json!("s"),
        ] {
            same::<S>(&doc);
        }
    }

    /// `StepAction`'s hand-written reader (one struct for every variant):
    /// every variant reads back as written, with serde's messages.
    #[test]
    fn step_actions_read_back_as_written() {
        use crate::plan::StepAction;
        let policy = json!({"Version": "2012-10-17", "Statement": []});
        let actions = [
            StepAction::CreateParameter { name: "/a".into(), kms_key_id: Some("alias/k".into()), description: None },
            StepAction::CreateSecret { name: "a".into(), kms_key_id: None, description: Some("d".into()) },
            StepAction::CreateRole { role_name: "r".into(), trust_policy: policy.clone() },
            StepAction::UpdateTrustPolicy { role_name: "r".into(), trust_policy: policy.clone() },
            StepAction::PutRolePolicy { role_name: "r".into(), policy_name: "p".into(), policy: policy.clone() },
            StepAction::AttachManagedPolicy { role_name: "r".into(), policy_arn: "arn:aws:iam::aws:policy/x".into() },
            StepAction::RegisterTaskDefinition { family: "web".into(), task_definition: json!({"family": "web"}) },
            StepAction::UpdateService {
                cluster: "c".into(),
                service: "s".into(),
                force_new_deployment: true,
                task_definition: Some("web:3".into()),
            },
            StepAction::UpdateService {
                cluster: "c".into(),
                service: "s".into(),
                force_new_deployment: false,
                task_definition: None,
            },
            StepAction::WaitServicesStable { cluster: "c".into(), services: vec!["s".into()] },
        ];
        for action in actions {
            let written = serde_json::to_value(&action).unwrap();
            assert_eq!(read::<StepAction>(&written).unwrap(), action, "{written}");
        }
        let message = |doc: Value| {
            let err = read::<StepAction>(&doc).unwrap_err();
            (err.pointer(), err.error.to_string())
        };
        assert_eq!(message(json!({"type": "createRole"})), (String::new(), "missing field `roleName`".to_owned()));
        assert_eq!(message(json!({"name": "x"})), (String::new(), "missing field `type`".to_owned()));
        assert_eq!(
            message(json!({"type": "updateService", "cluster": "c", "service": "s", "forceNewDeployment": 1})),
            ("/forceNewDeployment".to_owned(), "invalid type: integer `1`, expected a boolean".to_owned())
        );
        let (_, unknown) = message(json!({"type": "deleteEverything"}));
        assert!(
            unknown.starts_with("unknown variant `deleteEverything`, expected one of `createParameter`"),
            "{unknown}"
        );
    }

    /// `Edit`'s hand-written reader: each operation reads back as written.
    #[test]
    fn edits_read_back_as_written() {
        use crate::fix::Edit;
        for edit in [
            Edit::Add { path: "/a/-".into(), value: json!({"name": "X", "valueFrom": "/x"}) },
            Edit::Add { path: "/a".into(), value: json!(null) },
            Edit::Remove { path: "/a/0".into() },
            Edit::Replace { path: "/b".into(), value: json!([1.5, "s"]) },
        ] {
            let written = serde_json::to_value(&edit).unwrap();
            assert_eq!(read::<Edit>(&written).unwrap(), edit, "{written}");
        }
        let err = read::<Edit>(&json!({"op": "move", "path": "/a"})).unwrap_err();
        assert_eq!(err.error.to_string(), "unknown variant `move`, expected one of `add`, `remove`, `replace`");
        let err = read::<Vec<Edit>>(&json!([{"op": "remove"}])).unwrap_err();
        assert_eq!((err.pointer(), err.error.to_string()), ("/0".to_owned(), "missing field `path`".to_owned()));
    }

    /// `AuditedService`'s hand-written reader: an audited service reads back
    /// as written, and a wrong audit member is named.
    #[test]
    fn audited_services_read_back_as_written() {
        use crate::api::AuditedService;
        let written = json!({"cluster": "prod", "service": "web", "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
            "executionRoleArn": null, "diagnostics": [], "references": [], "staleTasks": 2, "summary": "ok",
            "taskDefinitionDocument": task_definition()});
        let read_back = read::<AuditedService>(&written).unwrap();
        assert_eq!(serde_json::to_value(&read_back).unwrap(), written);
        assert_eq!(read_back.task_definition_document.unwrap().family.as_deref(), Some("web"));
        let mut wrong = written.clone();
        wrong["staleTasks"] = json!("two");
        let err = read::<Vec<AuditedService>>(&json!([written, wrong])).unwrap_err();
        assert_eq!(err.pointer(), "/1");
        assert_eq!(err.error.to_string(), "/staleTasks: invalid type: string \"two\", expected usize");
    }
}
