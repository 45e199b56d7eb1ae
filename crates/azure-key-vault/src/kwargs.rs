//! `AzureKeyVaultBackend`'s kwargs: Airflow's constructor arguments plus the `SecretClient` options Python
//! users pass through `**kwargs`, with Airflow's defaults (validated into a
//! [`Config`](crate::config::Config) by `config.rs`).

use std::fmt;
use std::path::PathBuf;

use airflow_secrets_core::kwargs::de;
use airflow_secrets_core::provider::redact;
use serde::{Deserialize, Deserializer};

/// Airflow's `AzureKeyVaultBackend(...)` keyword arguments, as found in `AIRFLOW__SECRETS__BACKEND_KWARGS`.
///
/// [`Default`] gives Airflow's defaults. Fields after `workload_identity_tenant_id` are the
/// `SecretClient(**kwargs)` options Python users pass through, and one extension (`authority_host`).
/// `Debug` never prints `client_secret`, and masks URL userinfo.
#[derive(Clone, Deserialize)]
pub struct AzureKeyVaultKwargs {
    /// Prefix of connection secrets; `None` (JSON `null`) disables connection lookups. Default
    /// `"airflow-connections"`. Trailing `sep` characters are stripped.
    #[serde(default = "default_connections_prefix")]
    pub connections_prefix: Option<String>,
    /// Extension (Airflow has it for AWS only): only connection ids matching this regular expression are looked
    /// up (Python `re.match`: anchored at the start, case-insensitive); others get `None` without a request.
    /// `None` or `""`: no filter (default).
    #[serde(default)]
    pub connections_lookup_pattern: Option<String>,
    /// Prefix of variable secrets; `None` disables variable lookups. Default `"airflow-variables"`.
    #[serde(default = "default_variables_prefix")]
    pub variables_prefix: Option<String>,
    /// Extension: the same filter for variable keys.
    #[serde(default)]
    pub variables_lookup_pattern: Option<String>,
    /// Prefix of config secrets; `None` disables config lookups. Default `"airflow-config"`.
    #[serde(default = "default_config_prefix")]
    pub config_prefix: Option<String>,
    /// Extension: the same filter for config keys.
    #[serde(default)]
    pub config_lookup_pattern: Option<String>,
    /// The vault URL, e.g. `https://my-vault.vault.azure.net/`. Required (Airflow's default is `""`).
    #[serde(default)]
    pub vault_url: Option<String>,
    /// Separator between prefix and key, also substituted for every `_`. Default `"-"`.
    #[serde(default = "default_sep")]
    pub sep: String,
    /// Tenant of the service principal; with `client_id` and `client_secret` selects the client-secret
    /// credential.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Application (client) id of the service principal.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Client secret of the service principal. Never printed.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Client id of a user-assigned managed identity; passed to the default chain only together with
    /// `workload_identity_tenant_id` (Airflow's rule).
    #[serde(default)]
    pub managed_identity_client_id: Option<String>,
    /// Tenant for workload identity; passed to the default chain only together with
    /// `managed_identity_client_id`.
    #[serde(default)]
    pub workload_identity_tenant_id: Option<String>,

    // ----- SecretClient(**kwargs) pass-through options --------------------------------------------
    /// Require the resource in Key Vault's authentication challenge to match the vault's domain. Default
    /// `true`; set `false` for vaults behind a custom domain (and for local mocks).
    #[serde(default = "yes", deserialize_with = "de::bool_lenient")]
    pub verify_challenge_resource: bool,
    /// `true` (default), `false` (do not verify TLS certificates) or the path of a PEM CA bundle to trust
    /// instead of the system roots. Applied to Key Vault requests and token requests.
    #[serde(default, deserialize_with = "connection_verify")]
    pub connection_verify: ConnectionVerify,
    /// Key Vault REST API version. Default: the SDK's (`2025-07-01`).
    #[serde(default)]
    pub api_version: Option<String>,
    /// Seconds allowed to connect. Default 20.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub connection_timeout: Option<f64>,
    /// Seconds allowed between reads of a response (including the wait for the first byte). Default 60.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub read_timeout: Option<f64>,
    /// Maximum retries of a throttled (429), failed (408, 5xx) or unreachable request. Default 3.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub retry_total: Option<u32>,
    /// Back-off before the first retry in seconds, doubled for each further retry (with jitter). Default 0.8.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub retry_backoff_factor: Option<f64>,
    /// Longest back-off delay (and longest `Retry-After` honoured) in seconds. Default 120.
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub retry_backoff_max: Option<f64>,
    /// Seconds one lookup may take in all: token request, every attempt and back-off (Python azure-core's
    /// `timeout`). Default 120 (Python: 604800).
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    pub timeout: Option<f64>,

