//! JSON text as people read it: serde_json's pretty format (two-space
//! indent, `": "` after keys), with the indentation bounded; and compact
//! text (serde_json's `to_string`) for requests and one-line values.
//!
//! Both are written by one formatter type, so a type written both ways
//! has one copy of its serialisation code in the UI's WASM (each
//! serializer type a value meets is another copy; BENCHMARKS.md).
//!
//! Pretty-printing indents every line by its depth, so a document nested
//! a few hundred levels deep (legal in unknown fields, which export keeps
//! verbatim) would grow quadratically: a 180 KB input became a 4.7 MB
//! export. Below [`MAX_INDENTED_DEPTH`] levels the text is exactly
//! serde_json's pretty output; deeper values are written compactly, on the
//! line of their parent. Either way it is the same JSON.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// Nesting deeper than this is written without line breaks. Real task
/// definitions and policies are less than ten levels deep.
pub const MAX_INDENTED_DEPTH: usize = 16;

/// `value` as pretty JSON text (see the module documentation).
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    write(value, true)
}

/// `value` as compact JSON text, exactly serde_json's `to_string`.
pub fn compact<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    write(value, false)
}

fn write<T: Serialize + ?Sized>(value: &T, indent: bool) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    let formatter = BoundedPretty { indent, depth: 0, has_value: false };
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    // serde_json writes only UTF-8.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// serde_json's `PrettyFormatter`, indenting at most [`MAX_INDENTED_DEPTH`]
/// levels; serde_json's `CompactFormatter` when not `indent`ing.
#[derive(Debug)]
struct BoundedPretty {
    indent: bool,
    depth: usize,
    has_value: bool,
}

impl BoundedPretty {
    /// A new line and the indentation of `depth`, when that depth is indented.
    fn line<W: ?Sized + io::Write>(&self, writer: &mut W, depth: usize) -> io::Result<()> {
        if !self.indent || depth > MAX_INDENTED_DEPTH {
            return Ok(());
        }
        writer.write_all(b"\n")?;
        for _ in 0..depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin<W: ?Sized + io::Write>(&mut self, writer: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(open)
    }

    fn end<W: ?Sized + io::Write>(&mut self, writer: &mut W, close: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value && self.depth < MAX_INDENTED_DEPTH {
            self.line(writer, self.depth)?;
        }
        writer.write_all(close)
    }

    fn begin_item<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.line(writer, self.depth)
    }
}

impl Formatter for BoundedPretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if !self.indent || self.depth > MAX_INDENTED_DEPTH { b":" } else { b": " })
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn shallow_documents_are_exactly_serde_jsons_pretty_output() {
        let doc = json!({"family": "web", "containerDefinitions": [{"name": "a", "secrets": [], "env": {}},
            {"name": "b", "secrets": [{"name": "X", "valueFrom": "/x"}], "n": [1, 2.5, null, true]}]});
        assert_eq!(pretty(&doc).unwrap(), serde_json::to_string_pretty(&doc).unwrap());
    }

    #[test]
    fn compact_text_is_exactly_serde_jsons() {
        let mut deep = json!({"leaf": [1, {"a": "b\"\u{1}"}], "e": [], "o": {}, "f": 1e-28, "n": -3});
        for i in 0..40 {
            deep = if i % 2 == 0 { json!([deep, 2.5]) } else { json!({"k": deep, "z": {}, "": null}) };
        }
        assert_eq!(compact(&deep).unwrap(), serde_json::to_string(&deep).unwrap());
        let td: crate::task_def::TaskDefinition =
            serde_json::from_value(json!({"family": "web", "containerDefinitions": [{"name": "a", "x": [deep]}]}))
                .unwrap();
        assert_eq!(compact(&td).unwrap(), serde_json::to_string(&td).unwrap());
    }

    #[test]
    fn deep_nesting_stays_linear_in_size_and_is_the_same_json() {
        let mut deep = json!({"leaf": [1, {"a": "b"}]});
        for i in 0..120 {
            deep = if i % 2 == 0 { json!([deep, 2]) } else { json!({"k": deep, "z": {}}) };
        }
        let text = pretty(&deep).unwrap();
        let compact = serde_json::to_string(&deep).unwrap();
        assert!(text.len() < compact.len() + 4 * MAX_INDENTED_DEPTH * MAX_INDENTED_DEPTH, "{} bytes", text.len());
        assert!(text.lines().all(|l| l.len() <= 2 * MAX_INDENTED_DEPTH + compact.len()));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, deep);
        // The first MAX_INDENTED_DEPTH levels are indented as serde_json does.
        let serde_lines: Vec<String> =
            serde_json::to_string_pretty(&deep).unwrap().lines().map(str::to_owned).collect();
        for (ours, theirs) in text.lines().zip(&serde_lines).take(MAX_INDENTED_DEPTH) {
            assert_eq!(ours, theirs);
        }
    }
}
