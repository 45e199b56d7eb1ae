//! Differential: Airflow's connection URI and JSON forms, for both `Connection` classes (task SDK
//! `airflow.sdk.Connection`, ORM `airflow.models.Connection` of the pinned 3.3.2), against the
//! testkit's reference process.
//!
//! Both directions: Airflow and we parse the same input (fields compared, and what `get_uri()` /
//! `as_json()` write from it), then what *we* write is parsed back by Airflow (fields compared with
//! ours). Inputs: generated URIs and JSON documents aimed at the edges (every printable ASCII
//! character, `%`, `@ : / ? # [ ]`, unicode, empty and missing fields, huge ports, nested and
//! JSON-looking extras), plus the fixed table `/work/shared/airflow-conn-uri-cases.json` when present.
//! Default: 1,500 URIs and 1,000 JSON documents per flavour; `AIRFLOW_SECRETS_DIFF_SCALE=100` runs
//! 100× more, `AIRFLOW_SECRETS_DIFF_SEED=<n>` replays a run.
//!
//! Declared departures, not counted as disagreements: a port outside 0..=65535 (Airflow keeps any
//! integer; we refuse it), and in the ORM flavour a URI query value that Python's `json` reads as
//! `NaN`/`Infinity` (we keep the string: a `serde_json` extra cannot hold it); see the README's
//! departures table. Any other disagreement, in either flavour, fails the suite.

mod differential;

use airflow_secrets::{Connection, ConnectionFlavor};
use airflow_secrets_testkit::airflow_reference::reference;
use differential::{Disagreements, generate};
use proptest::prelude::*;
use serde_json::{Value, json};

const FLAVORS: [(&str, ConnectionFlavor); 2] = [
    ("sdk", ConnectionFlavor::TaskSdk),
    ("orm", ConnectionFlavor::Orm),
];

/// Our parse, in the reference process's answer shape.
fn describe(conn: &Connection) -> Value {
    json!({
        "fields": fields(conn),
        "get_uri": conn.get_uri(),
        "as_json": conn.as_json(),
    })
}

fn fields(conn: &Connection) -> Value {
    json!({
        "conn_type": conn.conn_type,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "password": conn.password.as_ref().map(|p| p.expose()),
        "port": conn.port,
        "extra": conn.extra,
    })
}

/// Equal fields; `extra` compared as JSON when both are JSON (the spelling of a dump may differ).
fn same_fields(airflow: &Value, ours: &Value) -> bool {
    let Some(a) = airflow.as_object() else {
        return false;
    };
    a.iter().all(|(name, value)| {
        let mine = &ours[name.as_str()];
        if name == "extra" {
            let parse = |v: &Value| {
                v.as_str()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
            };
            match (parse(value), parse(mine)) {
                (Some(x), Some(y)) => x == y,
                _ => value == mine,
            }
        } else {
            value == mine
        }
    })
}

/// Sorts a disagreement into a declared departure, which the suite counts and prints; anything else
/// fails the suite.
fn departure(
    flavor: ConnectionFlavor,
    airflow: &Value,
    mine: Option<&Value>,
    our_error: &str,
) -> Option<&'static str> {
    let fields = &airflow["fields"];
    if out_of_range_port(airflow) {
        return Some("departure: port outside 0..=65535 (u16)");
    }
    let non_string = ["conn_type", "host", "login", "password", "schema"]
        .iter()
        .any(|name| !(fields[*name].is_string() || fields[*name].is_null()));
    if non_string && our_error.contains("must be a string or null") {
        return Some(
            "departure: a non-string JSON field (Airflow stores it, then get_uri() raises TypeError)",
        );
    }
    // The ORM class reads a URI query value `NaN`, `Infinity` or `1e400` as a float, or an integer
    // beyond 64 bits exactly, and stores an extra `serde_json` cannot hold as such; ours keeps that
    // value a string. Every other field must agree.
    let python_only_json = fields["extra"]
        .as_str()
        .is_some_and(|e| serde_json::from_str::<Value>(e).is_err() || beyond_64_bits(e));
    if flavor == ConnectionFlavor::Orm
        && python_only_json
        && let Some(mine) = mine
    {
        let without_extra = |f: &Value| {
            let mut f = f.clone();
            f["extra"] = Value::Null;
            f
        };
        if same_fields(&without_extra(fields), &without_extra(&mine["fields"])) {
            return Some(
                "departure: an ORM query value Python reads as NaN/Infinity or a >64-bit integer stays a string",
            );
        }
    }
    None
}

/// Whether JSON text holds an integer literal outside the `i64`/`u64` range (a run of 20 or more
/// digits is enough here: the generated values that reach it are plain integers).
fn beyond_64_bits(json: &str) -> bool {
    json.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 20)
}

