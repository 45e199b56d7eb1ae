//! [`CloudSecretManagerKwargs`]: Airflow's `CloudSecretManagerBackend(**backend_kwargs)`, as a typed struct.

use std::fmt;

use airflow_secrets_core::kwargs::de;
use airflow_secrets_core::provider::redact;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::Value;

/// The kwargs of Airflow's `CloudSecretManagerBackend`, with Airflow's defaults, plus this crate's
/// documented extensions (the `*_lookup_pattern` filters, `endpoint`, `anonymous_credentials`,
/// `raise_on_permission_denied` and the timeout/retry settings).
///
/// Built from the kwargs JSON by [`CloudSecretManagerBackend::from_kwargs`](crate::CloudSecretManagerBackend::from_kwargs),
/// or in code:
///
/// ```
/// use airflow_secrets_gcp_secret_manager::{CloudSecretManagerBackend, CloudSecretManagerKwargs};
/// let backend = CloudSecretManagerBackend::new(CloudSecretManagerKwargs {
///     project_id: Some("my-project".into()),
///     anonymous_credentials: true,
///     endpoint: Some("http://127.0.0.1:8085".into()),
///     ..CloudSecretManagerKwargs::default()
/// })
/// .unwrap();
/// assert_eq!(backend.project_id(), Some("my-project"));
/// ```
///
/// `Debug` never prints `gcp_keyfile_dict` or `gcp_credential_config_file` (they hold key material).
#[derive(Clone, Deserialize)]
pub struct CloudSecretManagerKwargs {
    /// Prefix of connection secrets (Airflow default `"airflow-connections"`); `None` (JSON `null`)
    /// disables connection lookups.
    #[serde(default = "default_connections_prefix")]
    pub connections_prefix: Option<String>,
    /// **Extension** (Airflow has it for AWS only): only connection ids matching this regular expression
    /// are looked up (Python `re.match`: anchored at the start, case-insensitive); others get `None`
    /// without a request. `None` or `""`: no filter.
    #[serde(default)]
    pub connections_lookup_pattern: Option<String>,
    /// Prefix of variable secrets (default `"airflow-variables"`); `None` disables variable lookups.
    #[serde(default = "default_variables_prefix")]
    pub variables_prefix: Option<String>,
    /// **Extension**: the filter of variable keys, as `connections_lookup_pattern`.
    #[serde(default)]
    pub variables_lookup_pattern: Option<String>,
    /// Prefix of config secrets (default `"airflow-config"`); `None` disables config lookups.
    #[serde(default = "default_config_prefix")]
    pub config_prefix: Option<String>,
    /// **Extension**: the filter of config keys, as `connections_lookup_pattern`.
    #[serde(default)]
    pub config_lookup_pattern: Option<String>,
    /// Separator between prefix and key (default `"-"`). The secret id is `prefix + sep + key`.
    #[serde(default = "default_sep")]
    pub sep: String,
    /// The project holding the secrets. An explicit (non-empty) value wins; otherwise the credentials'
    /// project is used.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Path to a service-account key file (`.json`).
    #[serde(default)]
    pub gcp_key_path: Option<String>,
    /// A service-account key: a JSON object, or a string holding one.
    #[serde(default)]
    pub gcp_keyfile_dict: Option<Value>,
    /// A credential configuration (workload identity federation, service account, authorized user or
    /// impersonated service account): a path to the file, its contents as a string, or a JSON object.
    #[serde(default)]
    pub gcp_credential_config_file: Option<Value>,
    /// Comma-separated OAuth2 scopes (default: `https://www.googleapis.com/auth/cloud-platform`).
    #[serde(default)]
    pub gcp_scopes: Option<String>,
    /// A service account to impersonate, or a chain of them (the last is impersonated, the others are
    /// delegates).
    #[serde(default, deserialize_with = "impersonation_chain")]
    pub impersonation_chain: Option<Vec<String>>,

