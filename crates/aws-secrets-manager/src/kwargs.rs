//! [`SecretsManagerKwargs`]: the backend kwargs exactly as Airflow's `SecretsManagerBackend` takes them
//! (its own, plus the AWS connection "extra" keys it forwards to boto3), as a typed struct.

use std::collections::BTreeMap;
use std::fmt;

use airflow_secrets_aws_session::AwsConnectionKwargs;
use airflow_secrets_core::Error;
use airflow_secrets_core::kwargs::{Kwargs, de};
use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::Value;

use crate::BACKEND;

/// The backend kwargs (`AIRFLOW__SECRETS__BACKEND_KWARGS`), with Airflow's defaults.
///
/// Read Airflow's kwargs object with [`SecretsManagerKwargs::from_kwargs`]: it takes the backend's own kwargs and
/// the AWS connection kwargs ([`AwsConnectionKwargs`]) together. This struct's serde `Deserialize`
/// reads the backend's own kwargs only, and refuses the AWS ones as unknown.
///
/// `Default` gives Airflow's defaults: the prefixes `airflow/connections`, `airflow/variables`,
/// `airflow/config`, separator `/`, no lookup patterns, no extra connection words, and every AWS option
/// unset (the AWS default chain decides). A prefix of `None` disables that kind of lookup (JSON `null`),
/// as in Airflow; an empty prefix reads the key itself as the secret name.
///
/// ```
/// use airflow_secrets_aws_secrets_manager::{AwsConnectionKwargs, SecretsManagerKwargs};
/// let kwargs = SecretsManagerKwargs {
///     variables_prefix: Some("prod/variables".into()),
///     config_prefix: None,
///     connection: AwsConnectionKwargs {
///         region_name: Some("eu-west-1".into()),
///         ..AwsConnectionKwargs::default()
///     },
///     ..SecretsManagerKwargs::default()
/// };
/// assert_eq!(kwargs.connections_prefix.as_deref(), Some("airflow/connections"));
///
/// // From Airflow's kwargs JSON: the backend's own keys and the AWS connection keys together.
/// let json = serde_json::json!({"sep": "_", "region_name": "eu-west-1",
///                               "extra_conn_words": {"user": ["principal"]}});
/// let parsed = SecretsManagerKwargs::from_kwargs(json.as_object().unwrap()).unwrap();
/// assert_eq!((parsed.sep.as_str(), parsed.connection.region_name.as_deref()), ("_", Some("eu-west-1")));
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsManagerKwargs {
    /// `connections_prefix` (default `"airflow/connections"`; `None` disables connection lookups).
    #[serde(default = "default_connections_prefix")]
    pub connections_prefix: Option<String>,
    /// `connections_lookup_pattern`: only conn_ids matching it (Python `re.match`, case-insensitive)
    /// are looked up.
    #[serde(default)]
    pub connections_lookup_pattern: Option<String>,
    /// `variables_prefix` (default `"airflow/variables"`; `None` disables variable lookups).
    #[serde(default = "default_variables_prefix")]
    pub variables_prefix: Option<String>,
    /// `variables_lookup_pattern`.
    #[serde(default)]
    pub variables_lookup_pattern: Option<String>,
    /// `config_prefix` (default `"airflow/config"`; `None` disables config lookups).
    #[serde(default = "default_config_prefix")]
    pub config_prefix: Option<String>,
    /// `config_lookup_pattern`.
    #[serde(default)]
    pub config_lookup_pattern: Option<String>,
    /// `sep`: joins prefix and key (default `"/"`); each prefix is `rstrip(sep)`ed first.
    #[serde(default = "default_sep")]
    pub sep: String,
    /// `extra_conn_words`: more key names per connection field for connections stored as JSON fields,
    /// e.g. `{"user": ["principal"], "password": ["secret"]}`. Keys: `login` (or `user`), `password`,
    /// `host`, `port`, `schema`, `conn_type`, `extra`.
    #[serde(default, deserialize_with = "extra_conn_words")]
    pub extra_conn_words: Option<BTreeMap<String, Vec<String>>>,
    /// `full_url_mode`: accepted for configurations written for older amazon providers; it has no
    /// effect, as in the pinned provider (a secret starting with `{` is read as JSON fields, any other
    /// as a connection URI). A warning says so.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub full_url_mode: Option<bool>,
    /// `are_secret_values_urlencoded`: accepted for older configurations, no effect (as
    /// `full_url_mode`).
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub are_secret_values_urlencoded: Option<bool>,
    /// The AWS connection kwargs (`region_name`, credentials, `role_arn`, `endpoint_url`, `verify`,
    /// `config_kwargs`, ...), which Airflow forwards to boto3. Not read by this struct's `Deserialize`
    /// (which takes the backend's own kwargs above): [`SecretsManagerKwargs::from_kwargs`] reads the
    /// whole kwargs object.
    #[serde(skip)]
    pub connection: AwsConnectionKwargs,
}

