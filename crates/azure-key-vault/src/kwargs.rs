//! `AzureKeyVaultBackend`'s kwargs: Airflow's constructor arguments plus the `SecretClient` options Python
//! users pass through `**kwargs`, with Airflow's defaults, validated into a [`Config`].

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use airflow_secrets_core::kwargs::de;
use airflow_secrets_core::{Error, LookupPattern, SecretKind};
use serde::{Deserialize, Deserializer};

use crate::BACKEND_NAME;
use crate::names::normalize_prefix;
use crate::transport::{HttpOptions, RetrySettings, TlsVerify};

/// Airflow's `AzureKeyVaultBackend(...)` keyword arguments, as found in `AIRFLOW__SECRETS__BACKEND_KWARGS`.
///
/// [`Default`] gives Airflow's defaults. Fields after `workload_identity_tenant_id` are the
/// `SecretClient(**kwargs)` options Python users pass through, and one extension (`authority_host`).
/// `Debug` never prints `client_secret`.
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
            .field("vault_url", &self.vault_url)
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
            .field("authority_host", &self.authority_host)
            .finish()
    }
}

/// Which credential the backend uses (Airflow's `client` property).
#[derive(Clone)]
pub(crate) enum CredentialConfig {
    /// `ClientSecretCredential(tenant_id, client_id, client_secret)`: all three kwargs are non-empty.
    ClientSecret {
        tenant_id: String,
        client_id: String,
        client_secret: String,
    },
    /// `DefaultAzureCredential(...)`: Airflow passes the two ids only when both are set.
    Default {
        managed_identity_client_id: Option<String>,
        workload_identity_tenant_id: Option<String>,
    },
}

impl CredentialConfig {
    /// A description for errors: the kind of credential and its ids, never the secret.
    pub(crate) fn describe(&self) -> String {
        match self {
            CredentialConfig::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => {
                format!("client secret credential (tenant `{tenant_id}`, client id `{client_id}`)")
            }
            CredentialConfig::Default { .. } => {
                "default credential chain (DefaultAzureCredential)".to_owned()
            }
        }
    }
}

impl fmt::Debug for CredentialConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialConfig::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            CredentialConfig::Default {
                managed_identity_client_id,
                workload_identity_tenant_id,
            } => f
                .debug_struct("DefaultChain")
                .field("managed_identity_client_id", managed_identity_client_id)
                .field("workload_identity_tenant_id", workload_identity_tenant_id)
                .finish(),
        }
    }
}

/// Validated settings.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub connections_prefix: Option<String>,
    pub variables_prefix: Option<String>,
    pub config_prefix: Option<String>,
    pub connections_pattern: Option<LookupPattern>,
    pub variables_pattern: Option<LookupPattern>,
    pub config_pattern: Option<LookupPattern>,
    pub sep: String,
    pub vault_url: String,
    pub credential: CredentialConfig,
    pub authority_host: Option<String>,
    pub http: HttpOptions,
    /// The whole lookup's deadline (`timeout`).
    pub timeout: Duration,
    pub verify_challenge_resource: bool,
    pub api_version: Option<String>,
}

impl Config {
    /// The normalised prefix for `kind`, `None` when that lookup is disabled.
    pub fn prefix(&self, kind: SecretKind) -> Option<&str> {
        match kind {
            SecretKind::Connection => self.connections_prefix.as_deref(),
            SecretKind::Variable => self.variables_prefix.as_deref(),
            SecretKind::Config => self.config_prefix.as_deref(),
        }
    }

    /// The `*_lookup_pattern` filter for `kind`, if any.
    pub fn pattern(&self, kind: SecretKind) -> Option<&LookupPattern> {
        match kind {
            SecretKind::Connection => self.connections_pattern.as_ref(),
            SecretKind::Variable => self.variables_pattern.as_ref(),
            SecretKind::Config => self.config_pattern.as_ref(),
        }
    }
}

/// The default of the `timeout` kwarg: one lookup, all attempts included. Python's 7 days would let a
/// misbehaving vault hold a caller forever; 120 s leaves room for the default retries of a slow answer.
pub(crate) const DEFAULT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(120);

fn lookup_pattern(kwarg: &str, pattern: Option<&str>) -> Result<Option<LookupPattern>, Error> {
    LookupPattern::optional(pattern)
        .map_err(|e| invalid(kwarg, format!("not a valid regular expression: {e}")))
}

fn invalid(kwarg: &str, problem: impl Into<String>) -> Error {
    Error::InvalidKwarg {
        backend: BACKEND_NAME,
        kwarg: kwarg.to_owned(),
        problem: problem.into(),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Azure's tenant id rule (azure_identity's `validate_tenant_id`): letters, digits, `.` and `-`.
fn check_tenant(kwarg: &str, tenant: &str) -> Result<(), Error> {
    if tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        Ok(())
    } else {
        Err(invalid(
            kwarg,
            "must be a tenant (directory) id: letters, digits, `.` and `-` only",
        ))
    }
}

fn seconds(
    kwarg: &str,
    value: Option<f64>,
    default: Duration,
    allow_zero: bool,
) -> Result<Duration, Error> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) => {
            // `from_secs_f64` panics beyond ~584 billion years; say so instead.
            Duration::try_from_secs_f64(v).map_err(|_| invalid(kwarg, "is too large"))
        }
        Some(_) => Err(invalid(
            kwarg,
            if allow_zero {
                "must be a number of seconds >= 0"
            } else {
                "must be a positive number of seconds"
            },
        )),
    }
}

