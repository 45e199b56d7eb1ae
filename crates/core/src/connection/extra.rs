//! The `extra` field: decoding (`extra_dejson`), the ORM validation, and its URI query form.

use serde_json::{Map, Value};

use super::Connection;
use super::error::{ConnectionError, parse_json};
use super::pystr::json_type_name;
use super::pyurl::{quote_plus, urlencode};

/// Airflow's `EXTRA_KEY`: the query parameter carrying the whole extra string verbatim.
pub(crate) const EXTRA_KEY: &str = "__extra__";

/// ORM flavour (`_validate_extra`): a non-empty extra must be a JSON object.
pub(crate) fn validate_orm_extra(extra: &str) -> Result<(), ConnectionError> {
    let value = parse_json(extra, |line, column, reason| {
        ConnectionError::ExtraNotJson {
            line,
            column,
            reason,
        }
    })?;
    if value.is_object() {
        Ok(())
    } else {
        Err(ConnectionError::ExtraNotObject {
            found: json_type_name(&value),
        })
    }
}

impl Connection {
    /// `json.loads(extra)`; `None` when the extra is absent, empty or not JSON.
    pub(crate) fn parsed_extra(&self) -> Option<Value> {
        let extra = self.extra.as_deref().filter(|e| !e.is_empty())?;
        serde_json::from_str(extra).ok()
    }

    /// Python's `extra_dejson` as a JSON value, for `to_dict`: whatever the extra decodes to (an object in
    /// practice; the task SDK does not forbid other JSON), `{}` when absent or not JSON. Both classes
    /// (task SDK 1.3.2, Airflow 3.3.2) decode the extra once: string values stay strings.
    pub(crate) fn dejson_value(&self) -> Value {
        self.parsed_extra()
            .unwrap_or_else(|| Value::Object(Map::new()))
    }

    /// The decoded `extra`, keys in their original order (Python's `extra_dejson`).
    ///
    /// * An absent, empty or non-JSON extra gives an empty map (Airflow logs the decoding error and does
    ///   the same). An extra that is JSON but not an object (possible in the task-SDK flavour only) also
    ///   gives an empty map here; [`to_dict`](Self::to_dict) reports it as it is.
    /// * String values stay strings in both flavours (`{"k": "9"}` gives `"9"`). What differs is the extra
    ///   a URI gives: the [`Orm`](super::ConnectionFlavor::Orm) flavour, as Airflow 3.3.2, reads each query value
    ///   as JSON when it is JSON, so `?timeout=30&ssl=true` gives `30` and `true`; the
    ///   [`TaskSdk`](super::ConnectionFlavor::TaskSdk) flavour keeps `"30"` and `"true"`.
    ///
    /// ```
    /// use airflow_secrets_core::{Connection, ConnectionFlavor};
    /// let sdk = Connection::from_uri("c", "http://h/?timeout=30&name=x")?;
    /// assert_eq!(serde_json::Value::Object(sdk.extra_dejson()), serde_json::json!({"timeout": "30", "name": "x"}));
    /// let orm = Connection::from_uri_as("c", "http://h/?timeout=30&name=x", ConnectionFlavor::Orm)?;
    /// assert_eq!(serde_json::Value::Object(orm.extra_dejson()), serde_json::json!({"timeout": 30, "name": "x"}));
    /// let orm = Connection::from_json_as("c", r#"{"extra": {"k": "9"}}"#, ConnectionFlavor::Orm)?;
    /// assert_eq!(serde_json::Value::Object(orm.extra_dejson()), serde_json::json!({"k": "9"}));
    /// # Ok::<(), airflow_secrets_core::ConnectionError>(())
    /// ```
    pub fn extra_dejson(&self) -> Map<String, Value> {
        match self.dejson_value() {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// The query part `get_uri` appends, without `?`: `urlencode(extra_dejson)` when the decoded extra is
    /// a non-empty object of strings only, otherwise `__extra__=<the original extra string>`. `None` when
    /// the extra is absent or empty. With `redact`, every value is written as `***`.
    pub(crate) fn extra_query(&self, redact: bool) -> Option<String> {
        let extra = self.extra.as_deref().filter(|e| !e.is_empty())?;
        let dejson = self.dejson_value();
        let plain = dejson
            .as_object()
            .filter(|map| !map.is_empty() && map.values().all(Value::is_string));
        Some(match (plain, redact) {
            (Some(map), false) => urlencode(
                map.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())),
            ),
            (Some(map), true) => map
                .keys()
                .map(|k| format!("{}=***", quote_plus(k, "")))
                .collect::<Vec<_>>()
                .join("&"),
            (None, false) => urlencode([(EXTRA_KEY, extra)]),
            (None, true) => format!("{EXTRA_KEY}=***"),
        })
    }
}