fn default_connections_prefix() -> Option<String> {
    Some("airflow/connections".into())
}
fn default_variables_prefix() -> Option<String> {
    Some("airflow/variables".into())
}
fn default_config_prefix() -> Option<String> {
    Some("airflow/config".into())
}
fn default_sep() -> String {
    "/".into()
}

impl SecretsManagerKwargs {
    /// Reads Airflow's kwargs object: unknown kwargs, wrong types and values are errors naming the
    /// kwarg (never its value).
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<SecretsManagerKwargs, Error> {
        let (mut own, connection) =
            airflow_secrets_aws_session::parse_kwargs::<SecretsManagerKwargs>(BACKEND, kwargs)?;
        own.connection = connection;
        Ok(own)
    }
}

impl Default for SecretsManagerKwargs {
    fn default() -> Self {
        SecretsManagerKwargs {
            connections_prefix: default_connections_prefix(),
            connections_lookup_pattern: None,
            variables_prefix: default_variables_prefix(),
            variables_lookup_pattern: None,
            config_prefix: default_config_prefix(),
            config_lookup_pattern: None,
            sep: default_sep(),
            extra_conn_words: None,
            full_url_mode: None,
            are_secret_values_urlencoded: None,
            connection: AwsConnectionKwargs::default(),
        }
    }
}

/// Debug shows whether credentials are set, never their values.
impl fmt::Debug for SecretsManagerKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManagerKwargs")
            .field("connections_prefix", &self.connections_prefix)
            .field(
                "connections_lookup_pattern",
                &self.connections_lookup_pattern,
            )
            .field("variables_prefix", &self.variables_prefix)
            .field("variables_lookup_pattern", &self.variables_lookup_pattern)
            .field("config_prefix", &self.config_prefix)
            .field("config_lookup_pattern", &self.config_lookup_pattern)
            .field("sep", &self.sep)
            .field("extra_conn_words", &self.extra_conn_words)
            .field("full_url_mode", &self.full_url_mode)
            .field(
                "are_secret_values_urlencoded",
                &self.are_secret_values_urlencoded,
            )
            .field("connection", &self.connection)
            .finish()
    }
}

