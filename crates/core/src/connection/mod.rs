//! Airflow's `Connection`: parsing and writing the URI and JSON forms exactly as Airflow does.
//!
//! Airflow 3 has two `Connection` classes that disagree on a few inputs; [`ConnectionFlavor`] picks one.
//! The task-SDK class (what workers use) is the default.
//!
//! | | [`TaskSdk`](ConnectionFlavor::TaskSdk) | [`Orm`](ConnectionFlavor::Orm) |
//! |---|---|---|
//! | empty password (`user:@host`, `"password": ""`) | kept as `""` | dropped (`None`) |
//! | `extra` | not validated | must be a JSON object |
//! | URI query values (`?n=5&b=true&s=x`) | strings: `{"n": "5", "b": "true", "s": "x"}` | read as JSON when they are: `{"n": 5, "b": true, "s": "x"}` |
//! | `uri` mixed with fields in JSON | any other key is an error | only truthy `conn_type`/`host`/`login`/`password`/`schema`/`port`/`extra` are |
//!
//! ```
//! use airflow_secrets_core::Connection;
//!
//! let c = Connection::from_uri("my_db", "postgresql://user:p%40ss@DB.example.com:5432/app?sslmode=require")?;
//! assert_eq!(c.conn_type.as_deref(), Some("postgres"));
//! assert_eq!(c.host.as_deref(), Some("db.example.com"));
//! assert_eq!(c.password.as_ref().map(|p| p.expose()), Some("p@ss"));
//! assert_eq!(c.extra.as_deref(), Some(r#"{"sslmode": "require"}"#));
//! assert_eq!(c.get_uri(), "postgres://user:p%40ss@db.example.com:5432/app?sslmode=require");
//! // Printing a connection never shows the password or extra values.
//! assert_eq!(c.to_string(), "postgres://user:***@db.example.com:5432/app?sslmode=***");
//! # Ok::<(), airflow_secrets_core::ConnectionError>(())
//! ```

mod error;
mod extra;
pub(crate) mod json;
pub(crate) mod pystr;
pub mod pyurl;
mod query_json;
mod uri;

use std::fmt;

use serde_json::{Map, Value};

pub use error::ConnectionError;

use crate::SecretValue;

/// Which of Airflow 3's two `Connection` classes to imitate where they disagree (see the
/// [module documentation](self) for the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConnectionFlavor {
    /// `airflow.sdk.Connection` (task SDK, what workers use). The default.
    #[default]
    TaskSdk,
    /// `airflow.models.Connection` (the server-side ORM class) of Airflow 3.3.2.
    Orm,
}

/// An Airflow connection.
///
/// Build one from a URI ([`from_uri`](Self::from_uri)), from JSON ([`from_json`](Self::from_json)), from
/// a stored secret value ([`deserialize`](Self::deserialize)), or field by field with
/// [`new`](Self::new) and the `with_*` builders (which, like Python's constructor, store values as given:
/// no `conn_type` normalisation).
///
/// `Debug` and `Display` never show the password or the values of `extra`;
/// [`get_uri`](Self::get_uri), [`as_json`](Self::as_json) and [`to_dict`](Self::to_dict) do.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// The connection id.
    pub conn_id: String,
    /// The normalised connection type (`postgres`, `google_cloud_platform`, ...).
    pub conn_type: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// Host, possibly with its own protocol (`k8s://100.68.0.1`).
    pub host: Option<String>,
    /// Schema / database.
    pub schema: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// Password.
    pub password: Option<SecretValue>,
    /// Port.
    pub port: Option<u16>,
    /// The raw `extra` string (a JSON object in practice).
    pub extra: Option<String>,
    /// Which Airflow class this connection imitates.
    pub flavor: ConnectionFlavor,
}

impl Connection {
    /// An empty connection (every field `None`) of the default flavour.
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let c = Connection::new("my_api").with_conn_type("http").with_host("example.com").with_port(8080);
    /// assert_eq!(c.get_uri(), "http://example.com:8080");
    /// assert_eq!(Connection::new("empty").get_uri(), "//");
    /// ```
    pub fn new(conn_id: impl Into<String>) -> Self {
        Connection {
            conn_id: conn_id.into(),
            conn_type: None,
            description: None,
            host: None,
            schema: None,
            login: None,
            password: None,
            port: None,
            extra: None,
            flavor: ConnectionFlavor::default(),
        }
    }

