//! The URI form: `from_uri` (Airflow's `_parse_from_uri` / `from_uri`) and `get_uri`.

use indexmap::IndexMap;

use super::error::ConnectionError;
use super::extra::{EXTRA_KEY, validate_orm_extra};
use super::pyurl::{self, PortError, SplitResult};
use super::query_json::decoded_query_value;
use super::{Connection, ConnectionFlavor};
use crate::SecretValue;

/// Airflow's `_normalize_conn_type`: `postgresql` becomes `postgres`, otherwise `-` becomes `_`.
pub(crate) fn normalize_conn_type(conn_type: &str) -> String {
    if conn_type == "postgresql" {
        "postgres".to_owned()
    } else {
        conn_type.replace('-', "_")
    }
}

/// Airflow's `_parse_netloc_to_hostname`: the unquoted, lower-cased hostname, unless it contains `/`, in
/// which case the raw netloc after the last `@` and before the first `:`, unquoted, case kept.
fn parse_netloc_to_hostname(parts: &SplitResult) -> String {
    let hostname = pyurl::unquote(parts.hostname().as_deref().unwrap_or_default()).into_owned();
    if !hostname.contains('/') {
        return hostname;
    }
    let netloc = parts.netloc.as_str();
    let host = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    pyurl::unquote(host).into_owned()
}

/// `json.dumps(query)`. ORM (3.3.2): each non-empty value that is JSON is written as the value it
/// decodes to (`?n=5&b=true&s=x` → `{"n": 5, "b": true, "s": "x"}`); task SDK: every value is a string.
fn query_extra(query: &IndexMap<String, String>, flavor: ConnectionFlavor) -> String {
    let mut extra = String::from("{");
    for (n, (key, value)) in query.iter().enumerate() {
        if n > 0 {
            extra.push_str(", ");
        }
        extra.push_str(&crate::pyjson::dumps(key));
        extra.push_str(": ");
        let decoded = match flavor {
            ConnectionFlavor::Orm => decoded_query_value(value),
            ConnectionFlavor::TaskSdk => None,
        };
        extra.push_str(&decoded.unwrap_or_else(|| crate::pyjson::dumps(value)));
    }
    extra.push('}');
    extra
}

/// Python's `s[1:]`: everything after the first character.
fn skip_first_char(s: &str) -> &str {
    s.chars().next().map_or("", |c| &s[c.len_utf8()..])
}

/// `unquote(x) if x else x`.
fn unquote_nonempty(x: Option<&str>) -> Option<String> {
    x.map(|x| pyurl::unquote(x).into_owned())
}

impl Connection {
    /// Parses an Airflow connection URI with the default ([`TaskSdk`](ConnectionFlavor::TaskSdk))
    /// flavour. See [`from_uri_as`](Self::from_uri_as).
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let c = Connection::from_uri("spark", "spark://k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster")?;
    /// assert_eq!(c.host.as_deref(), Some("k8s://100.68.0.1"));
    /// assert_eq!(c.port, Some(443));
    /// assert_eq!(c.extra.as_deref(), Some(r#"{"deploy-mode": "cluster"}"#));
    /// # Ok::<(), airflow_secrets_core::ConnectionError>(())
    /// ```
    pub fn from_uri(conn_id: &str, uri: &str) -> Result<Self, ConnectionError> {
        Self::from_uri_as(conn_id, uri, ConnectionFlavor::default())
    }

