//! The invariants the fuzz targets check, shared with `crates/core/tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]` and replays `fuzz/regressions/` through it).
//!
//! Each `check_*` function takes the raw fuzz input, never panics on a parse error (those are
//! expected), and panics when a parser panics or an invariant breaks. The invariants are the ones
//! Airflow itself keeps; where Airflow's own round trip is lossy, the comparison spells out exactly
//! which change is allowed (and why), instead of giving up on the field.

#![allow(dead_code)]

use std::collections::BTreeSet;

use airflow_secrets_core::fuzzing::{self, FileFormat};
use airflow_secrets_core::kwargs::{self, Kwargs, de};
use airflow_secrets_core::local_filesystem::LocalFilesystemKwargs;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, EnvironmentVariablesBackend, Error, LocalFilesystemBackend,
    pyjson,
};
use serde::Deserialize;
use serde_json::Value;

const FLAVORS: [ConnectionFlavor; 2] = [ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm];

/// How many `parse(get_uri(c))` / `from_json(as_json(c))` steps a connection may take to reach a
/// fixed point. One step normalises everything but the ORM flavour's extra, whose URI query values are
/// read as JSON: one more level of JSON-in-a-string is decoded on every step.
const MAX_STEPS: usize = 24;

/// How many steps any other connection may take: one normalises it, and a second one is needed
/// when the first leaves an `@` with nothing before it (ORM `user:@h` with the `""` password dropped,
/// `//@:5432`): the login `""` then reads back as none.
const QUICK_STEPS: usize = 2;

// ----- connection URI ----------------------------------------------------------------------------

/// `connection_uri`: parse arbitrary text as a URI in both flavours; whatever parses must be written
/// back by `get_uri` to a URI that parses to the connection Airflow's rules predict, and repeated
/// round trips must reach a fixed point.
pub fn check_connection_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for flavor in FLAVORS {
        if let Ok(c) = Connection::from_uri_as("fuzz", text, flavor) {
            exercise(&c);
            uri_round_trip(&c);
            json_round_trip(&c);
        }
    }
}

/// Every rendering of a connection works (none may panic).
pub fn exercise(c: &Connection) {
    let _ = (
        c.get_uri(),
        c.as_json(),
        c.to_dict(true),
        c.to_dict(false),
        c.extra_dejson(),
        c.to_string(),
        format!("{c:?}"),
    );
}

/// Airflow's `_normalize_conn_type`.
pub fn normalize_conn_type(t: &str) -> String {
    if t == "postgresql" {
        "postgres".into()
    } else {
        t.replace('-', "_")
    }
}

/// The scheme `get_uri` writes (`None` for `//`).
pub fn written_scheme(c: &Connection) -> Option<String> {
    c.conn_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase().replace('_', "-"))
}

/// Python's `urlsplit` accepts this as a scheme.
fn is_scheme(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// How `get_uri` splits the host: `(protocol written before the host, host written)`.
pub fn split_host(c: &Connection) -> (Option<&str>, &str) {
    let host = c.host.as_deref().unwrap_or("");
    match host.split_once("://") {
        Some((protocol, rest))
            if !(c.flavor == ConnectionFlavor::TaskSdk
                && Some(protocol) == c.conn_type.as_deref()) =>
        {
            (Some(protocol).filter(|p| !p.is_empty()), rest)
        }
        _ => (None, host),
    }
}

/// Whether `get_uri(c)` is a URI that Airflow's parser reads back field for field (up to the
/// normalisations in [`uri_round_trip`]). It is not when:
/// * the written type is not a URL scheme (`a b`, `1x`, anything from JSON), so the URI has none;
/// * the host has its own protocol and the URI has no type (`//p://h` is one `://`), or the
///   protocol is not a URL scheme, or it ends with the written type (`http://http://x`,
///   `db://mydb://x`: Airflow's `uri.replace("db://", "")` removes both) — all Airflow's own behaviour.
pub fn uri_round_trips(c: &Connection) -> bool {
    let scheme = written_scheme(c);
    if scheme.as_deref().is_some_and(|s| !is_scheme(s)) {
        return false;
    }
    match split_host(c) {
        // `uri.replace(f"{scheme}://", "")` also eats a protocol that ends with the scheme.
        (Some(protocol), _) => {
            scheme.is_some_and(|s| is_scheme(protocol) && !protocol.ends_with(&s))
        }
        (None, host) => {
            // An empty protocol (`://x` as the host) is dropped by get_uri.
            !(c.host.as_deref().is_some_and(|h| h.starts_with("://")) && host.is_empty())
        }
    }
}

/// The host Airflow's parser gives back for a host `get_uri` wrote (quoted with nothing safe):
/// Python's `hostname` lower-cases the text up to its first `%`, i.e. the leading run of unquoted
/// characters, unless the decoded host contains `/` (then the raw netloc is used, case kept).
fn reparsed_plain_host(h: &str) -> String {
    if h.contains('/') {
        return h.to_owned();
    }
    let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '~');
    let split = h.find(|c: char| !unreserved(c)).unwrap_or(h.len());
    format!("{}{}", h[..split].to_ascii_lowercase(), &h[split..])
}

