//! Where a JSON pointer lands in the original JSON text.
//!
//! Diagnostics carry JSON pointers into the parsed document; people read the
//! text they wrote. This module finds the line and column a pointer refers to
//! (for the CLI's text and SARIF output, and for the UI to scroll to a field)
//! by scanning the text itself, so whitespace, comments-free formatting and
//! key order of the original are respected.
//!
//! The scanner is hand written and never recurses, so deeply nested or even
//! malformed text cannot overflow the stack or panic: the worst it does is
//! stop early and answer with the nearest ancestor it could find. When a key
//! appears twice in an object the last occurrence wins, as it does when the
//! document is parsed.

use crate::json_pointer;

/// serde_json's message for `err` without the " at line L column C" it
/// appends: callers report the position separately.
pub fn message_without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    }
}

/// A place in the text. `offset` is a byte offset; `line` and `column` are
/// 1-based, the column counted in Unicode code points (what editors show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// What a pointer resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Start of the member's key (for an object member) or of the value (for
    /// an array element or the whole document).
    pub start: Position,
    /// Just past the end of the value.
    pub end: Position,
    /// The pointer that was actually found: the requested one, or its
    /// nearest existing ancestor.
    pub pointer: String,
    /// True when the requested pointer itself exists in the text.
    pub exact: bool,
}

/// Finds `pointer` in `text`, falling back to the nearest existing ancestor
/// when the pointer names something that is not there (a missing field, an
/// index past the end, the `-` append token). `None` when `pointer` is not a
/// JSON pointer (it must be empty or start with `/`) or the text holds no
/// JSON value at all.
pub fn locate(text: &str, pointer: &str) -> Option<Location> {
    let tokens = json_pointer::tokens(pointer)?;
    let bytes = text.as_bytes();
    let mut value_start = skip_whitespace(bytes, 0);
    if value_start >= bytes.len() {
        return None;
    }
    let mut start = value_start;
    let mut found = 0;
    for token in &tokens {
        let child = match bytes[value_start] {
            b'{' => find_member(bytes, value_start, token),
            b'[' => find_element(bytes, value_start, token),
            _ => None,
        };
        let Some((child_start, child_value)) = child else { break };
        start = child_start;
        value_start = child_value;
        found += 1;
    }
    let end = skip_value(bytes, value_start).unwrap_or(value_start);
    Some(Location {
        start: position(text, start),
        end: position(text, end),
        pointer: json_pointer::pointer(&tokens[..found]),
        exact: found == tokens.len(),
    })
}

/// Line and column of a byte offset. An offset inside a multi-byte character
/// or past the end is clamped to the nearest character boundary before it.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut line = 1;
    let mut column = 1;
    let mut chars = text[..offset].chars().peekable();
    while let Some(c) = chars.next() {
        // "\r\n", "\n" and a lone "\r" each end a line.
        let ends_line = c == '\n' || (c == '\r' && chars.peek() != Some(&'\n'));
        if ends_line {
            line += 1;
            column = 1;
        } else if c != '\r' {
            column += 1;
        }
    }
    Position { offset, line, column }
}

/// The UTF-16 offset of a byte offset: what browser text APIs
/// (`setSelectionRange`, `selectionStart`) count in. An offset inside a
/// multi-byte character or past the end is clamped like in [`position`].
pub fn utf16_offset(text: &str, offset: usize) -> usize {
    let offset = position(text, offset).offset;
    text[..offset].encode_utf16().count()
}

/// In the object starting at `open`, finds the last member named `key`:
/// returns (start of its key, start of its value).
fn find_member(bytes: &[u8], open: usize, key: &str) -> Option<(usize, usize)> {
    let mut found = None;
    let mut pos = skip_whitespace(bytes, open + 1);
    loop {
        match bytes.get(pos)? {
            b'}' => return found,
            b'"' => {}
            _ => return found,
        }
        let key_start = pos;
        let key_end = skip_string(bytes, pos)?;
        pos = skip_whitespace(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return found;
        }
        let value_start = skip_whitespace(bytes, pos + 1);
        if value_start >= bytes.len() {
            return found;
        }
        if decode_string(&bytes[key_start + 1..key_end - 1]) == key {
            found = Some((key_start, value_start));
        }
        let Some(value_end) = skip_value(bytes, value_start) else { return found };
        pos = skip_whitespace(bytes, value_end);
        match bytes.get(pos) {
            Some(b',') => pos = skip_whitespace(bytes, pos + 1),
            _ => return found,
        }
    }
}

