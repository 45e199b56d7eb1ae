//! Property tests (proptest) for the parsers: `Connection` survives URI and JSON round trips exactly as
//! Airflow's does, and the URI, JSON, kwargs and local-file parsers never panic on arbitrary input.
//!
//! The round-trip properties generate connections in both flavours, *including* the inputs where
//! Airflow's round trip is lossy, and compare with the connection Airflow's rules predict
//! ([`expected_from_uri`], [`expected_from_json`]); that prediction is then a fixed point (the second
//! round trip is exact). The "never panics" properties run the fuzz targets' invariant checks
//! (`fuzz/checks.rs`) on generated input, so they check more than the absence of a panic.
//!
//! Case counts are kept moderate (the whole file runs in a few seconds); raise them for one run with
//! `PROPTEST_CASES=20000 cargo test -p airflow-secrets-core --test properties`.

#[path = "../../../fuzz/checks.rs"]
mod checks;

use airflow_secrets_core::connection::pyurl;
use airflow_secrets_core::fuzzing::{self, FileFormat};
use airflow_secrets_core::{Connection, ConnectionFlavor, SecretValue, pyjson};
use proptest::prelude::*;
use serde_json::{Map, Value};

const SDK: ConnectionFlavor = ConnectionFlavor::TaskSdk;
const ORM: ConnectionFlavor = ConnectionFlavor::Orm;

/// Cases for the round-trip properties, and for the "never panics" ones.
const ROUND_TRIP_CASES: u32 = 512;
const NEVER_PANICS_CASES: u32 = 512;

fn config(cases: u32) -> ProptestConfig {
    // `PROPTEST_CASES` still overrides.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // A few percent of generated connections are ones Airflow cannot read back; the rejects
        // allowed grow with the run so that long runs (`PROPTEST_CASES=100000`) are not aborted.
        max_global_rejects: cases.max(1024),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ----- generators ------------------------------------------------------------------------------

/// Text with the characters that matter to URIs and JSON: delimiters, escapes, spaces, `+`, `%`,
/// upper case, non-ASCII (including upper-case and NFKC-sensitive letters) and control characters.
fn text(max: usize) -> BoxedStrategy<String> {
    let special = prop::sample::select(vec![
        ':', '/', '@', '?', '#', '&', '=', '+', '%', ' ', '[', ']', '"', '\\', '{', '}', ',', '\'',
        '~', '_', '.', '-', '!', '*', '\t', '\n', '\u{0}', '\u{7f}', 'É', 'é', 'ß', 'İ', '€',
        '\u{2028}', '\u{ff0f}', '😀',
    ]);
    let ch = prop_oneof![
        6 => prop::char::range('a', 'z'),
        2 => prop::char::range('A', 'Z'),
        2 => prop::char::range('0', '9'),
        4 => special,
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// A connection type that is a URL scheme once written (`_` is written as `-` and read back as `_`).
fn conn_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(String::new())),
        1 => Just(Some("postgresql".to_owned())),
        8 => "[a-z][a-z0-9_.+]{0,9}".prop_map(Some),
        1 => "[A-Z][A-Za-z0-9_]{0,6}".prop_map(Some),
    ]
}

/// A host: plain text (never containing `://`), or `protocol://rest` with a protocol that is a URL
/// scheme; the caller drops the protocol forms Airflow cannot round-trip.
fn host() -> impl Strategy<Value = Option<String>> {
    let plain = text(16)
        .prop_filter("no ://", |h| !h.contains("://"))
        .boxed();
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(String::new())),
        6 => plain.clone().prop_map(Some),
        1 => "[a-z0-9.-]{1,12}".prop_map(Some),
        2 => ("[a-zA-Z][a-zA-Z0-9+.-]{0,5}", plain)
            .prop_map(|(protocol, rest)| Some(format!("{protocol}://{rest}"))),
    ]
}