    // ----- extensions (not in Airflow) -----------------------------------------------------------
    /// **Extension**: the Secret Manager endpoint, e.g. a regional endpoint
    /// (`https://secretmanager.europe-west1.rep.googleapis.com`), a private endpoint, an emulator or a
    /// test server. Default: `https://secretmanager.googleapis.com`.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// **Extension**: send requests without credentials (emulators, tests). Mutually exclusive with the
    /// other credential kwargs, like Airflow's `is_anonymous` in its Google hooks.
    #[serde(default, deserialize_with = "de::bool_lenient")]
    pub anonymous_credentials: bool,
    /// **Extension**: turn `PermissionDenied` into an error instead of Airflow's "log and return None".
    #[serde(default, deserialize_with = "de::bool_lenient")]
    pub raise_on_permission_denied: bool,
    /// **Extension**: timeout of one request attempt, in seconds (default 30).
    #[serde(
        default = "default_timeout_seconds",
        deserialize_with = "de::number_lenient"
    )]
    pub timeout_seconds: f64,
    /// **Extension**: attempts per lookup, the first included (default 3). Only transient failures are
    /// retried: 429 and every 5xx (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`, `INTERNAL`, ...), connection errors,
    /// timeouts and credential errors the auth library marks transient; never another 4xx.
    #[serde(
        default = "default_max_attempts",
        deserialize_with = "de::number_lenient"
    )]
    pub max_attempts: u32,
    /// **Extension**: first retry delay in seconds (default 0.5); it doubles on each retry, with jitter.
    #[serde(
        default = "default_initial_backoff",
        deserialize_with = "de::number_lenient"
    )]
    pub retry_initial_backoff_seconds: f64,
    /// **Extension**: longest retry delay in seconds (default 5).
    #[serde(
        default = "default_max_backoff",
        deserialize_with = "de::number_lenient"
    )]
    pub retry_max_backoff_seconds: f64,
}

/// Default of `timeout_seconds`.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;
/// Default of `max_attempts`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default of `retry_initial_backoff_seconds`.
pub const DEFAULT_INITIAL_BACKOFF_SECONDS: f64 = 0.5;
/// Default of `retry_max_backoff_seconds`.
pub const DEFAULT_MAX_BACKOFF_SECONDS: f64 = 5.0;

fn default_connections_prefix() -> Option<String> {
    Some("airflow-connections".into())
}
fn default_variables_prefix() -> Option<String> {
    Some("airflow-variables".into())
}
fn default_config_prefix() -> Option<String> {
    Some("airflow-config".into())
}
fn default_sep() -> String {
    "-".into()
}
fn default_timeout_seconds() -> f64 {
    DEFAULT_TIMEOUT_SECONDS
}
fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}
fn default_initial_backoff() -> f64 {
    DEFAULT_INITIAL_BACKOFF_SECONDS
}
fn default_max_backoff() -> f64 {
    DEFAULT_MAX_BACKOFF_SECONDS
}

impl Default for CloudSecretManagerKwargs {
    /// Airflow's defaults (and this crate's for the extensions).
    fn default() -> Self {
        CloudSecretManagerKwargs {
            connections_prefix: default_connections_prefix(),
            connections_lookup_pattern: None,
            variables_prefix: default_variables_prefix(),
            variables_lookup_pattern: None,
            config_prefix: default_config_prefix(),
            config_lookup_pattern: None,
            sep: default_sep(),
            project_id: None,
            gcp_key_path: None,
            gcp_keyfile_dict: None,
            gcp_credential_config_file: None,
            gcp_scopes: None,
            impersonation_chain: None,
            endpoint: None,
            anonymous_credentials: false,
            raise_on_permission_denied: false,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            retry_initial_backoff_seconds: DEFAULT_INITIAL_BACKOFF_SECONDS,
            retry_max_backoff_seconds: DEFAULT_MAX_BACKOFF_SECONDS,
        }
    }
}

impl fmt::Debug for CloudSecretManagerKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<Value>| v.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("CloudSecretManagerKwargs")
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
            .field("project_id", &self.project_id)
            .field("gcp_key_path", &self.gcp_key_path)
            .field("gcp_keyfile_dict", &redacted(&self.gcp_keyfile_dict))
            .field(
                "gcp_credential_config_file",
                &redacted(&self.gcp_credential_config_file),
            )
            .field("gcp_scopes", &self.gcp_scopes)
            .field("impersonation_chain", &self.impersonation_chain)
            .field("endpoint", &self.endpoint.as_deref().map(redact::url))
            .field("anonymous_credentials", &self.anonymous_credentials)
            .field(
                "raise_on_permission_denied",
                &self.raise_on_permission_denied,
            )
            .field("timeout_seconds", &self.timeout_seconds)
            .field("max_attempts", &self.max_attempts)
            .field(
                "retry_initial_backoff_seconds",
                &self.retry_initial_backoff_seconds,
            )
            .field("retry_max_backoff_seconds", &self.retry_max_backoff_seconds)
            .finish()
    }
}

