//! Connections defined in secret files: Airflow's `load_connections_dict` and `_create_connection`.
//!
//! Airflow builds every connection of the file on every lookup, so one bad entry fails the lookup of
//! any conn_id; so do we. A value may be:
//!
//! * a URI string: `Connection(conn_id=key, uri=value)`, parsed with
//!   [`Connection::from_uri_as`] in the flavour asked for (an empty string gives a connection with
//!   every field empty, as Python's constructor does for a falsy `uri`);
//! * an object whose keys are `Connection.__init__`'s parameters (`conn_id`, `conn_type`,
//!   `description`, `host`, `login`, `password`, `schema`, `port`, `extra`, `uri`) or `extra_dejson`:
//!   `Connection(conn_id=key, **value)`. This is **not** `Connection.from_json`: `conn_type` is not
//!   normalised (`postgresql` stays `postgresql`), an empty password is dropped (the ORM property
//!   setter ignores falsy values), a non-empty `extra` must be a JSON object (`_validate_extra`);
//! * a list holding one of the above; an empty list defines nothing; a longer list is an error.
//!
//! Where Python would store a value of the wrong type unchecked, we convert or refuse: numbers and
//! booleans in string fields become Python's `str()` of them (`password: 1234` → `"1234"`), lists and
//! objects there are refused; `port` must be an integer in 0..=65535 or a string holding one.

use indexmap::IndexMap;

use crate::connection::ConnectionError;
use crate::connection::json::port_from_str;
use crate::{Connection, ConnectionFlavor, SecretValue, pyjson};

use super::env_file::EnvEntries;
use super::value::{PyDict, PyValue};

/// `Connection.__init__`'s parameters (without `self`), plus `extra_dejson`, sorted.
const ALLOWED_KEYS: [&str; 11] = [
    "conn_id",
    "conn_type",
    "description",
    "extra",
    "extra_dejson",
    "host",
    "login",
    "password",
    "port",
    "schema",
    "uri",
];

/// How a connection was written in the file, which decides what `get_conn_value` returns for it.
#[derive(Debug, Clone)]
pub(crate) enum Written {
    /// A non-empty URI string: returned as written.
    Uri(String),
    /// An object (or an empty string): returned as the built connection's `as_json()`.
    Built,
}

/// A connection built from the file, with the form it was written in.
#[derive(Debug, Clone)]
pub(crate) struct FileConnection {
    pub(crate) connection: Connection,
    pub(crate) written: Written,
}

impl FileConnection {
    /// The value `get_conn_value` returns: the URI as written, or the JSON of the built connection.
    pub(crate) fn conn_value(&self) -> SecretValue {
        match &self.written {
            Written::Uri(uri) => SecretValue::new(uri.as_str()),
            Written::Built => SecretValue::new(self.connection.as_json()),
        }
    }
}

/// What can go wrong while turning a file's entries into connections.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// A key holds more than one value (Airflow's `ConnectionNotUnique`).
    NotUnique(String),
    /// The entry under this key cannot be made into a connection; the message holds no value.
    Invalid { key: String, problem: String },
}

/// The entries of a parsed file: from `.env`, each key with all its values; from JSON/YAML, the
/// top-level object.
pub(crate) enum Entries {
    Env(EnvEntries),
    Document(PyDict),
}

