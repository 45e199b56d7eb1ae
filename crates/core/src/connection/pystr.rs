//! The few Python `str` and JSON-value semantics Airflow's connection code relies on: `str.strip()`,
//! `int(str)` and truthiness.

use serde_json::Value;

/// Python's `str.isspace()`: Unicode `White_Space` plus the ASCII separators `\x1c`..`\x1f` (which
/// Python counts as whitespace through their bidirectional class).
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Result of Python's `int(s)` for a string, as far as a port needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PyInt {
    /// A valid integer literal whose value is in `i64` range.
    Value(i64),
    /// A valid integer literal, too large for `i64` (Python would give a big int).
    Huge,
    /// `int(s)` raises `ValueError`.
    Invalid,
}

/// Python limits `int(str)` to 4300 digits (`sys.int_info.str_digits_check_threshold` default).
const PY_INT_MAX_STR_DIGITS: usize = 4300;

/// The first code point of each run of ten Unicode decimal digits (`str.isdecimal()`), as Python's
/// `int()` accepts them (Unicode 14 as in CPython 3.11; every run is contiguous 0..9).
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a Unicode decimal digit, as Python's `unicodedata.decimal`.
fn decimal_value(c: char) -> Option<u32> {
    let cp = u32::from(c);
    let run = DECIMAL_ZEROS
        .partition_point(|&zero| zero <= cp)
        .checked_sub(1)?;
    let offset = cp - DECIMAL_ZEROS[run];
    (offset < 10).then_some(offset)
}

/// Python's `int(s)` (base 10) for a `str`: surrounding whitespace (Unicode `White_Space`), an optional
/// sign, decimal digits of any script, single `_` between digits.
pub(crate) fn py_int(s: &str) -> PyInt {
    let s = s.trim_matches(char::is_whitespace);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    let mut huge = false;
    let mut count = 0usize;
    let mut previous_underscore = true; // a leading `_` is invalid
    for c in digits.chars() {
        if c == '_' {
            if previous_underscore {
                return PyInt::Invalid;
            }
            previous_underscore = true;
            continue;
        }
        let Some(d) = decimal_value(c) else {
            return PyInt::Invalid;
        };
        previous_underscore = false;
        count += 1;
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d)))
        {
            Some(v) => value = v,
            None => huge = true,
        }
    }
    if count == 0 || previous_underscore || count > PY_INT_MAX_STR_DIGITS {
        return PyInt::Invalid;
    }
    if huge {
        PyInt::Huge
    } else {
        PyInt::Value(if negative { -value } else { value })
    }
}

/// Python's `bool(x)` for a decoded JSON value.
pub(crate) fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A short English name of a JSON value's type, for error messages that must not show the value.
pub(crate) fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_matches_python() {
        assert_eq!(py_strip("\x1c\u{3000} a b\u{85}\x1f"), "a b");
        assert_eq!(py_strip("\u{200b}a"), "\u{200b}a"); // ZERO WIDTH SPACE is not whitespace
        assert_eq!(py_strip(" \t\n "), "");
    }

    #[test]
    fn int_matches_python() {
        // Expectations from CPython 3.11 `int(s)`.
        let cases: &[(&str, PyInt)] = &[
            (" 5 ", PyInt::Value(5)),
            ("+5", PyInt::Value(5)),
            ("-0", PyInt::Value(0)),
            ("-12", PyInt::Value(-12)),
            ("5_0", PyInt::Value(50)),
            ("0_5", PyInt::Value(5)),
            ("00", PyInt::Value(0)),
            ("\u{665}", PyInt::Value(5)),
            ("\u{665}_\u{665}", PyInt::Value(55)),
            ("+\u{665}", PyInt::Value(5)),
            ("\u{a0}5", PyInt::Value(5)),
            ("5\u{3000}", PyInt::Value(5)),
            ("\u{2028} 7", PyInt::Value(7)),
            ("\u{1d7d8}", PyInt::Value(0)),
            ("99999999999999999999", PyInt::Huge),
            ("\x1c5", PyInt::Invalid),
            ("_5", PyInt::Invalid),
            ("5_", PyInt::Invalid),
            ("5__0", PyInt::Invalid),
            ("", PyInt::Invalid),
            (" ", PyInt::Invalid),
            ("+", PyInt::Invalid),
            ("+ 5", PyInt::Invalid),
            ("+_5", PyInt::Invalid),
            ("0x10", PyInt::Invalid),
            ("1e3", PyInt::Invalid),
            ("5.0", PyInt::Invalid),
            ("\u{b2}", PyInt::Invalid), // SUPERSCRIPT TWO is a digit but not decimal
        ];
        for (s, want) in cases {
            assert_eq!(py_int(s), *want, "{s:?}");
        }
        assert_eq!(py_int(&"1".repeat(4300)), PyInt::Huge);
        assert_eq!(py_int(&"1".repeat(4301)), PyInt::Invalid);
    }

    #[test]
    fn decimal_digits() {
        assert_eq!(decimal_value('0'), Some(0));
        assert_eq!(decimal_value('9'), Some(9));
        assert_eq!(decimal_value(':'), None);
        assert_eq!(decimal_value('/'), None);
        assert_eq!(decimal_value('\u{669}'), Some(9));
        assert_eq!(decimal_value('\u{66a}'), None);
        assert_eq!(decimal_value('\u{1fbf9}'), Some(9));
        assert_eq!(decimal_value('\u{1fbfa}'), None);
    }
}