/// A JSON value for `extra` objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text(8).prop_map(Value::String),
        // Strings that are themselves JSON (the ORM flavour decodes them).
        prop::sample::select(vec![
            "1",
            "true",
            "null",
            "\"x\"",
            "[1]",
            "{\"a\": 1}",
            "1.5"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(6), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An `extra` string: none, empty, a string map (URI query parameters), a typed object (written
/// with `json.dumps` or compactly), or (task SDK only: the ORM refuses it) any text.
fn extra(flavor: ConnectionFlavor) -> BoxedStrategy<Option<String>> {
    let string_map = prop::collection::vec((text(8), text(10)), 1..4).prop_map(|kv| {
        let map: Map<String, Value> = kv.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        Some(pyjson::dumps(&map))
    });
    let object = prop::collection::vec((text(6), json_value()), 0..4).prop_flat_map(|kv| {
        let map: Map<String, Value> = kv.into_iter().collect();
        prop_oneof![
            Just(Some(pyjson::dumps(&map))),
            Just(Some(serde_json::to_string(&map).unwrap())),
        ]
    });
    let base = prop_oneof![
        2 => Just(None),
        1 => Just(Some(String::new())),
        4 => string_map,
        4 => object,
    ];
    match flavor {
        ConnectionFlavor::Orm => base.boxed(),
        ConnectionFlavor::TaskSdk => prop_oneof![
            8 => base,
            1 => text(12).prop_map(Some),
            1 => json_value().prop_map(|v| Some(pyjson::dumps(&v))),
        ]
        .boxed(),
    }
}

fn flavor() -> impl Strategy<Value = ConnectionFlavor> {
    prop_oneof![Just(SDK), Just(ORM)]
}

/// Any connection, field by field (as Python's constructor stores them: nothing normalised).
fn connection() -> impl Strategy<Value = Connection> {
    flavor().prop_flat_map(|flavor| {
        (
            (
                conn_type(),
                prop::option::of(text(10)),
                host(),
                prop::option::of(text(10)),
            ),
            (
                prop::option::of(text(10)),
                prop::option::of(text(10)),
                prop::option::of(prop_oneof![Just(0u16), any::<u16>()]),
                extra(flavor),
            ),
        )
            .prop_map(
                move |((conn_type, description, host, schema), (login, password, port, extra))| {
                    Connection {
                        conn_id: "prop".into(),
                        conn_type,
                        description,
                        host,
                        schema,
                        login,
                        password: password.map(SecretValue::from),
                        port,
                        extra,
                        flavor,
                    }
                },
            )
    })
}

// ----- what Airflow's rules predict --------------------------------------------------------------

/// `from_uri_as(get_uri(c))` as Airflow's rules predict it (§6.1, §6.2 of the spec).
fn expected_from_uri(c: &Connection) -> Connection {
    let orm = c.flavor == ORM;
    let conn_type = checks::normalize_conn_type(&checks::written_scheme(c).unwrap_or_default());
    let host = checks::expected_host(c);
    let (_, host_written) = checks::split_host(c);
    let port = c.port.filter(|p| *p != 0); // neither class writes port 0
    // `@` is written after a non-empty login or any password, and before `:port` when there is no
    // host; an `@` reads back a login, "" if none was written.
    let at_written = c.login.as_deref().is_some_and(|l| !l.is_empty())
        || c.password.is_some()
        || (host_written.is_empty() && port.is_some());
    let login = at_written.then(|| c.login.clone().unwrap_or_default());
    let password = c
        .password
        .as_ref()
        .map(|p| p.expose().to_owned())
        .filter(|p| !orm || !p.is_empty());
    // An object of strings only is written as query parameters and read back as `json.dumps` of them
    // (the ORM flavour reading each value as JSON); anything else is `__extra__`, read back verbatim.
    let extra = c.extra.as_deref().filter(|e| !e.is_empty()).map(|e| {
        let dejson = c.extra_dejson();
        if !dejson.is_empty() && dejson.values().all(Value::is_string) {
            let read: Map<String, Value> = dejson
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        query_value(v.as_str().unwrap_or_default(), c.flavor),
                    )
                })
                .collect();
            pyjson::dumps(&read)
        } else {
            e.to_owned()
        }
    });
    Connection {
        conn_id: c.conn_id.clone(),
        conn_type: Some(conn_type),
        description: None,
        host: Some(host),
        schema: Some(c.schema.clone().unwrap_or_default()),
        login,
        password: password.map(SecretValue::from),
        port,
        extra,
        flavor: c.flavor,
    }
}

/// `from_json_as(as_json(c))` as Airflow's rules predict it (§6.3).
fn expected_from_json(c: &Connection) -> Connection {
    let orm = c.flavor == ORM;
    // `as_json` writes `extra_dejson` (flavour-decoded) when truthy; `from_json` keeps a string as
    // it is and `json.dumps` anything else.
    let extra = match c.to_dict(true).get("extra") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(pyjson::dumps(v)),
    };
    Connection {
        conn_id: c.conn_id.clone(),
        conn_type: c
            .conn_type
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(checks::normalize_conn_type),
        description: c.description.clone(),
        host: c.host.clone(),
        schema: c.schema.clone(),
        login: c.login.clone(),
        password: c
            .password
            .clone()
            .filter(|p| !orm || !p.expose().is_empty()),
        port: c.port.filter(|p| *p != 0), // both classes drop a falsy port
        extra,
        flavor: c.flavor,
    }
}