    /// Parses an Airflow connection URI exactly as Airflow's `Connection(uri=...)` / `from_uri` does,
    /// quirks included:
    ///
    /// * the scheme is lower-cased and normalised (`postgresql` → `postgres`, `-` → `_`); a scheme must
    ///   start with a letter and contain only letters, digits, `+`, `-`, `.`, so `google_cloud_platform://h`
    ///   has *no* scheme and gives garbage fields (spell types with `-` in URIs);
    /// * a second `://` gives the host a protocol (`spark://k8s://10.0.0.1:443` → host `k8s://10.0.0.1`);
    /// * the host is lower-cased unless it contains an encoded `/`; IPv6 brackets are removed;
    /// * login, password and schema are percent-decoded (`+` stays `+`); query values are form-decoded
    ///   (`+` is a space); for a repeated query key the last value wins;
    /// * `?__extra__=<json>` gives the extra verbatim, other parameters are then ignored; otherwise the
    ///   query becomes `json.dumps` of a string-to-string object.
    ///
    /// [`Orm`](ConnectionFlavor::Orm): an empty password becomes `None`, and an extra that is not a JSON
    /// object is an error.
    ///
    /// ```
    /// use airflow_secrets_core::{Connection, ConnectionFlavor};
    /// let sdk = Connection::from_uri_as("c", "http://user:@HOST:80/db", ConnectionFlavor::TaskSdk)?;
    /// let orm = Connection::from_uri_as("c", "http://user:@HOST:80/db", ConnectionFlavor::Orm)?;
    /// assert_eq!(sdk.host.as_deref(), Some("host"));
    /// assert_eq!(sdk.password.as_ref().map(|p| p.expose()), Some(""));
    /// assert!(orm.password.is_none());
    /// # Ok::<(), airflow_secrets_core::ConnectionError>(())
    /// ```
    pub fn from_uri_as(
        conn_id: &str,
        uri: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Self, ConnectionError> {
        let invalid_url = |reason| ConnectionError::InvalidUrl { reason };
        let separators = uri.matches("://").count();
        if separators > 2 {
            return Err(ConnectionError::InvalidUri {
                reason: "more than two '://' separators",
            });
        }
        let host_with_protocol = separators == 2;
        let scheme = pyurl::urlsplit(uri).map_err(invalid_url)?.scheme;
        let rest = uri.replace(
            &format!("{scheme}://"),
            if host_with_protocol { "" } else { "//" },
        );
        if host_with_protocol {
            let before = rest.split_once("://").map_or(rest.as_str(), |(b, _)| b);
            if before.contains(['@', ':']) {
                return Err(ConnectionError::InvalidUri {
                    reason: "the part before the host's own '://' contains '@' or ':' \
                             (credentials go after the host's protocol, not before it)",
                });
            }
        }
        let parts = pyurl::urlsplit(&rest).map_err(invalid_url)?;
        let host = parse_netloc_to_hostname(&parts);
        let host = if host_with_protocol && !parts.scheme.is_empty() && !host.is_empty() {
            format!("{}://{host}", parts.scheme)
        } else {
            host
        };
        let schema = pyurl::unquote(skip_first_char(&parts.path)).into_owned();
        let login = unquote_nonempty(parts.username());
        let mut password = unquote_nonempty(parts.password());
        if flavor == ConnectionFlavor::Orm && password.as_deref() == Some("") {
            password = None;
        }
        let port = parts.port().map_err(|e| match e {
            PortError::NotInteger => ConnectionError::PortNotInteger,
            PortError::OutOfRange => ConnectionError::PortOutOfRange,
        })?;
        let extra = if parts.query.is_empty() {
            None
        } else {
            // `dict(parse_qsl(...))`: a repeated key keeps its first position and its last value.
            let mut query: IndexMap<String, String> = IndexMap::new();
            for (k, v) in pyurl::parse_qsl(&parts.query, true) {
                query.insert(k, v);
            }
            Some(match query.get(EXTRA_KEY) {
                Some(verbatim) => verbatim.clone(),
                None => query_extra(&query, flavor),
            })
        };
        if flavor == ConnectionFlavor::Orm
            && let Some(extra) = extra.as_deref().filter(|e| !e.is_empty())
        {
            validate_orm_extra(extra)?;
        }
        Ok(Connection {
            conn_id: conn_id.to_owned(),
            conn_type: Some(normalize_conn_type(&scheme)),
            description: None,
            host: Some(host),
            schema: Some(schema),
            login,
            password: password.map(SecretValue::from),
            port,
            extra,
            flavor,
        })
    }

    /// The connection as an Airflow URI, exactly as Airflow's `get_uri()` writes it.
    ///
    /// **The result contains the password** (percent-encoded) and every extra value: treat it as a
    /// secret. Use `to_string()` ([`Display`](std::fmt::Display)) for a redacted form to log.
    ///
    /// * The type is written with `_` as `-` (`google_cloud_platform` → `google-cloud-platform://`);
    ///   no type gives `//`.
    /// * Login, password, host and schema are quoted with nothing safe (`/`, `@`, `:`, space → `%2F`,
    ///   `%40`, `%3A`, `%20`).
    /// * The extra becomes query parameters (form-encoded, space as `+`) when it decodes to an object of
    ///   strings only; otherwise it is carried whole as `__extra__=<the original extra string>`.
    ///
    /// ```
    /// use airflow_secrets_core::Connection;
    /// let c = Connection::new("x")
    ///     .with_conn_type("google_cloud_platform")
    ///     .with_login("me@corp")
    ///     .with_password("p w/d")
    ///     .with_extra(r#"{"scope": "a b", "n": 1}"#);
    /// assert_eq!(
    ///     c.get_uri(),
    ///     "google-cloud-platform://me%40corp:p%20w%2Fd@/?__extra__=%7B%22scope%22%3A+%22a+b%22%2C+%22n%22%3A+1%7D"
    /// );
    /// ```
    pub fn get_uri(&self) -> String {
        self.render_uri(false)
    }

    /// `get_uri`, optionally with the password and extra values replaced by `***`.
    pub(crate) fn render_uri(&self, redact: bool) -> String {
        let conn_type = self.conn_type.as_deref().filter(|t| !t.is_empty());
        let mut uri = match conn_type {
            Some(t) => format!("{}://", t.to_lowercase().replace('_', "-")),
            None => "//".to_owned(),
        };

        let mut host = self.host.as_deref();
        if let Some((protocol, rest)) = self.host.as_deref().and_then(|h| h.split_once("://")) {
            // Both classes (task SDK 1.3.2, Airflow 3.3.2) keep a host whose protocol is the type whole.
            let keep_whole = Some(protocol) == self.conn_type.as_deref();
            if !keep_whole {
                host = Some(rest);
                if !protocol.is_empty() {
                    uri.push_str(protocol);
                    uri.push_str("://");
                }
            }
        }

        let mut authority = String::new();
        if let Some(login) = &self.login {
            authority.push_str(&pyurl::quote(login, ""));
        }
        if let Some(password) = &self.password {
            authority.push(':');
            authority.push_str(&if redact {
                "***".to_owned()
            } else {
                pyurl::quote(password.expose(), "")
            });
        }
        if !authority.is_empty() {
            uri.push_str(&authority);
            uri.push('@');
        }

        let mut host_block = match host.filter(|h| !h.is_empty()) {
            Some(h) => pyurl::quote(h, ""),
            None => String::new(),
        };
        // Both classes write `if self.port:` (task SDK 1.3.2 too): port 0 is not written.
        let port = self.port.filter(|p| *p != 0);
        if let Some(port) = port {
            let at = if host_block.is_empty() && authority.is_empty() {
                "@"
            } else {
                ""
            };
            host_block.push_str(&format!("{at}:{port}"));
        }
        let schema = self.schema.as_deref().filter(|s| !s.is_empty());
        if let Some(schema) = schema {
            host_block.push('/');
            host_block.push_str(&pyurl::quote(schema, ""));
        }
        uri.push_str(&host_block);

        if let Some(query) = self.extra_query(redact) {
            uri.push_str(if schema.is_some() { "?" } else { "/?" });
            uri.push_str(&query);
        }
        uri
    }
}