/// A port Airflow keeps but we refuse by design (u16).
fn out_of_range_port(answer: &Value) -> bool {
    answer["fields"]["port"]
        .as_i64()
        .is_some_and(|p| !(0..=65535).contains(&p))
        || answer["fields"]["port"].as_u64().is_some_and(|p| p > 65535)
        || answer["fields"]["port"].is_number() && answer["fields"]["port"].as_i64().is_none()
}

/// Our parser for `op` ("conn_from_uri" or "conn_from_json").
fn ours(op: &str, input: &str, flavor: ConnectionFlavor) -> Result<Connection, String> {
    if op == "conn_from_uri" {
        Connection::from_uri_as("c", input, flavor)
    } else {
        Connection::from_json_as("c", input, flavor)
    }
    .map_err(|e| e.to_string())
}

/// Airflow and we parse every input of `op` with `flavor`'s class; disagreements are recorded.
/// Returns what we wrote (get_uri, as_json) for the inputs both parsed.
fn forward(
    op: &str,
    flavor: (&str, ConnectionFlavor),
    inputs: &[String],
    direction: &str,
    disagreements: &mut Disagreements,
) -> (Vec<String>, Vec<String>) {
    let (flavor_name, flavor) = flavor;
    let key = if op == "conn_from_uri" { "uri" } else { "json" };
    let requests = inputs
        .iter()
        .map(|input| json!({"flavor": flavor_name, key: input}))
        .collect();
    let answers = reference().batch(op, requests);
    let (mut uris, mut jsons) = (Vec::new(), Vec::new());
    for (input, airflow) in inputs.iter().zip(answers) {
        let mine = ours(op, input, flavor);
        let label = (flavor_name, direction, input);
        match (airflow.get("error"), &mine) {
            (Some(_), Err(_)) => {}
            (None, Err(e)) => match departure(flavor, &airflow, None, e) {
                Some(kind) => disagreements.known(kind),
                None => disagreements.add(label, &airflow, mine.as_ref().map(describe)),
            },
            (None, Ok(conn)) => {
                let mine = describe(conn);
                let agree = same_fields(&airflow["fields"], &mine["fields"])
                    && airflow.get("get_uri") == mine.get("get_uri")
                    && json_eq(&airflow["as_json"], &mine["as_json"]);
                if !agree {
                    match departure(flavor, &airflow, Some(&mine), "") {
                        Some(kind) => disagreements.known(kind),
                        None => disagreements.add(label, &airflow, &mine),
                    }
                }
                uris.push(conn.get_uri());
                jsons.push(conn.as_json());
            }
            _ => disagreements.add(label, &airflow, mine.as_ref().map(describe)),
        }
    }
    (uris, jsons)
}

/// Both directions for `inputs` of `op`, in both flavours: Airflow and we parse the inputs; then
/// Airflow and we parse what we wrote (our `get_uri()` and `as_json()`).
fn compare(suite: &str, op: &str, inputs: &[String], seed: u64) {
    let mut disagreements = Disagreements::default();
    let mut cases = 0;
    for flavor in FLAVORS {
        let (uris, jsons) = forward(op, flavor, inputs, "parse", &mut disagreements);
        forward(
            "conn_from_uri",
            flavor,
            &uris,
            "our get_uri parsed back",
            &mut disagreements,
        );
        forward(
            "conn_from_json",
            flavor,
            &jsons,
            "our as_json parsed back",
            &mut disagreements,
        );
        cases += inputs.len() + uris.len() + jsons.len();
    }
    disagreements.assert_none(suite, cases, seed);
}

fn json_eq(a: &Value, b: &Value) -> bool {
    let parse = |v: &Value| {
        v.as_str()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Characters aimed at the URI parser's edges.
fn edgy(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9]",
            3 => prop::sample::select(vec![
                "%", "@", ":", "/", "?", "#", "[", "]", "%40", "%2F", "%3A", "%25", "%zz", " ", "+", "=", "&",
                "é", "ü", "\u{1F600}", "-", "_", ".", "~", "!", "$", "'", "(", ")", "*", ",", ";", "\"", "\\",
            ])
            .prop_map(str::to_owned),
            1 => "[ -~]",
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => edgy(6),
        1 => prop::sample::select(vec![
            "5", "5.0", "true", "false", "null", "%5B1%2C2%5D", "%7B%22a%22%3A1%7D", "%22s%22", "1e3", "-0", "NaN",
            // Edges of 3.3.2's ORM reading query values as JSON.
            "+5+", "01", "Infinity", "-Infinity", "1e400", "%5B-0%2C+1.5e-7%2C+%22-0%22%5D", "%22%5Cu00e9%22",
            "18446744073709551616", "-9223372036854775808", "%7B%22a%22%3A%5B%7B%7D%2C%5B%5D%5D%7D", "%22%22",
        ])
        .prop_map(str::to_owned),
    ]
}