/// `impersonation_chain`: `null`, a string (one account) or a list of strings (Airflow's
/// `str | Sequence[str]`). A string is kept as a one-element chain.
fn impersonation_chain<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a service account email or a list of them")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(vec![v.to_owned()]))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut chain = Vec::new();
            while let Some(account) = seq.next_element::<String>()? {
                chain.push(account);
            }
            Ok(Some(chain))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::kwargs::parse_kwargs;
    use serde_json::json;

    fn parse(v: Value) -> Result<CloudSecretManagerKwargs, airflow_secrets_core::Error> {
        parse_kwargs("CloudSecretManagerBackend", v.as_object().unwrap())
    }

    #[test]
    fn defaults_are_airflows() {
        let k = parse(json!({})).unwrap();
        assert_eq!(k.connections_prefix.as_deref(), Some("airflow-connections"));
        assert_eq!(k.variables_prefix.as_deref(), Some("airflow-variables"));
        assert_eq!(k.config_prefix.as_deref(), Some("airflow-config"));
        assert_eq!(k.sep, "-");
        assert!(
            k.connections_lookup_pattern.is_none()
                && k.variables_lookup_pattern.is_none()
                && k.config_lookup_pattern.is_none()
        );
        assert!(k.project_id.is_none() && k.gcp_key_path.is_none() && k.gcp_keyfile_dict.is_none());
        assert!(k.gcp_credential_config_file.is_none() && k.gcp_scopes.is_none());
        assert!(k.impersonation_chain.is_none() && k.endpoint.is_none());
        assert!(!k.anonymous_credentials && !k.raise_on_permission_denied);
        assert_eq!((k.timeout_seconds, k.max_attempts), (30.0, 3));
        let d = CloudSecretManagerKwargs::default();
        assert_eq!(format!("{d:?}"), format!("{k:?}"));
    }

    #[test]
    fn null_disables_and_strings_are_accepted_for_numbers_and_bools() {
        let k = parse(
            json!({"connections_prefix": null, "variables_prefix": null, "config_prefix": null,
            "anonymous_credentials": "true", "timeout_seconds": "2.5", "max_attempts": "5"}),
        )
        .unwrap();
        assert!(
            k.connections_prefix.is_none()
                && k.variables_prefix.is_none()
                && k.config_prefix.is_none()
        );
        assert!(k.anonymous_credentials);
        assert_eq!((k.timeout_seconds, k.max_attempts), (2.5, 5));
    }

    #[test]
    fn impersonation_chain_is_a_string_or_a_list() {
        let k = parse(json!({"impersonation_chain": "sa@p.iam.gserviceaccount.com"})).unwrap();
        assert_eq!(
            k.impersonation_chain.unwrap(),
            ["sa@p.iam.gserviceaccount.com"]
        );
        let k = parse(json!({"impersonation_chain": ["a@x.iam.gserviceaccount.com", "b@y.iam.gserviceaccount.com"]}))
            .unwrap();
        assert_eq!(k.impersonation_chain.unwrap().len(), 2);
        assert!(
            parse(json!({"impersonation_chain": null}))
                .unwrap()
                .impersonation_chain
                .is_none()
        );
        let err = parse(json!({"impersonation_chain": 5}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("impersonation_chain"), "{err}");
    }

    #[test]
    fn unknown_kwargs_list_the_accepted_ones() {
        let err = parse(json!({"connections_path": "x"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown kwarg `connections_path`"), "{err}");
        assert!(
            err.contains("connections_prefix") && err.contains("gcp_keyfile_dict"),
            "{err}"
        );
    }

    #[test]
    fn debug_redacts_key_material() {
        let k = parse(json!({"gcp_keyfile_dict": {"private_key": "s3cr3t-pem"},
            "gcp_credential_config_file": "{\"client_secret\": \"s3cr3t-cs\"}"}))
        .unwrap();
        let debug = format!("{k:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("[REDACTED]"), "{debug}");
    }
}