fn uri_round_trip(c: &Connection) -> Result<Connection, String> {
    let uri = c.get_uri();
    Connection::from_uri_as(&c.conn_id, &uri, c.flavor).map_err(|e| format!("{uri:?}: {e}"))
}

fn json_round_trip(c: &Connection) -> Result<Connection, String> {
    let json = c.as_json();
    Connection::from_json_as(&c.conn_id, &json, c.flavor).map_err(|e| format!("{json:?}: {e}"))
}

// ----- round trips -------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(ROUND_TRIP_CASES))]

    /// `from_uri_as(get_uri(c))` is the connection Airflow's rules predict; so is every further round
    /// trip, and they reach a fixed point (`from_uri_as(get_uri(e)) == e`) within two steps.
    #[test]
    fn uri_round_trip_is_airflows(c in connection()) {
        // Airflow itself cannot read back a type or host protocol that is not a URL scheme, or a
        // protocol ending with the written type.
        prop_assume!(checks::uri_round_trips(&c));
        settles(&c, uri_round_trip, expected_from_uri, Connection::get_uri, checks::uri_round_trips)?;
    }

    /// `from_json_as(as_json(c))` is the connection Airflow's rules predict; so is every further
    /// round trip, and they reach a fixed point within two steps.
    #[test]
    fn json_round_trip_is_airflows(c in connection()) {
        settles(&c, json_round_trip, expected_from_json, Connection::as_json, |_| true)?;
    }

    /// The fuzz targets' round-trip invariants (fixed points reached, nothing but the documented
    /// normalisations) hold for generated connections too, whatever their fields.
    #[test]
    fn round_trips_settle(c in connection()) {
        checks::exercise(&c);
        checks::json_round_trip(&c);
        checks::uri_round_trip(&c);
    }

    /// A URI assembled from parts parses into those parts, as Airflow reads them.
    #[test]
    fn uri_parts_are_read_back(
        flavor in flavor(),
        scheme in "[a-z][a-z0-9+.-]{0,8}",
        login in "[A-Za-z0-9._~-]{0,8}",
        password in prop::option::of("[A-Za-z0-9._~-]{0,8}"),
        host in "[A-Za-z0-9.-]{0,12}",
        port in prop::option::of(any::<u16>()),
        schema in text(10),
        params in prop::collection::vec(("[a-z]{1,5}", text(8)), 0..4),
    ) {
        prop_assume!(scheme != "postgresql");
        let mut uri = format!("{scheme}://");
        if !login.is_empty() || password.is_some() {
            uri.push_str(&login);
            if let Some(p) = &password {
                uri.push(':');
                uri.push_str(p);
            }
            uri.push('@');
        }
        uri.push_str(&host);
        if let Some(port) = port {
            uri.push_str(&format!(":{port}"));
        }
        uri.push('/');
        uri.push_str(&pyurl::quote(&schema, ""));
        if !params.is_empty() {
            uri.push('?');
            uri.push_str(&pyurl::urlencode(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        }
        let c = Connection::from_uri_as("p", &uri, flavor).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        let want_type = scheme.replace('-', "_");
        prop_assert_eq!(c.conn_type.as_deref(), Some(want_type.as_str()));
        let want_host = host.to_ascii_lowercase();
        prop_assert_eq!(c.host.as_deref(), Some(want_host.as_str()));
        let want_login = (!login.is_empty() || password.is_some()).then_some(login.as_str());
        prop_assert_eq!(c.login.as_deref(), want_login);
        let want_password = password.as_deref().filter(|p| flavor == SDK || !p.is_empty());
        prop_assert_eq!(c.password.as_ref().map(|p| p.expose()), want_password);
        prop_assert_eq!(c.port, port);
        prop_assert_eq!(c.schema.as_deref(), Some(schema.as_str()));
        // Query parameters: strings, the last of a repeated key wins, in first-seen order.
        let mut want_extra = Map::new();
        for (k, v) in &params {
            want_extra.insert(k.clone(), Value::String(v.clone()));
        }
        for v in want_extra.values_mut() {
            *v = query_value(v.as_str().unwrap_or_default(), flavor);
        }
        if params.is_empty() {
            prop_assert_eq!(c.extra.as_deref(), None);
        } else {
            let want_extra = pyjson::dumps(&want_extra);
            prop_assert_eq!(c.extra.as_deref(), Some(want_extra.as_str()));
        }
    }
}

/// Round trips from `c`: each gives `expected(previous)`; the connection stops changing after at
/// most two steps (one normalises it; a second drops the login `""` left by an `@` with nothing
/// before it), unless its extra still changes ([`still_decodes`]). The chain ends early, as Airflow's
/// does, at a connection that Airflow itself cannot read back (`readable` false): a round trip
/// lower-cases a host's protocol, so `aV://a` with type `v` reads back as `av://a`, whose next
/// `v://av://a` loses the protocol to Airflow's `uri.replace("v://", "")`.
fn settles(
    c: &Connection,
    round_trip: fn(&Connection) -> Result<Connection, String>,
    expected: fn(&Connection) -> Connection,
    render: fn(&Connection) -> String,
    readable: fn(&Connection) -> bool,
) -> Result<(), TestCaseError> {
    let mut current = c.clone();
    let mut allowed = 2;
    for step in 0..24 {
        if !readable(&current) {
            return Ok(());
        }
        let got = round_trip(&current).map_err(TestCaseError::fail)?;
        let want = expected(&current);
        prop_assert_eq!(
            &got,
            &want,
            "step {}: written as {:?}",
            step + 1,
            render(&current)
        );
        prop_assert_eq!(got.to_dict(false), want.to_dict(false));
        if got == current {
            return Ok(());
        }
        // Each step whose extra may still change (one more level of JSON unwrapped) earns one more.
        if still_decodes(&current) {
            allowed += 1;
        }
        prop_assert!(
            step < allowed,
            "no fixed point after {} steps: {:?}",
            step + 1,
            render(&current)
        );
        current = got;
    }
    Err(TestCaseError::fail("no fixed point after 24 steps"))
}

/// A URI query value as the flavour stores it: the ORM (Airflow 3.3.2) reads a non-empty value that is
/// JSON as JSON (`-0` is Python's int 0), the task SDK keeps the string.
fn query_value(v: &str, flavor: ConnectionFlavor) -> Value {
    let decoded = (flavor == ORM && !v.is_empty())
        .then(|| serde_json::from_str::<Value>(v).ok())
        .flatten();
    match decoded {
        Some(_) if v.trim_matches([' ', '\t', '\n', '\r']) == "-0" => Value::from(0),
        Some(value) => value,
        None => Value::String(v.to_owned()),
    }
}

/// ORM flavour: a decoded extra value that is itself JSON is decoded again on the next round trip;
/// task SDK: an extra that is a JSON string is written by `as_json` as that string (then not JSON).
fn still_decodes(c: &Connection) -> bool {
    let orm = c.flavor == ORM
        && c.extra_dejson().values().any(|v| {
            v.as_str()
                .is_some_and(|s| serde_json::from_str::<Value>(s).is_ok())
        });
    orm || c.to_dict(false)["extra"].is_string()
}

// ----- never panics ------------------------------------------------------------------------------

/// Text shaped like a connection URI: a scheme-ish prefix, `://` (up to three), userinfo, host, port,
/// path and query made of URI-significant characters.
fn uri_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => text(6),
        1 => Just("://".to_owned()),
        1 => Just("@".to_owned()),
        1 => "[:][0-9]{0,6}",
        1 => Just("?__extra__=".to_owned()),
        1 => Just("%2F".to_owned()),
        1 => "%[0-9A-Fa-fG]{0,2}",
        1 => "\\[[0-9a-fv:.%]{0,10}\\]?",
        1 => Just("&".to_owned()),
    ];
    (
        "[A-Za-z_][A-Za-z0-9+._-]{0,6}",
        prop::collection::vec(piece, 0..10),
    )
        .prop_map(|(scheme, pieces)| format!("{scheme}://{}", pieces.concat()))
}

