//! Property tests for the task-definition core.
//!
//! Two promises are checked on generated input rather than on hand-picked
//! cases:
//! - import → export is lossless: a task definition with typed fields set or
//!   absent and unknown fields at every level (top, runtimePlatform,
//!   containers, portMappings, environment, environmentFiles, secrets,
//!   logConfiguration, secretOptions, repositoryCredentials) comes back as
//!   the same JSON document. DescribeTaskDefinition output comes back as the
//!   task definition inside it, minus the read-only fields.
//! - the core never panics on user input: arbitrary JSON through `import`
//!   either imports or returns an error, and `lint` on whatever imports —
//!   including task definitions whose every string is a weird mix of ARN
//!   fragments, separators and unicode — returns diagnostics.
//!
//! Typed fields are never generated as `null`: the model reads `null` as
//! "absent" by design, so such a field is not written back.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use shared::import::READ_ONLY_FIELDS;
use shared::task_def::TYPED_FIELDS;
use shared::{Context, Location, export, import, lint};

/// Names that are not unknown fields at any level: the model's typed fields
/// and what import treats specially (unwraps or strips). Generated unknown
/// fields avoid them, or they would be typed fields rather than unknown ones.
fn reserved_fields() -> Vec<&'static str> {
    [TYPED_FIELDS, &["taskDefinition"], &READ_ONLY_FIELDS].concat()
}

/// A JSON number that survives text round trips exactly: any integer, or a
/// binary fraction (short decimal form, no rounding on either parse).
fn json_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        (any::<i32>(), 0u32..8).prop_filter_map("finite", |(m, e)| Number::from_f64(f64::from(m) / f64::from(1 << e))),
    ]
}

/// Any JSON value, nulls included: unknown fields are kept verbatim, so a
/// null inside them must survive as well.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number().prop_map(Value::Number),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Any JSON value except a top-level `null`.
fn non_null_json() -> impl Strategy<Value = Value> {
    any_json().prop_filter("not null", |v| !v.is_null())
}

/// Unknown fields for an object: keys that look like future AWS fields,
/// plus arbitrary unicode keys, none of them a [`reserved_fields`] name.
fn extra_fields() -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![3 => "[a-z][a-zA-Z0-9]{0,12}", 1 => "x-[a-z-]{1,10}", 1 => any::<String>()];
    let reserved = reserved_fields();
    prop::collection::btree_map(key, non_null_json(), 0..3).prop_map(move |fields| {
        fields.into_iter().filter(|(k, _)| !reserved.contains(&k.as_str())).collect::<Map<String, Value>>()
    })
}

/// Inserts `value` under `key` when present: a typed field is either a
/// proper value or absent, never null.
fn put(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        obj.insert(key.to_owned(), value);
    }
}

fn opt_string() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(text().prop_map(Value::String))
}

/// Any string, biased towards what the lint rules look at: names and values
/// that look like secrets, roles, platforms, and reference fragments.
fn text() -> impl Strategy<Value = String> {
    let known = prop_oneof![
        Just("FARGATE"),
        Just("awsvpc"),
        Just("bridge"),
        Just("WINDOWS_SERVER_2019_CORE"),
        Just("ARM64"),
        Just("DB_PASSWORD"),
        Just("AWS_SECRET_ACCESS_KEY"),
        Just("AKIAIOSFODNN7EXAMPLE"),
        Just("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
        Just("postgres://u:p@h/db"),
        Just("arn:aws:iam::123456789012:role/r"),
        Just("splunk"),
        Just("awsfirelens"),
    ]
    .prop_map(str::to_owned);
    prop_oneof![2 => any::<String>(), 2 => reference(), 1 => known]
}

fn opt_int() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(any::<i64>().prop_map(Value::from))
}

fn opt_list<S: Strategy<Value = Value>>(item: S) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop::collection::vec(item, 0..3).prop_map(Value::Array))
}

fn with_extra(mut obj: Map<String, Value>, extra: Map<String, Value>) -> Value {
    obj.extend(extra);
    Value::Object(obj)
}