/// In the array starting at `open`, finds element `token` (a decimal index):
/// returns its start twice, since an element has no key.
fn find_element(bytes: &[u8], open: usize, token: &str) -> Option<(usize, usize)> {
    // RFC 6901: an index is "0" or digits without a leading zero; "-" is the
    // (never existing) element after the last.
    let well_formed =
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) && (token == "0" || !token.starts_with('0'));
    if !well_formed {
        return None;
    }
    let wanted: usize = token.parse().ok()?;
    let mut pos = skip_whitespace(bytes, open + 1);
    if bytes.get(pos) == Some(&b']') {
        return None;
    }
    let mut index = 0;
    loop {
        if pos >= bytes.len() {
            return None;
        }
        if index == wanted {
            return Some((pos, pos));
        }
        pos = skip_whitespace(bytes, skip_value(bytes, pos)?);
        match bytes.get(pos) {
            Some(b',') => pos = skip_whitespace(bytes, pos + 1),
            _ => return None,
        }
        index += 1;
    }
}

fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// From an opening quote, returns the offset just past the closing quote.
fn skip_string(bytes: &[u8], open: usize) -> Option<usize> {
    let mut pos = open + 1;
    loop {
        match bytes.get(pos)? {
            b'\\' => pos += 2,
            b'"' => return Some(pos + 1),
            _ => pos += 1,
        }
    }
}