/// Text shaped like connection JSON: an object with connection keys (and some others) holding
/// arbitrary JSON values.
fn json_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        8 => prop::sample::select(vec![
            "conn_type", "description", "host", "schema", "login", "password", "port", "extra",
            "uri", "conn_id", "extra_dejson",
        ]).prop_map(str::to_owned),
        1 => text(5),
    ];
    let value = prop_oneof![
        3 => json_value(),
        1 => uri_like().prop_map(Value::String),
        1 => prop_oneof![Just(0i64), Just(65535), Just(65536), Just(-1)].prop_map(Value::from),
        1 => "[ +]?[0-9_]{0,6} ?".prop_map(Value::String),
    ];
    prop::collection::vec((key, value), 0..5).prop_flat_map(|kv| {
        let map: Map<String, Value> = kv.into_iter().collect();
        prop_oneof![
            Just(pyjson::dumps(&map)),
            Just(format!(" \n{}\t", serde_json::to_string(&map).unwrap())),
        ]
    })
}

/// An arbitrary kwargs object: known field names (of the core backends and the fuzz targets'
/// provider-like struct) and others, holding arbitrary JSON, sometimes with a planted secret.
fn kwargs_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        6 => prop::sample::select(vec![
            "variables_file_path", "connections_file_path", "configs_file_path",
            "connections_prefix", "variables_prefix", "sep", "verify", "use_ssl", "timeout",
            "kv_engine_version", "retries", "offset", "auth_type", "session_kwargs", "scopes",
        ]).prop_map(str::to_owned),
        1 => text(6),
    ];
    let secret = (text(6), text(6))
        .prop_map(|(a, b)| Value::String(format!("{a}, expected {}{b}", checks::SECRET_MARKER)))
        .boxed();
    let value = prop_oneof![
        4 => json_value(),
        1 => prop::sample::select(vec!["true", "False", " yes ", "off", "1", "2.5", "-1", "700", "approle", ""])
            .prop_map(|s| Value::String(s.to_owned())),
        1 => secret.clone(),
        1 => prop::collection::vec(secret, 1..3).prop_map(Value::Array),
    ];
    prop::collection::vec((key, value), 0..5)
        .prop_map(|kv| serde_json::to_string(&kv.into_iter().collect::<Map<_, _>>()).unwrap())
}

