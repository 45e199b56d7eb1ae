//! [`AzureKeyVaultBackend`]: Airflow's `airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend`.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use airflow_secrets_core::connection::pyurl::quote;
use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};
use azure_core::http::{ClientMethodOptions, Context};
use azure_security_keyvault_secrets::SecretClient;
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use tokio::sync::OnceCell;

use crate::BACKEND_NAME;
use crate::client::{Tries, build_client};
use crate::env::Environment;
use crate::errors::{Lookup, classify, error_chain};
use crate::kwargs::{AzureKeyVaultKwargs, Config};
use crate::names::{build_path, is_team_scoped};

/// Reads Airflow connections, variables and config values from Azure Key Vault, as Airflow's
/// `AzureKeyVaultBackend` does.
///
/// * Names: `prefix + sep + key` (or `key` with an empty prefix), then every `_` replaced by `sep`
///   ([`build_path`](crate::build_path)); a `null` prefix disables that kind of lookup.
/// * Credential: a client secret when `tenant_id`, `client_id` and `client_secret` are all set, else
///   [`DefaultAzureCredentialChain`](crate::DefaultAzureCredentialChain).
/// * `GET {vault_url}/secrets/{name}/?api-version=…` returns the latest version's `value`; 404 is `Ok(None)`.
///
/// Construction validates the kwargs and makes no network call; the SDK client (and its credential) is built on
/// the first lookup and reused for the life of the backend, so concurrent first lookups share one login.
pub struct AzureKeyVaultBackend {
    config: Config,
    /// `config.credential` described for errors (never a secret).
    credential: String,
    env: Environment,
    client: OnceCell<Arc<SecretClient>>,
}

impl fmt::Debug for AzureKeyVaultBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureKeyVaultBackend")
            .field("vault_url", &self.config.vault_url)
            .field("connections_prefix", &self.config.connections_prefix)
            .field("variables_prefix", &self.config.variables_prefix)
            .field("config_prefix", &self.config.config_prefix)
            .field(
                "lookup_patterns",
                &[
                    self.config.connections_pattern.as_ref().map(|p| p.as_str()),
                    self.config.variables_pattern.as_ref().map(|p| p.as_str()),
                    self.config.config_pattern.as_ref().map(|p| p.as_str()),
                ],
            )
            .field("sep", &self.config.sep)
            .field("credential", &self.config.credential)
            .field("authority_host", &self.config.authority_host)
            .field("http", &self.config.http)
            .field("timeout", &self.config.timeout)
            .field(
                "verify_challenge_resource",
                &self.config.verify_challenge_resource,
            )
            .field("api_version", &self.config.api_version)
            .field("environment", &self.env)
            .field("client_built", &self.client.initialized())
            .finish()
    }
}

