//! Property tests (proptest) for `parse_kwargs_json`, the parser of `AIRFLOW__SECRETS__BACKEND_KWARGS`
//! text: it never panics, agrees with a plain JSON parse (empty text is `{}`, anything but an object is
//! an error), and its errors never show the text.

use airflow_secrets::parse_kwargs_json;
use proptest::prelude::*;
use serde_json::{Map, Value};

const MARKER: &str = "S3CR3T";

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON-ish text: tokens of JSON, whitespace (ASCII and not), and strings holding the marker.
fn json_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            "{", "}", "[", "]", ":", ",", "\"", "\\", "null", "true", "false", "0", "-1", "1e400",
            "2.5", " ", "\n", "\t", "\u{a0}", "\u{feff}", "\"key\"", "\"\\u00", "\"\\ud800\"",
        ]).prop_map(str::to_owned),
        1 => "[a-z]{1,4}".prop_map(|s| format!("\"{s}{MARKER}\"")),
        1 => any::<String>(),
    ];
    prop::collection::vec(token, 0..12).prop_map(|t| t.concat())
}

/// A JSON object's text, pretty or compact, with surrounding whitespace.
fn object_text() -> impl Strategy<Value = (Map<String, Value>, String)> {
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        prop::collection::vec(".{0,4}".prop_map(Value::String), 0..3).prop_map(Value::Array),
    ];
    (
        prop::collection::vec((".{0,6}", value), 0..5),
        any::<bool>(),
        "[ \t\n\r]{0,3}",
    )
        .prop_map(|(kv, pretty, ws)| {
            let map: Map<String, Value> = kv.into_iter().collect();
            let text = if pretty {
                serde_json::to_string_pretty(&map).unwrap()
            } else {
                serde_json::to_string(&map).unwrap()
            };
            (map, format!("{ws}{text}{ws}"))
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_panics_and_agrees_with_serde(text in prop_oneof![any::<String>(), json_like()]) {
        let result = parse_kwargs_json(&text, "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS");
        if text.trim().is_empty() {
            prop_assert_eq!(result.ok(), Some(Map::new()));
            return Ok(());
        }
        match (serde_json::from_str::<Value>(&text), result) {
            (Ok(Value::Object(want)), Ok(got)) => prop_assert_eq!(got, want),
            (_, Ok(got)) => prop_assert!(false, "accepted {text:?} as {got:?}"),
            (parsed, Err(e)) => {
                prop_assert!(!matches!(parsed, Ok(Value::Object(_))), "refused an object: {e}");
                let shown = format!("{e} {e:?}");
                prop_assert!(shown.contains("AIRFLOW__SECRETS__BACKEND_KWARGS"), "{shown}");
                prop_assert!(!shown.contains(MARKER), "the error shows the text: {shown}");
            }
        }
    }

    #[test]
    fn objects_are_read_as_written((want, text) in object_text()) {
        prop_assert_eq!(parse_kwargs_json(&text, "x").ok(), Some(want));
    }
}
