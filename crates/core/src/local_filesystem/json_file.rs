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
//! * nesting deeper than 127 arrays/objects is refused (`serde_json`'s limit; Python's is about 1000);
//! * a lone UTF-16 surrogate escape (`"\ud800"`) is an error (Python keeps the unpaired surrogate);
//! * error messages are `serde_json`'s (`expected value`, `trailing comma`, `EOF while parsing an
//!   object`, ...), not CPython's (`Expecting value`, ...). Like CPython's, they never contain text
//!   from the file. Line and column are 1-based, the column counted in characters as Python counts it.

use serde_json::Value;

use crate::FileParseError;

use super::value::{PyDict, PyValue};

/// `json.loads(text)`.
pub(crate) fn loads(text: &str) -> Result<PyValue, FileParseError> {
    if text.starts_with('\u{feff}') {
        // serde_json would say `expected value` about a file that looks fine in an editor.
        return Err(FileParseError {
            line: Some(1),
            column: Some(1),
            message: "Unexpected UTF-8 BOM (decode using utf-8-sig)".into(),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    Ok(to_py(value))
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

/// The Python object `json.loads` would have returned for this value.
fn to_py(value: Value) -> PyValue {
    match value {
        Value::Null => PyValue::None,
        Value::Bool(b) => PyValue::Bool(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => PyValue::Int(i.into()),
            (None, Some(u)) => PyValue::Int(u.into()),
            // Every other serde_json number is a finite float.
            (None, None) => PyValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => PyValue::Str(s),
        Value::Array(items) => PyValue::List(items.into_iter().map(to_py).collect()),
        Value::Object(map) => {
            let mut dict = PyDict::default();
            for (key, value) in map {
                // A string key is always hashable.
                let _ = dict.insert(PyValue::Str(key), to_py(value));
            }
            PyValue::Dict(dict)
        }
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
        assert!(loads(&"[".repeat(128)).is_err());
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
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