    // ----- extensions ---------------------------------------------------------------------------------
    /// Entra ID authority host for token requests (sovereign clouds, tests). Default: the
    /// `AZURE_AUTHORITY_HOST` environment variable, else `https://login.microsoftonline.com`.
    #[serde(default)]
    pub authority_host: Option<String>,
}

/// Python's `connection_verify`: a boolean or the path of a CA bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConnectionVerify {
    /// Verify certificates against the system roots (`true`, the default).
    #[default]
    Enabled,
    /// Do not verify certificates (`false`).
    Disabled,
    /// Verify against this PEM bundle only.
    CaBundle(PathBuf),
}

fn connection_verify<'de, D: Deserializer<'de>>(d: D) -> Result<ConnectionVerify, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    Ok(
        match Option::<Raw>::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected true, false or the path of a CA bundle (a string)")
        })? {
            None | Some(Raw::Bool(true)) => ConnectionVerify::Enabled,
            Some(Raw::Bool(false)) => ConnectionVerify::Disabled,
            // Per-key overrides (AIRFLOW__SECRETS__BACKEND_KWARG__CONNECTION_VERIFY) arrive as strings.
            Some(Raw::Text(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => ConnectionVerify::Enabled,
                "false" | "0" | "no" | "off" => ConnectionVerify::Disabled,
                _ => ConnectionVerify::CaBundle(PathBuf::from(s)),
            },
        },
    )
}

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
fn yes() -> bool {
    true
}

impl Default for AzureKeyVaultKwargs {
    fn default() -> Self {
        AzureKeyVaultKwargs {
            connections_prefix: default_connections_prefix(),
            connections_lookup_pattern: None,
            variables_prefix: default_variables_prefix(),
            variables_lookup_pattern: None,
            config_prefix: default_config_prefix(),
            config_lookup_pattern: None,
            vault_url: None,
            sep: default_sep(),
            tenant_id: None,
            client_id: None,
            client_secret: None,
            managed_identity_client_id: None,
            workload_identity_tenant_id: None,
            verify_challenge_resource: true,
            connection_verify: ConnectionVerify::Enabled,
            api_version: None,
            connection_timeout: None,
            read_timeout: None,
            retry_total: None,
            retry_backoff_factor: None,
            retry_backoff_max: None,
            timeout: None,
            authority_host: None,
        }
    }
}

impl fmt::Debug for AzureKeyVaultKwargs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureKeyVaultKwargs")
            .field("connections_prefix", &self.connections_prefix)
            .field(
                "connections_lookup_pattern",
                &self.connections_lookup_pattern,
            )
            .field("variables_prefix", &self.variables_prefix)
            .field("variables_lookup_pattern", &self.variables_lookup_pattern)
            .field("config_prefix", &self.config_prefix)
            .field("config_lookup_pattern", &self.config_lookup_pattern)
            .field("vault_url", &self.vault_url.as_deref().map(redact::url))
            .field("sep", &self.sep)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "managed_identity_client_id",
                &self.managed_identity_client_id,
            )
            .field(
                "workload_identity_tenant_id",
                &self.workload_identity_tenant_id,
            )
            .field("verify_challenge_resource", &self.verify_challenge_resource)
            .field("connection_verify", &self.connection_verify)
            .field("api_version", &self.api_version)
            .field("connection_timeout", &self.connection_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retry_total", &self.retry_total)
            .field("retry_backoff_factor", &self.retry_backoff_factor)
            .field("retry_backoff_max", &self.retry_backoff_max)
            .field("timeout", &self.timeout)
            .field(
                "authority_host",
                &self.authority_host.as_deref().map(redact::url),
            )
            .finish()
    }
}
