//! Runs every case of `tests/data/airflow-conn-uri-cases.json` (84 cases taken from Airflow's own test
//! suite; layout in `airflow-spec.md` §6.4) under the flavour its `impl` names: `core` → ORM, `sdk` →
//! task SDK. All failures are collected and reported together.

mod common;

use airflow_secrets_core::{Connection, ConnectionFlavor, SecretValue, pyjson};
use common::assert_no_failures;
use serde_json::{Map, Value};

const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/airflow-conn-uri-cases.json"
);

fn flavor_of(case: &Map<String, Value>) -> ConnectionFlavor {
    match case["impl"].as_str() {
        Some("core") => ConnectionFlavor::Orm,
        Some("sdk") => ConnectionFlavor::TaskSdk,
        other => panic!("unknown impl {other:?}"),
    }
}

/// `Connection(**fields)`: an `extra` dict is passed JSON-encoded, `uri` means "parse this URI".
fn from_fields(
    fields: &Map<String, Value>,
    flavor: ConnectionFlavor,
) -> Result<Connection, String> {
    if let Some(uri) = fields.get("uri") {
        assert_eq!(fields.len(), 1, "uri mixed with fields in a fields case");
        return Connection::from_uri_as("test", uri.as_str().unwrap(), flavor)
            .map_err(|e| e.to_string());
    }
    let mut conn = Connection::new("test").with_flavor(flavor);
    for (key, value) in fields {
        let text = || value.as_str().map(str::to_owned);
        match key.as_str() {
            "conn_type" => conn.conn_type = text(),
            "description" => conn.description = text(),
            "host" => conn.host = text(),
            "schema" => conn.schema = text(),
            "login" => conn.login = text(),
            "password" => conn.password = text().map(SecretValue::from),
            "port" => conn.port = value.as_u64().map(|p| u16::try_from(p).unwrap()),
            "extra" => {
                conn.extra = match value {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(pyjson::dumps(other)),
                }
            }
            other => panic!("unknown field {other}"),
        }
    }
    Ok(conn)
}

/// Compares the attributes listed in `expect` (only those: a missing key means "not asserted").
fn check_expect(conn: &Connection, expect: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, want) in expect {
        let got = match key.as_str() {
            "conn_type" => conn.conn_type.clone().into(),
            "description" => conn.description.clone().into(),
            "host" => conn.host.clone().into(),
            "schema" => conn.schema.clone().into(),
            "login" => conn.login.clone().into(),
            "password" => conn.password.as_ref().map(|p| p.expose().to_owned()).into(),
            "port" => conn.port.into(),
            "extra_raw" => conn.extra.clone().into(),
            // An object is the decoded extra; `null` means the raw attribute is None.
            "extra" if want.is_null() => conn.extra.clone().into(),
            "extra" => Value::Object(conn.extra_dejson()),
            other => {
                problems.push(format!("unknown expect key {other}"));
                continue;
            }
        };
        if &got != want {
            problems.push(format!("{key}: got {got}, want {want}"));
        }
    }
    problems
}

fn run_case(case: &Map<String, Value>) -> Vec<String> {
    let flavor = flavor_of(case);
    let uri = case.get("uri").and_then(Value::as_str);
    let fields = case.get("fields").and_then(Value::as_object);

    if let (Some(uri), Some(prefix)) = (uri, case.get("expect_error").and_then(Value::as_str)) {
        // Airflow's message is "Invalid connection string: <uri>."; ours deliberately does not echo the
        // URI (it may hold a password), so only the prefix up to "Invalid connection string" is compared.
        const PREFIX: &str = "Invalid connection string";
        assert!(
            prefix.starts_with(PREFIX),
            "unexpected expect_error {prefix}"
        );
        return match Connection::from_uri_as("test", uri, flavor) {
            Ok(conn) => vec![format!("expected an error, parsed {conn:?}")],
            Err(e) if e.to_string().starts_with(PREFIX) => {
                if e.to_string().contains(uri) {
                    vec![format!("error echoes the URI: {e}")]
                } else {
                    vec![]
                }
            }
            Err(e) => vec![format!("error {e:?} does not start with {PREFIX:?}")],
        };
    }

    let conn = if let Some(uri) = uri {
        Connection::from_uri_as("test", uri, flavor).map_err(|e| e.to_string())
    } else if let Some(fields) = fields {
        from_fields(fields, flavor)
    } else if let Some(data) = case.get("vault_secret_data") {
        // VaultBackend json.dumps()es the KV data; the base class then calls from_json.
        Connection::deserialize("test", &pyjson::dumps(data), flavor).map_err(|e| e.to_string())
    } else if let Some(json) = case.get("json").and_then(Value::as_str) {
        Connection::from_json_as("test", json, flavor).map_err(|e| e.to_string())
    } else {
        return vec!["case has no input".into()];
    };
    let conn = match conn {
        Ok(conn) => conn,
        Err(e) => return vec![format!("unexpected error: {e}")],
    };

    let mut problems = Vec::new();
    let mut checked = false;
    if let Some(expect) = case.get("expect").and_then(Value::as_object) {
        problems.extend(check_expect(&conn, expect));
        checked = true;
    }
    if let Some(want) = case.get("expect_uri").and_then(Value::as_str) {
        let got = conn.get_uri();
        if got != want {
            problems.push(format!("get_uri: got {got}, want {want}"));
        }
        checked = true;
    }
    if let Some(want) = case.get("expect_as_json").and_then(Value::as_str) {
        let got = conn.as_json();
        if got != want {
            problems.push(format!("as_json: got {got}, want {want}"));
        }
        checked = true;
    }
    if !checked {
        problems.push("case has no expectation".into());
    }
    problems
}

#[test]
fn all_airflow_cases_pass() {
    let text = std::fs::read_to_string(CASES).expect("read the cases file");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("the cases file is JSON");
    assert_eq!(cases.len(), 84, "the cases file should hold 84 cases");

    let mut failures = Vec::new();
    let mut by_flavor = [0usize; 2];
    for (i, case) in cases.iter().enumerate() {
        let case = case.as_object().expect("each case is an object");
        by_flavor[usize::from(flavor_of(case) == ConnectionFlavor::TaskSdk)] += 1;
        let problems = run_case(case);
        if !problems.is_empty() {
            let input = ["uri", "fields", "json", "vault_secret_data"]
                .iter()
                .find_map(|k| case.get(*k));
            failures.push(format!(
                "case #{i} ({}; {}) input {}:\n    {}",
                case["impl"],
                case["test"],
                input.map(Value::to_string).unwrap_or_default(),
                problems.join("\n    ")
            ));
        }
    }
    assert_no_failures(&failures, "of 84 cases failed");
    assert!(
        by_flavor[0] > 0 && by_flavor[1] > 0,
        "both flavours are exercised: {by_flavor:?}"
    );
}
