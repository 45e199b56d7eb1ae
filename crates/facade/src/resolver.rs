//! [`Secrets`]: Airflow's lookup chain — custom backend, then environment variables, then (with the
//! `metastore` feature) the metadata database.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, EnvironmentVariablesBackend, Error, SecretKind, SecretValue,
    SecretsBackend,
};

use crate::build_context::BuildContext;
use crate::cache::{Answer, CacheSettings, Entry, LookupCache};
use crate::config::AirflowConfig;
use crate::refresh;
use crate::registrations::Registrations;
use crate::settings::{BackendSetting, ProcessContext, SecretsSettings, parse_kwargs_json};
use crate::walk::walk_chain;

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
    /// `true` when the answer came from the cache.
    pub cached: bool,
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
    cache: Option<LookupCache>,
    registrations: Registrations,
    /// The team lookups are made for (Airflow's `team_name`), multi-team deployments only.
    team: Option<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field(
                "chain",
                &self.chain.iter().map(|b| b.name()).collect::<Vec<_>>(),
            )
            .field("policy", &self.policy)
            .field("flavor", &self.flavor)
            .field("cache", &self.cache)
            .field("team", &self.team)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Reads Airflow's configuration from the process environment and `airflow.cfg`, and builds the chain
    /// a server process would use.
    pub async fn from_env() -> Result<Secrets, Error> {
        Secrets::builder()
            .config(AirflowConfig::from_env()?)
            .build()
            .await
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

    /// The class paths registered with [`SecretsBuilder::register`], in registration order (for a
    /// service's own `backends` listing, next to [`KNOWN_CLASS_PATHS`](crate::KNOWN_CLASS_PATHS)).
    pub fn registered_class_paths(&self) -> impl Iterator<Item = &str> {
        self.registrations.class_paths()
    }

    /// The team every variable and connection lookup is made for (Airflow's `team_name`), set with
    /// [`SecretsBuilder::team`].
    pub fn team(&self) -> Option<&str> {
        self.team.as_deref()
    }

    /// The settings read from Airflow's configuration (absent when the builder was given no config and
    /// no settings).
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
            .ok_or_else(|| Error::ConnectionNotFound {
                conn_id: conn_id.to_owned(),
            })
    }

    /// A config value from the custom backend only (Airflow's `*_secret` options). Errors always
    /// propagate, as Airflow turns them into `AirflowConfigException`. Cached only when
    /// [`CacheSettings::cache_config`] is on.
    pub async fn config(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        let Some(custom) = &self.custom else {
            return Ok(None);
        };
        let walk = async {
            let value = crate::metrics::observed(
                custom.as_ref(),
                SecretKind::Config,
                key,
                custom.get_config(key),
            )
            .await?;
            let found_in = value.as_ref().map(|_| custom.name());
            Ok(Entry {
                answer: Answer::Value(value),
                found_in,
                failures: Vec::new(),
            })
        };
        let (entry, _) = self.through_cache(SecretKind::Config, key, walk).await?;
        match entry.answer {
            Answer::Value(v) => Ok(v),
            Answer::Connection(_) => unreachable!("config lookups cache values"),
        }
    }

    /// [`variable`](Self::variable), reporting which backend answered and which failed.
    pub async fn variable_lookup(&self, key: &str) -> Result<Lookup<SecretValue>, Error> {
        let team = self.team.as_deref();
        let walk = async {
            let l = self
                .walk(SecretKind::Variable, key, |b| async move {
                    b.get_for_team(SecretKind::Variable, key, team).await
                })
                .await?;
            Ok(Entry {
                answer: Answer::Value(l.value),
                found_in: l.found_in,
                failures: l.failures,
            })
        };
        let (entry, cached) = self.through_cache(SecretKind::Variable, key, walk).await?;
        match entry.answer {
            Answer::Value(value) => Ok(Lookup {
                value,
                found_in: entry.found_in,
                failures: entry.failures,
                cached,
            }),
            Answer::Connection(_) => unreachable!("variable lookups cache values"),
        }
    }

    /// [`connection`](Self::connection), reporting which backend answered and which failed.
    pub async fn connection_lookup(&self, conn_id: &str) -> Result<Lookup<Connection>, Error> {
        let flavor = self.flavor;
        let team = self.team.as_deref();
        let walk = async {
            let l = self
                .walk(SecretKind::Connection, conn_id, |b| async move {
                    b.get_connection_for_team(conn_id, flavor, team).await
                })
                .await?;
            Ok(Entry {
                answer: Answer::Connection(l.value),
                found_in: l.found_in,
                failures: l.failures,
            })
        };
        let (entry, cached) = self
            .through_cache(SecretKind::Connection, conn_id, walk)
            .await?;
        match entry.answer {
            Answer::Connection(value) => Ok(Lookup {
                value,
                found_in: entry.found_in,
                failures: entry.failures,
                cached,
            }),
            Answer::Value(_) => unreachable!("connection lookups cache connections"),
        }
    }

    /// Forgets a cached variable (call it after changing the variable in the store).
    pub async fn invalidate_variable(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(SecretKind::Variable, key).await;
        }
    }

    /// Forgets a cached connection.
    pub async fn invalidate_connection(&self, conn_id: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(SecretKind::Connection, conn_id).await;
        }
    }

    /// Forgets a cached config value.
    pub async fn invalidate_config(&self, key: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(SecretKind::Config, key).await;
        }
    }

    /// Forgets everything cached.
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }

    /// The cache settings in use, or `None` when caching is off (Airflow's default).
    pub fn cache_settings(&self) -> Option<&CacheSettings> {
        self.cache.as_ref().map(|c| c.settings())
    }

    /// The entry from the cache when it covers `kind`, otherwise `walk`'s; `true` for a cache hit.
    async fn through_cache<F>(
        &self,
        kind: SecretKind,
        key: &str,
        walk: F,
    ) -> Result<(Entry, bool), Error>
    where
        F: std::future::Future<Output = Result<Entry, Error>>,
    {
        match &self.cache {
            Some(cache) if cache.covers(kind) => {
                let refresh = || self.refresh(kind, key);
                cache.get_or_walk(kind, key, walk, refresh).await
            }
            _ => Ok((walk.await?, false)),
        }
    }

    /// A walk for a background refresh of `key`: owns what it needs (the chain is shared).
    fn refresh(&self, kind: SecretKind, key: &str) -> refresh::Walk {
        let key = key.to_owned();
        match kind {
            SecretKind::Config => refresh::config(self.custom.clone(), key),
            _ => refresh::chain(
                self.chain.clone(),
                self.policy,
                self.flavor,
                kind,
                key,
                self.team.clone(),
            ),
        }
    }

    async fn walk<'a, T, F, Fut>(
        &'a self,
        kind: SecretKind,
        key: &str,
        ask: F,
    ) -> Result<Lookup<T>, Error>
    where
        F: FnMut(&'a Arc<dyn SecretsBackend>) -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, Error>>,
    {
        walk_chain(&self.chain, self.policy, kind, key, ask).await
    }
}

