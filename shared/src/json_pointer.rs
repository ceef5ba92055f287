//! JSON pointers (RFC 6901), the `path` of every diagnostic and edit, and
//! the nesting bound every reader of JSON values keeps.

use serde_json::Value;

/// The deepest nesting of arrays and objects serde_json reads from text (its
/// recursion limit lets 127 levels through). Functions that take an already
/// built [`Value`] refuse anything deeper the same way, before they recurse
/// into it, so no input can exhaust the stack.
pub const MAX_DEPTH: usize = 127;

/// The pointer of the first array or object of `value` that lies deeper
/// than `limit` levels of nesting (the outermost array or object is level
/// 1), or `None` when the whole value is within it. Never recurses.
pub fn deeper_than(value: &Value, limit: usize) -> Option<String> {
    enum Children<'a> {
        Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
        Object(serde_json::map::Iter<'a>),
    }
    fn children(value: &Value) -> Option<Children<'_>> {
        match value {
            Value::Array(items) => Some(Children::Array(items.iter().enumerate())),
            Value::Object(map) => Some(Children::Object(map.iter())),
            _ => None,
        }
    }
    let mut stack: Vec<(String, Children<'_>)> = Vec::new();
    stack.push((String::new(), children(value)?));
    if limit == 0 {
        return Some(String::new());
    }
    loop {
        let (_, iter) = stack.last_mut()?;
        let next = match iter {
            Children::Array(items) => items.next().map(|(i, v)| (i.to_string(), v)),
            Children::Object(entries) => entries.next().map(|(k, v)| (escape(k), v)),
        };
        let Some((token, child)) = next else {
            stack.pop();
            if stack.is_empty() {
                return None;
            }
            continue;
        };
        if let Some(grandchildren) = children(child) {
            stack.push((token, grandchildren));
            if stack.len() > limit {
                return Some(stack.iter().skip(1).map(|(t, _)| format!("/{t}")).collect());
            }
        }
    }
}

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a pointer from tokens: `pointer(["a", "b/c"])` → `/a/b~1c`.
pub fn pointer<I, T>(tokens: I) -> String
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    tokens.into_iter().map(|t| format!("/{}", escape(t.as_ref()))).collect()
}

/// Splits a pointer into unescaped tokens; `None` when it does not start
/// with `/` (the empty pointer, the whole document, gives no tokens).
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// The error message for a value nested deeper than [`MAX_DEPTH`].
pub fn too_deep_message() -> String {
    format!("nested more than {MAX_DEPTH} levels deep (the most a JSON document may have here): flatten the value")
}

/// Drops a value without recursing into it, however deep it is (a derived
/// drop of 100,000 nested arrays overflows the stack).
pub fn drop_iteratively(value: Value) {
    let mut pending = vec![value];
    while let Some(mut value) = pending.pop() {
        match &mut value {
            Value::Array(items) => pending.append(items),
            Value::Object(map) => pending.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_round_trips() {
        let p = pointer(["options", "a/b~c"]);
        assert_eq!(p, "/options/a~1b~0c");
        assert_eq!(tokens(&p).unwrap(), vec!["options", "a/b~c"]);
        assert_eq!(tokens("").unwrap(), Vec::<String>::new());
        assert!(tokens("x").is_none());
    }

    #[test]
    fn depth_is_measured_without_recursion() {
        let value = serde_json::json!({"a": [1, {"b/c": [[]]}], "d": {}});
        assert_eq!(deeper_than(&value, 5), None);
        assert_eq!(deeper_than(&value, 4).as_deref(), Some("/a/1/b~1c/0"));
        assert_eq!(deeper_than(&value, 3).as_deref(), Some("/a/1/b~1c"));
        assert_eq!(deeper_than(&value, 0).as_deref(), Some(""));
        assert_eq!(deeper_than(&serde_json::json!("x"), 0), None);
    }
}