/// An object of typed `fields` (each made by its strategy: a proper value,
/// or absent) and unknown fields beside them.
fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>) -> impl Strategy<Value = Value> {
    let (names, values): (Vec<&'static str>, Vec<_>) = fields.into_iter().unzip();
    (values, extra_fields()).prop_map(move |(values, extra)| {
        let mut obj = Map::new();
        for (name, value) in names.iter().zip(values) {
            put(&mut obj, name, value);
        }
        with_extra(obj, extra)
    })
}

fn opt_reference() -> BoxedStrategy<Option<Value>> {
    prop::option::of(reference().prop_map(Value::String)).boxed()
}

fn port_mapping() -> impl Strategy<Value = Value> {
    object(vec![
        ("containerPort", opt_int().boxed()),
        ("hostPort", opt_int().boxed()),
        ("protocol", opt_string().boxed()),
    ])
}

fn key_value() -> impl Strategy<Value = Value> {
    object(vec![("name", opt_string().boxed()), ("value", opt_string().boxed())])
}

fn environment_file() -> impl Strategy<Value = Value> {
    object(vec![("value", opt_string().boxed()), ("type", opt_string().boxed())])
}

fn secret() -> impl Strategy<Value = Value> {
    object(vec![("name", opt_string().boxed()), ("valueFrom", opt_reference())])
}

fn log_configuration() -> impl Strategy<Value = Value> {
    let options = prop::option::of(
        prop::collection::btree_map(any::<String>(), any::<String>(), 0..3)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())),
    );
    object(vec![
        ("logDriver", opt_string().boxed()),
        ("options", options.boxed()),
        ("secretOptions", opt_list(secret()).boxed()),
    ])
}

fn repository_credentials() -> impl Strategy<Value = Value> {
    object(vec![("credentialsParameter", opt_reference())])
}

fn container() -> impl Strategy<Value = Value> {
    let identity = (opt_string(), opt_string(), prop::option::of(any::<bool>().prop_map(Value::Bool)));
    let sizes = (opt_int(), opt_int(), opt_int());
    let lists = (opt_list(port_mapping()), opt_list(key_value()), opt_list(environment_file()), opt_list(secret()));
    let nested = (prop::option::of(log_configuration()), prop::option::of(repository_credentials()));
    (identity, sizes, lists, nested, extra_fields()).prop_map(
        |(
            (name, image, essential),
            (cpu, memory, reservation),
            (ports, env, env_files, secrets),
            (log, creds),
            extra,
        )| {
            let mut obj = Map::new();
            put(&mut obj, "name", name);
            put(&mut obj, "image", image);
            put(&mut obj, "essential", essential);
            put(&mut obj, "cpu", cpu);
            put(&mut obj, "memory", memory);
            put(&mut obj, "memoryReservation", reservation);
            put(&mut obj, "portMappings", ports);
            put(&mut obj, "environment", env);
            put(&mut obj, "environmentFiles", env_files);
            put(&mut obj, "secrets", secrets);
            put(&mut obj, "logConfiguration", log);
            put(&mut obj, "repositoryCredentials", creds);
            with_extra(obj, extra)
        },
    )
}

fn runtime_platform() -> impl Strategy<Value = Value> {
    object(vec![("cpuArchitecture", opt_string().boxed()), ("operatingSystemFamily", opt_string().boxed())])
}

/// A RegisterTaskDefinition document: typed fields present or absent,
/// unknown fields at every level. `containerDefinitions` is always there
/// (import requires it to recognise a task definition).
fn task_definition() -> impl Strategy<Value = Value> {
    let roles = (opt_string(), opt_string(), opt_string());
    let placement = (
        opt_string(),
        opt_list(
            prop_oneof![Just("FARGATE".to_owned()), Just("EC2".to_owned()), any::<String>()].prop_map(Value::String),
        ),
        prop::option::of(task_size().prop_map(Value::String)),
        prop::option::of(task_size().prop_map(Value::String)),
        prop::option::of(runtime_platform()),
    );
    let containers = prop::collection::vec(container(), 0..4);
    (roles, placement, containers, extra_fields()).prop_map(
        |((family, task_role, execution_role), (network, compat, cpu, memory, platform), containers, extra)| {
            let mut obj = Map::new();
            put(&mut obj, "family", family);
            put(&mut obj, "taskRoleArn", task_role);
            put(&mut obj, "executionRoleArn", execution_role);
            put(&mut obj, "networkMode", network);
            put(&mut obj, "requiresCompatibilities", compat);
            put(&mut obj, "cpu", cpu);
            put(&mut obj, "memory", memory);
            put(&mut obj, "runtimePlatform", platform);
            obj.insert("containerDefinitions".into(), Value::Array(containers));
            with_extra(obj, extra)
        },
    )
}