/// Builds a [`Secrets`] chain.
#[derive(Default)]
pub struct SecretsBuilder {
    config: Option<AirflowConfig>,
    settings: Option<SecretsSettings>,
    context: ProcessContext,
    explicit_backend: Option<(String, Kwargs)>,
    custom: Option<Arc<dyn SecretsBackend>>,
    environment: Option<EnvironmentVariablesBackend>,
    policy: ErrorPolicy,
    flavor: ConnectionFlavor,
    cache: Option<Option<CacheSettings>>,
    pub(crate) registrations: Registrations,
    team: Option<String>,
    multi_team: Option<bool>,
}

impl SecretsBuilder {
    /// Read the backend, kwargs and cache settings from this configuration.
    pub fn config(mut self, config: AirflowConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Use these settings, already read from the configuration with [`SecretsSettings::load`], instead
    /// of reading them again in [`build`](Self::build) (which would run `_CMD` commands and `_SECRET`
    /// lookups a second time).
    pub fn settings(mut self, settings: SecretsSettings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Which Airflow process to imitate (server by default). A [`ProcessContext::Worker`] reads
    /// `[workers] secrets_backend` first and builds Airflow 3's worker chain, which has no metastore tier
    /// (and whose last tier, Airflow's Execution API, is not implemented).
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
    pub fn backend_with_json(
        self,
        class_path: impl Into<String>,
        kwargs_json: &str,
    ) -> Result<Self, Error> {
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

    /// Look variables and connections up for a task of `team` (Airflow's `team_name`, multi-team
    /// deployments): every backend with team-scoped names tries the team's name first, as the pinned
    /// releases do. Needs `[core] multi_team` (or [`multi_team`](Self::multi_team)); Airflow refuses a team
    /// otherwise, and so does [`build`](Self::build). Server context only: Airflow's task workers pass no
    /// team to their backends. Config lookups have no team.
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// Use this value for Airflow's `[core] multi_team` instead of the configuration's (`false` without
    /// a configuration).
    pub fn multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = Some(multi_team);
        self
    }

    /// Turn the cache on with these settings, whatever Airflow's `use_cache` says.
    pub fn cache(mut self, settings: CacheSettings) -> Self {
        self.cache = Some(Some(settings));
        self
    }

    /// Turn the cache off, whatever Airflow's `use_cache` says.
    pub fn no_cache(mut self) -> Self {
        self.cache = Some(None);
        self
    }

    /// Builds the chain: custom backend (if any), environment variables, then — in the server context
    /// only — the metastore (feature `metastore`, when a database is configured).
    pub async fn build(self) -> Result<Secrets, Error> {
        let settings = match (self.settings, &self.config) {
            (Some(settings), _) => Some(settings),
            (None, Some(config)) => Some(SecretsSettings::load(config, self.context).await?),
            (None, None) => None,
        };
        let multi_team = self
            .multi_team
            .unwrap_or_else(|| settings.as_ref().is_some_and(|s| s.multi_team));
        let team = crate::team::checked_team(self.team, multi_team, self.context)?;
        let context = BuildContext {
            config: self.config.as_ref(),
            multi_team,
        };
        let custom: Option<Arc<dyn SecretsBackend>> = match (self.custom, self.explicit_backend) {
            (Some(b), _) => Some(b),
            (None, Some((class_path, kwargs))) => {
                Some(self.registrations.build(&class_path, &kwargs, &context)?)
            }
            (None, None) => match settings.as_ref().and_then(|s| s.backend.as_ref()) {
                Some(BackendSetting {
                    class_path, kwargs, ..
                }) => Some(self.registrations.build(class_path, kwargs, &context)?),
                None => None,
            },
        };
        let environment = match (self.environment, &self.config) {
            (Some(env), _) => env,
            (None, Some(config)) => EnvironmentVariablesBackend::from_vars(
                config.env_vars().map(|(k, v)| (k.to_owned(), v.to_owned())),
            ),
            (None, None) => EnvironmentVariablesBackend::new(),
        }
        .with_multi_team(multi_team);
        let mut chain: Vec<Arc<dyn SecretsBackend>> = Vec::new();
        chain.extend(custom.clone());
        chain.push(Arc::new(environment));
        // An Airflow 3 task worker never reads the metadata database: its chain is custom backend →
        // environment → Execution API (task-SDK 1.3.2 `DEFAULT_SECRETS_SEARCH_PATH_WORKERS`), and the
        // Execution API tier is not implemented here.
        #[cfg(feature = "metastore")]
        if let (Some(config), ProcessContext::Server) = (&self.config, self.context) {
            chain.extend(crate::metastore_tier::third_tier(config, custom.as_ref()).await?);
        }
        let cache_settings = match self.cache {
            Some(explicit) => explicit,
            None => settings.as_ref().and_then(|s| s.cache.clone()),
        };
        let cache = cache_settings.map(LookupCache::new);
        Ok(Secrets {
            custom,
            chain,
            policy: self.policy,
            flavor: self.flavor,
            settings,
            cache,
            registrations: self.registrations,
            team,
        })
    }
}
