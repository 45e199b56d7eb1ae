//! `.env` secret files, read as Airflow's `_parse_env_file` reads them.
//!
//! * lines come from Python's `str.splitlines()`, numbered from 1;
//! * empty lines are skipped, and so are comment lines (`re.match(r"\s*#.*", line)`: optional
//!   whitespace, then `#`, so indented comments count);
//! * every other line is `key, _, value = line.partition("=")`, with **no** trimming and **no**
//!   unquoting: `KEY = 'v'` defines the key `"KEY "` with the value `" 'v'"`;
//! * every malformed line is reported, together, with its line number (the first
//!   [`MAX_REPORTED_ERRORS`] listed, the others counted);
//! * a repeated key collects several values (the caller decides whether that is an error);
//! * at most [`MAX_ENTRIES`] `KEY=VALUE` lines, repeated keys included.

use indexmap::IndexMap;

use crate::FileParseError;
use crate::connection::pystr::is_py_space;

use super::{MAX_ENTRIES, MAX_REPORTED_ERRORS};

/// Airflow's message for a line without `=`.
const NO_EQUAL_SIGN: &str =
    "Invalid line format. The line should contain at least one equal sign (\"=\").";
/// Airflow's message for a line starting with `=`.
const EMPTY_KEY: &str = "Invalid line format. Key is empty.";
/// Airflow's message for a line ending with its first `=`.
const EMPTY_VALUE: &str = "Invalid line format. Value is empty.";

/// Each key with all its values, in file order.
pub(crate) type EnvEntries = IndexMap<String, Vec<String>>;

/// Parses a `.env` file's text; all syntax errors are returned together, the first
/// [`MAX_REPORTED_ERRORS`] of them listed and the others counted. More than [`MAX_ENTRIES`]
/// `KEY=VALUE` lines is an error naming the first line past the limit.
pub(crate) fn parse(text: &str) -> Result<EnvEntries, Vec<FileParseError>> {
    let mut entries = EnvEntries::new();
    let mut count = 0usize;
    let mut errors = Vec::new();
    let mut unlisted = 0usize;
    for (n, line) in splitlines(text).enumerate() {
        let line_no = n + 1;
        if line.is_empty() || is_comment(line) {
            continue;
        }
        let problem = match line.split_once('=') {
            None => NO_EQUAL_SIGN,
            Some(("", _)) => EMPTY_KEY,
            Some((_, "")) => EMPTY_VALUE,
            Some((key, value)) => {
                count += 1;
                if count > MAX_ENTRIES {
                    return Err(vec![FileParseError {
                        column: None,
                        line: Some(line_no),
                        message: super::too_many_entries(),
                    }]);
                }
                match entries.get_mut(key) {
                    Some(values) => values.push(value.to_owned()),
                    None => {
                        // `vec!` allocates room for this one value only.
                        entries.insert(key.to_owned(), vec![value.to_owned()]);
                    }
                }
                continue;
            }
        };
        if errors.len() < MAX_REPORTED_ERRORS {
            errors.push(FileParseError {
                column: None,
                line: Some(line_no),
                message: problem.to_owned(),
            });
        } else {
            unlisted += 1;
        }
    }
    if errors.is_empty() {
        return Ok(entries);
    }
    if unlisted > 0 {
        errors.push(FileParseError {
            column: None,
            line: None,
            message: super::and_more(unlisted, "invalid lines"),
        });
    }
    Err(errors)
}

/// Whether Python's `str.splitlines()` breaks a line at `c`: `\n`, `\r`, `\v`, `\f`, `\x1c`, `\x1d`,
/// `\x1e`, `\x85`, U+2028 or U+2029.
pub(crate) fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{b}'
            | '\u{c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.splitlines()`: splits at every [`is_line_break`] (`\r\n` counts as one); a final line
/// break does not start an extra empty line. Lazy, so that a file of many short lines costs no
/// memory beyond its text.
fn splitlines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some((i, c)) = rest.char_indices().find(|(_, c)| is_line_break(*c)) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..i];
        let mut end = i + c.len_utf8();
        if c == '\r' && rest[end..].starts_with('\n') {
            end += 1;
        }
        rest = &rest[end..];
        Some(line)
    })
}

/// `COMMENT_PATTERN.match(line)` with `COMMENT_PATTERN = re.compile(r"\s*#.*")`.
fn is_comment(line: &str) -> bool {
    line.trim_start_matches(is_py_space).starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_matches_python() {
        // Expected values from Python's "...".splitlines().
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("a", &["a"]),
            ("a\n", &["a"]),
            ("a\n\n", &["a", ""]),
            ("\na", &["", "a"]),
            ("a\r\nb\rc\nd", &["a", "b", "c", "d"]),
            ("a\r\r\nb", &["a", "", "b"]),
            (
                "a\u{b}b\u{c}c\u{1c}d\u{1d}e\u{1e}f\u{85}g\u{2028}h\u{2029}i",
                &["a", "b", "c", "d", "e", "f", "g", "h", "i"],
            ),
            ("a\u{1f}b\u{a0}c", &["a\u{1f}b\u{a0}c"]),
        ];
        for (text, want) in cases {
            assert_eq!(splitlines(text).collect::<Vec<_>>(), *want, "{text:?}");
        }
    }

    #[test]
    fn comments_match_python_regex() {
        for line in [
            "#",
            "# x",
            "   # x",
            "\t#",
            "\u{a0}#x",
            "\u{1f}#",
            "\u{3000}#",
        ] {
            assert!(is_comment(line), "{line:?}");
        }
        for line in ["a#", " a #", "=#", " "] {
            assert!(!is_comment(line), "{line:?}");
        }
    }

    #[test]
    fn partition_without_trimming_or_unquoting() {
        let e = parse("A=1\n B = 2 \nC='{\"k\": \"v\"}'\nD=x=y\nA=3").unwrap();
        assert_eq!(e["A"], ["1", "3"]);
        assert_eq!(e[" B "], [" 2 "]);
        assert_eq!(e["C"], ["'{\"k\": \"v\"}'"]);
        assert_eq!(e["D"], ["x=y"]);
        assert_eq!(e.keys().collect::<Vec<_>>(), ["A", " B ", "C", "D"]);
    }

    #[test]
    fn every_error_is_collected_with_its_line() {
        let errors = parse("OK=1\nAA\n=x\nK=\n   \n\n# fine\n").unwrap_err();
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, NO_EQUAL_SIGN),
                (3, EMPTY_KEY),
                (4, EMPTY_VALUE),
                (5, NO_EQUAL_SIGN)
            ]
        );
    }
}