/// The host Airflow reads back from `get_uri(c)`: the written host re-parsed, after its own protocol.
pub fn expected_host(c: &Connection) -> String {
    match split_host(c) {
        (Some(protocol), rest) => {
            let rest = reparsed_plain_host(rest);
            if rest.is_empty() {
                rest
            } else {
                format!("{}://{rest}", protocol.to_ascii_lowercase())
            }
        }
        (None, host) => reparsed_plain_host(host),
    }
}

/// JSON text equal as Python would compare the decoded values, keys in order.
fn same_json(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => pyjson::dumps(&x) == pyjson::dumps(&y),
        _ => false,
    }
}

/// Whether the extra may change on every round trip, as it does in Airflow.
///
/// ORM flavour (Airflow 3.3.2): an all-string extra is written as a plain query, whose values are read
/// back as JSON. When a decoded value is a string that is itself JSON (`"\"1\""` → `"1"`), the next
/// round trip decodes it again (`1`), so the extra changes on every step until no such value is left.
///
/// Task SDK flavour: an extra that is a JSON *string* (`"\"x\""`) is written by `as_json` as that
/// string (`"extra": "x"`), which `from_json` keeps verbatim as the extra `x`, which is not JSON.
fn extra_may_change(c: &Connection) -> bool {
    let orm_decodes = c.flavor == ConnectionFlavor::Orm
        && c.extra_dejson().values().any(|v| {
            v.as_str()
                .is_some_and(|s| serde_json::from_str::<Value>(s).is_ok())
        });
    orm_decodes || c.to_dict(false)["extra"].is_string()
}

fn password(c: &Connection) -> Option<&str> {
    c.password.as_ref().map(|p| p.expose())
}

/// Repeats `step` until the connection stops changing. Every step checks Airflow's rules; a
/// connection settles within [`QUICK_STEPS`] steps (the empty login/password and ORM `""` password
/// rules take two), or [`MAX_STEPS`] when its extra still changes (see [`extra_may_change`]).
fn settle(c: &Connection, step: fn(&Connection) -> Option<Connection>, what: &str) {
    let mut current = c.clone();
    // Each step whose extra may still change (one more level of JSON unwrapped) earns one more.
    let mut allowed = QUICK_STEPS;
    for n in 0..MAX_STEPS {
        let Some(next) = step(&current) else { return };
        if next == current {
            return;
        }
        if extra_may_change(&current) {
            allowed += 1;
        }
        assert!(
            n < allowed,
            "{what} round trips do not settle:\n  start {c:?}\n  now   {current:?}\n  next  {next:?}"
        );
        current = next;
    }
    panic!("no fixed point after {MAX_STEPS} {what} round trips from {c:?}");
}

/// `c → get_uri → from_uri_as` gives the connection Airflow's rules predict, and repeating it reaches
/// a fixed point.
pub fn uri_round_trip(c: &Connection) {
    settle(c, uri_step, "URI");
}

