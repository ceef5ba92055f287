//! IAM policy documents as AWS accepts them.
//!
//! Parsing is lenient where AWS is (a `Statement`, `Action` or `Resource` may
//! be one value or an array; condition values may be strings, booleans or
//! numbers) and strict where AWS is (`Effect` is exactly `Allow` or `Deny`,
//! element names are case-sensitive). Every error names the JSON pointer of
//! the offending value, e.g. `/Statement/2/Effect: expected "Allow" or
//! "Deny", found "allow"`.
//!
//! The model remembers how each list was written (one value or an array) and
//! keeps unknown keys in `extra`, so parse → serialise gives back
//! semantically equal JSON. Serialisation uses AWS's conventional key order:
//! `Version, Id, Statement` and `Sid, Effect, Principal, Action, Resource,
//! Condition`, then unknown keys.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::iam::condition::ConditionOperator;
use crate::json_input::{JsonInputError, kind};
use crate::json_pointer::escape;

/// The current policy language version; policy variables need it.
pub const VERSION_2012_10_17: &str = "2012-10-17";
/// The legacy policy language version (no policy variables).
pub const VERSION_2008_10_17: &str = "2008-10-17";

/// Unknown keys, kept for a lossless round trip.
pub type Extra = BTreeMap<String, Value>;

/// Whether a list was written as one bare value or as a JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListShape {
    /// `"Action": "s3:GetObject"` (only meaningful for exactly one value).
    Single,
    /// `"Action": ["s3:GetObject"]`.
    #[default]
    Array,
}

/// A list that remembers whether it was written as one bare value or as an
/// array: `Action`, `Resource`, a principal list, a condition key's values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShapedList<T> {
    pub values: Vec<T>,
    pub shape: ListShape,
}

/// `Action`, `Resource` and principal lists.
pub type StringList = ShapedList<String>;

/// The values of one condition key.
pub type ConditionValues = ShapedList<ConditionValue>;

impl<T> Default for ShapedList<T> {
    fn default() -> Self {
        ShapedList { values: Vec::new(), shape: ListShape::default() }
    }
}

impl<T> ShapedList<T> {
    /// One value, written as a bare value.
    pub fn single(value: impl Into<T>) -> Self {
        ShapedList { values: vec![value.into()], shape: ListShape::Single }
    }

    /// Values written as an array (even when there is only one).
    pub fn array<I, V>(values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<T>,
    {
        ShapedList { values: values.into_iter().map(Into::into).collect(), shape: ListShape::Array }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn to_value(&self) -> Value
    where
        T: ToValue,
    {
        match (self.shape, self.values.as_slice()) {
            (ListShape::Single, [one]) => one.to_value(),
            _ => Value::Array(self.values.iter().map(T::to_value).collect()),
        }
    }
}

impl StringList {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }
}

impl<T: Serialize> Serialize for ShapedList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.shape, self.values.as_slice()) {
            (ListShape::Single, [one]) => one.serialize(serializer),
            _ => self.values.serialize(serializer),
        }
    }
}

/// An element of a [`ShapedList`] as a JSON value.
trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

/// `Allow` or `Deny` (case-sensitive in AWS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of principal a `Principal` map may name; the derive order is the
/// conventional serialisation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalType {
    /// `"AWS"`: account ids, account root, IAM users and roles, sessions.
    Aws,
    /// `"Service"`: e.g. `ecs-tasks.amazonaws.com`.
    Service,
    /// `"Federated"`: identity providers.
    Federated,
    /// `"CanonicalUser"`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalType {
    pub const ALL: [PrincipalType; 4] =
        [PrincipalType::Aws, PrincipalType::Service, PrincipalType::Federated, PrincipalType::CanonicalUser];

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }

    /// Exact (case-sensitive) element name.
    pub fn parse(name: &str) -> Option<Self> {
        PrincipalType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The value of `Principal` / `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": …, "Service": …}`.
    Map(BTreeMap<PrincipalType, StringList>),
}

impl Principal {
    /// `{"AWS": [arn, …]}`.
    pub fn aws<I, S>(arns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Principal::Map(BTreeMap::from([(PrincipalType::Aws, StringList::array(arns))]))
    }

    /// `{"Service": name}`.
    pub fn service(name: impl Into<String>) -> Self {
        Principal::Map(BTreeMap::from([(PrincipalType::Service, StringList::single(name))]))
    }

