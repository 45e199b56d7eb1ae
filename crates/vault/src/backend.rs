//! [`VaultBackend`]: Airflow's `airflow.providers.hashicorp.secrets.vault.VaultBackend`.

use std::fmt;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::context::{LookupContext, invalid_kwarg};
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::provider::routes::Routes;
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::BACKEND;
use crate::client::{Transport, with_retries};
use crate::config::{TokenSource, VaultAuth, VaultConfig, Verify};
use crate::env::HONOURED;
use crate::errors::{Failure, LoginError, read_error};
use crate::extract::extract;
use crate::kwargs::{check_config, config_from_kwargs};
use crate::names::{SecretLocation, location};
use crate::read::{kv_get, read_url};
use crate::session::{Session, Sessions};

/// Reads Airflow connections, variables and config values from a Vault (or OpenBao) KV engine, exactly
/// where and as Airflow's `VaultBackend` does.
///
/// Construction validates the configuration and sends nothing; the HTTP client is built and the login
/// done on the first lookup, once, shared by concurrent lookups. See the crate documentation for the
/// kwargs, auth methods and token lifecycle.
pub struct VaultBackend {
    config: VaultConfig,
    /// Airflow's `[core] multi_team`: team-scoped base paths and the guard of the shared ones.
    multi_team: bool,
    routes: Routes,
    transport: OnceCell<Transport>,
    sessions: Sessions,
}