/// Normalises an authority host as Azure's SDKs do: a bare host gets `https://`; anything but https is refused
/// (the SDK never sends client secrets over plain http).
pub(crate) fn normalize_authority_host(host: &str) -> Result<String, String> {
    let host = host.trim();
    let with_scheme = if host.contains("://") {
        host.to_owned()
    } else {
        format!("https://{host}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| format!("is not a valid URL ({e})"))?;
    if url.scheme() != "https" {
        return Err("must use https (token requests carry credentials)".into());
    }
    Ok(with_scheme.trim_end_matches('/').to_owned())
}

impl AzureKeyVaultKwargs {
    /// Validates every kwarg. No network call; reads the `connection_verify` CA bundle if one is given.
    pub(crate) fn validate(self) -> Result<Config, Error> {
        let vault_url = non_empty(self.vault_url.map(|u| u.trim().to_owned())).ok_or_else(|| {
            invalid(
                "vault_url",
                "is required: set it to the vault's URL, e.g. \"https://<vault-name>.vault.azure.net/\" \
                 (Airflow's default \"\" cannot reach any vault)",
            )
        })?;
        let parsed = url::Url::parse(&vault_url)
            .map_err(|e| invalid("vault_url", format!("is not a valid URL ({e})")))?;
        if parsed.scheme() != "https" {
            return Err(invalid(
                "vault_url",
                "must be an https URL such as \"https://<vault-name>.vault.azure.net/\": the Azure SDK never sends \
                 a bearer token over plain http",
            ));
        }

        let tenant_id = non_empty(self.tenant_id);
        let client_id = non_empty(self.client_id);
        let client_secret = non_empty(self.client_secret);
        let credential = match (tenant_id, client_id, client_secret) {
            (Some(tenant_id), Some(client_id), Some(client_secret)) => {
                check_tenant("tenant_id", &tenant_id)?;
                CredentialConfig::ClientSecret {
                    tenant_id,
                    client_id,
                    client_secret,
                }
            }
            (tenant, client, secret) => {
                if tenant.is_some() || client.is_some() || secret.is_some() {
                    tracing::warn!(
                        backend = BACKEND_NAME,
                        "tenant_id, client_id and client_secret are not all set; using the default credential \
                         chain, as Airflow does"
                    );
                }
                let mi = non_empty(self.managed_identity_client_id);
                let wi = non_empty(self.workload_identity_tenant_id);
                match (mi, wi) {
                    (Some(mi), Some(wi)) => {
                        check_tenant("workload_identity_tenant_id", &wi)?;
                        CredentialConfig::Default {
                            managed_identity_client_id: Some(mi),
                            workload_identity_tenant_id: Some(wi),
                        }
                    }
                    (mi, wi) => {
                        if mi.is_some() || wi.is_some() {
                            tracing::warn!(
                                backend = BACKEND_NAME,
                                "managed_identity_client_id and workload_identity_tenant_id are used only together; \
                                 one of them is missing, so both are ignored, as Airflow does"
                            );
                        }
                        CredentialConfig::Default {
                            managed_identity_client_id: None,
                            workload_identity_tenant_id: None,
                        }
                    }
                }
            }
        };

        let authority_host = match non_empty(self.authority_host) {
            Some(host) => {
                Some(normalize_authority_host(&host).map_err(|p| invalid("authority_host", p))?)
            }
            None => None,
        };

        let verify = match self.connection_verify {
            ConnectionVerify::Enabled => TlsVerify::System,
            ConnectionVerify::Disabled => {
                tracing::warn!(
                    backend = BACKEND_NAME,
                    "connection_verify is false: TLS certificates are not checked"
                );
                TlsVerify::Disabled
            }
            ConnectionVerify::CaBundle(path) => {
                TlsVerify::ca_bundle(path).map_err(|p| invalid("connection_verify", p))?
            }
        };
        let defaults = HttpOptions::default();
        let retry_defaults = RetrySettings::default();
        let http = HttpOptions {
            verify,
            connect_timeout: seconds(
                "connection_timeout",
                self.connection_timeout,
                defaults.connect_timeout,
                false,
            )?,
            read_timeout: seconds(
                "read_timeout",
                self.read_timeout,
                defaults.read_timeout,
                false,
            )?,
            retry: RetrySettings {
                total: self.retry_total.unwrap_or(retry_defaults.total),
                backoff_factor: seconds(
                    "retry_backoff_factor",
                    self.retry_backoff_factor,
                    retry_defaults.backoff_factor,
                    true,
                )?,
                backoff_max: seconds(
                    "retry_backoff_max",
                    self.retry_backoff_max,
                    retry_defaults.backoff_max,
                    true,
                )?,
            },
        };

        let api_version = match self.api_version {
            Some(v) if v.trim().is_empty() => {
                return Err(invalid("api_version", "must not be empty"));
            }
            other => other,
        };

        let timeout = seconds("timeout", self.timeout, DEFAULT_LOOKUP_TIMEOUT, false)?;
        Ok(Config {
            connections_pattern: lookup_pattern(
                "connections_lookup_pattern",
                self.connections_lookup_pattern.as_deref(),
            )?,
            variables_pattern: lookup_pattern(
                "variables_lookup_pattern",
                self.variables_lookup_pattern.as_deref(),
            )?,
            config_pattern: lookup_pattern(
                "config_lookup_pattern",
                self.config_lookup_pattern.as_deref(),
            )?,
            connections_prefix: normalize_prefix(self.connections_prefix.as_deref(), &self.sep),
            variables_prefix: normalize_prefix(self.variables_prefix.as_deref(), &self.sep),
            config_prefix: normalize_prefix(self.config_prefix.as_deref(), &self.sep),
            sep: self.sep,
            vault_url,
            credential,
            authority_host,
            http,
            timeout,
            verify_challenge_resource: self.verify_challenge_resource,
            api_version,
        })
    }
}