/// Returns the offset just past the value starting at `start`. Containers
/// are skipped by counting brackets outside strings, without recursion.
fn skip_value(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => skip_string(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut pos = start;
            loop {
                match bytes.get(pos)? {
                    b'"' => {
                        pos = skip_string(bytes, pos)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(pos + 1);
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
        }
        _ => {
            let mut pos = start;
            while let Some(&b) = bytes.get(pos) {
                if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                pos += 1;
            }
            (pos > start).then_some(pos)
        }
    }
}

/// Decodes the inside of a JSON string (without its quotes). Invalid
/// escapes decode to U+FFFD rather than failing: the text was already
/// accepted by a real parser, or it is being located on a best-effort basis
/// (the error decoder unescapes a cut-off JSON string with it too).
pub(crate) fn decode_string(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('\\') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let high = hex4(&mut chars);
                let code = match high {
                    Some(h @ 0xD800..=0xDBFF) => {
                        let mut lookahead = chars.clone();
                        let low = if lookahead.next() == Some('\\') && lookahead.next() == Some('u') {
                            hex4(&mut lookahead)
                        } else {
                            None
                        };
                        match low {
                            Some(l @ 0xDC00..=0xDFFF) => {
                                chars = lookahead;
                                Some(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00))
                            }
                            _ => None,
                        }
                    }
                    other => other,
                };
                out.push(code.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const DOC: &str = r#"{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "app",
      "secrets": [
        {"name": "A", "valueFrom": "/a"},
        {"name": "B", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/b"}
      ]
    }
  ],
  "a/b": {"m~n": [true, null, 1.5e3]}
}"#;

    /// Locates `pointer` in `text` and renders the answer as
    /// `line:column-line:column found-pointer exact?` for compact expectations.
    fn check(text: &str, pointer: &str, expect: &str) {
        let got = match locate(text, pointer) {
            Some(loc) => format!(
                "{}:{}-{}:{} {}{}",
                loc.start.line,
                loc.start.column,
                loc.end.line,
                loc.end.column,
                if loc.pointer.is_empty() { "(root)" } else { &loc.pointer },
                if loc.exact { "" } else { " (ancestor)" }
            ),
            None => "none".to_owned(),
        };
        assert_eq!(got, expect, "pointer {pointer:?}");
    }

    #[test]
    fn finds_members_elements_and_the_root() {
        check(DOC, "", "1:1-13:2 (root)");
        check(DOC, "/family", "2:3-2:18 /family");
        check(DOC, "/containerDefinitions/0", "4:5-10:6 /containerDefinitions/0");
        check(
            DOC,
            "/containerDefinitions/0/secrets/1/valueFrom",
            "8:23-8:84 /containerDefinitions/0/secrets/1/valueFrom",
        );
        check(DOC, "/a~1b/m~0n/2", "12:31-12:36 /a~1b/m~0n/2");
        check(DOC, "/a~1b/m~0n/1", "12:25-12:29 /a~1b/m~0n/1");
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        check(DOC, "/executionRoleArn", "1:1-13:2 (root) (ancestor)");
        check(DOC, "/containerDefinitions/0/secrets/-", "6:7-9:8 /containerDefinitions/0/secrets (ancestor)");
        check(DOC, "/containerDefinitions/3/name", "3:3-11:4 /containerDefinitions (ancestor)");
        check(DOC, "/containerDefinitions/00", "3:3-11:4 /containerDefinitions (ancestor)");
        check(DOC, "/family/x", "2:3-2:18 /family (ancestor)");
        check(
            DOC,
            "/containerDefinitions/0/secrets/0/name/extra",
            "7:10-7:21 /containerDefinitions/0/secrets/0/name (ancestor)",
        );
    }

    #[test]
    fn rejects_what_is_not_a_pointer_or_not_json() {
        check(DOC, "family", "none");
        check("", "", "none");
        check("  \n ", "/a", "none");
    }

    #[test]
    fn escaped_keys_and_duplicates_resolve_like_a_parser() {
        check(r#"{"f\u0061mily": 1}"#, "/family", "1:2-1:18 /family");
        check(r#"{"a": 1, "b": {"\"q\\": 2}}"#, "/b/\"q\\", "1:16-1:26 /b/\"q\\");
        check(r#"{"\ud83d\ude00": 1}"#, "/\u{1F600}", "1:2-1:19 /\u{1F600}");
        // The last duplicate wins, as in serde_json.
        check("{\"a\": 1,\n \"a\": 2}", "/a", "2:2-2:8 /a");
    }

    #[test]
    fn columns_count_characters_and_lines_count_every_line_ending() {
        check("{\"é\": \"ü\", \"x\": 1}", "/x", "1:12-1:18 /x");
        check("{\r\n\"a\": 1,\r\"b\": 2}", "/b", "3:1-3:7 /b");
        check("[1,\n  [2, 3]]", "/1/1", "2:7-2:8 /1/1");
    }

    #[test]
    fn malformed_text_gives_an_answer_without_panicking() {
        check(r#"{"a": [1, 2"#, "/a/1", "1:11-1:12 /a/1");
        check(r#"{"a": [1, 2"#, "/a/5", "1:2-1:7 /a (ancestor)");
        check(r#"{"a" 1}"#, "/a", "1:1-1:8 (root) (ancestor)");
        check(r#"{"a": "unterminated"#, "/a", "1:2-1:7 /a");
        check("\"\\", "", "1:1-1:1 (root)");
        let deep = "[".repeat(100_000);
        check(&deep, "/0/0/0", "1:4-1:4 /0/0/0");
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs_twice() {
        let text = "{\"é😀\": 1}";
        let value = locate(text, "/é😀").unwrap();
        assert_eq!(value.start.offset, 1);
        assert_eq!(utf16_offset(text, value.end.offset), 9);
        assert_eq!(utf16_offset(text, text.len()), 10);
    }

    #[test]
    fn position_clamps_offsets() {
        assert_eq!(position("aé", 2), Position { offset: 1, line: 1, column: 2 });
        assert_eq!(position("a\nb", 99), Position { offset: 3, line: 2, column: 2 });
    }

    pub(crate) mod properties {
        use proptest::prelude::*;
        use serde_json::Value;

        use super::super::*;

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i32>().prop_map(Value::from),
                "[a-z\\u{e9}\\u{1F600}\"\\\\/~ ]{0,6}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 32, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::btree_map("[a-z/~\"\\\\]{0,4}", inner, 0..5)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// Every pointer into a document, in no particular order.
        pub(crate) fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
            out.push(prefix.clone());
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        pointers(item, format!("{prefix}/{i}"), out);
                    }
                }
                Value::Object(map) => {
                    for (key, item) in map {
                        pointers(item, format!("{prefix}/{}", crate::json_pointer::escape(key)), out);
                    }
                }
                _ => {}
            }
        }

        proptest! {
            /// Pretty or compact, every pointer of a document is found exactly,
            /// and the text from its start parses to the value it names.
            #[test]
            fn every_pointer_is_found_exactly(value in json_value(), pretty in any::<bool>()) {
                let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }
                    .unwrap();
                let mut all = Vec::new();
                pointers(&value, String::new(), &mut all);
                for pointer in all {
                    let loc = locate(&text, &pointer).unwrap();
                    prop_assert!(loc.exact, "{pointer} in {text}");
                    prop_assert_eq!(&loc.pointer, &pointer);
                    let mut slice = &text[loc.start.offset..loc.end.offset];
                    // A member's span starts at its key: skip `"key":`.
                    let tokens = crate::json_pointer::tokens(&pointer).unwrap();
                    let parent = tokens.split_last().map(|(_, parent)| crate::json_pointer::pointer(parent));
                    if parent.and_then(|p| value.pointer(&p)).is_some_and(Value::is_object) {
                        let mut key = serde_json::Deserializer::from_str(slice).into_iter::<String>();
                        prop_assert!(key.next().is_some_and(|k| k.is_ok()), "a key starts {slice}");
                        slice = slice[key.byte_offset()..].trim_start().strip_prefix(':').unwrap();
                    }
                    let parsed: Value = serde_json::from_str(slice).unwrap();
                    prop_assert_eq!(Some(&parsed), value.pointer(&pointer));
                }
            }

            /// Arbitrary text and pointers never panic.
            #[test]
            fn arbitrary_input_never_panics(text in "[\\[\\]{}\",:0-9a-z \\n\\\\]{0,40}", pointer in "(/[a-z0-9~-]{0,3}){0,4}") {
                if let Some(loc) = locate(&text, &pointer) {
                    prop_assert!(loc.start.offset <= text.len() && loc.end.offset <= text.len());
                    prop_assert!(loc.start.line >= 1 && loc.start.column >= 1);
                    prop_assert!(pointer.starts_with(&loc.pointer));
                }
            }
        }
    }
}
