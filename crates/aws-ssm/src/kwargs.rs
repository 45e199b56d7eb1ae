//! [`SsmKwargs`]: the backend kwargs exactly as Airflow's `SystemsManagerParameterStoreBackend` takes them
//! (its own six, plus the AWS connection "extra" keys it forwards to boto3), as a typed struct.

use std::fmt;

use airflow_secrets_aws_session::AwsConnectionKwargs;
use airflow_secrets_core::Error;
use airflow_secrets_core::kwargs::Kwargs;
use serde::Deserialize;

use crate::BACKEND;

/// The backend kwargs (`AIRFLOW__SECRETS__BACKEND_KWARGS`), with Airflow's defaults.
///
/// Read Airflow's kwargs object with [`SsmKwargs::from_kwargs`]: it takes the backend's own kwargs and
/// the AWS connection kwargs ([`AwsConnectionKwargs`]) together. This struct's serde `Deserialize`
/// reads the backend's own kwargs only, and refuses the AWS ones as unknown.
///
/// `Default` gives Airflow's defaults: the three prefixes `/airflow/connections`, `/airflow/variables`,
/// `/airflow/config`, no lookup patterns, and every AWS option unset (the AWS default chain decides).
/// A prefix of `None` disables that kind of lookup (JSON `null`), as in Airflow.
///
/// ```
/// use airflow_secrets_aws_ssm::{AwsConnectionKwargs, SsmKwargs};
/// let kwargs = SsmKwargs {
///     variables_prefix: Some("/prod/variables".into()),
///     config_prefix: None,
///     connection: AwsConnectionKwargs {
///         region_name: Some("eu-west-1".into()),
///         ..AwsConnectionKwargs::default()
///     },
///     ..SsmKwargs::default()
/// };
/// assert_eq!(kwargs.connections_prefix.as_deref(), Some("/airflow/connections"));
///
/// // From Airflow's kwargs JSON: the backend's own keys and the AWS connection keys together.
/// let json = serde_json::json!({"variables_prefix": "/prod/variables", "region_name": "eu-west-1"});
/// let parsed = SsmKwargs::from_kwargs(json.as_object().unwrap()).unwrap();
/// assert_eq!(parsed.connection.region_name.as_deref(), Some("eu-west-1"));
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsmKwargs {
    /// `connections_prefix` (default `"/airflow/connections"`; `None` disables connection lookups).
    #[serde(default = "default_connections_prefix")]
    pub connections_prefix: Option<String>,
    /// `connections_lookup_pattern`: only conn_ids matching it (Python `re.match`, case-insensitive)
    /// are looked up.
    #[serde(default)]
    pub connections_lookup_pattern: Option<String>,
    /// `variables_prefix` (default `"/airflow/variables"`; `None` disables variable lookups).
    #[serde(default = "default_variables_prefix")]
    pub variables_prefix: Option<String>,
    /// `variables_lookup_pattern`.
    #[serde(default)]
    pub variables_lookup_pattern: Option<String>,
    /// `config_prefix` (default `"/airflow/config"`; `None` disables config lookups).
    #[serde(default = "default_config_prefix")]
    pub config_prefix: Option<String>,
    /// `config_lookup_pattern`.
    #[serde(default)]
    pub config_lookup_pattern: Option<String>,

    /// The AWS connection kwargs (`region_name`, credentials, `role_arn`, `endpoint_url`, `verify`,
    /// `config_kwargs`, ...), which Airflow forwards to boto3. Not read by this struct's `Deserialize`
    /// (which takes the six kwargs above): [`SsmKwargs::from_kwargs`] reads the whole kwargs object.
    #[serde(skip)]
    pub connection: AwsConnectionKwargs,
}

fn default_connections_prefix() -> Option<String> {
    Some("/airflow/connections".into())
}
fn default_variables_prefix() -> Option<String> {
    Some("/airflow/variables".into())
}
fn default_config_prefix() -> Option<String> {
    Some("/airflow/config".into())
}