    fn to_value(&self) -> Value {
        match self {
            Principal::Any => Value::String("*".to_owned()),
            Principal::Map(map) => {
                // Built by `extend` (inserts), not `collect` (sorts first): keeps a
                // stable sort instance out of the UI's WASM (size budget).
                let mut object = Map::new();
                object.extend(map.iter().map(|(kind, list)| (kind.as_str().to_owned(), list.to_value())));
                Value::Object(object)
            }
        }
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => serializer.serialize_str("*"),
            Principal::Map(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (kind, list) in map {
                    out.serialize_entry(kind.as_str(), list)?;
                }
                out.end()
            }
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalBlock {
    Principal(Principal),
    NotPrincipal(Principal),
}

impl PrincipalBlock {
    pub fn key(&self) -> &'static str {
        match self {
            PrincipalBlock::Principal(_) => "Principal",
            PrincipalBlock::NotPrincipal(_) => "NotPrincipal",
        }
    }

    pub fn principal(&self) -> &Principal {
        match self {
            PrincipalBlock::Principal(p) | PrincipalBlock::NotPrincipal(p) => p,
        }
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionBlock {
    Action(StringList),
    NotAction(StringList),
}

impl ActionBlock {
    pub fn key(&self) -> &'static str {
        match self {
            ActionBlock::Action(_) => "Action",
            ActionBlock::NotAction(_) => "NotAction",
        }
    }

    pub fn list(&self) -> &StringList {
        match self {
            ActionBlock::Action(l) | ActionBlock::NotAction(l) => l,
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceBlock {
    Resource(StringList),
    NotResource(StringList),
}

impl ResourceBlock {
    pub fn key(&self) -> &'static str {
        match self {
            ResourceBlock::Resource(_) => "Resource",
            ResourceBlock::NotResource(_) => "NotResource",
        }
    }

    pub fn list(&self) -> &StringList {
        match self {
            ResourceBlock::Resource(l) | ResourceBlock::NotResource(l) => l,
        }
    }
}

/// One condition value exactly as written in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    String(String),
    Bool(bool),
    Number(Number),
}

impl ConditionValue {
    /// The value as the text AWS compares (`true`, `42`, `1.5`, or the string).
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            ConditionValue::String(s) => Cow::Borrowed(s),
            ConditionValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            ConditionValue::Number(n) => Cow::Owned(n.to_string()),
        }
    }
}

impl ToValue for ConditionValue {
    fn to_value(&self) -> Value {
        match self {
            ConditionValue::String(s) => Value::String(s.clone()),
            ConditionValue::Bool(b) => Value::Bool(*b),
            ConditionValue::Number(n) => Value::Number(n.clone()),
        }
    }
}

impl From<&str> for ConditionValue {
    fn from(value: &str) -> Self {
        ConditionValue::String(value.to_owned())
    }
}

impl From<String> for ConditionValue {
    fn from(value: String) -> Self {
        ConditionValue::String(value)
    }
}

impl From<bool> for ConditionValue {
    fn from(value: bool) -> Self {
        ConditionValue::Bool(value)
    }
}

/// One `operator → key → values` triple of a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    pub operator: ConditionOperator,
    /// The condition key as written (AWS compares keys case-insensitively).
    pub key: String,
    pub values: ConditionValues,
}

/// A `Condition` block, flattened to entries. Entries of one operator are
/// grouped back under it when serialised (first-appearance order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConditionBlock {
    pub entries: Vec<ConditionEntry>,
    /// Operators written with no keys (`"StringEquals": {}`): they test
    /// nothing, but are kept so that parse → serialise gives the document back.
    pub empty_operators: Vec<ConditionOperator>,
}

impl ConditionBlock {
    /// Adds `operator → key → values`; builder style for policy generation.
    pub fn with(mut self, operator: ConditionOperator, key: impl Into<String>, values: ConditionValues) -> Self {
        self.entries.push(ConditionEntry { operator, key: key.into(), values });
        self
    }

    /// Entries grouped by operator, in first-appearance order.
    fn grouped(&self) -> Vec<(ConditionOperator, Vec<&ConditionEntry>)> {
        let mut groups: Vec<(ConditionOperator, Vec<&ConditionEntry>)> = Vec::new();
        for entry in &self.entries {
            match groups.iter_mut().find(|(op, _)| *op == entry.operator) {
                Some((_, list)) => list.push(entry),
                None => groups.push((entry.operator, vec![entry])),
            }
        }
        groups
    }

    fn to_value(&self) -> Value {
        let mut out = Map::new();
        for (operator, entries) in self.grouped() {
            // Built by `extend` (inserts), not `collect` (sorts first): keeps a
            // stable sort instance out of the UI's WASM (size budget).
            let mut keys = Map::new();
            keys.extend(entries.iter().map(|e| (e.key.clone(), e.values.to_value())));
            out.insert(operator.to_string(), Value::Object(keys));
        }
        for operator in &self.empty_operators {
            out.entry(operator.to_string()).or_insert_with(|| Value::Object(Map::new()));
        }
        Value::Object(out)
    }
}

impl Serialize for ConditionBlock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Through `Value`: condition values are few and this keeps one encoder.
        self.to_value().serialize(serializer)
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Only meaningful in resource-based policies; AWS rejects it in identity policies.
    pub principal: Option<PrincipalBlock>,
    pub action: ActionBlock,
    /// Required in identity policies; a resource policy may omit it.
    pub resource: Option<ResourceBlock>,
    pub condition: Option<ConditionBlock>,
    /// Unknown keys, written back after the known ones.
    pub extra: Extra,
}