fn uri() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "postgres",
        "postgresql",
        "http",
        "https",
        "google-cloud-platform",
        "a_b",
        "S3",
        "",
        "x+y",
        "1a",
    ]);
    let port = prop_oneof![
        Just(String::new()),
        (0u32..70000).prop_map(|p| format!(":{p}")),
        prop::sample::select(vec![":", ":abc", ":99999999999", ":-1", ": 5"])
            .prop_map(str::to_owned),
    ];
    let userinfo = prop_oneof![
        Just(String::new()),
        edgy(6).prop_map(|u| format!("{u}@")),
        (edgy(6), edgy(6)).prop_map(|(u, p)| format!("{u}:{p}@")),
    ];
    let host = prop_oneof![
        4 => edgy(8),
        1 => edgy(6).prop_map(|h| format!("http://{h}")),
        1 => Just("[::1]".to_owned()),
    ];
    let path = prop_oneof![Just(String::new()), edgy(6).prop_map(|p| format!("/{p}"))];
    let query = prop_oneof![
        2 => Just(String::new()),
        3 => prop::collection::vec((edgy(4), query_value()), 1..4).prop_map(|kv| {
            format!("?{}", kv.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))
        }),
        1 => Just("?__extra__=%7B%22a%22%3A+%5B1%2C+%7B%22b%22%3A+null%7D%5D%7D".to_owned()),
        1 => Just("?__extra__=not-json".to_owned()),
    ];
    (scheme, userinfo, host, port, path, query)
        .prop_map(|(s, u, h, p, path, q)| format!("{s}://{u}{h}{p}{path}{q}"))
}

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        edgy(6).prop_map(Value::from),
        Just(Value::Null),
        Just(json!("")),
        Just(json!(0)),
        Just(json!("9")),
        Just(json!("true")),
        Just(json!(true)),
        (0u32..70000).prop_map(Value::from),
        Just(json!(5432.0)),
        Just(json!(5432.5)),
        Just(json!("5432")),
        Just(json!(1e20)),
        Just(json!(-1)),
    ]
}

fn connection_json() -> impl Strategy<Value = String> {
    let extra = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        prop::collection::btree_map(edgy(4), json_scalar(), 0..3)
            .prop_map(|m| { Some(Value::Object(m.into_iter().collect())) }),
        Just(Some(
            json!({"nested": {"list": [1, "2", {"k": "9"}]}, "n": "9", "f": "1.5"})
        )),
        edgy(6).prop_map(|s| Some(Value::from(s))),
        Just(Some(json!("{\"a\": \"9\"}"))),
        Just(Some(json!([1, 2]))),
    ];
    let field = |name: &'static str| prop_oneof![3 => Just(None), 2 => json_scalar().prop_map(move |v| Some((name, v)))];
    (
        prop::sample::select(vec![
            None,
            Some("postgresql"),
            Some("http"),
            Some("a_b"),
            Some(""),
        ]),
        field("host"),
        field("login"),
        field("password"),
        field("schema"),
        prop_oneof![2 => Just(None), 3 => json_scalar().prop_map(|v| Some(("port", v)))],
        extra,
    )
        .prop_map(|(conn_type, host, login, password, schema, port, extra)| {
            let mut map = serde_json::Map::new();
            if let Some(t) = conn_type {
                map.insert("conn_type".into(), t.into());
            }
            for (name, value) in [host, login, password, schema, port].into_iter().flatten() {
                map.insert(name.into(), value);
            }
            if let Some(extra) = extra {
                map.insert("extra".into(), extra);
            }
            Value::Object(map).to_string()
        })
}

fn uri_table() -> Vec<String> {
    let path = "/work/shared/airflow-conn-uri-cases.json";
    let table: Value = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| {
            panic!("{path}: the fixed table of Airflow's URI cases is missing or not JSON")
        });
    table
        .as_array()
        .expect("a list of cases")
        .iter()
        .filter_map(|case| case["uri"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn uris_parse_and_round_trip_as_in_airflow() {
    let (mut inputs, seed) = generate(uri(), 1_500, 11);
    inputs.extend(uri_table());
    compare("connection URIs", "conn_from_uri", &inputs, seed);
}

#[test]
fn json_documents_parse_and_round_trip_as_in_airflow() {
    let (inputs, seed) = generate(connection_json(), 1_000, 12);
    compare("connection JSON", "conn_from_json", &inputs, seed);
}
