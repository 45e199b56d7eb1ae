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
            routes,
            transport: OnceCell::new(),
            sessions: Sessions::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &VaultConfig {
        &self.config
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

    /// Looks `key` up at one location: `Ok(None)` when it is not there.
    async fn get_at(
        &self,
        kind: SecretKind,
        key: &str,
        location: &SecretLocation,
    ) -> Result<Option<SecretValue>, Error> {
        // Lookup patterns are a filter, not an access boundary: a key must not leave its path.
        if location.has_dot_segment() {
            let shown = format!("mount `{}`, path `{}`", location.mount, location.path);
            return Err(LookupContext::new(BACKEND, kind, key, shown).rejected(
                "not sent: the key has a `.` or `..` path segment (plain or percent-encoded), which \
                 would read outside its mount and base path",
            ));
        }
        let transport = self.transport().await?;
        let url = read_url(transport, self.config.kv_engine_version, location);
        // What errors and logs show: `url`'s userinfo masked.
        let ctx = LookupContext::new(BACKEND, kind, key, redact::url(&url));
        // No whole-lookup deadline: Vault's client has none (each request has its connect + read
        // deadline, and waiting for another lookup's login is bounded by it too).
        let data = deadline::within(&ctx, None, self.read(&ctx, transport, &url)).await?;
        match data {
            Some(data) => extract(&ctx, data),
            None => {
                tracing::debug!(backend = BACKEND, %kind, key, path = %location.path, "not found in Vault");
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl SecretsBackend for VaultBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        if self.routes.route(kind, key)?.is_none() {
            return Ok(None);
        }
        // Airflow's `*_path` may list several base paths: the first that has the key wins.
        for base in self.config.kind_paths(kind).0.unwrap_or_default() {
            let Some(location) = location(base, key, self.config.mount_point.as_deref()) else {
                tracing::debug!(backend = BACKEND, %kind, key, "no mount_point and no `/` in the key: not looked up");
                return Ok(None);
            };
            if let Some(value) = self.get_at(kind, key, &location).await? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }
}
