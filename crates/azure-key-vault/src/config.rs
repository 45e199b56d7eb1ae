//! The validated configuration ([`Config`]) built from [`AzureKeyVaultKwargs`]: routes, credential choice,
//! vault URL, HTTP options and the whole-lookup `timeout`.

use std::fmt;
use std::time::Duration;

use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::limits::{self, MAX_ATTEMPTS, MAX_SECONDS};
use airflow_secrets_core::provider::routes::Routes;
use airflow_secrets_core::{Error, SecretKind};

use crate::BACKEND;
use crate::client::{HttpOptions, RetryOptions, TlsVerify};
use crate::kwargs::{AzureKeyVaultKwargs, ConnectionVerify};
use crate::names::normalize_prefix;

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

/// The validated configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Per-kind prefixes (normalised: trailing `sep` characters stripped) and lookup patterns.
    pub routes: Routes,
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

/// The default of the `timeout` kwarg: one lookup, all attempts included. Python's 7 days would let a
/// misbehaving vault hold a caller forever; 120 s leaves room for the default retries of a slow answer.
pub(crate) const DEFAULT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a URL with `user:password@` is refused: requests carry bearer tokens, URL credentials would only
/// be shown (errors, logs, the SDK's traces).
const USERINFO_REFUSED: &str = "must not contain a user name or password (`user:password@`); requests are \
     authenticated with Entra ID tokens";

fn has_userinfo(url: &url::Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
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
        Err(invalid_kwarg(
            BACKEND,
            kwarg,
            "must be a tenant (directory) id: letters, digits, `.` and `-` only",
        ))
    }
}

/// The longest lookup `timeout` accepted: Python azure-core's default, 7 days (so that a configuration
/// copied from Python works); every other duration kwarg is capped at [`MAX_SECONDS`] (one day).
const MAX_LOOKUP_TIMEOUT_SECONDS: f64 = 604_800.0;

/// A duration kwarg through [`limits::seconds`]: finite, not negative, at most `max` seconds, so that it
/// cannot overflow reqwest's or tokio's deadline arithmetic; zero only where `allow_zero`.
fn seconds(
    kwarg: &str,
    value: Option<f64>,
    default: Duration,
    allow_zero: bool,
    max: f64,
) -> Result<Duration, Error> {
    match value {
        None => Ok(default),
        Some(v) if v == 0.0 && !allow_zero => Err(invalid_kwarg(
            BACKEND,
            kwarg,
            "must be a positive number of seconds",
        )),
        Some(v) => limits::seconds(BACKEND, kwarg, v, max),
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
    if has_userinfo(&url) {
        return Err(USERINFO_REFUSED.into());
    }
    if url.scheme() != "https" {
        return Err("must use https (token requests carry credentials)".into());
    }
    Ok(with_scheme.trim_end_matches('/').to_owned())
}

impl Config {
    /// Validates every kwarg. No network call; reads the `connection_verify` CA bundle if one is given.
    pub(crate) fn from_kwargs(kwargs: AzureKeyVaultKwargs) -> Result<Config, Error> {
        let k = kwargs;
        let vault_url = non_empty(k.vault_url.map(|u| u.trim().to_owned())).ok_or_else(|| {
            invalid_kwarg(BACKEND,
                "vault_url",
                "is required: set it to the vault's URL, e.g. \"https://<vault-name>.vault.azure.net/\" \
                 (Airflow's default \"\" cannot reach any vault)",
            )
        })?;
        let parsed = url::Url::parse(&vault_url).map_err(|e| {
            invalid_kwarg(BACKEND, "vault_url", format!("is not a valid URL ({e})"))
        })?;
        if has_userinfo(&parsed) {
            return Err(invalid_kwarg(BACKEND, "vault_url", USERINFO_REFUSED));
        }
        if parsed.scheme() != "https" {
            return Err(invalid_kwarg(
                BACKEND,
                "vault_url",
                "must be an https URL such as \"https://<vault-name>.vault.azure.net/\": the Azure SDK never sends \
                 a bearer token over plain http",
            ));
        }

        let tenant_id = non_empty(k.tenant_id);
        let client_id = non_empty(k.client_id);
        let client_secret = non_empty(k.client_secret);
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
                        backend = BACKEND,
                        "tenant_id, client_id and client_secret are not all set; using the default credential \
                         chain, as Airflow does"
                    );
                }
                let mi = non_empty(k.managed_identity_client_id);
                let wi = non_empty(k.workload_identity_tenant_id);
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
                                backend = BACKEND,
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

        let authority_host = match non_empty(k.authority_host) {
            Some(host) => Some(
                normalize_authority_host(&host)
                    .map_err(|p| invalid_kwarg(BACKEND, "authority_host", p))?,
            ),
            None => None,
        };

        let verify = match k.connection_verify {
            ConnectionVerify::Enabled => TlsVerify::System,
            ConnectionVerify::Disabled => {
                tracing::warn!(
                    backend = BACKEND,
                    "connection_verify is false: TLS certificates are not checked"
                );
                TlsVerify::Disabled
            }
            ConnectionVerify::CaBundle(path) => TlsVerify::ca_bundle(path)
                .map_err(|p| invalid_kwarg(BACKEND, "connection_verify", p))?,
        };
        let defaults = HttpOptions::default();
        let retry_defaults = RetryOptions::default();
        let http = HttpOptions {
            verify,
            connect_timeout: seconds(
                "connection_timeout",
                k.connection_timeout,
                defaults.connect_timeout,
                false,
                MAX_SECONDS,
            )?,
            read_timeout: seconds(
                "read_timeout",
                k.read_timeout,
                defaults.read_timeout,
                false,
                MAX_SECONDS,
            )?,
            retry: RetryOptions {
                // Retries after the first try: at most MAX_ATTEMPTS tries in all.
                total: match k.retry_total {
                    Some(total) => {
                        limits::count(BACKEND, "retry_total", total.into(), MAX_ATTEMPTS - 1)?;
                        total
                    }
                    None => retry_defaults.total,
                },
                backoff_factor: seconds(
                    "retry_backoff_factor",
                    k.retry_backoff_factor,
                    retry_defaults.backoff_factor,
                    true,
                    MAX_SECONDS,
                )?,
                backoff_max: seconds(
                    "retry_backoff_max",
                    k.retry_backoff_max,
                    retry_defaults.backoff_max,
                    true,
                    MAX_SECONDS,
                )?,
            },
        };

        let api_version = match k.api_version {
            Some(v) if v.trim().is_empty() => {
                return Err(invalid_kwarg(BACKEND, "api_version", "must not be empty"));
            }
            other => other,
        };

        let timeout = seconds(
            "timeout",
            k.timeout,
            DEFAULT_LOOKUP_TIMEOUT,
            false,
            MAX_LOOKUP_TIMEOUT_SECONDS,
        )?;
        // Patterns are checked last, in kind order, as before; prefixes are normalised first.
        let routes = Routes::new(BACKEND, |kind| {
            let (prefix, pattern) = match kind {
                SecretKind::Connection => (&k.connections_prefix, &k.connections_lookup_pattern),
                SecretKind::Variable => (&k.variables_prefix, &k.variables_lookup_pattern),
                SecretKind::Config => (&k.config_prefix, &k.config_lookup_pattern),
            };
            (normalize_prefix(prefix.as_deref(), &k.sep), pattern.clone())
        })?;
        Ok(Config {
            routes,
            sep: k.sep,
            vault_url,
            credential,
            authority_host,
            http,
            timeout,
            verify_challenge_resource: k.verify_challenge_resource,
            api_version,
        })
    }
}
