//! The token lifecycle: one lazy login per backend shared by concurrent lookups, renewal before the
//! lease runs out, and a fresh login when Vault answers 403 (Airflow main, PR #71701).
//!
//! Everything is decided when a lookup needs the token; there is no background task. A token is
//! renewed (`renew-self`) once two thirds of its lease have passed, if it is renewable; a token whose
//! lease has run out, or that cannot be renewed (or whose renewal is capped by `max_ttl`), is replaced by
//! a new login.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use vaultrs::client::VaultClient;

use crate::auth::{self, Login, LoginError};
use crate::client::Transport;
use crate::config::VaultConfig;
use crate::kwargs::BACKEND;

/// A logged-in client.
pub(crate) struct Session {
    /// A vaultrs client carrying the token, over the backend's shared connection pool.
    pub client: VaultClient,
    /// The token itself, for the KV reads.
    pub token: SecretString,
    /// Increases with every login; a 403 names the generation it saw, so that concurrent 403s cause
    /// one login, not one each.
    pub generation: u64,
    lease: Option<Duration>,
    renew_at: Option<Instant>,
    expires_at: Option<Instant>,
    renewable: bool,
}

impl Session {
    fn new(transport: &Transport, login: Login, generation: u64, now: Instant) -> Session {
        let client = transport.vault_client(login.token.expose_secret());
        Session {
            client,
            token: login.token,
            generation,
            lease: login.lease,
            renew_at: login.lease.map(|l| now + l * 2 / 3),
            expires_at: login.lease.map(|l| now + l),
            renewable: login.renewable,
        }
    }

    fn due(&self, now: Instant) -> bool {
        self.renew_at.is_some_and(|t| now >= t)
    }

    fn expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|t| now >= t)
    }
}

/// The current session, behind one lock: whoever finds no usable token logs in while the others wait,
/// then they all use the new token.
#[derive(Default)]
pub(crate) struct Sessions {
    current: Mutex<Option<Arc<Session>>>,
}

impl Sessions {
    /// A usable session. `stale` is the generation of a session that just got a 403: a newer one is
    /// returned as is, that one is replaced by a new login.
    pub async fn get(
        &self,
        config: &VaultConfig,
        transport: &Transport,
        stale: Option<u64>,
    ) -> Result<Arc<Session>, LoginError> {
        let mut current = self.current.lock().await;
        let now = Instant::now();
        let previous = current.clone();
        let mut generation = 1;
        if let Some(session) = &previous {
            generation = session.generation + 1;
            let is_stale = stale == Some(session.generation);
            if !is_stale && !session.due(now) {
                return Ok(session.clone());
            }
            if !is_stale && session.renewable && !session.expired(now) {
                match auth::renew_self(&session.client).await {
                    Ok(renewed) => {
                        // renew-self answers with the same token and its new lease.
                        let mut next =
                            Session::new(transport, renewed, session.generation, Instant::now());
                        // A renewal shorter than the previous lease means `max_ttl` caps it: log in anew
                        // next time instead of renewing a token that is about to die.
                        if next.lease < session.lease {
                            next.renewable = false;
                        }
                        let next = Arc::new(next);
                        *current = Some(next.clone());
                        tracing::debug!(backend = BACKEND, "renewed the Vault token");
                        return Ok(next);
                    }
                    Err(problem) => {
                        tracing::debug!(backend = BACKEND, %problem, "token renewal failed; logging in again");
                    }
                }
            }
        }
        match auth::login(config, transport).await {
            Ok(login) => {
                let session = Arc::new(Session::new(transport, login, generation, Instant::now()));
                *current = Some(session.clone());
                tracing::debug!(
                    backend = BACKEND,
                    auth_type = config.auth.auth_type(),
                    "logged in to Vault"
                );
                Ok(session)
            }
            // A refresh that fails while the old token is still valid (Vault briefly down at the 2/3
            // mark) keeps the old token rather than failing the lookup.
            Err(e) => match previous {
                Some(old) if stale != Some(old.generation) && !old.expired(Instant::now()) => {
                    tracing::warn!(
                        backend = BACKEND,
                        location = %e.location,
                        problem = %e.failure,
                        "refreshing the Vault token failed; using the current token until it expires"
                    );
                    Ok(old)
                }
                _ => Err(e),
            },
        }
    }
}