/// One `c → get_uri → from_uri_as` step, checked against Airflow's rules; `None` when Airflow itself
/// cannot read the URI back (see [`uri_round_trips`]).
fn uri_step(c1: &Connection) -> Option<Connection> {
    let flavor = c1.flavor;
    let u1 = c1.get_uri();
    let reparsed = Connection::from_uri_as(&c1.conn_id, &u1, flavor);
    if !uri_round_trips(c1) {
        return None;
    }
    let c2 = reparsed.unwrap_or_else(|e| panic!("get_uri() = {u1:?} does not parse: {e}"));
    let ctx = || format!("\n  c1 = {c1:?}\n  get_uri = {u1:?}\n  c2 = {c2:?}");

    // conn_type: written lower-case with `_` as `-`, read back normalised; none is `//` → "".
    let want_type = normalize_conn_type(&written_scheme(c1).unwrap_or_default());
    assert_eq!(
        c2.conn_type.as_deref(),
        Some(want_type.as_str()),
        "conn_type{}",
        ctx()
    );

    assert_eq!(
        c2.host.as_deref(),
        Some(expected_host(c1).as_str()),
        "host{}",
        ctx()
    );

    // Userinfo: `quote(login)` if not None, `:quote(password)` if not None, `@` if anything was
    // written; with no host and no userinfo, a port is written `@:port`, which reads back login "".
    let (_, host_written) = split_host(c1);
    // Both classes write `if self.port:` (task SDK 1.3.2 too): port 0 is not written.
    let port_written = c1.port.filter(|p| *p != 0);
    let authority = c1.login.as_deref().is_some_and(|l| !l.is_empty()) || c1.password.is_some();
    let at_written = authority || (host_written.is_empty() && port_written.is_some());
    let want_login = at_written.then(|| c1.login.clone().unwrap_or_default());
    assert_eq!(c2.login, want_login, "login{}", ctx());
    let want_password =
        password(c1).filter(|p| flavor == ConnectionFlavor::TaskSdk || !p.is_empty());
    assert_eq!(password(&c2), want_password, "password{}", ctx());

    assert_eq!(c2.port, port_written, "port{}", ctx());
    assert_eq!(
        c2.schema.as_deref(),
        Some(c1.schema.as_deref().unwrap_or("")),
        "schema{}",
        ctx()
    );
    assert_eq!(c2.description, None, "description{}", ctx());
    assert_eq!(c2.conn_id, c1.conn_id);
    assert_eq!(c2.flavor, flavor);

    // Extra: an empty one is not written; otherwise either query parameters (which read back as
    // `json.dumps` of the same string map) or `__extra__` with the string verbatim.
    match c1.extra.as_deref().filter(|e| !e.is_empty()) {
        None => assert_eq!(c2.extra, None, "extra{}", ctx()),
        Some(e1) => {
            let e2 = c2
                .extra
                .as_deref()
                .unwrap_or_else(|| panic!("extra lost{}", ctx()));
            if !extra_may_change(c1) {
                assert!(
                    same_json(e1, e2) || c1.extra_dejson() == c2.extra_dejson(),
                    "extra{}",
                    ctx()
                );
                assert_eq!(
                    c1.to_dict(false)["extra"],
                    c2.to_dict(false)["extra"],
                    "extra_dejson{}",
                    ctx()
                );
            }
        }
    }

    Some(c2)
}

// ----- connection JSON ---------------------------------------------------------------------------

/// `connection_json`: parse arbitrary text with `from_json_as` and `deserialize` in both flavours;
/// whatever parses must survive `as_json` → `from_json_as` and `get_uri` → `from_uri_as`.
pub fn check_connection_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for flavor in FLAVORS {
        if let Ok(c) = Connection::from_json_as("fuzz", text, flavor) {
            exercise(&c);
            json_round_trip(&c);
            uri_round_trip(&c);
        }
        match Connection::deserialize("fuzz", text, flavor) {
            Ok(c) => {
                exercise(&c);
                json_round_trip(&c);
                uri_round_trip(&c);
            }
            Err(e) => {
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
    }
}

/// `c → as_json → from_json_as` keeps every field Airflow's JSON form keeps, and repeating it
/// reaches a fixed point.
pub fn json_round_trip(c: &Connection) {
    settle(c, json_step, "JSON");
}

/// One `c → as_json → from_json_as` step, checked against Airflow's rules.
fn json_step(c1: &Connection) -> Option<Connection> {
    let flavor = c1.flavor;
    let j1 = c1.as_json();
    let c2 = Connection::from_json_as(&c1.conn_id, &j1, flavor)
        .unwrap_or_else(|e| panic!("as_json() = {j1:?} does not parse: {e}\n  c1 = {c1:?}"));
    let ctx = || format!("\n  c1 = {c1:?}\n  as_json = {j1:?}\n  c2 = {c2:?}");
    let orm = flavor == ConnectionFlavor::Orm;

    // A falsy conn_type is dropped; `from_json` normalises it (again).
    let want_type = c1
        .conn_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(normalize_conn_type);
    assert_eq!(c2.conn_type, want_type, "conn_type{}", ctx());
    assert_eq!(c2.description, c1.description, "description{}", ctx());
    assert_eq!(c2.host, c1.host, "host{}", ctx());
    assert_eq!(c2.schema, c1.schema, "schema{}", ctx());
    assert_eq!(c2.login, c1.login, "login{}", ctx());
    // ORM: a falsy password is dropped by `from_json`; both classes drop a falsy port.
    let want_password = password(c1).filter(|p| !orm || !p.is_empty());
    assert_eq!(password(&c2), want_password, "password{}", ctx());
    let want_port = c1.port.filter(|p| *p != 0);
    assert_eq!(c2.port, want_port, "port{}", ctx());
    // `as_json` writes `extra_dejson` (pruned when falsy); `from_json` dumps it back.
    if !extra_may_change(c1) {
        assert_eq!(
            c2.to_dict(true).get("extra"),
            c1.to_dict(true).get("extra"),
            "extra{}",
            ctx()
        );
    }

    Some(c2)
}

// ----- backend kwargs ----------------------------------------------------------------------------

/// A marker that must never show in an error message unless it is part of a kwarg *name*.
pub const SECRET_MARKER: &str = "S3CR3T";

fn default_prefix() -> Option<String> {
    Some("airflow-connections".into())
}

fn default_true() -> bool {
    true
}

/// A provider-like kwargs struct using every `kwargs::de` helper and the usual serde shapes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderLikeKwargs {
    #[serde(default = "default_prefix")]
    pub connections_prefix: Option<String>,
    #[serde(default)]
    pub variables_prefix: Option<String>,
    #[serde(default)]
    pub sep: String,
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub verify: Option<bool>,
    #[serde(default = "default_true", deserialize_with = "de::bool_lenient")]
    pub use_ssl: bool,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub timeout: Option<f64>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub kv_engine_version: Option<u8>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub retries: Option<u32>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub offset: Option<i64>,
    #[serde(default)]
    pub auth_type: Option<AuthType>,
    #[serde(default)]
    pub session_kwargs: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

/// An enum-valued kwarg (`auth_type`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthType {
    Token,
    Approle,
    Kubernetes,
}

