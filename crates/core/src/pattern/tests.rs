use super::*;

fn matches(pattern: &str, key: &str) -> bool {
    LookupPattern::new(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .matches(key)
        .unwrap()
}

#[test]
fn python_re_match_semantics() {
    // (pattern, key, Python's `bool(re.match(pattern, key, re.IGNORECASE))`), checked with Python 3.11.
    let cases = [
        ("^aws", "aws_default", true),
        ("aws", "AWS_DEFAULT", true),
        ("aws", "my_aws", false),
        ("a|b", "bcd", true),
        ("db_$", "db_", true),
        ("db_$", "db_x", false),
        ("db_$", "db_\n", true), // `$` also matches before a final newline
        ("db_\\Z", "db_\n", false),
        ("db_\\Z", "db_", true),
        ("[0-9]+", "12abc", true),
        ("^(?!aws_default$).*$", "aws_default", false),
        ("^(?!aws_default$).*$", "AWS_DEFAULT", false),
        ("^(?!aws_default$).*$", "aws_default_2", true),
        ("^(?!aws_default$).*$", "my_conn", true),
        ("(?<=a)b", "ab", false), // re.match starts at 0: nothing before `b`
        ("a(?<=a)b", "ab", true),
        ("(?P<x>ab)(?P=x)", "abAB", true),
        ("(a)\\1", "aa", true),
        ("(a)\\1", "ab", false),
        ("(?i)X", "x", true),
        ("(?-i:X)", "x", false),
        ("(?s:.)", "\n", true),
        (".", "\n", false),
        ("\\w+$", "é_1", true),
        ("\\s", "\x1c", true),
        ("[\\s]", "\x1f", true),
        ("x{,2}y", "xxy", true),
        ("x{", "x{", true),
        ("[[]", "[", true),
        ("[a&&b]", "&", true),
        ("[\\b]", "\x08", true),
        ("\\x41", "a", true),
        ("\\101", "A", true),
        ("\\0", "\0", true),
        ("(?#comment)a", "a", true),
        ("(?>a+)a", "aaa", false),
        ("(a)?(?(1)b|c)", "c", true),
        ("(a)?(?(1)b|c)", "ab", true),
        ("\\Aprod_", "PROD_db", true),
        ("a.*\\.b", "a..b", true),
        ("\\B", "", false),
        ("(?=x)*y", "y", true),
    ];
    for (pattern, key, expected) in cases {
        assert_eq!(
            matches(pattern, key),
            expected,
            "re.match({pattern:?}, {key:?}, re.I)"
        );
    }
    assert!(LookupPattern::optional(Some("")).unwrap().is_none());
    assert!(LookupPattern::optional(None).unwrap().is_none());
}

#[test]
fn python_refusals_are_refused_with_the_reason() {
    // (pattern, a part of our message). Python refuses the same patterns, except `(?x)`, `(?a)` and
    // `\N{...}`, which it accepts and which are documented departures (no equivalent here).
    let cases = [
        ("(", "missing ), unterminated subpattern"),
        ("a)", "unbalanced parenthesis"),
        ("\\1(a)", "invalid group reference 1"),
        ("(a\\1)", "cannot refer to an open group"),
        ("^*", "nothing to repeat"),
        ("a{3,2}", "min repeat greater than max repeat"),
        ("[a", "unterminated character set"),
        ("\\q", "bad escape \\q"),
        ("[z-a]", "bad character range"),
        ("a(?i)", "global flags not at the start"),
        ("(?x)a b", "verbose flag"),
        ("(?a)\\w", "ASCII flag"),
        ("\\N{LATIN SMALL LETTER A}", "named Unicode escapes"),
        ("*a", ""),
    ];
    for (pattern, needle) in cases {
        let err = LookupPattern::new(pattern).expect_err(pattern).to_string();
        eprintln!("{pattern}: {err}");
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "{pattern}: {err}"
        );
    }
}

#[test]
fn catastrophic_backtracking_is_an_error_not_a_hang() {
    let key = format!("{}!", "a".repeat(5_000));
    // Nested repetition without back-references runs on the linear engine: answered, not refused.
    let start = std::time::Instant::now();
    assert!(!matches("^(a+)+$", &key));
    // With a back-reference it backtracks: given up at the limit, promptly.
    let pattern = LookupPattern::new("^(a|aa)+\\1$").unwrap();
    let err = pattern.matches(&key).unwrap_err().to_string();
    assert!(
        err.contains("`^(a|aa)+\\1$`") && err.contains("simplify the pattern"),
        "{err}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}
