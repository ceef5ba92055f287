//! Size limits RegisterTaskDefinition enforces: containers, bytes, tags.

use super::{Input, Report};
use crate::import::export;
use crate::task_def::TaskDefinition;

/// At most this many containers per task definition.
pub(super) const MAX_CONTAINERS: usize = 10;
/// At most this many bytes of task definition JSON.
pub(super) const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// At most this many tags.
pub(super) const MAX_TAGS: usize = 50;

/// ES010: at most 10 containers.
pub(super) fn container_count(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let n = td.container_definitions.len();
    if n > MAX_CONTAINERS {
        out.push(out.diag("/containerDefinitions",
            format!(
                "{n} containers: a task definition holds at most {MAX_CONTAINERS}; split the task into several task definitions (services)"
            ),
        ));
    }
}

/// ES011: the registered JSON is at most 64 KiB. Measured on the exported
/// document, which is what the user registers.
pub(super) fn document_size(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let bytes = exported_size(td);
    if bytes > MAX_DOCUMENT_BYTES {
        out.push(out.diag(
            "",
            format!(
                "the task definition is {bytes} bytes of JSON; AWS accepts at most {MAX_DOCUMENT_BYTES} (64 KiB): \
                 move large environment values to `environmentFiles` or secrets, or split the containers"
            ),
        ));
    }
}

/// The length of `export(td)` in bytes. Built into a `Vec` like `export`
/// does rather than counted through a custom writer: a second writer type
/// would be a second copy of the task definition's serializing code in the
/// UI's WASM, and the text is at most 64 KiB.
pub(super) fn exported_size(td: &TaskDefinition) -> usize {
    match crate::json_text::pretty(td) {
        // `export` adds a trailing newline.
        Ok(text) => text.len() + 1,
        // Serialising plain data cannot fail; fall back to the real thing.
        Err(_) => export(td).len(),
    }
}

/// ES012: at most 50 tags (`tags` is an untyped field, kept in `extra`).
pub(super) fn tag_count(input: &Input<'_>, out: &mut Report<'_>) {
    let td = input.td;
    let Some(tags) = td.extra.get("tags").and_then(|t| t.as_array()) else { return };
    if tags.len() > MAX_TAGS {
        out.push(out.diag(
            "/tags",
            format!("{} tags: a task definition takes at most {MAX_TAGS}; remove or merge some", tags.len()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{check, known_ctx};
    use crate::import::export;

    #[test]
    fn containers() {
        let ten: Vec<_> = (0..10).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect();
        let eleven: Vec<_> = (0..11).map(|i| json!({"name": format!("c{i}"), "image": "x"})).collect();
        check(
            "ES010",
            &known_ctx(),
            &[
                (json!({"containerDefinitions": ten}), &[]),
                (json!({"containerDefinitions": eleven}), &["/containerDefinitions"]),
            ],
        );
    }

    #[test]
    fn size() {
        let small = json!({"containerDefinitions": [{"name": "a", "environment": [{"name": "X", "value": "y".repeat(60_000)}]}]});
        let big = json!({"containerDefinitions": [{"name": "a", "environment": [{"name": "X", "value": "y".repeat(66_000)}]}]});
        check("ES011", &known_ctx(), &[(small.clone(), &[]), (big, &[""])]);
        let t = super::super::test_support::td(small);
        assert_eq!(super::exported_size(&t), export(&t).len());
    }

    #[test]
    fn tags() {
        let tag = |i: usize| json!({"key": format!("k{i}"), "value": "v"});
        let fifty: Vec<_> = (0..50).map(tag).collect();
        let fifty_one: Vec<_> = (0..51).map(tag).collect();
        check(
            "ES012",
            &known_ctx(),
            &[
                (json!({"containerDefinitions": [], "tags": fifty}), &[]),
                (json!({"containerDefinitions": [], "tags": fifty_one}), &["/tags"]),
                (json!({"containerDefinitions": [], "tags": "not an array"}), &[]),
            ],
        );
    }
}