impl Statement {
    /// An `Allow` statement for generated policies (arrays for both lists).
    pub fn allow<A, R, S1, S2>(sid: Option<&str>, actions: A, resources: R) -> Self
    where
        A: IntoIterator<Item = S1>,
        R: IntoIterator<Item = S2>,
        S1: Into<String>,
        S2: Into<String>,
    {
        Statement::new(Effect::Allow, sid, actions, resources)
    }

    /// A `Deny` statement for generated policies (arrays for both lists).
    pub fn deny<A, R, S1, S2>(sid: Option<&str>, actions: A, resources: R) -> Self
    where
        A: IntoIterator<Item = S1>,
        R: IntoIterator<Item = S2>,
        S1: Into<String>,
        S2: Into<String>,
    {
        Statement::new(Effect::Deny, sid, actions, resources)
    }

    fn new<A, R, S1, S2>(effect: Effect, sid: Option<&str>, actions: A, resources: R) -> Self
    where
        A: IntoIterator<Item = S1>,
        R: IntoIterator<Item = S2>,
        S1: Into<String>,
        S2: Into<String>,
    {
        Statement {
            sid: sid.map(str::to_owned),
            effect,
            principal: None,
            action: ActionBlock::Action(StringList::array(actions)),
            resource: Some(ResourceBlock::Resource(StringList::array(resources))),
            condition: None,
            extra: Extra::new(),
        }
    }

    /// Sets the `Principal` (for resource and trust policies).
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(PrincipalBlock::Principal(principal));
        self
    }

    /// Sets the `Condition` block.
    pub fn with_condition(mut self, condition: ConditionBlock) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Parses one statement; `path` is its JSON pointer (used in errors).
    pub fn from_value_at(value: &Value, path: &str) -> Result<Self, JsonInputError> {
        let Value::Object(object) = value else {
            return Err(JsonInputError::invalid(
                path,
                format!("a statement must be a JSON object, found {}", kind(value)),
            ));
        };
        check_depth(value, path)?;
        let mut extra = Extra::new();
        let mut sid = None;
        let mut effect = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut condition = None;
        for (key, item) in object {
            let item_path = format!("{path}/{}", escape(key));
            match key.as_str() {
                "Sid" => sid = Some(expect_string(item, &item_path)?.to_owned()),
                "Effect" => effect = Some(parse_effect(item, &item_path)?),
                "Principal" | "NotPrincipal" => {
                    let parsed = parse_principal(item, &item_path)?;
                    let block = if key == "Principal" {
                        PrincipalBlock::Principal(parsed)
                    } else {
                        PrincipalBlock::NotPrincipal(parsed)
                    };
                    if principal.replace(block).is_some() {
                        return Err(both(path, "Principal", "NotPrincipal"));
                    }
                }
                "Action" | "NotAction" => {
                    let list = parse_string_list(item, &item_path)?;
                    check_action_patterns(&list, &item_path)?;
                    let block = if key == "Action" { ActionBlock::Action(list) } else { ActionBlock::NotAction(list) };
                    if action.replace(block).is_some() {
                        return Err(both(path, "Action", "NotAction"));
                    }
                }
                "Resource" | "NotResource" => {
                    let list = parse_string_list(item, &item_path)?;
                    let block = if key == "Resource" {
                        ResourceBlock::Resource(list)
                    } else {
                        ResourceBlock::NotResource(list)
                    };
                    if resource.replace(block).is_some() {
                        return Err(both(path, "Resource", "NotResource"));
                    }
                }
                "Condition" => condition = Some(parse_condition(item, &item_path)?),
                _ => {
                    extra.insert(key.clone(), item.clone());
                }
            }
        }
        let Some(effect) = effect else {
            return Err(missing(path, &extra, "Effect", "\"Effect\": \"Allow\" or \"Deny\""));
        };
        let Some(action) = action else {
            return Err(missing(path, &extra, "Action", "\"Action\" or \"NotAction\""));
        };
        Ok(Statement { sid, effect, principal, action, resource, condition, extra })
    }

    /// The statement as a JSON value (keys sorted, as `serde_json::Value` does).
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        if let Some(sid) = &self.sid {
            out.insert("Sid".to_owned(), Value::String(sid.clone()));
        }
        out.insert("Effect".to_owned(), Value::String(self.effect.as_str().to_owned()));
        if let Some(block) = &self.principal {
            out.insert(block.key().to_owned(), block.principal().to_value());
        }
        out.insert(self.action.key().to_owned(), self.action.list().to_value());
        if let Some(block) = &self.resource {
            out.insert(block.key().to_owned(), block.list().to_value());
        }
        if let Some(condition) = &self.condition {
            out.insert("Condition".to_owned(), condition.to_value());
        }
        for (key, value) in &self.extra {
            out.entry(key.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(out)
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            out.serialize_entry("Sid", sid)?;
        }
        out.serialize_entry("Effect", &self.effect)?;
        if let Some(block) = &self.principal {
            out.serialize_entry(block.key(), block.principal())?;
        }
        out.serialize_entry(self.action.key(), self.action.list())?;
        if let Some(block) = &self.resource {
            out.serialize_entry(block.key(), block.list())?;
        }
        if let Some(condition) = &self.condition {
            out.serialize_entry("Condition", condition)?;
        }
        for (key, value) in &self.extra {
            if !KNOWN_STATEMENT_KEYS.contains(&key.as_str()) {
                out.serialize_entry(key, value)?;
            }
        }
        out.end()
    }
}

