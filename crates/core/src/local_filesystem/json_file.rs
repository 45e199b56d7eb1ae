//! `.json` secret files: Airflow reads them with Python's `json.loads`; we read them with `serde_json`
//! and convert the result into the [`PyValue`] Python would hold.
//!
//! Same as `json.loads`: the accepted grammar of ordinary JSON, objects keeping their key order, and a
//! repeated key keeping its first position with its last value (`serde_json::Map` with the workspace's
//! `preserve_order` feature behaves as a Python dict does).
//!
//! Differences from `json.loads`, none of which matter for files written on purpose:
//! * `NaN`, `Infinity` and `-Infinity` are syntax errors (Python accepts them), and so is a number too
//!   large for a float (`1e400`; Python gives `inf`);
//! * integers beyond the `i64`/`u64` range become floats (Python keeps every digit), and `-0` is the
//!   float `-0.0` (Python: the int `0`);
//! * more than [`MAX_NODES`](super::MAX_NODES) values, keys, arrays and objects is an error (Python
//!   reads any number, memory allowing);
//! * nesting deeper than 127 arrays/objects ([`MAX_NESTING_DEPTH`], `serde_json`'s recursion limit,
//!   which the workspace keeps on: no `unbounded_depth`) is refused with `recursion limit exceeded`
//!   and its line (Python's `RecursionError` comes at about 1000); so `to_py`, clone, drop and
//!   `json.dumps` of a document never recurse deeper than that;
//! * a lone UTF-16 surrogate escape (`"\ud800"`) is an error (Python keeps the unpaired surrogate);
//! * error messages are `serde_json`'s (`expected value`, `trailing comma`, `EOF while parsing an
//!   object`, ...), not CPython's (`Expecting value`, ...). Like CPython's, they never contain text
//!   from the file. Line and column are 1-based, the column counted in characters as Python counts it.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::FileParseError;

use super::MAX_NODES;
use super::value::{PyDict, PyValue};
#[cfg(doc)]
use super::yaml_file::MAX_NESTING_DEPTH;

/// `json.loads(text)`.
///
/// The document is built straight into [`PyValue`]s (no `serde_json::Value` in between), counting
/// its nodes as they are read: more than [`MAX_NODES`] is an error at the line of the node past it.
pub(crate) fn loads(text: &str) -> Result<PyValue, FileParseError> {
    if text.starts_with('\u{feff}') {
        // serde_json would say `expected value` about a file that looks fine in an editor.
        return Err(FileParseError {
            line: Some(1),
            column: Some(1),
            message: "Unexpected UTF-8 BOM (decode using utf-8-sig)".into(),
        });
    }
    let mut nodes = 0;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Node { nodes: &mut nodes }
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| syntax_error(text, &e))?;
    Ok(value)
}

/// Counts one node against [`MAX_NODES`].
fn count<E: serde::de::Error>(nodes: &mut usize) -> Result<(), E> {
    *nodes += 1;
    if *nodes > MAX_NODES {
        return Err(E::custom(super::too_many_nodes()));
    }
    Ok(())
}