    /// Sets the flavour.
    pub fn with_flavor(mut self, flavor: ConnectionFlavor) -> Self {
        self.flavor = flavor;
        self
    }

    /// Sets `conn_type` as given (not normalised, as Python's constructor).
    pub fn with_conn_type(mut self, conn_type: impl Into<String>) -> Self {
        self.conn_type = Some(conn_type.into());
        self
    }

    /// Sets `description`.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `host`.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets `schema`.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Sets `login`.
    pub fn with_login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self
    }

    /// Sets `password` as given (an empty password is kept even in the ORM flavour).
    pub fn with_password(mut self, password: impl Into<SecretValue>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets `port`.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the raw `extra` string.
    pub fn with_extra(mut self, extra: impl Into<String>) -> Self {
        self.extra = Some(extra.into());
        self
    }

    /// Sets `extra` to `json.dumps(map)`, as Python does when given a dict.
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let map = serde_json::json!({"region": "eu", "retries": 3});
    /// let c = Connection::new("aws").with_extra_map(map.as_object().unwrap().clone());
    /// assert_eq!(c.extra.as_deref(), Some(r#"{"region": "eu", "retries": 3}"#));
    /// ```
    pub fn with_extra_map(mut self, extra: Map<String, Value>) -> Self {
        self.extra = Some(crate::pyjson::dumps(&extra));
        self
    }

    /// Airflow's stored-value rule (`BaseSecretsBackend.deserialize_connection`): strip Python whitespace;
    /// a leading `{` means JSON ([`from_json_as`](Self::from_json_as)), anything else a URI
    /// ([`from_uri_as`](Self::from_uri_as)). An all-whitespace value is [`ConnectionError::Empty`].
    ///
    /// ```
    /// use airflow_secrets_core::{Connection, ConnectionError, ConnectionFlavor};
    /// let sdk = ConnectionFlavor::TaskSdk;
    /// let c = Connection::deserialize("a", "  mysql://h/db\n", sdk)?;
    /// assert_eq!(c.schema.as_deref(), Some("db"));
    /// let c = Connection::deserialize("b", r#" {"conn_type": "http", "port": "80"} "#, sdk)?;
    /// assert_eq!(c.port, Some(80));
    /// assert_eq!(Connection::deserialize("c", " \n", sdk), Err(ConnectionError::Empty));
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn deserialize(
        conn_id: &str,
        value: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Self, ConnectionError> {
        let value = pystr::py_strip(value);
        if value.is_empty() {
            Err(ConnectionError::Empty)
        } else if value.starts_with('{') {
            Self::from_json_as(conn_id, value, flavor)
        } else {
            Self::from_uri_as(conn_id, value, flavor)
        }
    }
}

/// `Debug` of a present password.
struct Masked;

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `Debug` of the `extra` field: its keys only.
struct ExtraKeys<'a>(&'a Connection);

impl fmt::Debug for ExtraKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.parsed_extra() {
            Some(Value::Object(map)) => {
                f.write_str("keys")?;
                f.debug_list().entries(map.keys()).finish()
            }
            _ => f.write_str("[REDACTED]"),
        }
    }
}

impl fmt::Debug for Connection {
    /// All fields, except that the password shows as `***` and `extra` as its keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("conn_id", &self.conn_id)
            .field("conn_type", &self.conn_type)
            .field("description", &self.description)
            .field("host", &self.host)
            .field("schema", &self.schema)
            .field("login", &self.login)
            .field("password", &self.password.as_ref().map(|_| Masked))
            .field("port", &self.port)
            .field("extra", &self.extra.as_ref().map(|_| ExtraKeys(self)))
            .field("flavor", &self.flavor)
            .finish()
    }
}

impl fmt::Display for Connection {
    /// The URI of [`get_uri`](Connection::get_uri) with the password written as `***` and every extra
    /// value as `***` (`__extra__=***` when the extra is not a flat string map).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_uri(true))
    }
}
