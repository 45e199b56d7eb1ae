//! [`AzureKeyVaultBackend`]: Airflow's `airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend`.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_core::connection::pyurl::quote;
use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};
use azure_core::http::{ClientMethodOptions, Context};
use azure_security_keyvault_secrets::SecretClient;
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use tokio::sync::OnceCell;

use crate::BACKEND;
use crate::auth::build_credential;
use crate::client;
use crate::config::Config;
use crate::env;
use crate::errors::{self, Target, error_chain};
use crate::kwargs::AzureKeyVaultKwargs;
use crate::names::{
    TEAM_SEP, build_path, is_valid_secret_name, names_a_team_namespace, team_secret_name,
};
use crate::transport::transport;

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
    env: EnvSnapshot,
    /// Airflow's `[core] multi_team`: turns the team-namespace guard on.
    multi_team: bool,
    client: OnceCell<Arc<SecretClient>>,
}

impl fmt::Debug for AzureKeyVaultBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureKeyVaultBackend")
            .field("vault_url", &self.config.vault_url)
            .field("routes", &self.config.routes)
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
            .field("multi_team", &self.multi_team)
            .field("client_built", &self.client.initialized())
            .finish()
    }
}

impl AzureKeyVaultBackend {
    /// Builds the backend from Airflow's kwargs JSON object (`AIRFLOW__SECRETS__BACKEND_KWARGS`). Every kwarg
    /// is validated; unknown ones are refused with the list of accepted ones.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::new(parse_kwargs::<AzureKeyVaultKwargs>(BACKEND, kwargs)?)
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
        let config = Config::from_kwargs(kwargs)?;
        Ok(AzureKeyVaultBackend {
            credential: config.credential.describe(),
            config,
            env: env::process(),
            multi_team: false,
            client: OnceCell::new(),
        })
    }

    /// Uses `env` instead of the process environment (captured when the backend is built) for
    /// `AZURE_AUTHORITY_HOST` and the default credential chain; only the [`HONOURED`](crate::HONOURED) names
    /// count. Takes effect only before the first lookup (the client is built then).
    pub fn with_environment(mut self, env: EnvSnapshot) -> Self {
        self.env = env;
        self
    }

    /// Airflow's `[core] multi_team` (default `false`): when on, a key whose name would contain the team
    /// separator `--` (`a--b`, or `a__b` with `sep = "-"`) is refused for every kind with a warning and
    /// nothing is sent, as the provider (15.2.1) does; when off such keys are looked up like any other.
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// The Key Vault secret name looked up for `key`, or `None` when nothing is sent: lookups of `kind` are
    /// disabled, the key does not match the kind's `*_lookup_pattern`, it names a team namespace in a
    /// multi-team deployment, or the name breaks Key Vault's rule
    /// ([`is_valid_secret_name`](crate::is_valid_secret_name)); also when matching the pattern was given
    /// up at its backtracking limit (a lookup reports that error).
    pub fn secret_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        let route = self.config.routes.get(kind);
        let prefix = route
            .prefix()
            .filter(|_| route.admits(key).unwrap_or(false))?;
        self.name(key, prefix).ok()
    }

    /// The secret name of `key` under `prefix`, or why nothing may be sent (the provider's checks, in its
    /// order: the team-namespace guard, then the name rule).
    fn name(&self, key: &str, prefix: &str) -> Result<String, Refusal> {
        if self.multi_team && names_a_team_namespace(key, &self.config.sep) {
            return Err(Refusal::TeamNamespace);
        }
        let name = build_path(prefix, key, &self.config.sep);
        if is_valid_secret_name(&name) {
            Ok(name)
        } else {
            Err(Refusal::InvalidName(name))
        }
    }

    /// The team-scoped name a lookup for `team` tries first (connections and variables only; see
    /// [`team_secret_name`](crate::team_secret_name)), or `None` when nothing is sent for it (as
    /// [`secret_name`](Self::secret_name), and for config keys or an empty team).
    pub fn team_secret_name(&self, kind: SecretKind, team: &str, key: &str) -> Option<String> {
        let route = self.config.routes.get(kind);
        let prefix = route
            .prefix()
            .filter(|_| route.admits(key).unwrap_or(false))?;
        if team.is_empty()
            || kind == SecretKind::Config
            || (self.multi_team && names_a_team_namespace(key, &self.config.sep))
        {
            return None;
        }
        Some(team_secret_name(prefix, team, key, &self.config.sep))
            .filter(|n| is_valid_secret_name(n))
    }

    /// Reads the secret `name` for `kind`/`key`, or logs the provider's warning and answers `None` when
    /// the name breaks Key Vault's rule.
    async fn read_named(
        &self,
        kind: SecretKind,
        key: &str,
        name: String,
    ) -> Result<Option<SecretValue>, Error> {
        if !is_valid_secret_name(&name) {
            Refusal::InvalidName(name).log(kind, key);
            return Ok(None);
        }
        let lookup = Arc::new(LookupContext::new(
            BACKEND,
            kind,
            key,
            errors::error_location(&name, &self.config.vault_url),
        ));
        // `timeout` bounds the whole lookup: building the client, the token request, every try and back-off.
        deadline::within(
            &lookup,
            Some(self.config.timeout),
            self.read(&name, &lookup),
        )
        .await
    }

    /// The vault URL as configured.
    pub fn vault_url(&self) -> &str {
        &self.config.vault_url
    }

    /// `GET {vault_url}/secrets/{name}/`: the latest version's value, `None` for 404. `lookup` goes into the
    /// call's context, where the pipeline records the tries.
    async fn read(
        &self,
        name: &str,
        lookup: &Arc<LookupContext>,
    ) -> Result<Option<SecretValue>, Error> {
        let client = self.client(lookup).await?;
        let options = SecretClientGetSecretOptions {
            method_options: ClientMethodOptions {
                context: Context::new().with_value(Arc::clone(lookup)),
            },
            ..SecretClientGetSecretOptions::default()
        };
        // Python's `quote(name, safe="")`, as the Python SDK does: the Rust SDK inserts the name verbatim, so
        // `a/b` would read version `b` of secret `a`.
        let answer = client.get_secret(&quote(name, ""), Some(options)).await;
        let target = Target {
            name,
            vault_url: &self.config.vault_url,
            credential: &self.credential,
        };
        errors::secret_value(answer, lookup, target)
    }

    /// The SDK client, built on the first lookup: one transport (TLS trust and timeouts from the kwargs)
    /// shared by Key Vault and token requests, the bounded retry policy, and the credential Airflow would pick.
    async fn client(&self, lookup: &LookupContext) -> Result<&Arc<SecretClient>, Error> {
        self.client
            .get_or_try_init(|| async {
                self.build_client().map(Arc::new).map_err(|e| {
                    lookup.authentication(
                        format!(
                            "setting up the {} for {}",
                            self.credential, self.config.vault_url
                        ),
                        error_chain(&e),
                    )
                })
            })
            .await
    }

    fn build_client(&self) -> azure_core::Result<SecretClient> {
        let config = &self.config;
        let http_client = config.http.http_client().map_err(|e| {
            azure_core::Error::with_error(
                azure_core::error::ErrorKind::Other,
                e,
                "cannot build the HTTP client",
            )
        })?;
        let transport = transport(http_client);
        let credential = build_credential(
            &config.credential,
            config.authority_host.as_deref(),
            &self.env,
            &config.http,
            &transport,
        )?;
        client::secret_client(
            &config.vault_url,
            config.api_version.as_deref(),
            config.verify_challenge_resource,
            &config.http,
            &transport,
            credential,
        )
    }
}

