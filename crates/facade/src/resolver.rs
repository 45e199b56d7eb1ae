//! [`Secrets`]: Airflow's lookup chain — custom backend, then environment variables, then (with the
//! `metastore` feature) the metadata database.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, EnvironmentVariablesBackend, Error, SecretKind, SecretValue, SecretsBackend,
};

use crate::config::AirflowConfig;
use crate::registry::{build_backend, BuildContext};
use crate::settings::{parse_kwargs_json, BackendSetting, ProcessContext, SecretsSettings};

/// What to do when a backend in the chain fails (denied, unreachable, malformed value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorPolicy {
    /// Airflow's behaviour: log the error with `tracing` and ask the next backend.
    #[default]
    FallThrough,
    /// Stop at the first error and return it (a denied read never silently falls back to another store).
    Strict,
}

/// The result of one lookup through the chain, with everything that happened on the way.
#[derive(Debug)]
pub struct Lookup<T> {
    /// The value, when a backend had it.
    pub value: Option<T>,
    /// The name of the backend that answered.
    pub found_in: Option<&'static str>,
    /// Backends that failed before the answer (only with [`ErrorPolicy::FallThrough`]).
    pub failures: Vec<(&'static str, Error)>,
}

/// Airflow's lookup chain, built once and shared (it is `Send + Sync`; wrap it in an `Arc` or keep one
/// per process, as Airflow does).
///
/// ```no_run
/// # async fn demo() -> Result<(), airflow_secrets::Error> {
/// let secrets = airflow_secrets::Secrets::from_env().await?;
/// if let Some(v) = secrets.variable("my_var").await? {
///     println!("My variable is: {}", v.expose());
/// }
/// let pg = secrets.connection("my_pg").await?; // Err(ConnectionNotFound) when no backend has it
/// println!("{} on {:?}", pg.conn_type.as_deref().unwrap_or(""), pg.host);
/// # Ok(()) }
/// ```
pub struct Secrets {
    custom: Option<Arc<dyn SecretsBackend>>,
    chain: Vec<Arc<dyn SecretsBackend>>,
    policy: ErrorPolicy,
    flavor: ConnectionFlavor,
    settings: Option<SecretsSettings>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("chain", &self.chain.iter().map(|b| b.name()).collect::<Vec<_>>())
            .field("policy", &self.policy)
            .field("flavor", &self.flavor)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Reads Airflow's configuration from the process environment and `airflow.cfg`, and builds the chain
    /// a server process would use.
    pub async fn from_env() -> Result<Secrets, Error> {
        Secrets::builder().config(AirflowConfig::from_env()?).build().await
    }

    /// A builder for everything else (explicit backend, strict mode, worker context, ...).
    pub fn builder() -> SecretsBuilder {
        SecretsBuilder::default()
    }

    /// The backends in lookup order.
    pub fn backends(&self) -> &[Arc<dyn SecretsBackend>] {
        &self.chain
    }

    /// The custom backend, if one is configured.
    pub fn custom_backend(&self) -> Option<&Arc<dyn SecretsBackend>> {
        self.custom.as_ref()
    }

    /// The settings read from Airflow's configuration (absent when the builder was given no config).
    pub fn settings(&self) -> Option<&SecretsSettings> {
        self.settings.as_ref()
    }

    /// A variable: the first backend that returns a value wins — an empty string too, which stops the
    /// search as in Airflow. `Ok(None)` when no backend has it.
    pub async fn variable(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        Ok(self.variable_lookup(key).await?.value)
    }

    /// A connection. Not found anywhere gives [`Error::ConnectionNotFound`]
    /// ("The conn_id `X` isn't defined"), as in Airflow.
    pub async fn connection(&self, conn_id: &str) -> Result<Connection, Error> {
        self.connection_lookup(conn_id)
            .await?
            .value
            .ok_or_else(|| Error::ConnectionNotFound { conn_id: conn_id.to_owned() })
    }

    /// A config value from the custom backend only (Airflow's `*_secret` options). Errors always
    /// propagate, as Airflow turns them into `AirflowConfigException`.
    pub async fn config(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        match &self.custom {
            Some(b) => b.get_config(key).await,
            None => Ok(None),
        }
    }

    /// [`variable`](Self::variable), reporting which backend answered and which failed.
    pub async fn variable_lookup(&self, key: &str) -> Result<Lookup<SecretValue>, Error> {
        self.walk(SecretKind::Variable, key, |b| async move { b.get_variable(key).await }).await
    }

    /// [`connection`](Self::connection), reporting which backend answered and which failed.
    pub async fn connection_lookup(&self, conn_id: &str) -> Result<Lookup<Connection>, Error> {
        let flavor = self.flavor;
        self.walk(SecretKind::Connection, conn_id, |b| async move { b.get_connection_as(conn_id, flavor).await })
            .await
    }