/// The committed local-file fixtures, lightly mutated.
fn local_file_like() -> impl Strategy<Value = Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/local_filesystem");
    let mut fixtures: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    fixtures.sort();
    let insert =
        prop::sample::select(b"{}[],:\"'\\ \t\n\r#=&*!|>-?~%@`0.eE+_\xff\xc3\x00\x0b\x1c".to_vec());
    (
        prop::sample::select(fixtures),
        prop::collection::vec((any::<prop::sample::Index>(), insert, 0..3u8), 0..6),
    )
        .prop_map(|(mut bytes, edits)| {
            for (at, byte, op) in edits {
                let i = at.index(bytes.len() + 1);
                match op {
                    0 => bytes.insert(i, byte),
                    1 if i < bytes.len() => bytes[i] = byte,
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => bytes.push(byte),
                }
            }
            bytes
        })
}

/// YAML-ish text built from YAML's significant tokens.
fn yaml_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        3 => text(5),
        3 => prop::sample::select(vec![
            ": ", "\n", "\n  ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "<<: ", "!!int ",
            "!!str ", "!!binary ", "? ", "|\n  ", ">-\n  ", "---\n", "...\n", "'", "\"", "#",
            "yes", "0x1F", "0o17", "1:30", ".nan", "-.inf", "~", "uri", "port", "extra_dejson",
        ]).prop_map(str::to_owned),
    ];
    prop::collection::vec(token, 0..20).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(config(NEVER_PANICS_CASES))]

    #[test]
    fn uri_parser_never_panics(s in prop_oneof![any::<String>(), text(40), uri_like()]) {
        checks::check_connection_uri(s.as_bytes());
    }

    #[test]
    fn json_parser_and_deserialize_never_panic(
        s in prop_oneof![any::<String>(), text(40), json_like(), uri_like()],
    ) {
        checks::check_connection_json(s.as_bytes());
    }

    #[test]
    fn kwargs_parsers_never_panic_nor_leak(s in prop_oneof![1 => text(30), 6 => kwargs_like()]) {
        checks::check_backend_kwargs(s.as_bytes());
    }

    #[test]
    fn local_file_parsers_never_panic(
        bytes in prop_oneof![
            any::<Vec<u8>>(),
            text(60).prop_map(String::into_bytes),
            local_file_like(),
            yaml_like().prop_map(String::into_bytes),
            json_like().prop_map(|j| format!("{{\"c\": {j}}}").into_bytes()),
        ],
    ) {
        checks::check_local_files(&bytes);
    }

    /// Every file format reports errors with a line number inside the file.
    #[test]
    fn local_file_errors_point_into_the_file(s in prop_oneof![text(60), yaml_like()]) {
        // As the backend reads files: universal newlines.
        let s = fuzzing::decode_file(s.as_bytes()).unwrap();
        let lines = 1 + s.matches(['\n', '\u{85}', '\u{2028}', '\u{2029}']).count();
        if let Err(errors) = fuzzing::parse_env_file(&s) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(e.line.is_some_and(|l| l >= 1));
            }
        }
        for result in [fuzzing::parse_json_file(&s), fuzzing::parse_yaml_file(&s)] {
            if let Err(e) = result
                && let Some(line) = e.line
            {
                prop_assert!(line <= lines + 1, "{e} for {s:?}");
            }
        }
        for format in FileFormat::ALL {
            let _ = fuzzing::load_connections(format, &s, SDK);
        }
    }
}
