//! Differential: `*_lookup_pattern` matching against Python's `re.match(pattern, key, re.IGNORECASE)`
//! in the pinned Airflow's interpreter (the testkit's reference process).
//!
//! Generated patterns (a grammar of Python `re`: classes, escapes, groups, look-around,
//! back-references, quantifiers, anchors, a stray `{`...) and raw printable-ASCII strings, each against
//! generated keys; plus a fixed table of Python-only syntax. Compared: whether the pattern compiles,
//! and whether each key matches. Default: 1,500 generated patterns × 4 keys and 2,000 printable-ASCII
//! patterns (about 40 s in a debug build);
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100× more, `AIRFLOW_SECRETS_DIFF_SEED=<n>` replays a run.

mod differential;

use airflow_secrets::LookupPattern;
use airflow_secrets_testkit::airflow_reference::reference;
use differential::{Disagreements, generate};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Instant;

/// What Python answered for (pattern, key): `Some(bool)` when it compiled, `None` when refused.
fn python_answers(cases: &[(String, String)]) -> Vec<Result<bool, String>> {
    let requests = cases
        .iter()
        .map(|(pattern, key)| json!({"pattern": pattern, "key": key}))
        .collect();
    reference()
        .batch("re_match", requests)
        .into_iter()
        .map(
            |answer: Value| match (&answer["match"], &answer["compile_error"]) {
                (Value::Bool(m), _) => Ok(*m),
                (_, Value::String(e)) => Err(e.clone()),
                _ => panic!("unexpected answer {answer}"),
            },
        )
        .collect()
}

fn ours(
    compiled: &mut HashMap<String, Result<LookupPattern, String>>,
    pattern: &str,
    key: &str,
) -> Result<bool, String> {
    let compiled = compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| LookupPattern::new(pattern).map_err(|e| format!("invalid: {e}")))
        .as_ref()
        .map_err(Clone::clone)?;
    compiled
        .matches(key)
        .map_err(|e| format!("match error: {e}"))
}

/// Compares every case; a pattern both refuse agrees whatever the messages.
fn compare(suite: &str, cases: &[(String, String)], seed: u64) {
    let started = Instant::now();
    let python = python_answers(cases);
    let python_time = started.elapsed();
    let mut compiled = HashMap::new();
    let mut disagreements = Disagreements::default();
    for ((pattern, key), airflow) in cases.iter().zip(python) {
        let ours = ours(&mut compiled, pattern, key);
        let agree = match (&airflow, &ours) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(e)) => e.starts_with("invalid"),
            _ => false,
        };
        if !agree {
            disagreements.add((pattern, key), airflow, ours);
        }
    }
    eprintln!(
        "{suite}: Airflow {python_time:?}, ours {:?}",
        started.elapsed() - python_time
    );
    disagreements.assert_none(suite, cases.len(), seed);
}

/// One atom of a generated pattern.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[abAB_1é.-]".prop_map(|c| if c == "." { c } else { c.to_string() }),
        1 => Just(r"\.".to_owned()),
        2 => prop::sample::select(vec![
            r"\d", r"\w", r"\s", r"\W", r"\D", r"\S", r"\b", r"\B", r"\A", r"\Z", "^", "$", ".",
            r"\n", r"\x41", r"\u00e9", r"\101", r"\0", r"\-", r"\_", r"\{", r"\\", "{", "}", "]",
        ])
        .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "[ab]", "[^a-c]", "[\\w-]", "[[]", "[]a]", "[a-]", "[^]a]", "[\\d_]", "[\\s\\S]", "[a&&b]",
            "[a--b]", "[\\b]", "[é-ü]", "[A-z]", "[.]", "[$]", "[\\]]", "[-a]", "[\\x41-\\x5a]",
        ])
        .prop_map(str::to_owned),
    ]
}

fn quantifier() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "", "", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{,2}", "{2,}", "{1,3}?",
        "*+", "{", "{a}",
    ])
}