    async fn walk<'a, T, F, Fut>(&'a self, kind: SecretKind, key: &str, mut ask: F) -> Result<Lookup<T>, Error>
    where
        F: FnMut(&'a Arc<dyn SecretsBackend>) -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, Error>>,
    {
        let mut failures = Vec::new();
        for backend in &self.chain {
            match ask(backend).await {
                Ok(Some(value)) => {
                    return Ok(Lookup { value: Some(value), found_in: Some(backend.name()), failures });
                }
                Ok(None) => {}
                Err(e) if self.policy == ErrorPolicy::Strict => return Err(e),
                Err(e) => {
                    tracing::warn!(
                        backend = backend.name(),
                        %kind,
                        key,
                        error = %e,
                        "Unable to retrieve {kind} from secrets backend ({}). Checking subsequent secrets backend.",
                        backend.name()
                    );
                    failures.push((backend.name(), e));
                }
            }
        }
        Ok(Lookup { value: None, found_in: None, failures })
    }
}

/// Builds a [`Secrets`] chain.
#[derive(Default)]
pub struct SecretsBuilder {
    config: Option<AirflowConfig>,
    context: ProcessContext,
    explicit_backend: Option<(String, Kwargs)>,
    custom: Option<Arc<dyn SecretsBackend>>,
    environment: Option<EnvironmentVariablesBackend>,
    policy: ErrorPolicy,
    flavor: ConnectionFlavor,
}

impl SecretsBuilder {
    /// Read the backend, kwargs and cache settings from this configuration.
    pub fn config(mut self, config: AirflowConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Which Airflow process to imitate (server by default; workers read `[workers]` first).
    pub fn context(mut self, context: ProcessContext) -> Self {
        self.context = context;
        self
    }

    /// Use this class path and kwargs instead of the configured ones (the CLI's `--backend`).
    pub fn backend(mut self, class_path: impl Into<String>, kwargs: Kwargs) -> Self {
        self.explicit_backend = Some((class_path.into(), kwargs));
        self
    }

    /// Like [`backend`](Self::backend), with the kwargs as JSON text.
    pub fn backend_with_json(self, class_path: impl Into<String>, kwargs_json: &str) -> Result<Self, Error> {
        let kwargs = parse_kwargs_json(kwargs_json, "the backend kwargs given")?;
        Ok(self.backend(class_path, kwargs))
    }

    /// Use an already built backend (your own implementation, or one you configured in code).
    pub fn custom_backend(mut self, backend: Arc<dyn SecretsBackend>) -> Self {
        self.custom = Some(backend);
        self
    }

    /// Replace the environment-variables tier (e.g. with [`EnvironmentVariablesBackend::from_vars`]).
    pub fn environment(mut self, backend: EnvironmentVariablesBackend) -> Self {
        self.environment = Some(backend);
        self
    }

    /// Fall through on errors (Airflow, the default) or stop at the first one.
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Which Connection class to imitate when parsing stored connections (task SDK by default).
    pub fn connection_flavor(mut self, flavor: ConnectionFlavor) -> Self {
        self.flavor = flavor;
        self
    }

    /// Builds the chain: custom backend (if any), environment variables, then the metastore (feature
    /// `metastore`, when a database is configured).
    pub async fn build(self) -> Result<Secrets, Error> {
        let settings = match &self.config {
            Some(config) => Some(SecretsSettings::load(config, self.context).await?),
            None => None,
        };
        let context = BuildContext { config: self.config.as_ref() };
        let custom: Option<Arc<dyn SecretsBackend>> = match (self.custom, self.explicit_backend) {
            (Some(b), _) => Some(b),
            (None, Some((class_path, kwargs))) => Some(build_backend(&class_path, &kwargs, &context)?),
            (None, None) => match settings.as_ref().and_then(|s| s.backend.as_ref()) {
                Some(BackendSetting { class_path, kwargs, .. }) => Some(build_backend(class_path, kwargs, &context)?),
                None => None,
            },
        };
        let environment = match (self.environment, &self.config) {
            (Some(env), _) => env,
            (None, Some(config)) => EnvironmentVariablesBackend::from_vars(
                config.env_vars().map(|(k, v)| (k.to_owned(), v.to_owned())),
            ),
            (None, None) => EnvironmentVariablesBackend::new(),
        };
        let mut chain: Vec<Arc<dyn SecretsBackend>> = Vec::new();
        chain.extend(custom.clone());
        chain.push(Arc::new(environment));
        #[cfg(feature = "metastore")]
        if let Some(config) = &self.config {
            chain.extend(crate::metastore::third_tier(config).await?);
        }
        Ok(Secrets { custom, chain, policy: self.policy, flavor: self.flavor, settings })
    }
}