/// Keys the serialiser writes itself; an `extra` entry with one of these
/// names (only possible when built by hand) is skipped, never duplicated.
const KNOWN_STATEMENT_KEYS: [&str; 9] =
    ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// A whole policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// Whether `Statement` was one object or an array.
    pub statement_shape: ListShape,
    /// Unknown top-level keys.
    pub extra: Extra,
}

impl PolicyDocument {
    /// A `2012-10-17` document with an array of statements.
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument {
            version: Some(VERSION_2012_10_17.to_owned()),
            id: None,
            statements,
            statement_shape: ListShape::Array,
            extra: Extra::new(),
        }
    }

    /// Parses policy JSON text.
    pub fn parse(text: &str) -> Result<Self, JsonInputError> {
        let value = crate::json_input::parse(text)?;
        PolicyDocument::from_value(&value)
    }

    /// Reads a policy from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Self, JsonInputError> {
        PolicyDocument::from_value_at(value, "")
    }

    /// Like [`PolicyDocument::from_value`] for a policy embedded in a larger
    /// document: `path` (a JSON pointer) prefixes every error path.
    pub fn from_value_at(value: &Value, path: &str) -> Result<Self, JsonInputError> {
        let Value::Object(object) = value else {
            return Err(JsonInputError::invalid(
                path,
                format!("a policy must be a JSON object, found {}", kind(value)),
            ));
        };
        check_depth(value, path)?;
        let mut document = PolicyDocument {
            version: None,
            id: None,
            statements: Vec::new(),
            statement_shape: ListShape::Array,
            extra: Extra::new(),
        };
        let mut saw_statement = false;
        for (key, item) in object {
            let item_path = format!("{path}/{}", escape(key));
            match key.as_str() {
                "Version" => document.version = Some(expect_string(item, &item_path)?.to_owned()),
                "Id" => document.id = Some(expect_string(item, &item_path)?.to_owned()),
                "Statement" => {
                    saw_statement = true;
                    let ShapedList { values, shape } = match item {
                        Value::Array(_) | Value::Object(_) => {
                            parse_shaped_list(item, &item_path, Statement::from_value_at)?
                        }
                        other => {
                            return Err(JsonInputError::invalid(
                                &item_path,
                                format!("expected a statement object or an array of them, found {}", kind(other)),
                            ));
                        }
                    };
                    document.statements = values;
                    document.statement_shape = shape;
                }
                _ => {
                    document.extra.insert(key.clone(), item.clone());
                }
            }
        }
        if !saw_statement {
            return Err(missing(path, &document.extra, "Statement", "\"Statement\": [ … ]"));
        }
        Ok(document)
    }

    /// Semantic equality, as IAM compares documents: a single value and a
    /// one-element list are the same, list order (of statements, actions,
    /// resources, principals, condition values) and duplicates do not
    /// matter; keys and values are case-sensitive. So a re-apply does not
    /// rewrite a policy IAM merely reformatted.
    pub fn same_as(&self, other: &PolicyDocument) -> bool {
        canonical(&self.to_value()) == canonical(&other.to_value())
    }

    /// The document as a JSON value (keys sorted, as `serde_json::Value` does).
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        if let Some(version) = &self.version {
            out.insert("Version".to_owned(), Value::String(version.clone()));
        }
        if let Some(id) = &self.id {
            out.insert("Id".to_owned(), Value::String(id.clone()));
        }
        let statements = match (self.statement_shape, self.statements.as_slice()) {
            (ListShape::Single, [one]) => one.to_value(),
            _ => Value::Array(self.statements.iter().map(Statement::to_value).collect()),
        };
        out.insert("Statement".to_owned(), statements);
        for (key, value) in &self.extra {
            out.entry(key.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(out)
    }

    /// Pretty JSON in the conventional key order (`Version`, `Id`, `Statement`, …).
    pub fn to_pretty_json(&self) -> String {
        // Serialising plain strings, maps and sequences cannot fail.
        crate::json_text::pretty(self).unwrap_or_default()
    }

    /// Compact JSON in the conventional key order (what IAM APIs take).
    pub fn to_compact_json(&self) -> String {
        crate::json_text::compact(self).unwrap_or_default()
    }

    /// Whether policy variables (`${…}`) are substituted: only in `2012-10-17`
    /// documents; elsewhere `${…}` is literal text.
    pub fn supports_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012_10_17)
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Statements<'a>(&'a [Statement]);
        impl Serialize for Statements<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for statement in self.0 {
                    seq.serialize_element(statement)?;
                }
                seq.end()
            }
        }
        let mut out = serializer.serialize_map(None)?;
        if let Some(version) = &self.version {
            out.serialize_entry("Version", version)?;
        }
        if let Some(id) = &self.id {
            out.serialize_entry("Id", id)?;
        }
        match (self.statement_shape, self.statements.as_slice()) {
            (ListShape::Single, [one]) => out.serialize_entry("Statement", one)?,
            _ => out.serialize_entry("Statement", &Statements(&self.statements))?,
        }
        for (key, value) in &self.extra {
            if !["Version", "Id", "Statement"].contains(&key.as_str()) {
                out.serialize_entry(key, value)?;
            }
        }
        out.end()
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        PolicyDocument::from_value(&value).map_err(serde::de::Error::custom)
    }
}