/// Airflow's `load_connections_dict`: every entry in file order; the first problem stops the load.
/// Keys that are not strings (a YAML `1:`) are built (and can fail) but cannot be looked up.
pub(crate) fn load(
    entries: Entries,
    flavor: ConnectionFlavor,
) -> Result<IndexMap<String, FileConnection>, LoadError> {
    let mut out = IndexMap::new();
    let mut add = |key: &PyValue, value: PyValue| -> Result<(), LoadError> {
        let key_text = key.scalar_str().unwrap_or_default();
        let built = create(&key_text, value, flavor).map_err(|problem| LoadError::Invalid {
            key: key_text.clone(),
            problem,
        })?;
        if let PyValue::Str(k) = key {
            out.insert(k.clone(), built);
        }
        Ok(())
    };
    match entries {
        Entries::Env(map) => {
            for (key, mut values) in map {
                if values.len() > 1 {
                    return Err(LoadError::NotUnique(key));
                }
                if let Some(v) = values.pop() {
                    add(&PyValue::Str(key), PyValue::Str(v))?;
                }
            }
        }
        Entries::Document(dict) => {
            for (key, value) in dict.into_pairs() {
                match value {
                    PyValue::List(items) if items.len() > 1 => {
                        return Err(LoadError::NotUnique(key.scalar_str().unwrap_or_default()));
                    }
                    PyValue::List(items) => {
                        for item in items {
                            add(&key, item)?;
                        }
                    }
                    other => add(&key, other)?,
                }
            }
        }
    }
    Ok(out)
}

/// Airflow's `_create_connection(conn_id, value)`.
fn create(
    conn_id: &str,
    value: PyValue,
    flavor: ConnectionFlavor,
) -> Result<FileConnection, String> {
    match value {
        PyValue::Str(uri) if uri.is_empty() => Ok(FileConnection {
            connection: Connection::new(conn_id).with_flavor(flavor),
            written: Written::Built,
        }),
        PyValue::Str(uri) => {
            let connection = from_uri(conn_id, &uri, flavor)?;
            Ok(FileConnection {
                connection,
                written: Written::Uri(uri),
            })
        }
        PyValue::Dict(object) => Ok(FileConnection {
            connection: from_object(conn_id, *object, flavor)?,
            written: Written::Built,
        }),
        other => Err(format!(
            "Unexpected value type: <class '{}'>. The connection can only be defined using a string or object.",
            other.type_name()
        )),
    }
}

fn from_uri(conn_id: &str, uri: &str, flavor: ConnectionFlavor) -> Result<Connection, String> {
    let connection = Connection::from_uri_as(conn_id, uri, flavor).map_err(|e| e.to_string())?;
    // Airflow builds the ORM class here, whose constructor validates the extra whatever the flavour.
    if let Some(extra) = connection.extra.as_deref().filter(|e| !e.is_empty()) {
        validate_extra(extra).map_err(|e| e.to_string())?;
    }
    Ok(connection)
}

/// `Connection(conn_id=conn_id, **object)` after `_create_connection`'s checks.
fn from_object(
    conn_id: &str,
    object: PyDict,
    flavor: ConnectionFlavor,
) -> Result<Connection, String> {
    let illegal: Vec<String> = object
        .iter()
        .filter(|(k, _)| !matches!(k, PyValue::Str(s) if ALLOWED_KEYS.contains(&s.as_str())))
        .map(|(k, _)| k.scalar_str().unwrap_or_else(|| k.type_name().to_owned()))
        .collect();
    if !illegal.is_empty() {
        let allowed: Vec<String> = ALLOWED_KEYS.iter().map(|k| format!("'{k}'")).collect();
        return Err(format!(
            "The object have illegal keys: {}. The dictionary can only contain the following keys: {{{}}}",
            illegal.join(", "),
            allowed.join(", ")
        ));
    }
    let get = |key: &str| object.get_str(key);
    if get("extra").is_some() && get("extra_dejson").is_some() {
        return Err(
            "The extra and extra_dejson parameters are mutually exclusive. \
                    Please provide only one parameter."
                .into(),
        );
    }
    if get("conn_id").is_some_and(|id| !matches!(id, PyValue::Str(s) if s == conn_id)) {
        return Err(format!(
            "Mismatch conn_id. The `conn_id` field of the object differs from its key `{conn_id}`."
        ));
    }
    // `extra_dejson` is json.dumps'ed into `extra`; a truthy non-string `extra` is json.dumps'ed by
    // the constructor; a falsy one (`{}`, `[]`, `0`) ends up as no extra.
    let extra = match (get("extra_dejson"), get("extra")) {
        (Some(dejson), _) => Some(dejson.dumps()),
        (None, Some(PyValue::Str(s))) => Some(s.clone()),
        (None, Some(v)) if v.is_truthy() => Some(v.dumps()),
        _ => None,
    };

    let truthy = |key: &str| get(key).is_some_and(PyValue::is_truthy);
    if truthy("uri") {
        let mixed = ["conn_type", "host", "login", "password", "schema", "port"]
            .iter()
            .any(|k| truthy(k))
            || extra.as_deref().is_some_and(|e| !e.is_empty());
        if mixed {
            return Err(
                "You must create an object using the URI or individual values \
                        (conn_type, host, login, password, schema, port or extra).\
                        You can't mix these two ways to create this object."
                    .into(),
            );
        }
        let Some(PyValue::Str(uri)) = get("uri") else {
            return Err(wrong_type("uri", get("uri")).to_string());
        };
        let mut connection = from_uri(conn_id, uri, flavor)?;
        connection.description = string_field(&object, "description")?;
        return Ok(connection);
    }

    if let Some(extra) = extra.as_deref().filter(|e| !e.is_empty()) {
        validate_extra(extra).map_err(|e| e.to_string())?;
    }
    let mut connection = Connection::new(conn_id).with_flavor(flavor);
    connection.conn_type = string_field(&object, "conn_type")?;
    connection.description = string_field(&object, "description")?;
    connection.host = string_field(&object, "host")?;
    connection.login = string_field(&object, "login")?;
    // The ORM `password` setter ignores a falsy value, so `""` leaves no password.
    connection.password = string_field(&object, "password")?
        .filter(|p| !p.is_empty())
        .map(SecretValue::from);
    connection.schema = string_field(&object, "schema")?;
    connection.port = port_field(get("port")).map_err(|e| e.to_string())?;
    connection.extra = extra;
    Ok(connection)
}

