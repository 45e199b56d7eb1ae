//! The JSON form: `from_json`, `to_dict` and `as_json`.

use serde_json::{Map, Number, Value};

use super::error::{ConnectionError, parse_json};
use super::extra::validate_orm_extra;
use super::pystr::{PyInt, is_truthy, json_type_name, py_int};
use super::uri::normalize_conn_type;
use super::{Connection, ConnectionFlavor};
use crate::SecretValue;

/// The keys `Connection.from_json` accepts (the constructor's keyword arguments, minus `conn_id`).
const ACCEPTED_KEYS: [&str; 9] = [
    "conn_type",
    "description",
    "host",
    "schema",
    "login",
    "password",
    "port",
    "extra",
    "uri",
];

const STRING_OR_NULL: &str = "a string or null";

/// A string field: absent or `null` is `None`, anything but a string is an error.
fn opt_string(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, ConnectionError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(field, other)),
    }
}

fn wrong_type(field: &'static str, found: &Value) -> ConnectionError {
    ConnectionError::WrongFieldType {
        field,
        expected: STRING_OR_NULL,
        found: json_type_name(found),
    }
}

/// A port value that is an integer, checked against 0..=65535.
fn port_in_range(value: i128) -> Result<u16, ConnectionError> {
    u16::try_from(value).map_err(|_| ConnectionError::PortOutOfRange)
}

/// `int(s)` for a port string, range-checked.
pub(crate) fn port_from_str(s: &str) -> Result<u16, ConnectionError> {
    match py_int(s) {
        PyInt::Value(v) => port_in_range(i128::from(v)),
        PyInt::Huge => Err(ConnectionError::PortOutOfRange),
        PyInt::Invalid => Err(ConnectionError::PortNotIntegerValue {
            found: "a string that is not an integer",
        }),
    }
}

/// A JSON integer as `i128` (`None` for floats).
fn json_integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// `int(port)` for a truthy port (both classes' `from_json` in 3.3.2 / task SDK 1.3.2): a float is
/// truncated as Python's `int()` does (`5432.5` → 5432). Deviation: Python accepts any integer; here one
/// outside 0..=65535 is an error.
fn json_port(value: &Value) -> Result<u16, ConnectionError> {
    match value {
        Value::String(s) => port_from_str(s),
        Value::Bool(b) => Ok(u16::from(*b)),
        Value::Number(n) => match json_integer(n) {
            Some(i) => port_in_range(i),
            None => {
                let f = n.as_f64().unwrap_or(f64::NAN).trunc();
                if f.abs() < 1e30 {
                    // Integral and far below i128's limit, so the cast is exact.
                    port_in_range(f as i128)
                } else {
                    // JSON has no NaN or infinity: only a huge float gets here.
                    Err(ConnectionError::PortOutOfRange)
                }
            }
        },
        other => Err(ConnectionError::PortNotIntegerValue {
            found: json_type_name(other),
        }),
    }
}