/// `airflow_secrets::parse_kwargs_json` (the facade; not a dependency here): empty text is `{}`,
/// anything but a JSON object is an error.
pub fn parse_kwargs_json_like(text: &str) -> Option<Kwargs> {
    if text.trim().is_empty() {
        return Some(Kwargs::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn assert_no_leak(kwargs: &Kwargs, err: &Error) {
    let shown = format!("{err} {err:?}");
    let in_names = kwargs.keys().any(|k| k.contains(SECRET_MARKER));
    assert!(
        in_names || !shown.contains(SECRET_MARKER),
        "an error shows a kwarg value: {shown}"
    );
}

/// `backend_kwargs`: kwargs JSON text → object → `parse_kwargs` into the core backends' kwargs and
/// a provider-like struct. Unknown keys are always reported as such, the result agrees with the
/// input, and no error message shows a value.
pub fn check_backend_kwargs(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(kwargs) = parse_kwargs_json_like(text) else {
        return;
    };

    // LocalFilesystemBackend: three optional strings.
    const LOCAL: [&str; 3] = [
        "variables_file_path",
        "connections_file_path",
        "configs_file_path",
    ];
    let local_ok = kwargs
        .iter()
        .all(|(k, v)| LOCAL.contains(&k.as_str()) && (v.is_string() || v.is_null()));
    match LocalFilesystemBackend::from_kwargs(&kwargs) {
        Ok(backend) => {
            assert!(local_ok, "accepted {kwargs:?}");
            let path = |key: &str| {
                kwargs
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(std::path::PathBuf::from)
            };
            assert_eq!(backend.variables_file_path(), path(LOCAL[0]).as_deref());
            assert_eq!(backend.connections_file_path(), path(LOCAL[1]).as_deref());
            assert_eq!(backend.configs_file_path(), path(LOCAL[2]).as_deref());
        }
        Err(e) => {
            assert!(!local_ok, "refused {kwargs:?}: {e}");
            assert_no_leak(&kwargs, &e);
            let unknown = kwargs.keys().find(|k| !LOCAL.contains(&k.as_str()));
            match (&e, unknown) {
                (Error::UnknownKwarg { kwarg, .. }, Some(first)) => assert_eq!(kwarg, first),
                (Error::InvalidKwarg { kwarg, .. }, None) => {
                    assert!(LOCAL.contains(&kwarg.as_str()), "{e}")
                }
                _ => panic!("unexpected error {e:?} for {kwargs:?}"),
            }
        }
    }
    let parsed: Result<LocalFilesystemKwargs, _> = kwargs::parse_kwargs("Local", &kwargs);
    assert_eq!(parsed.is_ok(), local_ok);

    // EnvironmentVariablesBackend: no kwargs at all.
    match EnvironmentVariablesBackend::from_kwargs(&kwargs) {
        Ok(_) => assert!(kwargs.is_empty()),
        Err(e) => {
            assert!(
                matches!(&e, Error::UnknownKwarg { kwarg, .. } if kwargs.keys().next() == Some(kwarg)),
                "{e:?}"
            );
            assert_no_leak(&kwargs, &e);
        }
    }

    // A provider-like struct.
    let fields: BTreeSet<&str> = kwargs::field_names::<ProviderLikeKwargs>()
        .expect("a plain struct")
        .iter()
        .copied()
        .collect();
    let unknown = kwargs.keys().find(|k| !fields.contains(k.as_str()));
    match kwargs::parse_kwargs::<ProviderLikeKwargs>("ProviderLike", &kwargs) {
        Ok(parsed) => {
            assert!(unknown.is_none());
            check_lenient_bool(&kwargs, "verify", parsed.verify);
            check_lenient_bool(&kwargs, "use_ssl", Some(parsed.use_ssl));
            if !kwargs.contains_key("connections_prefix") {
                assert_eq!(parsed.connections_prefix, default_prefix());
            }
            if let Some(Value::Number(n)) = kwargs.get("kv_engine_version") {
                assert_eq!(
                    parsed.kv_engine_version.map(u64::from),
                    n.as_u64().or_else(|| n.as_f64().map(|f| f as u64))
                );
            }
            let _ = format!("{parsed:?}");
        }
        Err(e) => {
            assert_no_leak(&kwargs, &e);
            match (&e, unknown) {
                (Error::UnknownKwarg { kwarg, .. }, Some(first)) => assert_eq!(kwarg, first),
                (Error::InvalidKwarg { .. }, None) => {}
                _ => panic!("unexpected error {e:?} for {kwargs:?}"),
            }
        }
    }
}

/// `de::bool_lenient`: a JSON boolean as is, a string by its spelling.
fn check_lenient_bool(kwargs: &Kwargs, key: &str, got: Option<bool>) {
    let want = match kwargs.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" | "" => Some(false),
            _ => panic!("{key} = {s:?} accepted"),
        },
        _ => return,
    };
    assert_eq!(got, want, "{key}");
}

// ----- local files -------------------------------------------------------------------------------

/// `local_files`: arbitrary bytes as a `.env`, `.json` and `.yaml` file, then as a connections
/// file in both flavours.
pub fn check_local_files(data: &[u8]) {
    let Some(text) = fuzzing::decode_file(data) else {
        return;
    };
    let text = text.as_str();

    // .env: every entry is `key=value` on its own line, so writing the entries back one per line
    // and parsing again gives the same entries.
    if let Ok(entries) = fuzzing::parse_env_file(text) {
        let mut rewritten = String::new();
        for (key, values) in &entries {
            assert!(
                !key.is_empty() && !key.contains('=') && !key.contains(fuzzing::is_line_break),
                "key {key:?}"
            );
            assert!(!values.is_empty());
            for value in values {
                assert!(
                    !value.is_empty() && !value.contains(fuzzing::is_line_break),
                    "value {value:?}"
                );
                rewritten.push_str(&format!("{key}={value}\n"));
            }
        }
        assert_eq!(
            fuzzing::parse_env_file(&rewritten).ok().as_ref(),
            Some(&entries),
            "{rewritten:?}"
        );
    }

    // .json: `json.dumps(json.loads(text))` is a fixed point.
    if let Ok(dumped) = fuzzing::parse_json_file(text) {
        let again = fuzzing::parse_json_file(&dumped)
            .unwrap_or_else(|e| panic!("json.dumps output {dumped:?} does not load: {e}"));
        assert_eq!(again, dumped);
    }

    // .yaml: loads or fails cleanly; the document is written deterministically.
    if let Ok(dumped) = fuzzing::parse_yaml_file(text) {
        assert_eq!(fuzzing::parse_yaml_file(text).ok(), Some(dumped));
    }

    // As a connections file.
    for format in FileFormat::ALL {
        for flavor in FLAVORS {
            if let Ok(connections) = fuzzing::load_connections(format, text, flavor) {
                for (key, c, value) in connections {
                    assert_eq!(c.conn_id, key);
                    assert_eq!(c.flavor, flavor);
                    assert!(!value.is_empty());
                    exercise(&c);
                    json_round_trip(&c);
                    uri_round_trip(&c);
                }
            }
        }
    }
}
