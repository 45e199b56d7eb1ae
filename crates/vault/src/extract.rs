//! What is read from a KV secret (spec §1.5): `conn_uri` or the whole secret for connections, `value`
//! for variables and config.

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::{Error, SecretKind, SecretValue, pyjson};
use serde_json::Value;

use crate::BACKEND;

/// Turns the KV data of the lookup `ctx` into the value Airflow's `VaultBackend` returns for its kind.
///
/// * `null`: not found; an empty object: not found for variables and config (Airflow: `if not response:
///   return None`), and for connections the empty JSON object `{}` — an empty connection, as Airflow's
///   `get_conn_value` returns `json.dumps({})` for an empty secret.
/// * connections: a truthy `conn_uri` verbatim, else the whole secret as Python's `json.dumps` writes
///   it, which the core parses with `Connection.from_json` (Airflow's `get_conn_value`);
/// * variables and config: the `value` field; a non-string JSON value is returned as its JSON text; a
///   secret without `value` is logged (without its content) and counts as not found.
pub(crate) fn extract(ctx: &LookupContext, data: Value) -> Result<Option<SecretValue>, Error> {
    let (kind, key) = (ctx.kind(), ctx.key());
    let map = match data {
        Value::Null => return Ok(None),
        Value::Object(map) if map.is_empty() && kind != SecretKind::Connection => return Ok(None),
        Value::Object(map) => map,
        _ => {
            return Err(ctx.malformed("the KV secret data is not a JSON object"));
        }
    };
    match kind {
        SecretKind::Connection => match map.get("conn_uri") {
            Some(Value::String(uri)) if !uri.is_empty() => Ok(Some(SecretValue::new(uri.clone()))),
            Some(v) if truthy(v) => Err(ctx.malformed("`conn_uri` must be a string")),
            _ => Ok(Some(SecretValue::new(pyjson::dumps(&Value::Object(map))))),
        },
        SecretKind::Variable | SecretKind::Config => match map.get("value") {
            None => {
                let what = if kind == SecretKind::Config {
                    "config"
                } else {
                    "secret"
                };
                tracing::warn!(
                    backend = BACKEND,
                    %kind,
                    key,
                    "Vault {what} {key} fetched but does not have required key \"value\""
                );
                Ok(None)
            }
            Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(SecretValue::new(s.clone()))),
            Some(other) => Ok(Some(SecretValue::new(pyjson::dumps(other)))),
        },
    }
}

/// Python truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(kind: SecretKind) -> LookupContext {
        LookupContext::new(BACKEND, kind, "k", "/v1/secret/data/k")
    }

    fn get(kind: SecretKind, data: Value) -> Option<String> {
        extract(&ctx(kind), data)
            .unwrap()
            .map(|v| v.expose().to_owned())
    }

    #[test]
    fn connections_prefer_conn_uri_else_python_json() {
        let uri = "postgresql://user:p%40ss@db.example.com:5432/mydb";
        assert_eq!(
            get(SecretKind::Connection, json!({"conn_uri": uri, "x": 1})).as_deref(),
            Some(uri)
        );
        assert_eq!(
            get(
                SecretKind::Connection,
                json!({"conn_type": "postgres", "port": "5432", "host": "é"})
            )
            .as_deref(),
            Some(r#"{"conn_type": "postgres", "port": "5432", "host": "\u00e9"}"#)
        );
        assert_eq!(
            get(
                SecretKind::Connection,
                json!({"conn_uri": "", "conn_type": "http"})
            )
            .as_deref(),
            Some(r#"{"conn_uri": "", "conn_type": "http"}"#)
        );
        // hashicorp 4.8.4: an empty secret is `json.dumps({})`, an empty connection.
        assert_eq!(
            get(SecretKind::Connection, json!({})).as_deref(),
            Some("{}")
        );
        assert_eq!(get(SecretKind::Connection, Value::Null), None);
        assert!(extract(&ctx(SecretKind::Connection), json!({"conn_uri": 5})).is_err());
    }

    #[test]
    fn variables_and_config_read_value() {
        assert_eq!(
            get(SecretKind::Variable, json!({"value": "v"})).as_deref(),
            Some("v")
        );
        assert_eq!(
            get(SecretKind::Variable, json!({"value": ""})).as_deref(),
            Some("")
        );
        assert_eq!(
            get(SecretKind::Config, json!({"value": {"a": [1, 2.0]}})).as_deref(),
            Some(r#"{"a": [1, 2.0]}"#)
        );
        assert_eq!(
            get(SecretKind::Variable, json!({"value": true})).as_deref(),
            Some("true")
        );
        assert_eq!(get(SecretKind::Variable, json!({"value": null})), None);
        assert_eq!(get(SecretKind::Variable, json!({"other": "v"})), None);
        assert_eq!(get(SecretKind::Config, json!({"other": "v"})), None);
        assert!(extract(&ctx(SecretKind::Variable), json!(["x"])).is_err());
    }
}
