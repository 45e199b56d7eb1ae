//! The ORM flavour against Airflow 3.3.2's `airflow.models.Connection`: URI query values read as JSON,
//! `get_uri()` writing a plain query only for an all-string extra, `extra_dejson` decoding the extra once.
//! Every expected value is what 3.3.2 gives for the same input (`Connection(uri=...)`,
//! `Connection.from_json(...)`, `.extra`, `.get_uri()`, `.extra_dejson`); the task-SDK flavour is checked
//! beside it where the two differ.

use airflow_secrets_core::{Connection, ConnectionFlavor};
use serde_json::{Value, json};

const ORM: ConnectionFlavor = ConnectionFlavor::Orm;

/// `(uri, extra, get_uri)` as 3.3.2's ORM class gives them.
const URI_CASES: &[(&str, &str, &str)] = &[
    // Values that are JSON are stored decoded; get_uri then carries the extra whole.
    (
        "t://h/?n=5&b=true&s=x",
        r#"{"n": 5, "b": true, "s": "x"}"#,
        "t://h/?__extra__=%7B%22n%22%3A+5%2C+%22b%22%3A+true%2C+%22s%22%3A+%22x%22%7D",
    ),
    (
        "t://h/?n=5.0&e=1e3&z=-0&nul=null&neg=-7",
        r#"{"n": 5.0, "e": 1000.0, "z": 0, "nul": null, "neg": -7}"#,
        "t://h/?__extra__=%7B%22n%22%3A+5.0%2C+%22e%22%3A+1000.0%2C+%22z%22%3A+0%2C+%22nul%22%3A+null%2C+%22neg%22%3A+-7%7D",
    ),
    // Lists and objects too (nested values as json.dumps writes them).
    (
        "t://h/?l=%5B1%2C%222%22%5D",
        r#"{"l": [1, "2"]}"#,
        "t://h/?__extra__=%7B%22l%22%3A+%5B1%2C+%222%22%5D%7D",
    ),
    (
        "t://h/?o=%7B%22a%22%3A1%7D",
        r#"{"o": {"a": 1}}"#,
        "t://h/?__extra__=%7B%22o%22%3A+%7B%22a%22%3A+1%7D%7D",
    ),
    // A JSON string decodes to a string: get_uri writes a plain query again.
    ("t://h/?q=%22x%22", r#"{"q": "x"}"#, "t://h/?q=x"),
    (
        "t://h/?u=%22%5Cu00e9%22",
        r#"{"u": "\u00e9"}"#,
        "t://h/?u=%C3%A9",
    ),
    // JSON whitespace around a value (`+` is a space) is allowed.
    (
        "t://h/?sp=+5+",
        r#"{"sp": 5}"#,
        "t://h/?__extra__=%7B%22sp%22%3A+5%7D",
    ),
    // An empty value stays "" (`if value:`).
    (
        "t://h/?e=&f=0",
        r#"{"e": "", "f": 0}"#,
        "t://h/?__extra__=%7B%22e%22%3A+%22%22%2C+%22f%22%3A+0%7D",
    ),
    // A repeated key: first position, last value, then decoded.
    (
        "t://h/?a=1&a=x&b=2",
        r#"{"a": "x", "b": 2}"#,
        "t://h/?__extra__=%7B%22a%22%3A+%22x%22%2C+%22b%22%3A+2%7D",
    ),
    // Not JSON for Python: kept as strings, plain query.
    (
        "t://h/s?x=%27a%27&y=01&z=True",
        r#"{"x": "'a'", "y": "01", "z": "True"}"#,
        "t://h/s?x=%27a%27&y=01&z=True",
    ),
    // `__extra__` wins and is kept verbatim; its string values stay strings.
    (
        "t://h/?__extra__=%7B%22k%22%3A+%229%22%7D&n=5",
        r#"{"k": "9"}"#,
        "t://h/?k=9",
    ),
];

#[test]
fn uri_query_values_are_read_as_json() {
    for (uri, extra, get_uri) in URI_CASES {
        let c = Connection::from_uri_as("c", uri, ORM).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(c.extra.as_deref(), Some(*extra), "extra of {uri}");
        assert_eq!(c.get_uri(), *get_uri, "get_uri of {uri}");
        let dejson: Value = serde_json::from_str(extra).unwrap();
        assert_eq!(
            Value::Object(c.extra_dejson()),
            dejson,
            "extra_dejson of {uri}"
        );
        // `__extra__` carries the extra whole; a plain query is read as JSON again (`?k=9` gives 9, as
        // in 3.3.2), so only the first is a round trip.
        if get_uri.contains("__extra__") {
            let back = Connection::from_uri_as("c", get_uri, ORM).unwrap();
            assert_eq!(back.extra.as_deref(), Some(*extra), "{get_uri} parsed back");
        }
    }
    assert_eq!(URI_CASES.len(), 11);
}

#[test]
fn the_task_sdk_flavour_keeps_query_values_as_strings() {
    for (uri, _, _) in URI_CASES {
        let orm = Connection::from_uri_as("c", uri, ORM).unwrap();
        let sdk = Connection::from_uri("c", uri).unwrap();
        let orm_extra: Value = serde_json::from_str(orm.extra.as_deref().unwrap()).unwrap();
        let sdk_extra: Value = serde_json::from_str(sdk.extra.as_deref().unwrap()).unwrap();
        assert_eq!(
            orm_extra.as_object().unwrap().keys().collect::<Vec<_>>(),
            sdk_extra.as_object().unwrap().keys().collect::<Vec<_>>(),
            "{uri}"
        );
        if !uri.contains("__extra__") {
            assert!(
                sdk_extra
                    .as_object()
                    .unwrap()
                    .values()
                    .all(Value::is_string),
                "{uri}"
            );
        }
    }
    let sdk = Connection::from_uri("c", "t://h/?n=5&b=true").unwrap();
    assert_eq!(sdk.extra.as_deref(), Some(r#"{"n": "5", "b": "true"}"#));
    assert_eq!(sdk.get_uri(), "t://h/?n=5&b=true");
}

/// `(extra in the JSON form, get_uri)` as 3.3.2's ORM class gives them: the extra is decoded once, string
/// values stay strings.
const JSON_CASES: &[(&str, &str)] = &[
    (r#"{"k": "9", "t": "true"}"#, "///?k=9&t=true"),
    (r#"{"k": "[1]"}"#, "///?k=%5B1%5D"),
    (
        r#"{"k": "9", "n": 9}"#,
        "///?__extra__=%7B%22k%22%3A+%229%22%2C+%22n%22%3A+9%7D",
    ),
    (
        r#"{"k": {"n": "9"}}"#,
        "///?__extra__=%7B%22k%22%3A+%7B%22n%22%3A+%229%22%7D%7D",
    ),
];

#[test]
fn json_extra_string_values_stay_strings() {
    for (extra, get_uri) in JSON_CASES {
        let expected: Value = serde_json::from_str(extra).unwrap();
        // The extra as an object and as a string holding the object.
        let as_object = json!({ "extra": expected }).to_string();
        let as_string = json!({ "extra": extra }).to_string();
        for document in [as_object, as_string] {
            let c = Connection::from_json_as("c", &document, ORM).unwrap();
            assert_eq!(Value::Object(c.extra_dejson()), expected, "{document}");
            assert_eq!(c.to_dict(true)["extra"], expected, "{document}");
            assert_eq!(c.get_uri(), *get_uri, "{document}");
            assert_eq!(
                c.as_json(),
                format!(r#"{{"extra": {extra}}}"#),
                "{document}"
            );
        }
    }
}

/// Values 3.3.2 reads as JSON that `serde_json` cannot hold: kept as strings (documented departure).
#[test]
fn values_serde_json_cannot_hold_stay_strings() {
    for (value, kept) in [
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("1e400", "1e400"),
        ("18446744073709551616", "18446744073709551616"),
        ("%5B99999999999999999999%5D", "[99999999999999999999]"),
    ] {
        let c = Connection::from_uri_as("c", &format!("t://h/?v={value}"), ORM).unwrap();
        assert_eq!(
            c.extra,
            Some(json!({ "v": kept }).to_string().replace(':', ": "))
        );
    }
}