impl Connection {
    /// Parses Airflow's JSON connection form with the default ([`TaskSdk`](ConnectionFlavor::TaskSdk))
    /// flavour. See [`from_json_as`](Self::from_json_as).
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let c = Connection::from_json("db", r#"{"conn_type": "postgresql", "host": "h", "port": "5432",
    ///                                       "extra": {"sslmode": "require"}}"#)?;
    /// assert_eq!(c.conn_type.as_deref(), Some("postgres"));
    /// assert_eq!(c.port, Some(5432));
    /// assert_eq!(c.extra.as_deref(), Some(r#"{"sslmode": "require"}"#));
    /// # Ok::<(), airflow_secrets_core::ConnectionError>(())
    /// ```
    pub fn from_json(conn_id: &str, json: &str) -> Result<Self, ConnectionError> {
        Self::from_json_as(conn_id, json, ConnectionFlavor::default())
    }

    /// Parses Airflow's JSON connection form as `Connection.from_json` does.
    ///
    /// * Keys: `conn_type`, `description`, `host`, `schema`, `login`, `password`, `port`, `extra`, `uri`;
    ///   any other key (including `conn_id`) is [`ConnectionError::UnexpectedKeys`].
    /// * `extra`: a string is kept verbatim, any other truthy value is `json.dumps`ed; a falsy one
    ///   (`null`, `""`, `{}`) means no extra.
    /// * `conn_type` is normalised (`postgresql` → `postgres`, `-` → `_`); a falsy one means none.
    /// * `port` (both classes, as task SDK 1.3.2 and Airflow 3.3.2 do): a falsy value (`0`, `""`,
    ///   `false`, `null`) means none; anything else goes through Python's `int()` — an integer, a string
    ///   `int()` accepts (`" 5432 "`, `"+5_432"`), a float (truncated: `5432.5` → 5432) or `true` (1) —
    ///   and must be in 0..=65535.
    /// * `uri`: the connection is parsed from it ([`from_uri_as`](Self::from_uri_as)); other fields
    ///   alongside are [`ConnectionError::UriMixedWithFields`] (task SDK: any other key; ORM: only a
    ///   truthy `conn_type`, `host`, `login`, `password`, `schema`, `port` or `extra`; a `description`
    ///   is kept).
    /// * Other fields must be strings or `null`. ORM: a falsy password means none, and a non-empty extra
    ///   must be a JSON object.
    ///
    /// ```
    /// use airflow_secrets_core::{Connection, ConnectionError, ConnectionFlavor};
    /// let orm = Connection::from_json_as("c", r#"{"password": "", "port": 0}"#, ConnectionFlavor::Orm)?;
    /// assert_eq!((orm.password, orm.port), (None, None));
    /// let sdk = Connection::from_json_as("c", r#"{"password": "", "port": 0}"#, ConnectionFlavor::TaskSdk)?;
    /// assert_eq!(sdk.password.as_ref().map(|p| p.expose()), Some(""));
    /// assert_eq!(sdk.port, None); // a falsy port is none (task SDK 1.3.2)
    /// let float = Connection::from_json("c", r#"{"port": 5432.5}"#)?;
    /// assert_eq!(float.port, Some(5432)); // Python's int()
    /// let err = Connection::from_json("c", r#"{"host": "h", "passwd": "x"}"#).unwrap_err();
    /// assert_eq!(err, ConnectionError::UnexpectedKeys { keys: vec!["passwd".into()] });
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn from_json_as(
        conn_id: &str,
        json: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Self, ConnectionError> {
        let value = parse_json(json, |line, column, reason| ConnectionError::InvalidJson {
            line,
            column,
            reason,
        })?;
        let Value::Object(map) = value else {
            return Err(ConnectionError::JsonNotObject {
                found: json_type_name(&value),
            });
        };
        let unexpected: Vec<String> = map
            .keys()
            .filter(|k| !ACCEPTED_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        if !unexpected.is_empty() {
            return Err(ConnectionError::UnexpectedKeys { keys: unexpected });
        }
        let orm = flavor == ConnectionFlavor::Orm;

        let extra = match map.get("extra") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(v) if is_truthy(v) => Some(crate::pyjson::dumps(v)),
            _ => None,
        };
        let conn_type = match map.get("conn_type") {
            Some(Value::String(s)) if !s.is_empty() => Some(normalize_conn_type(s)),
            Some(v) if is_truthy(v) => return Err(wrong_type("conn_type", v)),
            _ => None,
        };
        // `port_given`: whether Python still passes a `port` keyword to the constructor.
        // Both classes: `if port: kwargs["port"] = int(port)` (a falsy port — 0, "", false — is none).
        let (port, port_given) = match map.get("port") {
            Some(v) if is_truthy(v) => {
                let p = json_port(v)?;
                (Some(p), p != 0)
            }
            _ => (None, false),
        };

        let uri = match map.get("uri") {
            Some(Value::String(s)) if !(orm && s.is_empty()) => Some(s.as_str()),
            Some(v) if (orm && is_truthy(v)) || (!orm && !v.is_null()) => {
                return Err(wrong_type("uri", v));
            }
            _ => None,
        };
        if let Some(uri) = uri {
            let mixed: Vec<&'static str> = ACCEPTED_KEYS
                .iter()
                .copied()
                .filter(|&key| {
                    let Some(v) = map.get(key) else { return false };
                    match key {
                        "uri" => false,
                        "conn_type" => conn_type.is_some(),
                        "extra" => extra.is_some(),
                        "port" => port_given,
                        "description" => !orm,
                        _ => !orm || is_truthy(v),
                    }
                })
                .collect();
            if !mixed.is_empty() {
                return Err(ConnectionError::UriMixedWithFields { fields: mixed });
            }
            let description = opt_string(&map, "description")?;
            let mut conn = Self::from_uri_as(conn_id, uri, flavor)?;
            conn.description = description;
            return Ok(conn);
        }

        let password = match map.get("password") {
            Some(v) if orm && !is_truthy(v) => None,
            _ => opt_string(&map, "password")?,
        };
        if orm && let Some(extra) = &extra {
            validate_orm_extra(extra)?;
        }
        Ok(Connection {
            conn_id: conn_id.to_owned(),
            conn_type,
            description: opt_string(&map, "description")?,
            host: opt_string(&map, "host")?,
            schema: opt_string(&map, "schema")?,
            login: opt_string(&map, "login")?,
            password: password.map(SecretValue::from),
            port,
            extra,
            flavor,
        })
    }

    /// Python's `to_dict(prune_empty=...)`: `conn_id`, `conn_type`, `description`, `host`, `login`,
    /// `password`, `schema`, `port`, then `extra` as [`extra_dejson`](Self::extra_dejson) decodes it.
    ///
    /// With `prune_empty`, `None` fields are left out (`""` and `0` are kept) and `extra` only appears when
    /// it decodes to something non-empty. **The result contains the password.**
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let c = Connection::new("c").with_host("h").with_port(0);
    /// assert_eq!(c.to_dict(true), serde_json::json!({"conn_id": "c", "host": "h", "port": 0}));
    /// assert_eq!(c.to_dict(false)["extra"], serde_json::json!({}));
    /// ```
    pub fn to_dict(&self, prune_empty: bool) -> Value {
        let mut map = Map::new();
        map.insert("conn_id".into(), Value::String(self.conn_id.clone()));
        self.fill_dict(&mut map, prune_empty);
        Value::Object(map)
    }

    /// Python's `as_json()`: `json.dumps` of `to_dict(prune_empty=True)` without `conn_id`, with Python's
    /// separators and escaping. **The result contains the password.**
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// assert_eq!(Connection::from_uri("c", "aws://")?.as_json(), r#"{"conn_type": "aws", "host": "", "schema": ""}"#);
    /// # Ok::<(), airflow_secrets_core::ConnectionError>(())
    /// ```
    pub fn as_json(&self) -> String {
        let mut map = Map::new();
        self.fill_dict(&mut map, true);
        crate::pyjson::dumps(&map)
    }

    fn fill_dict(&self, map: &mut Map<String, Value>, prune_empty: bool) {
        let fields = [
            ("conn_type", self.conn_type.as_deref()),
            ("description", self.description.as_deref()),
            ("host", self.host.as_deref()),
            ("login", self.login.as_deref()),
            ("password", self.password.as_ref().map(SecretValue::expose)),
            ("schema", self.schema.as_deref()),
        ];
        for (key, value) in fields {
            match value {
                Some(s) => _ = map.insert(key.into(), Value::String(s.to_owned())),
                None if !prune_empty => _ = map.insert(key.into(), Value::Null),
                None => {}
            }
        }
        match self.port {
            Some(p) => _ = map.insert("port".into(), Value::from(p)),
            None if !prune_empty => _ = map.insert("port".into(), Value::Null),
            None => {}
        }
        let extra = self.dejson_value();
        if !prune_empty || is_truthy(&extra) {
            map.insert("extra".into(), extra);
        }
    }
}
