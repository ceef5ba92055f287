//! Environment variable names: clashes between `environment` and
//! `secrets`, duplicates, portability and missing names.

use std::collections::HashMap;

use super::{Input, Report, container_label, container_path};
use crate::task_def::ContainerDefinition;

/// ES020: a name in both `environment` and `secrets` of one container.
pub(super) fn environment_and_secret_clash(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (ci, c) in td.container_definitions.iter().enumerate() {
        let secret_names: HashMap<&str, usize> = c
            .secrets
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(si, s)| Some((s.name.as_deref().filter(|n| !n.is_empty())?, si)))
            .rev()
            .collect();
        if secret_names.is_empty() {
            continue;
        }
        for (ei, e) in c.environment.iter().flatten().enumerate() {
            let Some(name) = e.name.as_deref() else { continue };
            if let Some(si) = secret_names.get(name) {
                out.push(out.diag(
                    format!("{}/environment/{ei}/name", container_path(ci)),
                    format!(
                        "container {} sets `{name}` both in `environment` and in `secrets` (#{si}): a variable must \
                         come from one place, and a plaintext copy next to the secret defeats it; remove the \
                         `environment` entry and keep the secret",
                        container_label(td, ci)
                    ),
                ));
            }
        }
    }
}

/// ES021: a name twice within `environment`, or twice within `secrets`.
pub(super) fn duplicate_within_list(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (ci, c) in td.container_definitions.iter().enumerate() {
        for (list, names) in named_lists(c) {
            for (i, first) in repeats(&names) {
                let name = names[i].unwrap_or_default();
                out.push(out.diag(
                    format!("{}/{list}/{i}/name", container_path(ci)),
                    format!(
                        "container {} sets `{name}` twice in `{list}` (entries {first} and {i}): only one value \
                         reaches the container and which one is not obvious; remove one",
                        container_label(td, ci)
                    ),
                ));
            }
        }
    }
}

/// For every name that occurs again, `(index of the repeat, index of its
/// first occurrence)`, in index order. Sorting beats hashing for lists this
/// short.
fn repeats(names: &[Option<&str>]) -> Vec<(usize, usize)> {
    let mut order: Vec<(&str, usize)> =
        names.iter().enumerate().filter_map(|(i, n)| Some((n.filter(|n| !n.is_empty())?, i))).collect();
    order.sort_unstable();
    let mut found: Vec<(usize, usize)> = order
        .windows(2)
        .scan(None, |first, pair| {
            let ((prev, prev_i), (name, i)) = (pair[0], pair[1]);
            let start = if prev == name { *first.get_or_insert(prev_i) } else { *first.insert(i) };
            Some((prev == name).then_some((i, start)))
        })
        .flatten()
        .collect();
    found.sort_unstable();
    found
}

/// ES022: environment variable names outside `^[A-Za-z_][A-Za-z0-9_]*$`
/// work in ECS but not in every shell or runtime.
pub(super) fn portable_variable_name(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (ci, c) in td.container_definitions.iter().enumerate() {
        for (list, names) in named_lists(c) {
            for (i, name) in names.into_iter().enumerate() {
                let Some(name) = name.filter(|n| !n.is_empty()) else { continue };
                if !is_portable_variable_name(name) {
                    out.push(out.diag(
                        format!("{}/{list}/{i}/name", container_path(ci)),
                        format!(
                            "`{}` is not a portable environment variable name: shells and many runtimes accept only \
                             letters, digits and `_`, not starting with a digit; rename it (e.g. `{}`)",
                            super::names::shorten(name),
                            portable_spelling(name)
                        ),
                    ));
                }
            }
        }
    }
}