/// Strings made of the pieces secret references are made of, glued in any
/// order: the input that breaks a hand-written ARN splitter.
fn reference() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("arn:"),
        Just("aws"),
        Just("aws-us-gov"),
        Just(":"),
        Just("::"),
        Just("/"),
        Just("//"),
        Just("ssm"),
        Just("secretsmanager"),
        Just("parameter/"),
        Just("secret:"),
        Just("us-east-1"),
        Just("123456789012"),
        Just("-AbCdEf"),
        Just("-abcdef"),
        Just("AWSCURRENT"),
        Just("aws/reference/secretsmanager/"),
        Just("é"),
        Just("🦀"),
        Just("\u{0}"),
        Just("\u{202e}"),
        Just(" "),
        Just("-"),
        Just(""),
    ]
    .prop_map(str::to_owned);
    let glued = prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat());
    prop_oneof![4 => glued, 1 => any::<String>(), 1 => "[a-z/]{1,40}".prop_map(|s| s.repeat(60))]
}

/// Task-level cpu/memory strings, valid and not: units, suffixes, huge and
/// negative numbers, exponent notation, words.
fn task_size() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("256".to_owned()),
        Just("0.25 vCPU".to_owned()),
        Just("2 GB".to_owned()),
        Just("2GB".to_owned()),
        Just("1e309".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("18446744073709551615 GB".to_owned()),
        Just("9223372036854775807 vCPU".to_owned()),
        Just("NaN vCPU".to_owned()),
        Just("inf GB".to_owned()),
        Just(" vCPU".to_owned()),
        Just("0.0000000001 vcpu".to_owned()),
        any::<u64>().prop_map(|n| n.to_string()),
        (any::<u32>(), prop_oneof![Just(" GB"), Just("GB"), Just(" vCPU"), Just(" MiB"), Just(" gb")])
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        any::<String>(),
    ]
}

/// The task definition a DescribeTaskDefinition call would wrap.
fn describe_output(td: &Value, tags: &Value) -> Value {
    let mut inner = td.as_object().cloned().unwrap_or_default();
    inner.insert("taskDefinitionArn".into(), "arn:aws:ecs:us-east-1:123456789012:task-definition/x:3".into());
    inner.insert("revision".into(), 3.into());
    inner.insert("status".into(), "ACTIVE".into());
    inner.insert(
        "requiresAttributes".into(),
        serde_json::json!([{"name": "ecs.capability.secrets.asm.environment-variables"}]),
    );
    inner.insert("compatibilities".into(), serde_json::json!(["EC2", "FARGATE"]));
    inner.insert("registeredAt".into(), "2024-01-01T00:00:00.000000+00:00".into());
    inner.insert("registeredBy".into(), "arn:aws:iam::123456789012:user/ci".into());
    inner.insert("deregisteredAt".into(), "2024-02-01T00:00:00.000000+00:00".into());
    serde_json::json!({"taskDefinition": inner, "tags": tags})
}

/// `cases` runs per property, unless `PROPTEST_CASES` asks for more (a
/// deeper hunt: `PROPTEST_CASES=20000 cargo test -p shared --test it properties`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

fn round_trip(text: &str) -> Result<Value, TestCaseError> {
    let imported = import(text).map_err(|e| TestCaseError::fail(format!("import failed: {e}")))?;
    serde_json::from_str(&export(&imported.task_definition))
        .map_err(|e| TestCaseError::fail(format!("export is not JSON: {e}")))
}