/// The ORM class's `_validate_extra` (a non-empty extra must be a JSON object), run through the
/// public ORM JSON form so the check and its messages are exactly `Connection`'s own.
fn validate_extra(extra: &str) -> Result<(), ConnectionError> {
    let json = pyjson::dumps(&serde_json::json!({ "extra": extra }));
    Connection::from_json_as("", &json, ConnectionFlavor::Orm).map(drop)
}

fn json_type(v: &PyValue) -> &'static str {
    match v {
        PyValue::None => "null",
        PyValue::Bool(_) => "a boolean",
        PyValue::Int(_) => "an integer",
        PyValue::Float(_) => "a float",
        PyValue::Str(_) => "a string",
        PyValue::List(_) => "an array",
        PyValue::Dict(_) => "an object",
    }
}

fn wrong_type(field: &'static str, found: Option<&PyValue>) -> ConnectionError {
    let expected = if field == "port" {
        "an integer in 0..=65535 or a string holding one"
    } else {
        "a string"
    };
    ConnectionError::WrongFieldType {
        field,
        expected,
        found: found.map_or("nothing", json_type),
    }
}

/// A string field: strings as given, `null` as none, numbers and booleans as Python's `str()`.
fn string_field(object: &PyDict, field: &'static str) -> Result<Option<String>, String> {
    match object.get_str(field) {
        None | Some(PyValue::None) => Ok(None),
        Some(v @ (PyValue::List(_) | PyValue::Dict(_))) => {
            Err(wrong_type(field, Some(v)).to_string())
        }
        Some(v) => Ok(v.scalar_str()),
    }
}

/// The `port` field: an integer in 0..=65535, or a string holding one; `null` and `""` mean none.
fn port_field(value: Option<&PyValue>) -> Result<Option<u16>, ConnectionError> {
    match value {
        None | Some(PyValue::None) => Ok(None),
        Some(PyValue::Int(i)) => u16::try_from(*i)
            .map(Some)
            .map_err(|_| ConnectionError::PortOutOfRange),
        Some(PyValue::Str(s)) if s.trim().is_empty() => Ok(None),
        Some(PyValue::Str(s)) => port_from_str(s).map(Some),
        Some(PyValue::Float(_)) => Err(ConnectionError::PortNotIntegerValue { found: "a float" }),
        Some(other) => Err(wrong_type("port", Some(other))),
    }
}
