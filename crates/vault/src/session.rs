//! The token lifecycle: one lazy login per backend shared by concurrent lookups, renewal before the
//! lease runs out, and a fresh login when Vault answers 403 (Airflow main, PR #71701).
//!
//! Everything is decided when a lookup needs the token; there is no background task. A token is
//! renewed (`renew-self`) once two thirds of its lease have passed, if it is renewable; a token whose
//! lease has run out, or that cannot be renewed (or whose renewal is capped by `max_ttl`), is replaced by
//! a new login.

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::limits::instant_after;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::BACKEND;
use crate::auth::{self, Login};
use crate::client::Transport;
use crate::config::VaultConfig;
use crate::errors::{Failure, LoginError};

/// A logged-in client.
pub(crate) struct Session {
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
    fn new(login: Login, generation: u64, now: Instant) -> Session {
        Session {
            token: login.token,
            generation,
            lease: login.lease,
            // Leases are clamped (auth::MAX_LEASE); a sum that still does not fit means "not in this
            // process's life", never a panic.
            renew_at: login.lease.and_then(|l| instant_after(now, l / 3 * 2)),
            expires_at: login.lease.and_then(|l| instant_after(now, l)),
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
    /// A usable session for the lookup `lookup`. `stale` is the generation of a session that just got
    /// a 403: a newer one is returned as is, that one is replaced by a new login.
    pub async fn get(
        &self,
        config: &VaultConfig,
        transport: &Transport,
        stale: Option<u64>,
        lookup: &LookupContext,
    ) -> Result<Arc<Session>, LoginError> {
        // The lock is held while one lookup logs in or renews. Waiting for it is bounded by the
        // request deadline, so a stalled login cannot hold every other lookup past theirs.
        // Created before waiting, so that the error tells how long the lookup waited.
        let waiting = LookupContext::new(
            BACKEND,
            lookup.kind(),
            lookup.key(),
            format!(
                "waiting for the {} login or token renewal of another lookup",
                config.auth.auth_type()
            ),
        );
        let mut current = match transport.lock_wait {
            None => self.current.lock().await,
            Some(wait) => match tokio::time::timeout(wait, self.current.lock()).await {
                Ok(guard) => guard,
                Err(_) => {
                    return Err(LoginError {
                        ctx: waiting,
                        failure: Failure::Transport {
                            timeout: true,
                            message: format!(
                                "it did not finish within the request deadline of {wait:?}"
                            ),
                        },
                    });
                }
            },
        };
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
                match auth::renew_self(transport, session.token.expose_secret()).await {
                    Ok(renewed) => {
                        // renew-self answers with the same token and its new lease.
                        let mut next = Session::new(renewed, session.generation, Instant::now());
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
        match auth::login(config, transport, lookup).await {
            Ok(login) => {
                let session = Arc::new(Session::new(login, generation, Instant::now()));
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
                        location = e.ctx.location(),
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