/// A generated Python pattern: atoms and groups, quantified, concatenated and alternated.
fn pattern() -> impl Strategy<Value = String> {
    let piece = (atom(), quantifier()).prop_map(|(a, q)| format!("{a}{q}"));
    let leaf = prop::collection::vec(piece, 1..4).prop_map(|v| v.concat());
    leaf.prop_recursive(3, 12, 3, |inner| {
        let group = (
            prop::sample::select(vec![
                "(", "(?:", "(?=", "(?!", "(?<=a", "(?<!b", "(?P<g>", "(?>", "(?i:", "(?-i:", "(?s:",
            ]),
            inner.clone(),
            quantifier(),
        )
            .prop_map(|(open, body, q)| {
                // Look-behind needs a fixed width in both engines: give it only its literal.
                if open.starts_with("(?<") {
                    format!("{open}){q}")
                } else {
                    format!("{open}{body}){q}")
                }
            });
        prop_oneof![
            3 => prop::collection::vec(prop_oneof![inner.clone(), group], 1..4).prop_map(|v| v.concat()),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}|{b}")),
            1 => inner.clone().prop_map(|a| format!("(a){a}\\1")),
            1 => inner.clone().prop_map(|a| format!("(?P<n>{a})(?P=n)")),
            1 => inner.prop_map(|a| format!("(?i){a}")),
        ]
    })
}

/// A key: characters the patterns talk about, edges included (empty, newline, unicode, case).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[abAB_1é.\\-{}\\[\\] \n]{0,8}",
        1 => "[ -~]{0,10}",
        1 => Just("aws_default".to_owned()),
    ]
}

#[test]
fn generated_patterns_match_as_python_re_match_ignorecase() {
    let (cases, seed) = generate((pattern(), prop::collection::vec(key(), 4)), 1_500, 1);
    let cases: Vec<(String, String)> = cases
        .into_iter()
        .flat_map(|(p, keys)| keys.into_iter().map(move |k| (p.clone(), k)))
        .collect();
    compare("lookup patterns (grammar)", &cases, seed);
}

#[test]
fn printable_ascii_strings_compile_and_match_as_in_python() {
    let (cases, seed) = generate(("[ -~]{0,6}", key()), 2_000, 2);
    compare("lookup patterns (printable ASCII)", &cases, seed);
}

#[test]
fn python_only_syntax_table() {
    let table = [
        ("^(?!aws_default$).*$", "aws_default"),
        ("^(?!aws_default$).*$", "AWS_DEFAULT"),
        ("^(?!aws_default$).*$", "aws_default\n"),
        ("^(?!aws_default$).*$", "aws_default_2"),
        ("(?P<n>ab)(?P=n)", "abAB"),
        ("(?P<n>ab)(?P=n)", "abab"),
        ("(?P<n>a)(?P<m>b)(?P=m)(?P=n)", "abba"),
        ("db\\Z", "db\n"),
        ("db$", "db\n"),
        ("db$\n", "db\n"),
        ("(?i)DB", "db"),
        ("(?i:D)b", "dB"),
        ("(?-i:D)b", "db"),
        ("(?s).", "\n"),
        ("(?m)a$", "a\nb"),
        ("(?m)^b", "b"),
        ("\\Aa", "a"),
        ("(?#note)a", "a"),
        ("a(?<=a)b", "ab"),
        ("(a)?(?(1)b|c)", "c"),
        ("(?P<x>a)?(?(x)b|c)", "ab"),
        ("(?>a+)a", "aaa"),
        ("a++a", "aaa"),
        ("x{,2}y", "xxy"),
        ("x{", "x{"),
        ("[[]", "["),
        ("[\\b]", "\x08"),
        ("\\s", "\x1c"),
        ("\\w", "\u{0301}"),
        ("\\w", "²"),
        ("\\d", "٣"),
        ("\\101\\x41\\u0041", "aaa"),
        ("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10", "abcdefghijj"),
        ("\\1(a)", "aa"),
        ("(a\\1)", "aa"),
        ("(?P<1a>x)", "x"),
        ("a{3,2}", "aaa"),
        ("(?i)ǅ", "ǆ"),
        ("(?i)ſ", "S"),
        ("(?i)k", "\u{212a}"),
        ("ß", "SS"),
    ];
    let cases: Vec<(String, String)> = table
        .iter()
        .map(|(p, k)| (p.to_string(), k.to_string()))
        .collect();
    compare("lookup patterns (Python-only syntax table)", &cases, 0);
}

#[test]
fn the_reference_process_answers_errors_instead_of_crashing() {
    let mut reference = reference();
    let unknown = reference.call(&json!({"op": "no_such_op"}));
    assert_eq!(unknown["error"], "KeyError: 'no_such_op'");
    let answers = reference.batch(
        "conn_from_uri",
        vec![
            json!({"flavor": "sdk"}),
            json!({"flavor": "sdk", "uri": "a://h"}),
        ],
    );
    assert_eq!(answers[0]["error"], "KeyError: 'uri'");
    assert_eq!(answers[1]["fields"]["host"], "h");
    let versions = reference.call(&json!({"op": "versions"}));
    assert_eq!(versions["apache-airflow"], "3.3.2");
}