impl AzureKeyVaultBackend {
    /// Builds the backend from Airflow's kwargs JSON object (`AIRFLOW__SECRETS__BACKEND_KWARGS`). Every kwarg
    /// is validated; unknown ones are refused with the list of accepted ones.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::new(parse_kwargs::<AzureKeyVaultKwargs>(BACKEND_NAME, kwargs)?)
    }

    /// Builds the backend from typed kwargs.
    ///
    /// ```
    /// use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, AzureKeyVaultKwargs};
    /// let backend = AzureKeyVaultBackend::new(AzureKeyVaultKwargs {
    ///     vault_url: Some("https://my-vault.vault.azure.net/".into()),
    ///     variables_prefix: None, // do not look variables up
    ///     ..AzureKeyVaultKwargs::default()
    /// })
    /// .unwrap();
    /// assert_eq!(backend.secret_name(airflow_secrets_core::SecretKind::Connection, "smtp_default").as_deref(),
    ///            Some("airflow-connections-smtp-default"));
    /// ```
    pub fn new(kwargs: AzureKeyVaultKwargs) -> Result<Self, Error> {
        let config = kwargs.validate()?;
        Ok(AzureKeyVaultBackend {
            credential: config.credential.describe(),
            config,
            env: Environment::Process,
            client: OnceCell::new(),
        })
    }

    /// Uses `env` instead of the process environment for `AZURE_AUTHORITY_HOST` and the default credential
    /// chain. Takes effect only before the first lookup (the client is built then).
    pub fn with_environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The Key Vault secret name looked up for `key`, or `None` when nothing is sent: lookups of `kind` are
    /// disabled, the key does not match the kind's `*_lookup_pattern`, or it is a team-scoped `team--key` without
    /// a team (Airflow's multi-team guard).
    pub fn secret_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        let prefix = self.config.prefix(kind)?;
        if self.config.pattern(kind).is_some_and(|p| !p.matches(key)) {
            return None;
        }
        if kind != SecretKind::Config && is_team_scoped(key, &self.config.sep) {
            return None;
        }
        Some(build_path(prefix, key, &self.config.sep))
    }

    /// The vault URL as configured.
    pub fn vault_url(&self) -> &str {
        &self.config.vault_url
    }

    /// `GET {vault_url}/secrets/{name}/`: the latest version's value, `None` for 404.
    async fn read(
        &self,
        name: &str,
        tries: &Tries,
        lookup: &Lookup<'_>,
    ) -> Result<Option<SecretValue>, Error> {
        let client = self.client().await?;
        let options = SecretClientGetSecretOptions {
            method_options: ClientMethodOptions {
                context: Context::new().with_value(tries.clone()),
            },
            ..SecretClientGetSecretOptions::default()
        };
        // Python's `quote(name, safe="")`, as the Python SDK does: the Rust SDK inserts the name verbatim, so
        // `a/b` would read version `b` of secret `a`.
        let encoded = quote(name, "");
        match client.get_secret(&encoded, Some(options)).await {
            Ok(response) => {
                let secret = response.into_model().map_err(|e| {
                    // serde messages can quote parts of the body (the secret); keep only the position.
                    lookup.malformed(format!(
                        "Key Vault answered 200 for `{name}` with a body that is not a secret bundle ({})",
                        e.downcast_ref::<serde_json::Error>()
                            .map(|j| format!("JSON error at line {}, column {}", j.line(), j.column()))
                            .unwrap_or_else(|| "unreadable body".to_owned())
                    ))
                })?;
                match secret.value {
                    Some(value) => Ok(Some(SecretValue::new(value))),
                    None => Err(lookup.malformed(format!(
                        "Key Vault returned the secret `{name}` without a `value`"
                    ))),
                }
            }
            Err(error) => classify(error, lookup, tries.get()),
        }
    }

    async fn client(&self) -> Result<&Arc<SecretClient>, Error> {
        self.client
            .get_or_try_init(|| async {
                build_client(&self.config, &self.env)
                    .map(Arc::new)
                    .map_err(|e| Error::Authentication {
                        backend: BACKEND_NAME,
                        location: format!(
                            "setting up the {} for {}",
                            self.credential, self.config.vault_url
                        ),
                        problem: error_chain(&e),
                    })
            })
            .await
    }
}

#[async_trait]
impl SecretsBackend for AzureKeyVaultBackend {
    fn name(&self) -> &'static str {
        BACKEND_NAME
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        let started = Instant::now();
        let Some(name) = self.secret_name(kind, key) else {
            tracing::trace!(backend = BACKEND_NAME, %kind, key, "lookup disabled, filtered by its lookup pattern or team-scoped: not sent");
            return Ok(None);
        };
        if name.is_empty() {
            // No Key Vault secret has an empty name; the SDK would refuse the call.
            return Ok(None);
        }
        let tries = Tries::default();
        let lookup = Lookup {
            kind,
            key,
            name: &name,
            vault_url: &self.config.vault_url,
            credential: &self.credential,
            started,
        };
        // `timeout` bounds the whole lookup: building the client, the token request, every try and back-off.
        match tokio::time::timeout(self.config.timeout, self.read(&name, &tries, &lookup)).await {
            Ok(result) => result,
            Err(_) => Err(lookup.unavailable(
                tries.get(),
                format!(
                    "no answer within the lookup timeout of {:?} (the `timeout` kwarg, which covers the token \
                     request, every attempt and back-off)",
                    self.config.timeout
                ),
            )),
        }
    }
}