fn expect_string<'v>(value: &'v Value, path: &str) -> Result<&'v str, JsonInputError> {
    value.as_str().ok_or_else(|| JsonInputError::invalid(path, format!("expected a string, found {}", kind(value))))
}

fn both(path: &str, a: &str, b: &str) -> JsonInputError {
    JsonInputError::invalid(path, format!("a statement may have \"{a}\" or \"{b}\", not both"))
}

/// Error for a missing required element; points out a wrongly-cased key
/// (`"effect"`), since AWS element names are case-sensitive.
fn missing(path: &str, extra: &Extra, element: &str, expected: &str) -> JsonInputError {
    let near =
        extra.keys().find(|k| k.eq_ignore_ascii_case(element) || k.eq_ignore_ascii_case(&format!("Not{element}")));
    let message = match near {
        Some(found) => format!(
            "missing {expected}; found \"{found}\" instead: element names are case-sensitive, write \"{element}\""
        ),
        None => format!("missing {expected}"),
    };
    JsonInputError::invalid(path, message)
}

fn parse_effect(value: &Value, path: &str) -> Result<Effect, JsonInputError> {
    match value.as_str() {
        Some("Allow") => Ok(Effect::Allow),
        Some("Deny") => Ok(Effect::Deny),
        Some(other) => Err(JsonInputError::invalid(
            path,
            format!("expected \"Allow\" or \"Deny\" (case-sensitive), found {other:?}"),
        )),
        None => Err(JsonInputError::invalid(path, format!("expected \"Allow\" or \"Deny\", found {}", kind(value)))),
    }
}

fn parse_string_list(value: &Value, path: &str) -> Result<StringList, JsonInputError> {
    match value {
        Value::String(_) | Value::Array(_) => {
            parse_shaped_list(value, path, |item, path| expect_string(item, path).map(str::to_owned))
        }
        other => Err(JsonInputError::invalid(
            path,
            format!("expected a string or an array of strings, found {}", kind(other)),
        )),
    }
}

/// An array of elements, or one bare element; an element's error names its
/// index in an array.
fn parse_shaped_list<T>(
    value: &Value,
    path: &str,
    element: impl Fn(&Value, &str) -> Result<T, JsonInputError>,
) -> Result<ShapedList<T>, JsonInputError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| element(item, &format!("{path}/{i}")))
            .collect::<Result<Vec<_>, _>>()
            .map(|values| ShapedList { values, shape: ListShape::Array }),
        single => Ok(ShapedList { values: vec![element(single, path)?], shape: ListShape::Single }),
    }
}

/// The order-free form [`PolicyDocument::same_as`] compares.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            // Equal keys are equal values: an unstable sort gives the same result.
            items.sort_unstable_by_key(|v| v.to_string());
            items.dedup();
            if items.len() == 1 { items.remove(0) } else { Value::Array(items) }
        }
        Value::Object(map) => {
            // Built by `extend` (inserts), not `collect` (sorts first): keeps a
            // stable sort instance out of the UI's WASM (size budget).
            let mut object = Map::new();
            object.extend(map.iter().map(|(k, v)| (k.clone(), canonical(v))));
            Value::Object(object)
        }
        other => other.clone(),
    }
}

