//! Airflow's `VaultBackend` kwargs exactly as they arrive (names as Airflow's), before validation.

use airflow_secrets_core::kwargs::de;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::DEFAULT_KUBERNETES_JWT_PATH;

/// The auth types Airflow accepts (`VALID_AUTH_TYPES`, with `jwt` from Airflow's main branch).
pub const AUTH_TYPES: &[&str] = &[
    "approle",
    "aws_iam",
    "azure",
    "github",
    "gcp",
    "jwt",
    "kubernetes",
    "ldap",
    "radius",
    "token",
    "userpass",
];

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum BoolOrString {
    Bool(bool),
    String(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum TimeoutValue {
    Number(f64),
    String(String),
    Pair(Vec<Option<f64>>),
}

fn connections() -> Option<OneOrMany> {
    Some(OneOrMany::One("connections".into()))
}
fn variables() -> Option<OneOrMany> {
    Some(OneOrMany::One("variables".into()))
}
fn config() -> Option<OneOrMany> {
    Some(OneOrMany::One("config".into()))
}
fn token() -> Option<String> {
    Some("token".into())
}
fn secret() -> Option<String> {
    Some("secret".into())
}
fn kubernetes_jwt_path() -> Option<String> {
    Some(DEFAULT_KUBERNETES_JWT_PATH.into())
}
fn thirty() -> Option<TimeoutValue> {
    Some(TimeoutValue::Number(30.0))
}

/// The kwargs exactly as they arrive. Field order is the order listed in "accepted kwargs" errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKwargs {
    #[serde(default = "connections")]
    pub(super) connections_path: Option<OneOrMany>,
    #[serde(default = "variables")]
    pub(super) variables_path: Option<OneOrMany>,
    #[serde(default = "config")]
    pub(super) config_path: Option<OneOrMany>,
    // airflow-secrets extension: Airflow's AWS backends' key filters, for Vault too.
    #[serde(default)]
    pub(super) connections_lookup_pattern: Option<String>,
    #[serde(default)]
    pub(super) variables_lookup_pattern: Option<String>,
    #[serde(default)]
    pub(super) config_lookup_pattern: Option<String>,
    #[serde(default)]
    pub(super) url: Option<String>,
    #[serde(default = "token")]
    pub(super) auth_type: Option<String>,
    #[serde(default)]
    pub(super) auth_mount_point: Option<String>,
    #[serde(default = "secret")]
    pub(super) mount_point: Option<String>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub(super) kv_engine_version: Option<i64>,
    #[serde(default)]
    pub(super) token: Option<String>,
    #[serde(default)]
    pub(super) token_path: Option<String>,
    #[serde(default)]
    pub(super) username: Option<String>,
    #[serde(default)]
    pub(super) password: Option<String>,
    #[serde(default)]
    pub(super) key_id: Option<String>,
    #[serde(default)]
    pub(super) secret_id: Option<String>,
    #[serde(default)]
    pub(super) role_id: Option<String>,
    #[serde(default)]
    pub(super) assume_role_kwargs: Option<Value>,
    #[serde(default)]
    pub(super) region: Option<String>,
    #[serde(default)]
    pub(super) kubernetes_role: Option<String>,
    #[serde(default = "kubernetes_jwt_path")]
    pub(super) kubernetes_jwt_path: Option<String>,
    #[serde(default)]
    pub(super) gcp_key_path: Option<String>,
    #[serde(default)]
    pub(super) gcp_keyfile_dict: Option<Value>,
    #[serde(default)]
    pub(super) gcp_scopes: Option<OneOrMany>,
    // airflow-secrets extension: where IAM `signJwt` is sent for metadata-server credentials.
    #[serde(default)]
    pub(super) gcp_iam_endpoint: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) azure_tenant_id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) azure_resource: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) radius_host: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) radius_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) radius_port: Option<u16>,
    #[serde(default)]
    pub(super) jwt_role: Option<String>,
    #[serde(default)]
    pub(super) jwt_token: Option<String>,
    #[serde(default)]
    pub(super) jwt_token_path: Option<String>,
    // Airflow's multi-team option: accepted so shared kwargs keep working; no effect here.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    pub(super) use_team_secrets_path: Option<bool>,
    // Deprecated in Airflow, still read: the last fallback base path of every kind.
    #[serde(default)]
    pub(super) global_secrets_path: Option<String>,
    // hvac.Client(**kwargs) pass-throughs.
    #[serde(default)]
    pub(super) namespace: Option<String>,
    #[serde(default)]
    pub(super) verify: Option<BoolOrString>,
    #[serde(default)]
    pub(super) cert: Option<OneOrMany>,
    #[serde(default = "thirty")]
    pub(super) timeout: Option<TimeoutValue>,
    #[serde(default)]
    pub(super) proxies: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub(super) allow_redirects: Option<bool>,
    // Extensions (Airflow hard-codes these in its requests session).
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub(super) max_retries: Option<u32>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub(super) retry_backoff_factor: Option<f64>,
}

/// Python truthiness for an optional string: `None` and `""` are both "not given".
pub(super) fn truthy(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

pub(super) fn secret_of(value: String) -> SecretString {
    SecretString::from(value)
}
