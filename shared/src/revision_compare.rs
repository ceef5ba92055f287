//! Is the desired task definition the same as the latest registered
//! revision? Deciding that lets a re-apply skip RegisterTaskDefinition.
//!
//! DescribeTaskDefinition does not return what was registered byte for
//! byte: it adds read-only fields and fills in defaults. Both sides are put
//! through [`normalize`] and compared as JSON values. The normalisation:
//!
//! 1. drops the read-only fields ([`crate::import::READ_ONLY_FIELDS`]) and
//!    `tags` (they are compared separately by nobody: tags are not part of a
//!    revision's content and DescribeTaskDefinition omits them by default);
//! 2. drops `null`s, empty arrays and empty objects at any depth (AWS adds
//!    `mountPoints: []`, `volumesFrom: []`, `systemControls: []`,
//!    `volumes: []`, `placementConstraints: []`, `environment: []` …);
//! 3. task-level `cpu` and `memory` become integer strings (`"1 vCPU"` →
//!    `"1024"`, `"2 GB"` → `"2048"`), the way ECS stores them;
//! 4. `networkMode` absent means `bridge`;
//! 5. per container: `essential` absent means `true`, `cpu: 0` means
//!    absent; per port mapping: `protocol` absent means `tcp`, and in
//!    `awsvpc`/`host` mode a `hostPort` equal to `containerPort` is dropped
//!    (AWS fills it in).
//!
//! Anything not listed is compared exactly, so a real change is never
//! hidden; at worst an unlisted default makes a re-apply register one
//! more identical revision.

use serde_json::{Map, Value};

use crate::import::READ_ONLY_FIELDS;

/// True when registering `desired` would produce the same revision as the
/// registered `observed` one (after [`normalize`]).
pub fn same_revision(desired: &Value, observed: &Value) -> bool {
    normalize(desired) == normalize(observed)
}

/// The normalised form of a task definition (register input or describe
/// output) used for comparison.
pub fn normalize(td: &Value) -> Value {
    let mut td = prune(td).unwrap_or_else(|| Value::Object(Map::new()));
    let Some(obj) = td.as_object_mut() else { return td };
    for field in READ_ONLY_FIELDS {
        obj.remove(field);
    }
    obj.remove("tags");
    for field in ["cpu", "memory"] {
        let converted = obj.get(field).and_then(|v| task_size(field, v));
        if let Some(converted) = converted {
            obj.insert(field.to_owned(), Value::String(converted));
        }
    }
    let mode = obj.get("networkMode").and_then(Value::as_str).unwrap_or("bridge").to_owned();
    obj.insert("networkMode".into(), Value::String(mode.clone()));
    if let Some(Value::Array(containers)) = obj.get_mut("containerDefinitions") {
        for container in containers.iter_mut().filter_map(Value::as_object_mut) {
            normalize_container(container, &mode);
        }
    }
    td
}

fn normalize_container(container: &mut Map<String, Value>, network_mode: &str) {
    container.entry("essential").or_insert(Value::Bool(true));
    if container.get("cpu").and_then(Value::as_i64) == Some(0) {
        container.remove("cpu");
    }
    let Some(Value::Array(mappings)) = container.get_mut("portMappings") else { return };
    for mapping in mappings.iter_mut().filter_map(Value::as_object_mut) {
        mapping.entry("protocol").or_insert_with(|| Value::String("tcp".into()));
        let same_port = mapping.get("hostPort").is_some() && mapping.get("hostPort") == mapping.get("containerPort");
        if same_port && matches!(network_mode, "awsvpc" | "host") {
            mapping.remove("hostPort");
        }
    }
}

/// Removes nulls and empty containers; `None` when the value itself is
/// "nothing".
fn prune(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            // Built by `extend` (inserts), not `collect` (sorts first): keeps a
            // stable sort instance out of the UI's WASM (size budget).
            let mut pruned = Map::new();
            pruned.extend(map.iter().filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v))));
            let map = pruned;
            (!map.is_empty()).then_some(Value::Object(map))
        }
        other => Some(other.clone()),
    }
}

/// Converts a task-level `cpu` (units or vCPU) or `memory` (MiB or GB)
/// string to the integer string ECS stores; `None` when it is not
/// recognisable (then it is compared as written).
pub fn task_size(field: &str, value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let lower = text.to_ascii_lowercase();
    let (number, factor) = if field == "cpu" {
        match lower.strip_suffix("vcpu") {
            Some(n) => (n.trim().to_owned(), 1024.0),
            None => (lower.clone(), 1.0),
        }
    } else {
        match lower.strip_suffix("gb") {
            Some(n) => (n.trim().to_owned(), 1024.0),
            None => (lower.strip_suffix("mb").unwrap_or(&lower).trim().to_owned(), 1.0),
        }
    };
    let parsed: f64 = number.parse().ok()?;
    let scaled = parsed * factor;
    (scaled.is_finite() && scaled >= 0.0 && scaled.fract() == 0.0).then(|| format!("{}", scaled as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_added_by_describe_do_not_count() {
        let desired = json!({
            "family": "web", "networkMode": "awsvpc", "cpu": "0.25 vCPU", "memory": "0.5 GB",
            "containerDefinitions": [{"name": "app", "image": "nginx",
                "portMappings": [{"containerPort": 80}],
                "secrets": [{"name": "DB", "valueFrom": "/web/db"}]}]
        });
        let described = json!({
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
            "revision": 1, "status": "ACTIVE", "family": "web", "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "volumes": [], "placementConstraints": [],
            "compatibilities": ["EC2"], "requiresAttributes": [{"name": "x"}],
            "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 0, "essential": true,
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": [],
                "secrets": [{"name": "DB", "valueFrom": "/web/db"}]}]
        });
        assert!(same_revision(&desired, &described), "{:#}\n{:#}", normalize(&desired), normalize(&described));
    }

    #[test]
    fn real_changes_count() {
        let base = json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:1"}]});
        for changed in [
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:2"}]}),
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:1", "essential": false}]}),
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx:1",
                "secrets": [{"name": "A", "valueFrom": "/a"}]}]}),
            json!({"family": "web", "cpu": "512", "containerDefinitions": [{"name": "app", "image": "nginx:1"}]}),
        ] {
            assert!(!same_revision(&base, &changed), "{changed}");
        }
    }

    #[test]
    fn bridge_mode_keeps_distinct_host_ports() {
        let a = json!({"containerDefinitions": [{"portMappings": [{"containerPort": 80, "hostPort": 80}]}]});
        let b = json!({"containerDefinitions": [{"portMappings": [{"containerPort": 80}]}]});
        assert!(!same_revision(&a, &b));
    }

    #[test]
    fn task_sizes() {
        let cases = [
            ("cpu", "1 vCPU", Some("1024")),
            ("cpu", "256", Some("256")),
            ("memory", "2GB", Some("2048")),
            ("memory", "2 GB", Some("2048")),
            ("memory", "512", Some("512")),
            ("cpu", "lots", None),
        ];
        for (field, input, expect) in cases {
            assert_eq!(task_size(field, &json!(input)).as_deref(), expect, "{field} {input}");
        }
    }
}