/// `extra_conn_words`: an object of string lists (or a string holding one: per-key overrides are
/// strings). Keys are checked when the backend is built.
fn extra_conn_words<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, Vec<String>>>, D::Error> {
    let value = match Value::deserialize(d)? {
        Value::String(text) => serde_json::from_str::<Value>(&text).map_err(|_| {
            D::Error::custom("expected an object of word lists (or a string holding one)")
        })?,
        value => value,
    };
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => {
            let mut words = BTreeMap::new();
            for (field, list) in map {
                let Value::Array(items) = list else {
                    return Err(D::Error::custom(format!(
                        "`{field}`: expected a list of key names such as [\"principal\"]"
                    )));
                };
                let list = items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s),
                        _ => Err(D::Error::custom(format!(
                            "`{field}`: every key name must be a string"
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                words.insert(field, list);
            }
            Ok(Some(words))
        }
        _ => Err(D::Error::custom(
            "expected an object of word lists such as {\"user\": [\"principal\"]}",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<SecretsManagerKwargs, Error> {
        SecretsManagerKwargs::from_kwargs(v.as_object().unwrap())
    }

    #[test]
    fn defaults_are_airflows() {
        let k = parse(json!({})).unwrap();
        assert_eq!(k.connections_prefix.as_deref(), Some("airflow/connections"));
        assert_eq!(k.variables_prefix.as_deref(), Some("airflow/variables"));
        assert_eq!(k.config_prefix.as_deref(), Some("airflow/config"));
        assert_eq!(k.sep, "/");
        assert!(k.extra_conn_words.is_none() && k.connection.region_name.is_none());
        let d = SecretsManagerKwargs::default();
        assert_eq!(
            (
                d.connections_prefix,
                d.variables_prefix,
                d.config_prefix,
                d.sep
            ),
            (
                k.connections_prefix,
                k.variables_prefix,
                k.config_prefix,
                k.sep
            )
        );
    }

    #[test]
    fn null_disables_and_empty_string_is_kept() {
        let k = parse(
            json!({"connections_prefix": null, "variables_prefix": "", "config_prefix": "c/"}),
        )
        .unwrap();
        assert_eq!(k.connections_prefix, None);
        assert_eq!(k.variables_prefix.as_deref(), Some(""));
        assert_eq!(k.config_prefix.as_deref(), Some("c/"));
    }

    #[test]
    fn sep_must_be_a_string() {
        let err = parse(json!({"sep": null})).unwrap_err().to_string();
        assert!(
            err.starts_with("SecretsManagerBackend: kwarg `sep`"),
            "{err}"
        );
        assert_eq!(parse(json!({"sep": ""})).unwrap().sep, "");
    }

    #[test]
    fn extra_conn_words_are_lists_of_strings() {
        let k = parse(json!({"extra_conn_words": {"user": ["principal"], "host": []}})).unwrap();
        let words = k.extra_conn_words.unwrap();
        assert_eq!(words["user"], vec!["principal".to_owned()]);
        let k = parse(json!({"extra_conn_words": "{\"password\": [\"secret\"]}"})).unwrap();
        assert_eq!(
            k.extra_conn_words.unwrap()["password"],
            vec!["secret".to_owned()]
        );
        assert!(
            parse(json!({"extra_conn_words": null}))
                .unwrap()
                .extra_conn_words
                .is_none()
        );
        for bad in [
            json!({"user": "principal"}),
            json!({"user": [1]}),
            json!(["user"]),
        ] {
            let err = parse(json!({ "extra_conn_words": bad }))
                .unwrap_err()
                .to_string();
            assert!(err.contains("kwarg `extra_conn_words`"), "{err}");
        }
    }

    #[test]
    fn old_mode_kwargs_are_accepted() {
        let k =
            parse(json!({"full_url_mode": false, "are_secret_values_urlencoded": "true"})).unwrap();
        assert_eq!(
            (k.full_url_mode, k.are_secret_values_urlencoded),
            (Some(false), Some(true))
        );
    }

    #[test]
    fn unknown_kwarg_lists_both_sets() {
        let err = parse(json!({"connection_prefix": "x"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("SecretsManagerBackend: unknown kwarg `connection_prefix`; accepted kwargs are: connections_prefix, connections_lookup_pattern"),
            "{err}"
        );
        assert!(
            err.contains("extra_conn_words") && err.contains("region_name"),
            "{err}"
        );
    }

    #[test]
    fn debug_never_shows_credentials() {
        let k = parse(
            json!({"aws_access_key_id": "AKIDSECRETID", "aws_secret_access_key": "s3cr3t-key",
            "aws_session_token": "s3cr3t-token"}),
        )
        .unwrap();
        let shown = format!("{k:?}");
        for secret in ["AKIDSECRETID", "s3cr3t-key", "s3cr3t-token"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
