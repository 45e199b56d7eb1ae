//! The ORM flavour's URI query values: Airflow 3.3.2's `_parse_from_uri` replaces each non-empty query
//! value by `json.loads(value)` when that succeeds, then stores `json.dumps(query)` as the extra.
//!
//! [`decoded_query_value`] gives the text `json.dumps(json.loads(value))` writes, reading the value with
//! `serde_json` and writing it with [`pyjson::dumps`](crate::pyjson::dumps). Where Python would hold a
//! value a `serde_json::Value` cannot (so neither could [`Connection::extra_dejson`](super::Connection::extra_dejson)),
//! the value stays a string — the declared departures:
//! * `NaN`, `Infinity`, `-Infinity` and floats beyond `f64` (`1e400`): Python reads them as floats and
//!   writes `NaN`/`Infinity`, which is not JSON;
//! * integers outside the `i64`/`u64` range: Python keeps every digit, `serde_json` would round them to a
//!   float;
//! * a lone UTF-16 surrogate escape (`"\ud800"`), nesting deeper than 127 arrays/objects: `serde_json`
//!   refuses them.
//!
//! The integer literal `-0` is Python's int `0` (`serde_json` would read the float `-0.0`): it is
//! rewritten before parsing.

use std::borrow::Cow;

use serde_json::Value;

/// `json.dumps(json.loads(value))` for a non-empty query value; `None` when the value stays a string
/// (Python's `JSONDecodeError`, or one of the departures of the [module documentation](self)).
pub(crate) fn decoded_query_value(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let text = python_integer_literals(value)?;
    let decoded: Value = serde_json::from_str(&text).ok()?;
    Some(crate::pyjson::dumps(&decoded))
}

/// The text with every integer literal `-0` outside strings written `0`; `None` when an integer literal
/// does not fit `i64`/`u64`. Only literals matter here: the text is parsed as JSON afterwards, which
/// refuses whatever this lenient scan lets through.
fn python_integer_literals(text: &str) -> Option<Cow<'_, str>> {
    let bytes = text.as_bytes();
    let mut negative_zeros = Vec::new();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1, // skip the escaped character
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
        } else if b == b'"' {
            in_string = true;
            i += 1;
        } else if b == b'-' || b.is_ascii_digit() {
            let end = bytes[i..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .map_or(bytes.len(), |n| i + n);
            let token = &text[i..end];
            let digits = token.strip_prefix('-').unwrap_or(token);
            let is_integer = !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit());
            if token == "-0" {
                negative_zeros.push(i);
            } else if is_integer && token.parse::<i64>().is_err() && token.parse::<u64>().is_err() {
                return None;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    if negative_zeros.is_empty() {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in negative_zeros {
        out.push_str(&text[last..at]);
        last = at + 1; // drop the '-'
    }
    out.push_str(&text[last..]);
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_python_reads_and_writes_them() {
        let cases: &[(&str, Option<&str>)] = &[
            ("", None),
            ("x", None),
            ("5", Some("5")),
            (" 5 ", Some("5")),
            ("5.0", Some("5.0")),
            ("1e3", Some("1000.0")),
            ("-0", Some("0")),
            ("-0.0", Some("-0.0")),
            ("[1, -0, \"-0\"]", Some("[1, 0, \"-0\"]")),
            ("true", Some("true")),
            ("null", Some("null")),
            ("\"s\"", Some("\"s\"")),
            ("{\"a\":1}", Some("{\"a\": 1}")),
            ("\"\u{e9}\"", Some("\"\\u00e9\"")),
            ("18446744073709551615", Some("18446744073709551615")),
            ("-9223372036854775808", Some("-9223372036854775808")),
            // Departures: Python converts these, we keep the string.
            ("18446744073709551616", None),
            ("[99999999999999999999]", None),
            ("NaN", None),
            ("-Infinity", None),
            ("1e400", None),
            // Not JSON for Python either.
            ("01", None),
            ("-", None),
            ("1 2", None),
            ("'a'", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                decoded_query_value(value).as_deref(),
                *expected,
                "query value {value:?}"
            );
        }
    }
}
