//! The lookup cache: Airflow's `[secrets] use_cache` / `cache_ttl_seconds`, plus what Airflow lacks —
//! request coalescing, a separate TTL for "not found", a size bound and explicit invalidation.
//!
//! It sits in front of the whole chain, as Airflow's `SecretCache` does: a key is cached with the answer
//! of whichever backend gave it. Concurrent lookups of the same missing key share one walk of the chain
//! (moka's `try_get_with`), so 100 simultaneous `variable("x")` calls cost one upstream request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use airflow_secrets_core::{Connection, Error, SecretKind, SecretValue};
use moka::Expiry;
use moka::future::Cache;

use crate::metrics::{self, CacheResult};

/// Cache configuration. [`CacheSettings::default`] is Airflow's TTL (900 s) with airflow-secrets'
/// extensions at their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// How long a found value is served from the cache (`[secrets] cache_ttl_seconds`, default 900 s).
    pub ttl: Duration,
    /// How long "not found" is remembered (default 60 s; zero disables negative caching). A miss is
    /// never cached when a backend failed during the lookup, so an outage is not hidden for a minute.
    pub negative_ttl: Duration,
    /// At most this many keys are kept (default 10 000); the least useful are evicted first.
    pub max_entries: u64,
    /// Also cache config values (`get_config`; default `false`, as Airflow never caches them).
    pub cache_config: bool,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            ttl: Duration::from_secs(900),
            negative_ttl: Duration::from_secs(60),
            max_entries: 10_000,
            cache_config: false,
        }
    }
}

/// What a lookup through the chain produced; the cached unit.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// A variable or config value.
    Value(Option<SecretValue>),
    /// A connection, cached as the parsed value (not a lossy URI as in Airflow).
    Connection(Option<Connection>),
}

/// One cached lookup.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub answer: Answer,
    pub found_in: Option<&'static str>,
    pub failures: Vec<(&'static str, Error)>,
}

impl Entry {
    fn is_miss(&self) -> bool {
        matches!(self.answer, Answer::Value(None) | Answer::Connection(None))
    }
}

struct EntryExpiry {
    ttl: Duration,
    negative_ttl: Duration,
}

impl Expiry<(SecretKind, String), Entry> for EntryExpiry {
    fn expire_after_create(
        &self,
        _key: &(SecretKind, String),
        entry: &Entry,
        _now: Instant,
    ) -> Option<Duration> {
        Some(match (entry.is_miss(), entry.failures.is_empty()) {
            (false, _) => self.ttl,
            (true, true) => self.negative_ttl,
            // Not found because a backend failed: do not remember it.
            (true, false) => Duration::ZERO,
        })
    }
}

/// The cache itself; cheap to clone (shared).
#[derive(Clone)]
pub(crate) struct LookupCache {
    cache: Cache<(SecretKind, String), Entry>,
    settings: CacheSettings,
}

impl std::fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupCache")
            .field("settings", &self.settings)
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}

impl LookupCache {
    pub(crate) fn new(settings: CacheSettings) -> LookupCache {
        let cache = Cache::builder()
            .max_capacity(settings.max_entries)
            .expire_after(EntryExpiry {
                ttl: settings.ttl,
                negative_ttl: settings.negative_ttl,
            })
            .build();
        LookupCache { cache, settings }
    }

    pub(crate) fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// `true` when lookups of this kind go through the cache.
    pub(crate) fn covers(&self, kind: SecretKind) -> bool {
        kind != SecretKind::Config || self.settings.cache_config
    }

    /// The cached entry, or the result of `walk` (shared by every concurrent caller of the same key).
    /// A hit reports no failures: the cache answered.
    pub(crate) async fn get_or_walk<F>(
        &self,
        kind: SecretKind,
        key: &str,
        walk: F,
    ) -> Result<(Entry, bool), Error>
    where
        F: std::future::Future<Output = Result<Entry, Error>>,
    {
        let cache_key = (kind, key.to_owned());
        if let Some(mut hit) = self.cache.get(&cache_key).await {
            metrics::cache_lookup(kind, CacheResult::Hit);
            hit.failures.clear();
            return Ok((hit, true));
        }
        // Only the caller whose `walk` runs missed; the others waited for it (coalesced).
        let walked = AtomicBool::new(false);
        let walk = async {
            walked.store(true, Ordering::Relaxed);
            walk.await
        };
        let result = self.cache.try_get_with(cache_key, walk).await;
        let counted = if walked.load(Ordering::Relaxed) {
            CacheResult::Miss
        } else {
            CacheResult::Coalesced
        };
        metrics::cache_lookup(kind, counted);
        result
            .map(|entry| (entry, false))
            .map_err(|shared: Arc<Error>| {
                Arc::try_unwrap(shared).unwrap_or_else(|arc| (*arc).clone())
            })
    }

    pub(crate) async fn invalidate(&self, kind: SecretKind, key: &str) {
        self.cache.invalidate(&(kind, key.to_owned())).await;
    }

    pub(crate) fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }
}