proptest! {
    #![proptest_config(config(256))]

    /// export(import(x)) == x for register input with unknown fields.
    #[test]
    fn register_input_round_trips(td in task_definition()) {
        let text = serde_json::to_string(&td).unwrap();
        // Compare with the text as parsed, which is what the user's document means.
        let expected: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(round_trip(&text)?, expected);
    }

    /// Export is a fixed point: importing an export gives the same export.
    #[test]
    fn export_is_stable(td in task_definition()) {
        let first = export(&import(&td.to_string()).unwrap().task_definition);
        let second = export(&import(&first).unwrap().task_definition);
        prop_assert_eq!(first, second);
    }

    /// DescribeTaskDefinition output comes back as the task definition inside
    /// it, read-only fields stripped, envelope tags moved in (unless the task
    /// definition has its own).
    #[test]
    fn describe_output_round_trips(td in task_definition(), tags in opt_list(any_json())) {
        let tags = tags.unwrap_or_else(|| Value::Array(Vec::new()));
        let text = describe_output(&td, &tags).to_string();
        let mut expected: Value = serde_json::from_str(&td.to_string()).unwrap();
        if tags.as_array().is_some_and(|t| !t.is_empty()) {
            expected.as_object_mut().unwrap().entry("tags").or_insert(tags);
        }
        prop_assert_eq!(round_trip(&text)?, expected);
    }

    /// A bare containerDefinitions array becomes a task definition holding
    /// exactly those containers.
    #[test]
    fn container_array_round_trips(containers in prop::collection::vec(container(), 0..4)) {
        let text = Value::Array(containers.clone()).to_string();
        let expected: Value = serde_json::from_str(&serde_json::json!({"containerDefinitions": containers}).to_string()).unwrap();
        prop_assert_eq!(round_trip(&text)?, expected);
    }

    /// Import never panics on arbitrary text.
    #[test]
    fn import_never_panics_on_text(text in any::<String>()) {
        if let Err(err) = import(&text) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    /// Import never panics on arbitrary JSON; every failure is an error value
    /// with a message.
    #[test]
    fn import_never_panics_on_json(doc in any_json()) {
        if let Err(err) = import(&doc.to_string()) {
            prop_assert!(!err.to_string().is_empty());
        }
    }
}

/// A lint context with realistic, missing or nonsense facts.
fn context() -> impl Strategy<Value = Context> {
    let region = prop::option::of(prop_oneof![Just("eu-west-1".to_owned()), Just("cn-north-1".to_owned()), text()]);
    let account = prop::option::of(prop_oneof![Just("123456789012".to_owned()), text()]);
    let platform = prop::option::of(prop_oneof![
        Just("1.3.0".to_owned()),
        Just("1.4.0".to_owned()),
        Just("LATEST".to_owned()),
        Just("1.0.0".to_owned()),
        text()
    ]);
    // A context holds only valid names: generated text that is not one is "unknown".
    (region, account, platform).prop_map(|(region, account_id, platform_version)| Context {
        location: Location::new(region.and_then(|r| r.parse().ok()), account_id.and_then(|a| a.parse().ok())),
        platform_version: platform_version.and_then(|p| p.parse().ok()),
        ..Context::default()
    })
}

/// Arbitrary JSON that import has a fair chance to accept: a task
/// definition object or a container array whose fields (known names or
/// not) hold arbitrary values.
fn task_definition_like_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        2 => prop::sample::select(reserved_fields()).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let object = prop::collection::btree_map(key, any_json(), 0..6).boxed();
    let containers = prop::collection::vec(object.clone().prop_map(|m| Value::Object(m.into_iter().collect())), 0..4);
    prop_oneof![
        (object, containers.clone()).prop_map(|(fields, containers)| {
            let mut obj: Map<String, Value> = fields.into_iter().collect();
            obj.insert("containerDefinitions".into(), Value::Array(containers));
            Value::Object(obj)
        }),
        containers.prop_map(Value::Array),
        any_json(),
    ]
}

/// Checks what every lint run must give: paths that are JSON pointers into
/// the task definition (the node itself, or its parent for a missing field),
/// and fixes that apply.
fn check_lint(td: &shared::TaskDefinition, ctx: &Context) -> Result<(), TestCaseError> {
    let diagnostics = lint(td, ctx);
    let doc = serde_json::to_value(td).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for d in &diagnostics {
        let parent = d.path.rsplit_once('/').map_or("", |(parent, _)| parent);
        prop_assert!(
            d.path.is_empty() || (d.path.starts_with('/') && doc.pointer(parent).is_some()),
            "{} path {:?} does not point into the task definition",
            d.code,
            d.path
        );
        prop_assert!(!d.message.is_empty(), "{} at {} has no message", d.code, d.path);
        if let Some(fix) = &d.fix {
            let applied = shared::fix::apply_fix(td, fix);
            prop_assert!(applied.is_ok(), "{} fix `{}` does not apply: {:?}", d.code, fix.title, applied.err());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// Lint never panics on task definitions whose every string is odd, and
    /// its diagnostics point into the task definition.
    #[test]
    fn lint_never_panics_on_generated_task_definitions(td in task_definition(), ctx in context()) {
        let imported = import(&td.to_string()).map_err(|e| TestCaseError::fail(format!("import failed: {e}")))?;
        check_lint(&imported.task_definition, &ctx)?;
    }

    /// Arbitrary JSON goes through import without a panic: either an error
    /// value, or a task definition that lints without a panic.
    #[test]
    fn lint_never_panics_on_arbitrary_json(doc in task_definition_like_json(), ctx in context()) {
        match import(&doc.to_string()) {
            Ok(imported) => check_lint(&imported.task_definition, &ctx)?,
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
    }
}