/// A JSON value, read as the Python object `json.loads` would return.
struct Node<'n> {
    nodes: &'n mut usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = PyValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PyValue, D::Error> {
        count(self.nodes)?;
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = PyValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::None)
    }

    fn visit_bool<E>(self, b: bool) -> Result<PyValue, E> {
        Ok(PyValue::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<PyValue, E> {
        Ok(PyValue::Int(i.into()))
    }

    fn visit_u64<E>(self, u: u64) -> Result<PyValue, E> {
        Ok(PyValue::Int(u.into()))
    }

    /// serde_json hands over only finite floats (`-0`, integers beyond 64 bits, and real floats).
    fn visit_f64<E>(self, f: f64) -> Result<PyValue, E> {
        Ok(PyValue::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<PyValue, E> {
        Ok(PyValue::Str(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<PyValue, E> {
        Ok(PyValue::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Node {
            nodes: &mut *self.nodes,
        })? {
            items.push(item);
        }
        Ok(PyValue::List(items))
    }

    /// A repeated key keeps its first position and takes the last value, as in a Python dict.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
        let mut dict = PyDict::default();
        while let Some(key) = map.next_key_seed(Key {
            nodes: &mut *self.nodes,
        })? {
            let value = map.next_value_seed(Node {
                nodes: &mut *self.nodes,
            })?;
            // A string key is always hashable.
            let _ = dict.insert(PyValue::Str(key), value);
        }
        Ok(PyValue::Dict(Box::new(dict)))
    }
}

/// An object's key (always a string in JSON), counted as a node.
struct Key<'n> {
    nodes: &'n mut usize,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        count(self.nodes)?;
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<String, E> {
        Ok(s.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<String, E> {
        Ok(s)
    }
}

/// A `serde_json` error as a [`FileParseError`]: its message without the position suffix, and the
/// position with the column converted from bytes to characters.
fn syntax_error(text: &str, e: &serde_json::Error) -> FileParseError {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    let line_text = text
        .split('\n')
        .nth(e.line().saturating_sub(1))
        .unwrap_or("");
    let mut end = e.column().min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    FileParseError {
        line: Some(e.line()),
        // serde_json reports column 0 for an error right after a line break (at the end of the input).
        column: Some(line_text[..end].chars().count().max(1)),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(text: &str) -> String {
        loads(text).unwrap().dumps()
    }

    #[test]
    fn values_match_python() {
        // (input, json.dumps(json.loads(input)))
        let cases = [
            ("-12", "-12"),
            ("18446744073709551615", "18446744073709551615"),
            ("1.5e3", "1500.0"),
            ("-0.0", "-0.0"),
            (r#""\ud83d\ude00""#, r#""\ud83d\ude00""#),
            (
                " [ true , false , null , \"\\/\\b\" ] ",
                r#"[true, false, null, "/\b"]"#,
            ),
            ("{\"k\": \"é\u{7f}\"}", r#"{"k": "\u00e9\u007f"}"#),
        ];
        for (input, want) in cases {
            assert_eq!(dumps(input), want, "{input:?}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_position_and_last_value() {
        // Python: json.loads('{"a": 1, "b": 2, "a": 3, "c": 4}') == {'a': 3, 'b': 2, 'c': 4}
        assert_eq!(
            dumps(r#"{"a": 1, "b": 2, "a": 3, "c": 4}"#),
            r#"{"a": 3, "b": 2, "c": 4}"#
        );
    }

    #[test]
    fn documented_differences_from_python() {
        assert_eq!(
            dumps("123456789012345678901234567890"),
            "1.2345678901234568e+29"
        );
        assert_eq!(dumps("-0"), "-0.0");
        for refused in ["NaN", "-Infinity", "1e400", r#""\ud800""#] {
            assert!(loads(refused).is_err(), "{refused}");
        }
        // serde_json's recursion limit is the documented MAX_NESTING_DEPTH.
        let depth = super::super::MAX_NESTING_DEPTH;
        let too_deep = loads(&"[".repeat(depth + 1)).unwrap_err();
        assert_eq!(too_deep.message, "recursion limit exceeded");
        let ok = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(loads(&ok).is_ok());
    }

    #[test]
    fn errors_have_line_column_and_no_position_suffix() {
        // (input, line, column, message)
        let cases = [
            ("{AAAAA}", 1, 2, "key must be a string"),
            ("\n", 2, 1, "EOF while parsing a value"),
            ("{\n  \"é\": ,\n}", 2, 8, "expected value"), // Python: column 8 too
            ("{\n  \"a\": 1,\n}", 3, 1, "trailing comma"),
            ("{\"a\": 1} {}", 1, 10, "trailing characters"),
            ("[1 2]", 1, 4, "expected `,` or `]`"),
            (
                "\u{feff}{}",
                1,
                1,
                "Unexpected UTF-8 BOM (decode using utf-8-sig)",
            ),
        ];
        for (input, line, column, message) in cases {
            let e = loads(input).unwrap_err();
            assert_eq!(
                (e.line, e.column, e.message.as_str()),
                (Some(line), Some(column), message),
                "{input:?}"
            );
        }
    }

    #[test]
    fn errors_never_echo_the_file() {
        const SECRET: &str = "hunter2-S3CR3T";
        for doc in [
            format!(r#"{{"k": "{SECRET}" "x": 1}}"#),
            format!(r#"{{"k": "\q{SECRET}"}}"#),
            format!("{{\"k\": \"{SECRET}\u{1}\"}}"),
            format!(r#"{{"k": {SECRET}}}"#),
            format!(r#"{{{SECRET}: 1}}"#),
            format!(r#"{{"k": 1{SECRET}}}"#),
            format!(r#"{{"k": tru{SECRET}}}"#),
            format!(r#"{{"k": "\u{SECRET}"}}"#),
            format!(r#"{{"k": 1e99999{SECRET}}}"#),
            format!(r#"["{SECRET}"] {SECRET}"#),
        ] {
            let e = loads(&doc).unwrap_err();
            assert!(!e.to_string().contains("S3CR3T"), "{e}");
        }
    }
}