impl SsmKwargs {
    /// Reads Airflow's kwargs object: unknown kwargs, wrong types and values are errors naming the
    /// kwarg (never its value).
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<SsmKwargs, Error> {
        let (mut own, connection) =
            airflow_secrets_aws_session::parse_kwargs::<SsmKwargs>(BACKEND, kwargs)?;
        own.connection = connection;
        Ok(own)
    }
}

impl Default for SsmKwargs {
    fn default() -> Self {
        SsmKwargs {
            connections_prefix: default_connections_prefix(),
            connections_lookup_pattern: None,
            variables_prefix: default_variables_prefix(),
            variables_lookup_pattern: None,
            config_prefix: default_config_prefix(),
            config_lookup_pattern: None,
            connection: AwsConnectionKwargs::default(),
        }
    }
}

/// Debug shows whether credentials are set, never their values.
impl fmt::Debug for SsmKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsmKwargs")
            .field("connections_prefix", &self.connections_prefix)
            .field(
                "connections_lookup_pattern",
                &self.connections_lookup_pattern,
            )
            .field("variables_prefix", &self.variables_prefix)
            .field("variables_lookup_pattern", &self.variables_lookup_pattern)
            .field("config_prefix", &self.config_prefix)
            .field("config_lookup_pattern", &self.config_lookup_pattern)
            .field("connection", &self.connection)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(v: Value) -> Result<SsmKwargs, Error> {
        SsmKwargs::from_kwargs(v.as_object().unwrap())
    }

    #[test]
    fn defaults_are_airflows() {
        let k = parse(json!({})).unwrap();
        assert_eq!(
            k.connections_prefix.as_deref(),
            Some("/airflow/connections")
        );
        assert_eq!(k.variables_prefix.as_deref(), Some("/airflow/variables"));
        assert_eq!(k.config_prefix.as_deref(), Some("/airflow/config"));
        assert!(
            k.connections_lookup_pattern.is_none()
                && k.connection.region_name.is_none()
                && k.connection.verify.is_none()
        );
        let d = SsmKwargs::default();
        assert_eq!(
            (d.connections_prefix, d.variables_prefix, d.config_prefix),
            (k.connections_prefix, k.variables_prefix, k.config_prefix)
        );
    }

    #[test]
    fn null_disables_and_empty_string_is_kept() {
        let k = parse(
            json!({"connections_prefix": null, "variables_prefix": "", "config_prefix": "/c/"}),
        )
        .unwrap();
        assert_eq!(k.connections_prefix, None);
        assert_eq!(k.variables_prefix.as_deref(), Some(""));
        assert_eq!(k.config_prefix.as_deref(), Some("/c/"));
    }

    #[test]
    fn unknown_top_level_kwarg_lists_accepted_ones() {
        let err = parse(json!({"region": "eu-west-1"}))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("SystemsManagerParameterStoreBackend: unknown kwarg `region`; accepted kwargs are: connections_prefix, connections_lookup_pattern"), "{err}");
        assert!(
            err.contains("region_name") && err.contains("config_kwargs"),
            "{err}"
        );
    }

    #[test]
    fn connection_kwargs_are_read_with_the_backends_name() {
        let k = parse(json!({"region_name": "eu-west-1", "connections_prefix": "/c"})).unwrap();
        assert_eq!(k.connection.region_name.as_deref(), Some("eu-west-1"));
        let err = parse(json!({"verify": 3})).unwrap_err().to_string();
        assert!(
            err.starts_with("SystemsManagerParameterStoreBackend: kwarg `verify`"),
            "{err}"
        );
    }

    #[test]
    fn debug_shows_the_connection_kwargs_without_credentials() {
        // The AWS connection kwargs' own Debug is tested in airflow-secrets-aws-session.
        let k = parse(
            json!({"region_name": "eu-west-1", "aws_access_key_id": "AKIDSECRETID",
            "aws_secret_access_key": "s3cr3t-key"}),
        )
        .unwrap();
        let shown = format!("{k:?}");
        assert!(
            shown.contains("eu-west-1") && !shown.contains("s3cr3t-key"),
            "{shown}"
        );
    }
}
