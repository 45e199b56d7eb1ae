//! [`VaultBackend`]: Airflow's `airflow.providers.hashicorp.secrets.vault.VaultBackend`.

use std::fmt;
use std::time::Instant;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Error, LookupPattern, SecretKind, SecretValue, SecretsBackend, async_trait,
};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::auth::LoginError;
use crate::client::Transport;
use crate::config::{TokenSource, VaultAuth, VaultConfig};
use crate::env::VaultEnv;
use crate::extract::extract;
use crate::failure::{Failure, with_retries};
use crate::kwargs::{BACKEND, check_header_value, check_url, config_from_kwargs};
use crate::paths::SecretLocation;
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
    /// ([`VaultEnv::HONOURED`]).
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::from_kwargs_with_env(kwargs, &VaultEnv::from_process())
    }

    /// Like [`from_kwargs`](Self::from_kwargs), with the environment given explicitly.
    pub fn from_kwargs_with_env(kwargs: &Kwargs, env: &VaultEnv) -> Result<Self, Error> {
        Self::new(config_from_kwargs(kwargs, env)?)
    }

    /// Builds the backend from a typed configuration. Nothing is read from the environment.
    pub fn new(config: VaultConfig) -> Result<Self, Error> {
        check_url(&config.url)?;
        if let Some(ns) = &config.namespace {
            check_header_value("namespace", ns)?;
        }
        Ok(VaultBackend {
            config,
            transport: OnceCell::new(),
            sessions: Sessions::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }

    fn pattern(&self, kind: SecretKind) -> Option<&LookupPattern> {
        match kind {
            SecretKind::Connection => self.config.connections_lookup_pattern.as_ref(),
            SecretKind::Variable => self.config.variables_lookup_pattern.as_ref(),
            SecretKind::Config => self.config.config_lookup_pattern.as_ref(),
        }
    }

    fn bases(&self, kind: SecretKind) -> Option<&[String]> {
        match kind {
            SecretKind::Connection => self.config.connections_path.as_deref(),
            SecretKind::Variable => self.config.variables_path.as_deref(),
            SecretKind::Config => self.config.config_path.as_deref(),
        }
    }

    async fn transport(&self) -> Result<&Transport, Error> {
        self.transport
            .get_or_try_init(|| async { Transport::new(&self.config) })
            .await
            .map_err(|e| Error::InvalidKwarg {
                backend: BACKEND,
                kwarg: e.kwarg.into(),
                problem: e.problem,
            })
    }

    /// Reads the KV data at `location`; `Ok(None)` when Vault has nothing there. `started` is when the
    /// lookup began: errors report the time since then.
    async fn read(
        &self,
        kind: SecretKind,
        key: &str,
        location: &SecretLocation,
        started: Instant,
    ) -> Result<Option<Value>, Error> {
        let transport = self.transport().await?;
        let version = self.config.kv_engine_version;
        let url = read_url(transport, version, location);
        let login_error = |e: LoginError| login_error(e, kind, key, started);
        let session = self
            .sessions
            .get(&self.config, transport, None)
            .await
            .map_err(login_error)?;
        match self.read_with(transport, &session, &url).await {
            Ok(data) => Ok(data),
            // Airflow main: a 403 may be an expired or revoked token; log in again once and retry.
            // An inline token cannot change, so there is nothing to retry with.
            Err((failure, attempts))
                if failure.status() == Some(403)
                    && !matches!(self.config.auth, VaultAuth::Token(TokenSource::Literal(_))) =>
            {
                tracing::debug!(backend = BACKEND, %kind, key, location = %url, "403 from Vault; logging in again");
                let session = self
                    .sessions
                    .get(&self.config, transport, Some(session.generation))
                    .await
                    .map_err(login_error)?;
                self.read_with(transport, &session, &url)
                    .await
                    .map_err(|(f, more)| {
                        f.into_lookup_error(kind, key, &url, attempts + more, started.elapsed())
                    })
            }
            Err((failure, attempts)) => {
                Err(failure.into_lookup_error(kind, key, &url, attempts, started.elapsed()))
            }
        }
    }

    /// One read, retried on transient failures with jittered exponential back-off
    /// ([`RetryConfig`](crate::RetryConfig)); the failure comes with the number of requests made.
    async fn read_with(
        &self,
        transport: &Transport,
        session: &Session,
        url: &str,
    ) -> Result<Option<Value>, (Failure, u32)> {
        let version = self.config.kv_engine_version;
        let token = session.token.expose_secret();
        with_retries(&self.config.retry, "read", || {
            kv_get(transport, token, url, version)
        })
        .await
    }
}

/// A failed login, as seen by the lookup (begun at `started`) that needed it.
fn login_error(e: LoginError, kind: SecretKind, key: &str, started: Instant) -> Error {
    let LoginError {
        location,
        failure,
        attempts,
    } = e;
    if failure.is_unavailable() {
        Error::Unavailable {
            backend: BACKEND,
            kind,
            key: key.to_owned(),
            location,
            attempts,
            elapsed: started.elapsed(),
            problem: failure.to_string(),
        }
    } else {
        Error::Authentication {
            backend: BACKEND,
            location,
            problem: failure.to_string(),
        }
    }
}

#[async_trait]
impl SecretsBackend for VaultBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        let started = Instant::now();
        let Some(bases) = self.bases(kind) else {
            return Ok(None);
        };
        if let Some(pattern) = self.pattern(kind)
            && !pattern.matches(key)
        {
            tracing::trace!(backend = BACKEND, %kind, key, pattern = pattern.as_str(), "key does not match the lookup pattern: not looked up");
            return Ok(None);
        }
        for base in bases {
            let Some(location) = SecretLocation::new(self.config.mount_point.as_deref(), base, key)
            else {
                tracing::debug!(backend = BACKEND, %kind, key, "no mount_point and no `/` in the key: not looked up");
                return Ok(None);
            };
            match self.read(kind, key, &location, started).await? {
                Some(data) => {
                    if let Some(value) = extract(kind, key, data)? {
                        return Ok(Some(value));
                    }
                }
                None => {
                    tracing::debug!(backend = BACKEND, %kind, key, path = %location.path, "not found in Vault")
                }
            }
        }
        Ok(None)
    }
}
