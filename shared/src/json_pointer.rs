//! JSON pointers (RFC 6901), the `path` of every diagnostic and edit.

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
}
