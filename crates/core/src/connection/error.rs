//! [`ConnectionError`]: why a connection URI or JSON could not be parsed.

use super::pyurl::UrlSplitError;

/// Why a connection URI or JSON could not be parsed.
///
/// Each message starts with Airflow's own wording where Airflow has one (so users recognise it), but
/// **never contains the input**: no URI, no JSON text, no field value. Airflow's `Invalid connection
/// string: <uri>.` echoes the whole URI, password included; ours says what is wrong instead. JSON key
/// *names* and value *types* are shown, values never are.
///
/// ```
/// use airflow_secrets_core::{Connection, ConnectionError};
/// let err = Connection::from_uri("db", "mysql://user:s3cr/et@host/db").unwrap_err();
/// assert_eq!(err, ConnectionError::PortNotInteger);
/// assert!(err.to_string().starts_with("Port could not be cast to integer value"));
/// assert!(!err.to_string().contains("s3cr"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The stored value is empty or whitespace only (Airflow fails with an `IndexError`).
    #[error("Invalid connection string: the value is empty or whitespace only")]
    Empty,

    /// The URI breaks one of Airflow's own rules (`AirflowException("Invalid connection string: ...")`):
    /// more than two `://`, or `@`/`:` before the host's own `://`.
    #[error("Invalid connection string: {reason}")]
    InvalidUri {
        /// What is wrong, without the URI.
        reason: &'static str,
    },

    /// Python's `urlsplit` refused the URI (`ValueError`, e.g. `Invalid IPv6 URL`).
    #[error("Invalid connection string: {}", reason.message())]
    InvalidUrl {
        /// Which `urlsplit` check failed.
        reason: UrlSplitError,
    },

    /// The URI's port is not made of ASCII digits (Python: `Port could not be cast to integer value as
    /// '<text>'`). The text is not shown: with an unescaped `/`, `?`, `#` or `@` in a password, the
    /// "port" is part of the password.
    #[error(
        "Port could not be cast to integer value: the text after ':' in the URI's host part is not a number \
         (if the password contains '/', '?', '#' or '@', percent-encode them)"
    )]
    PortNotInteger,

    /// A port (from a URI or JSON) outside 0..=65535.
    #[error("Port out of range 0-65535")]
    PortOutOfRange,

    /// The JSON `port` is not an integer nor a string holding one (Python: ``Expected integer value for
    /// `port`, but got <repr> instead.``).
    #[error("Expected integer value for `port`, but got {found} instead")]
    PortNotIntegerValue {
        /// The JSON type found (`a string that is not an integer`, `a float`, `a boolean`, ...).
        found: &'static str,
    },

    /// The connection JSON does not parse.
    #[error("Invalid connection JSON at line {line}, column {column}: {reason}")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected, e.g. `expected value`.
        reason: &'static str,
    },

    /// The connection JSON parses but is not an object.
    #[error("Invalid connection JSON: expected an object, but got {found}")]
    JsonNotObject {
        /// The JSON type found.
        found: &'static str,
    },

    /// The connection JSON has keys `Connection` does not accept (Python: `TypeError: ... got an
    /// unexpected keyword argument`). `conn_id` is one: it is given separately.
    #[error(
        "Invalid connection JSON: unexpected key(s) {}; accepted keys are: conn_type, description, host, \
         schema, login, password, port, extra, uri",
        keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
    )]
    UnexpectedKeys {
        /// The offending key names, in document order.
        keys: Vec<String>,
    },

    /// A JSON field has the wrong type (Airflow would store it unchecked or fail later).
    #[error("Invalid connection JSON: `{field}` must be {expected}, but got {found}")]
    WrongFieldType {
        /// The key.
        field: &'static str,
        /// What is accepted.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },

    /// The JSON has a `uri` and other fields.
    #[error(
        "You must create an object using the URI or individual values (conn_type, host, login, password, \
         schema, port or extra). You can't mix these two ways to create this object. (also given: {})",
        fields.join(", ")
    )]
    UriMixedWithFields {
        /// The other fields that were given.
        fields: Vec<&'static str>,
    },

    /// ORM flavour: `extra` is not JSON (Python: ``Encountered non-JSON in `extra` field for connection
    /// '<id>'.``).
    #[error("Encountered non-JSON in `extra` field ({reason} at line {line}, column {column})")]
    ExtraNotJson {
        /// 1-based line within the extra string.
        line: usize,
        /// 1-based column within the extra string.
        column: usize,
        /// What the parser expected.
        reason: &'static str,
    },

    /// ORM flavour: `extra` is JSON but not an object.
    #[error(
        "Encountered JSON value in `extra` which does not parse as a dictionary (got {found}). The `extra` \
         field must contain a JSON representation of a Python dict."
    )]
    ExtraNotObject {
        /// The JSON type found.
        found: &'static str,
    },
}

/// The message of a `serde_json` syntax error, as a static string (so no input can leak through it).
pub(crate) fn json_error_reason(err: &serde_json::Error) -> &'static str {
    const KNOWN: [&str; 20] = [
        "EOF while parsing a list",
        "EOF while parsing an object",
        "EOF while parsing a string",
        "EOF while parsing a value",
        "expected `:`",
        "expected `,` or `]`",
        "expected `,` or `}`",
        "expected ident",
        "expected value",
        "expected `\"`",
        "invalid escape",
        "invalid number",
        "number out of range",
        "invalid unicode code point",
        "control character (\\u0000-\\u001F) found while parsing a string",
        "key must be a string",
        "lone leading surrogate in hex escape",
        "trailing comma",
        "trailing characters",
        "unexpected end of hex escape",
    ];
    let message = err.to_string();
    KNOWN
        .iter()
        .find(|known| message.starts_with(*known))
        .copied()
        .unwrap_or(if message.starts_with("recursion limit exceeded") {
            "recursion limit exceeded"
        } else {
            "syntax error"
        })
}

/// Parses `text` as JSON, mapping a syntax error through `make`.
pub(crate) fn parse_json(
    text: &str,
    make: impl FnOnce(usize, usize, &'static str) -> ConnectionError,
) -> Result<serde_json::Value, ConnectionError> {
    serde_json::from_str(text).map_err(|e| make(e.line(), e.column(), json_error_reason(&e)))
}