/// AWS rejects an action whose service prefix is wildcarded (`*:GetBucket`,
/// `s*:Get*`): the service part must be spelled out; only `*` alone means
/// every action.
fn check_action_patterns(list: &StringList, path: &str) -> Result<(), JsonInputError> {
    for (i, action) in list.iter().enumerate() {
        if action == "*" {
            continue;
        }
        let Some((service, _)) = action.split_once(':') else { continue };
        if service.contains(['*', '?']) {
            let at = match list.shape {
                ListShape::Single => path.to_owned(),
                ListShape::Array => format!("{path}/{i}"),
            };
            return Err(JsonInputError::invalid(
                &at,
                format!(
                    "{action:?} wildcards the service prefix, which AWS rejects as an invalid action; name the service \
                     (e.g. \"s3:{}\") or use \"*\" for every action",
                    action.split_once(':').map(|(_, name)| name).unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

fn parse_principal(value: &Value, path: &str) -> Result<Principal, JsonInputError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::String(s) => Err(JsonInputError::invalid(
            path,
            format!("expected \"*\" or an object such as {{\"AWS\": \"{s}\"}}, found the string {s:?}"),
        )),
        Value::Object(map) => {
            let mut out = BTreeMap::new();
            for (key, item) in map {
                let item_path = format!("{path}/{}", escape(key));
                let Some(kind) = PrincipalType::parse(key) else {
                    let hint = PrincipalType::ALL
                        .into_iter()
                        .find(|t| t.as_str().eq_ignore_ascii_case(key))
                        .map(|t| format!(" (did you mean \"{}\"? names are case-sensitive)", t.as_str()))
                        .unwrap_or_default();
                    return Err(JsonInputError::invalid(
                        &item_path,
                        format!(
                            "unknown principal type {key:?}{hint}; expected AWS, Service, Federated or CanonicalUser"
                        ),
                    ));
                };
                out.insert(kind, parse_string_list(item, &item_path)?);
            }
            Ok(Principal::Map(out))
        }
        other => Err(JsonInputError::invalid(
            path,
            format!("expected \"*\" or an object of principals, found {}", kind(other)),
        )),
    }
}

fn parse_condition_value(value: &Value, path: &str) -> Result<ConditionValue, JsonInputError> {
    match value {
        Value::String(s) => Ok(ConditionValue::String(s.clone())),
        Value::Bool(b) => Ok(ConditionValue::Bool(*b)),
        Value::Number(n) => Ok(ConditionValue::Number(n.clone())),
        other => {
            Err(JsonInputError::invalid(path, format!("expected a string, boolean or number, found {}", kind(other))))
        }
    }
}

/// Refuses values nested deeper than a JSON text can be
/// ([`crate::json_pointer::MAX_DEPTH`]) before anything recurses into them:
/// a `Value` built in code has no such limit.
fn check_depth(value: &Value, path: &str) -> Result<(), JsonInputError> {
    match crate::json_pointer::deeper_than(value, crate::json_pointer::MAX_DEPTH) {
        Some(deep) => Err(JsonInputError::invalid(format!("{path}{deep}"), crate::json_pointer::too_deep_message())),
        None => Ok(()),
    }
}

fn parse_condition(value: &Value, path: &str) -> Result<ConditionBlock, JsonInputError> {
    let Value::Object(operators) = value else {
        return Err(JsonInputError::invalid(
            path,
            format!("expected an object of condition operators, found {}", kind(value)),
        ));
    };
    let mut block = ConditionBlock::default();
    for (name, keys) in operators {
        let operator_path = format!("{path}/{}", escape(name));
        let operator =
            ConditionOperator::parse(name).map_err(|message| JsonInputError::invalid(&operator_path, message))?;
        let Value::Object(keys) = keys else {
            return Err(JsonInputError::invalid(
                &operator_path,
                format!("expected an object of condition keys, found {}", kind(keys)),
            ));
        };
        if keys.is_empty() {
            block.empty_operators.push(operator);
        }
        for (key, values) in keys {
            let key_path = format!("{operator_path}/{}", escape(key));
            let values = parse_shaped_list(values, &key_path, parse_condition_value)?;
            block.entries.push(ConditionEntry { operator, key: key.clone(), values });
        }
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::iam::condition::BaseOperator;
    use crate::json_input::JsonSyntax;

    fn error_of(value: Value) -> String {
        PolicyDocument::from_value(&value).expect_err("should fail").to_string()
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {}, {"Effect": "allow", "Action": "*"}]}),
                "/Statement/1: missing \"Effect\": \"Allow\" or \"Deny\"",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Allow", "Action": "*"}, {"Effect": "allow", "Action": "*"}]}),
                "/Statement/2/Effect: expected \"Allow\" or \"Deny\" (case-sensitive), found \"allow\"",
            ),
            (
                json!({"Statement": {"effect": "Allow", "Action": "*"}}),
                "/Statement: missing \"Effect\": \"Allow\" or \"Deny\"; found \"effect\" instead: element names are case-sensitive, write \"Effect\"",
            ),
            (json!({"Statement": {"Effect": "Allow"}}), "/Statement: missing \"Action\" or \"NotAction\""),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}}),
                "/Statement: a statement may have \"Action\" or \"NotAction\", not both",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", 3]}}),
                "/Statement/Action/1: expected a string, found a number",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": {}}}),
                "/Statement/Resource: expected a string or an array of strings, found an object",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Principal": {"aws": "*"}}}),
                "/Statement/Principal/aws: unknown principal type \"aws\" (did you mean \"AWS\"? names are case-sensitive); expected AWS, Service, Federated or CanonicalUser",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEqualz": {"a:b": "c"}}}}),
                "/Statement/Condition/StringEqualz: unknown condition operator \"StringEqualz\"",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"a:b": [null]}}}}),
                "/Statement/Condition/StringEquals/a:b/0: expected a string, boolean or number, found null",
            ),
            (json!({"Version": "2012-10-17"}), "(document): missing \"Statement\": [ … ]"),
            (json!([]), "(document): a policy must be a JSON object, found an array"),
            (json!({"Statement": "x"}), "/Statement: expected a statement object or an array of them, found a string"),
            (
                json!({"Statement": {"Sid": 1, "Effect": "Allow", "Action": "*"}}),
                "/Statement/Sid: expected a string, found a number",
            ),
        ];
        for (input, expected) in cases {
            let got = error_of(input.clone());
            assert!(got.starts_with(expected), "input {input}\n  got: {got}\n want: {expected}");
        }
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = PolicyDocument::parse("{\n  \"Statement\": [,]\n}").expect_err("not JSON");
        assert!(matches!(err, JsonInputError::Syntax(JsonSyntax { line: 2, .. })), "{err:?}");
    }

    #[test]
    fn round_trip_keeps_shapes_and_unknown_keys() {
        let inputs = [
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
            json!({"Version": "2012-10-17", "Id": "x", "Statement": [{"Sid": "A", "Effect": "Deny", "NotAction": ["iam:*"], "NotResource": ["arn:aws:iam::1:role/a"]}]}),
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["*"], "Custom": {"k": [1, 2]}}], "X-Extra": true}),
            json!({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": ["arn:aws:iam::1:root"], "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
                "Bool": {"aws:SecureTransport": false},
                "NumericLessThan": {"s3:max-keys": 10, "x:y": [1.5, "2"]},
                "ForAnyValue:StringLike": {"aws:TagKeys": ["a*", "b?"]},
                "StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}
            }}]}),
        ];
        for input in inputs {
            let parsed = PolicyDocument::from_value(&input).expect("valid");
            assert_eq!(parsed.to_value(), input, "to_value");
            let text: Value = serde_json::from_str(&parsed.to_pretty_json()).expect("json");
            assert_eq!(text, input, "to_pretty_json");
            let reparsed = PolicyDocument::parse(&parsed.to_compact_json()).expect("reparse");
            assert_eq!(reparsed, parsed);
        }
    }

    #[test]
    fn serialises_in_conventional_key_order() {
        let doc = PolicyDocument::new(vec![
            Statement::allow(
                Some("Read"),
                ["secretsmanager:GetSecretValue"],
                ["arn:aws:secretsmanager:r:1:secret:db-??????"],
            )
            .with_condition(ConditionBlock::default().with(
                ConditionOperator::plain(BaseOperator::StringEquals),
                "aws:SourceAccount",
                ConditionValues::single("1"),
            ))
            .with_principal(Principal::service("ecs-tasks.amazonaws.com")),
        ]);
        let text = doc.to_compact_json();
        assert_eq!(
            text,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":["secretsmanager:GetSecretValue"],"Resource":["arn:aws:secretsmanager:r:1:secret:db-??????"],"Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]}"#
        );
    }

    #[test]
    fn wildcarded_service_prefix_is_invalid_with_its_path() {
        let err = PolicyDocument::parse(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "*:GetBucket"], "Resource": "*"}]}"#,
        )
        .expect_err("AWS rejects *:GetBucket");
        assert_eq!(err.path(), "/Statement/0/Action/1");
        assert!(err.to_string().contains("\"s3:GetBucket\""), "{err}");
        let err =
            PolicyDocument::parse(r#"{"Statement": {"Effect": "Deny", "NotAction": "s?:Get*", "Resource": "*"}}"#)
                .expect_err("a wildcard anywhere in the prefix");
        assert_eq!(err.path(), "/Statement/NotAction");
        for fine in ["*", "s3:*", "s3:Get*Object?"] {
            let text = format!(r#"{{"Statement": {{"Effect": "Allow", "Action": "{fine}", "Resource": "*"}}}}"#);
            assert!(PolicyDocument::parse(&text).is_ok(), "{fine}");
        }
    }

    mod round_trip {
        use proptest::collection::{btree_map, vec};
        use proptest::option;
        use proptest::prelude::*;

        use super::super::*;
        use crate::iam::condition::{BaseOperator, ConditionOperator, SetQualifier};

        fn text() -> impl Strategy<Value = String> {
            "[a-zA-Z0-9:*?/${}. -]{0,12}"
        }

        fn string_list() -> impl Strategy<Value = StringList> {
            prop_oneof![text().prop_map(StringList::single), vec(text(), 0..3).prop_map(StringList::array)]
        }

        fn principal() -> impl Strategy<Value = Principal> {
            let kind = prop_oneof![
                Just(PrincipalType::Aws),
                Just(PrincipalType::Service),
                Just(PrincipalType::Federated),
                Just(PrincipalType::CanonicalUser)
            ];
            prop_oneof![Just(Principal::Any), btree_map(kind, string_list(), 0..3).prop_map(Principal::Map)]
        }

        fn operator() -> impl Strategy<Value = ConditionOperator> {
            let set = option::of(prop_oneof![Just(SetQualifier::ForAnyValue), Just(SetQualifier::ForAllValues)]);
            (set, prop::sample::select(BaseOperator::ALL.to_vec()), any::<bool>()).prop_map(|(set, base, if_exists)| {
                ConditionOperator { set, base, if_exists: if_exists && base != BaseOperator::Null }
            })
        }

        fn condition_value() -> impl Strategy<Value = ConditionValue> {
            prop_oneof![
                text().prop_map(ConditionValue::String),
                any::<bool>().prop_map(ConditionValue::Bool),
                any::<i64>().prop_map(|n| ConditionValue::Number(n.into())),
            ]
        }

        fn condition() -> impl Strategy<Value = ConditionBlock> {
            let values = prop_oneof![
                condition_value().prop_map(ConditionValues::single),
                vec(condition_value(), 0..3).prop_map(ConditionValues::array),
            ];
            // Distinct keys, so no two entries collapse into one JSON member.
            vec((operator(), values), 0..4).prop_map(|entries| ConditionBlock {
                entries: entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, (operator, values))| ConditionEntry { operator, key: format!("svc:key{i}"), values })
                    .collect(),
                empty_operators: Vec::new(),
            })
        }

        /// Actions AWS accepts: no wildcard in the service prefix.
        fn action_list() -> impl Strategy<Value = StringList> {
            string_list().prop_map(|mut list| {
                for value in &mut list.values {
                    if let Some((service, name)) = value.split_once(':')
                        && service.contains(['*', '?'])
                    {
                        *value = format!("svc:{name}");
                    }
                }
                list
            })
        }

        fn extra() -> impl Strategy<Value = Extra> {
            btree_map(
                "x-[a-z]{1,5}",
                prop_oneof![text().prop_map(Value::from), any::<i64>().prop_map(Value::from)],
                0..2,
            )
        }

        fn statement() -> impl Strategy<Value = Statement> {
            (
                option::of(text()),
                prop_oneof![Just(Effect::Allow), Just(Effect::Deny)],
                option::of((any::<bool>(), principal())),
                (any::<bool>(), action_list()),
                option::of((any::<bool>(), string_list())),
                option::of(condition()),
                extra(),
            )
                .prop_map(|(sid, effect, principal, (not_action, actions), resource, condition, extra)| {
                    Statement {
                        sid,
                        effect,
                        principal: principal.map(|(not, p)| {
                            if not { PrincipalBlock::NotPrincipal(p) } else { PrincipalBlock::Principal(p) }
                        }),
                        action: if not_action { ActionBlock::NotAction(actions) } else { ActionBlock::Action(actions) },
                        resource: resource.map(|(not, r)| {
                            if not { ResourceBlock::NotResource(r) } else { ResourceBlock::Resource(r) }
                        }),
                        condition,
                        extra,
                    }
                })
        }

        fn document() -> impl Strategy<Value = PolicyDocument> {
            (option::of(text()), option::of(text()), vec(statement(), 0..4), any::<bool>(), extra()).prop_map(
                |(version, id, statements, single, extra)| {
                    let statement_shape =
                        if single && statements.len() == 1 { ListShape::Single } else { ListShape::Array };
                    PolicyDocument { version, id, statements, statement_shape, extra }
                },
            )
        }

        proptest! {
            #[test]
            fn serialise_then_parse_is_lossless(doc in document()) {
                let text = doc.to_compact_json();
                let written: Value = serde_json::from_str(&text).expect("valid JSON");
                prop_assert_eq!(&written, &doc.to_value());
                let parsed = PolicyDocument::parse(&text).expect("parses back");
                prop_assert_eq!(parsed.to_value(), doc.to_value());
                prop_assert_eq!(parsed.statement_shape, doc.statement_shape);
                let again = PolicyDocument::parse(&parsed.to_pretty_json()).expect("parses again");
                prop_assert_eq!(again, parsed);
            }
        }
    }

    #[test]
    fn deserialize_goes_through_the_lenient_parser() {
        let doc: PolicyDocument =
            serde_json::from_str(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#).expect("ok");
        assert_eq!(doc.statement_shape, ListShape::Single);
        let err = serde_json::from_str::<PolicyDocument>(r#"{"Statement": {"Effect": "allow", "Action": "*"}}"#)
            .expect_err("bad effect");
        assert!(err.to_string().contains("/Statement/Effect"), "{err}");
    }
}