/// ES023: `environment`, `secrets` and `secretOptions` entries need a name.
pub(super) fn entry_without_name(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    for (ci, c) in td.container_definitions.iter().enumerate() {
        let log_options = c.log_configuration.as_ref().and_then(|l| l.secret_options.as_ref());
        let lists = named_lists(c).into_iter().chain(std::iter::once((
            "logConfiguration/secretOptions",
            log_options.iter().flat_map(|v| v.iter()).map(|s| s.name.as_deref()).collect(),
        )));
        for (list, names) in lists {
            for (i, name) in names.into_iter().enumerate() {
                if name.is_none_or(|n| n.trim().is_empty()) {
                    out.push(out.diag(
                        format!("{}/{list}/{i}/name", container_path(ci)),
                        format!(
                            "entry {i} of `{list}` in container {} has no `name`: add the variable (or log option) \
                             name, or remove the entry",
                            container_label(td, ci)
                        ),
                    ));
                }
            }
        }
    }
}

/// The container's `environment` and `secrets` names, by list.
fn named_lists(c: &ContainerDefinition) -> [(&'static str, Vec<Option<&str>>); 2] {
    [
        ("environment", c.environment.iter().flatten().map(|e| e.name.as_deref()).collect()),
        ("secrets", c.secrets.iter().flatten().map(|s| s.name.as_deref()).collect()),
    ]
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`
pub(super) fn is_portable_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A portable spelling of a name: other characters become `_`, and a
/// leading digit gets a `_` in front.
fn portable_spelling(name: &str) -> String {
    let mut out: String =
        name.chars().take(80).map(|ch| if ch.is_ascii_alphanumeric() || ch == '_' { ch } else { '_' }).collect();
    if out.starts_with(|ch: char| ch.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx, one_container};
    use super::*;

    #[test]
    fn clash_between_environment_and_secrets() {
        check(
            "ES020",
            &known_ctx(),
            &[
                (
                    one_container(json!({
                        "environment": [{"name": "A", "value": "1"}, {"name": "DB_PASSWORD", "value": "x"}],
                        "secrets": [{"name": "DB_PASSWORD", "valueFrom": "/db"}]
                    })),
                    &["/containerDefinitions/0/environment/1/name"],
                ),
                (
                    one_container(json!({
                        "environment": [{"name": "A", "value": "1"}],
                        "secrets": [{"name": "B", "valueFrom": "/db"}]
                    })),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn duplicates_within_one_list() {
        check(
            "ES021",
            &known_ctx(),
            &[
                (
                    one_container(json!({
                        "environment": [{"name": "A", "value": "1"}, {"name": "B"}, {"name": "A", "value": "2"}],
                        "secrets": [{"name": "S", "valueFrom": "/a"}, {"name": "S", "valueFrom": "/b"}]
                    })),
                    &["/containerDefinitions/0/environment/2/name", "/containerDefinitions/0/secrets/1/name"],
                ),
                (one_container(json!({"environment": [{"name": "A"}, {"name": "a"}]})), &[]),
            ],
        );
    }

    #[test]
    fn portable_names() {
        for (name, portable) in [
            ("DB_PASSWORD", true),
            ("_x1", true),
            ("a", true),
            ("1A", false),
            ("my-var", false),
            ("A.B", false),
            ("É", false),
        ] {
            assert_eq!(is_portable_variable_name(name), portable, "{name}");
        }
        check(
            "ES022",
            &known_ctx(),
            &[(
                one_container(json!({
                    "environment": [{"name": "OK"}, {"name": "not-ok"}],
                    "secrets": [{"name": "9LIVES", "valueFrom": "/a"}]
                })),
                &["/containerDefinitions/0/environment/1/name", "/containerDefinitions/0/secrets/0/name"],
            )],
        );
        assert_eq!(portable_spelling("9my-var"), "_9my_var");
    }

    #[test]
    fn entries_need_names() {
        check(
            "ES023",
            &known_ctx(),
            &[(
                one_container(json!({
                    "environment": [{"value": "1"}, {"name": "A"}],
                    "secrets": [{"name": " ", "valueFrom": "/a"}],
                    "logConfiguration": {"logDriver": "splunk", "secretOptions": [{"valueFrom": "/t"}]}
                })),
                &[
                    "/containerDefinitions/0/environment/0/name",
                    "/containerDefinitions/0/secrets/0/name",
                    "/containerDefinitions/0/logConfiguration/secretOptions/0/name",
                ],
            )],
        );
    }
}