#[async_trait]
impl SecretsBackend for AzureKeyVaultBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        self.config.routes.skips(kind, key)
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    /// The provider's (15.2.1) order: the multi-team guard, then the team's name (connections and
    /// variables, when a team is given), then the shared name.
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        let Some(prefix) = self.config.routes.route(kind, key)? else {
            return Ok(None); // disabled or filtered: logged by `route`
        };
        let sep = &self.config.sep;
        if self.multi_team && names_a_team_namespace(key, sep) {
            Refusal::TeamNamespace.log(kind, key);
            return Ok(None);
        }
        if let Some(team) = team.filter(|t| !t.is_empty() && kind != SecretKind::Config) {
            let name = team_secret_name(prefix, team, key, sep);
            if let Some(value) = self.read_named(kind, key, name).await? {
                return Ok(Some(value));
            }
        }
        self.read_named(kind, key, build_path(prefix, key, sep))
            .await
    }
}

/// Why a key is not looked up (the provider logs each as a warning and returns `None`).
#[derive(Debug)]
enum Refusal {
    /// Multi-team mode and the key's name contains [`TEAM_SEP`].
    TeamNamespace,
    /// The built name breaks Key Vault's name rule.
    InvalidName(String),
}

impl Refusal {
    /// The provider's warning, in its words. Names and keys are not secrets.
    fn log(&self, kind: SecretKind, key: &str) {
        match self {
            Refusal::TeamNamespace => tracing::warn!(
                backend = BACKEND,
                %kind,
                key,
                "{} id {key:?} resolves to a name containing {TEAM_SEP:?}, which separates the team name \
                 from the secret id in a team scoped secret name. Such an id is ambiguous and is not looked \
                 up. Returning None.",
                match kind {
                    SecretKind::Connection => "Connection",
                    SecretKind::Variable => "Variable",
                    SecretKind::Config => "Configuration option",
                }
            ),
            Refusal::InvalidName(name) => tracing::warn!(
                backend = BACKEND,
                %kind,
                key,
                "Secret name {name:?} is not valid. Azure Key Vault secret names must be 1-127 characters \
                 long and contain only alphanumeric characters and dashes."
            ),
        }
    }
}