impl fmt::Debug for VaultBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The config's Debug redacts every credential; the client and token are not shown at all.
        f.debug_struct("VaultBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl VaultBackend {
    /// Builds the backend from Airflow's kwargs (`AIRFLOW__SECRETS__BACKEND_KWARGS`), with the
    /// fallbacks to `VAULT_ADDR`, `VAULT_TOKEN`, ... read from the process environment
    /// ([`HONOURED`](crate::HONOURED)).
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::from_kwargs_with_env(kwargs, &EnvSnapshot::capture(HONOURED))
    }

    /// Like [`from_kwargs`](Self::from_kwargs), with the environment given explicitly
    /// (`EnvSnapshot::from_vars(HONOURED, ..)`).
    pub fn from_kwargs_with_env(kwargs: &Kwargs, env: &EnvSnapshot) -> Result<Self, Error> {
        Self::new(config_from_kwargs(kwargs, env)?)
    }

    /// Builds the backend from a typed configuration. Nothing is read from the environment.
    pub fn new(config: VaultConfig) -> Result<Self, Error> {
        check_config(&config)?;
        if config.verify == Verify::No && config.url.starts_with("https:") {
            tracing::warn!(
                backend = BACKEND,
                url = %redact::url(&config.url),
                "TLS certificate verification of the Vault server is disabled (`verify: false`): \
                 anyone on the network path can read the token and the secrets; give `verify` the \
                 path of the CA bundle instead"
            );
        }
        // A kind's route: its first base path (the others are tried after it, see `get`), or `None`
        // when its `*_path` is null; and its lookup pattern.
        let routes = Routes::new(BACKEND, |kind| {
            let (paths, pattern) = config.kind_paths(kind);
            (
                paths.and_then(<[String]>::first).cloned(),
                pattern.map(|p| p.as_str().to_owned()),
            )
        })?;
        Ok(VaultBackend {
            config,
            multi_team: false,
            routes,
            transport: OnceCell::new(),
            sessions: Sessions::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }

    /// Airflow's `[core] multi_team` (default `false`). When on (and `use_team_secrets_path`, the
    /// default), a lookup for a team reads `{base_path}/{team}/{key}` only, and a connection or variable
    /// lookup without a team whose key part holds a `/` is refused with a warning and nothing sent: it
    /// could read a team's secret (hashicorp 4.8.4's `_names_a_team_namespace`).
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// Whether team-scoped base paths are in effect (`[core] multi_team` and `use_team_secrets_path`).
    fn team_paths(&self) -> bool {
        self.multi_team && self.config.use_team_secrets_path
    }

    /// hashicorp 4.8.4's guard: a key read without a team whose key part (after the mount, when the
    /// mount comes from the key) holds a `/` could name `{team}/{key}` under a base path.
    fn names_a_team_namespace(&self, kind: SecretKind, key: &str, team: Option<&str>) -> bool {
        if kind == SecretKind::Config || team.is_some() || !self.team_paths() {
            return false;
        }
        let key_part = match self.config.mount_point.as_deref().filter(|m| !m.is_empty()) {
            Some(_) => Some(key),
            None => key.split_once('/').map(|(_, part)| part),
        };
        let refused = key_part.is_some_and(|part| part.contains('/'));
        if refused {
            tracing::warn!(
                backend = BACKEND,
                %kind,
                key,
                "Secret id contains '/' and is looked up with no team. In multi-team mode it can resolve \
                 a team's secret under the base path, so it is not looked up. Returning None."
            );
        }
        refused
    }

    async fn transport(&self) -> Result<&Transport, Error> {
        self.transport
            .get_or_try_init(|| async { Transport::new(&self.config) })
            .await
            .map_err(|e| invalid_kwarg(BACKEND, e.kwarg, e.problem))
    }

    /// Reads the KV data at `url` (what `ctx` shows, with its userinfo masked); `Ok(None)` when Vault
    /// has nothing there.
    async fn read(
        &self,
        ctx: &LookupContext,
        transport: &Transport,
        url: &str,
    ) -> Result<Option<Value>, Error> {
        let session = self
            .sessions
            .get(&self.config, transport, None, ctx)
            .await
            .map_err(LoginError::into_error)?;
        match self.read_with(ctx, transport, &session, url).await {
            // Airflow main: a 403 may be an expired or revoked token; log in again once and retry.
            // An inline token cannot change, so there is nothing to retry with.
            Err(failure)
                if failure.status() == Some(403)
                    && !matches!(self.config.auth, VaultAuth::Token(TokenSource::Literal(_))) =>
            {
                tracing::debug!(backend = BACKEND, kind = %ctx.kind(), key = ctx.key(), location = ctx.location(), "403 from Vault; logging in again");
                let session = self
                    .sessions
                    .get(&self.config, transport, Some(session.generation), ctx)
                    .await
                    .map_err(LoginError::into_error)?;
                self.read_with(ctx, transport, &session, url)
                    .await
                    .map_err(|f| read_error(ctx, f))
            }
            result => result.map_err(|f| read_error(ctx, f)),
        }
    }

    /// One read, retried on transient failures ([`RetryConfig`](crate::RetryConfig)); every request is
    /// counted in `ctx`.
    async fn read_with(
        &self,
        ctx: &LookupContext,
        transport: &Transport,
        session: &Session,
        url: &str,
    ) -> Result<Option<Value>, Failure> {
        let version = self.config.kv_engine_version;
        let token = session.token.expose_secret();
        with_retries(
            ctx,
            &self.config.retry,
            "read",
            Failure::is_transient,
            || kv_get(transport, token, url, version),
        )
        .await
    }

    /// Where a lookup of `key` reads, in order: one location per base path of `kind` that has one.
    /// The callers have routed the key first (the kind is on and the key matches its pattern), so the
    /// pattern is matched once per lookup.
    fn locations(&self, kind: SecretKind, key: &str, team: Option<&str>) -> Vec<SecretLocation> {
        // Config lookups have no team (Airflow's `get_config` takes none).
        let team = team.filter(|_| kind != SecretKind::Config && self.team_paths());
        let mount_point = self.config.mount_point.as_deref();
        let bases = self.config.kind_paths(kind).0.unwrap_or_default();
        bases
            .iter()
            .filter_map(|base| {
                // Airflow's `build_path(base_path, team_name)`: `{base}/{team}`, also for base `""`.
                let team_base;
                let base = match team {
                    Some(team) => {
                        team_base = format!("{base}/{team}");
                        team_base.as_str()
                    }
                    None => base.as_str(),
                };
                let found = location(base, key, mount_point);
                if found.is_none() {
                    tracing::debug!(backend = BACKEND, %kind, key, base, "no mount and path to read for this key and base path: not looked up");
                }
                found
            })
            .collect()
    }

    /// The URLs a lookup of `key` would read, in order, if each answered 404 (nothing is sent); the
    /// lookup's error when it would be refused (a `.`/`..` segment). For the differential suite
    /// against Airflow's `VaultBackend`.
    #[doc(hidden)]
    pub async fn read_urls(&self, kind: SecretKind, key: &str) -> Result<Vec<String>, Error> {
        self.read_urls_for_team(kind, key, None).await
    }

    /// [`read_urls`](Self::read_urls) for a lookup made for `team`; empty when the multi-team guard
    /// refuses the key.
    #[doc(hidden)]
    pub async fn read_urls_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        let transport = self.transport().await?;
        if self.names_a_team_namespace(kind, key, team) || self.routes.route(kind, key)?.is_none() {
            return Ok(Vec::new());
        }
        self.locations(kind, key, team)
            .iter()
            .map(|location| {
                self.refuse_dot_segments(kind, key, location)?;
                Ok(read_url(transport, self.config.kv_engine_version, location))
            })
            .collect()
    }

    /// Lookup patterns are a filter, not an access boundary: a key must not leave its path.
    fn refuse_dot_segments(
        &self,
        kind: SecretKind,
        key: &str,
        location: &SecretLocation,
    ) -> Result<(), Error> {
        if location.has_dot_segment() {
            let shown = format!("mount `{}`, path `{}`", location.mount, location.path);
            return Err(LookupContext::new(BACKEND, kind, key, shown).rejected(
                "not sent: the key has a `.` or `..` path segment (plain or percent-encoded), which \
                 would read outside its mount and base path",
            ));
        }
        Ok(())
    }

    /// Reads `key`'s secret at one location: its KV data and the context that names the read, or
    /// `Ok(None)` when Vault has nothing there (404, soft-deleted, KV v2 data `null`).
    async fn read_at(
        &self,
        kind: SecretKind,
        key: &str,
        location: &SecretLocation,
    ) -> Result<Option<(LookupContext, Value)>, Error> {
        self.refuse_dot_segments(kind, key, location)?;
        let transport = self.transport().await?;
        let url = read_url(transport, self.config.kv_engine_version, location);
        // What errors and logs show: `url`'s userinfo masked.
        let ctx = LookupContext::new(BACKEND, kind, key, redact::url(&url));
        // No whole-lookup deadline: Vault's client has none (each request has its connect + read
        // deadline, and waiting for another lookup's login is bounded by it too).
        let data = deadline::within(&ctx, None, self.read(&ctx, transport, &url)).await?;
        if data.is_none() {
            tracing::debug!(backend = BACKEND, %kind, key, path = %location.path, "not found in Vault");
        }
        Ok(data.map(|data| (ctx, data)))
    }
}

#[async_trait]
impl SecretsBackend for VaultBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        self.routes.skips(kind, key)
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    /// hashicorp 4.8.4 with `[core] multi_team`: a team reads `{base_path}/{team}/{key}` only (no
    /// fallback to the shared path); without a team, keys that could name a team's secret are refused.
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        if self.names_a_team_namespace(kind, key, team) {
            return Ok(None);
        }
        // A pattern match given up at its backtracking limit is the lookup's error.
        if self.routes.route(kind, key)?.is_none() {
            return Ok(None);
        }
        // Airflow's `*_path` may list several base paths (and `global_secrets_path` is the last): the
        // first one holding a secret wins, even if that secret has no `value` (Airflow's `_get_secret`
        // stops at the first response that is not `None`).
        for location in self.locations(kind, key, team) {
            if let Some((ctx, data)) = self.read_at(kind, key, &location).await? {
                return extract(&ctx, data);
            }
        }
        Ok(None)
    }
}
