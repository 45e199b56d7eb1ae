//! The lookup cache: Airflow's `[secrets] use_cache` / `cache_ttl_seconds`, plus what Airflow lacks —
//! request coalescing, a separate TTL for "not found", a size bound and explicit invalidation.
//!
//! It sits in front of the whole chain, as Airflow's `SecretCache` does: a key is cached with the answer
//! of whichever backend gave it. Concurrent lookups of the same missing key share one walk of the chain
//! (moka's `try_get_with`), so 100 simultaneous `variable("x")` calls cost one upstream request.
//!
//! Refresh-ahead (off by default; Airflow has no such thing): a found entry read within
//! [`CacheSettings::refresh_ahead`] of its expiry is looked up again on a background task — one at a time
//! per key — while readers keep getting the cached value. A refresh that fails is logged and leaves the
//! old entry to serve until its TTL ends; the next read inside the window tries again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Connection, Error, SecretKind, SecretValue};
use moka::Expiry;
use moka::future::Cache;

use crate::metrics::{self, CacheResult};
use crate::refresh::Walk;

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
    /// Refresh-ahead window (default `None`: off). A found entry read less than this long before it
    /// expires is refreshed in the background, so a hot key never waits for the store; readers get the
    /// cached value meanwhile. A failing refresh is logged (WARN) and retried at the next read in the
    /// window; the old value serves until its TTL ends, then the normal miss path applies. A window as
    /// long as the TTL refreshes at every read (still one refresh at a time per key).
    pub refresh_ahead: Option<Duration>,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            ttl: Duration::from_secs(900),
            negative_ttl: Duration::from_secs(60),
            max_entries: 10_000,
            cache_config: false,
            refresh_ahead: None,
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

/// An entry with the time it was fetched from the store (refresh-ahead's clock).
#[derive(Debug, Clone)]
struct Cached {
    entry: Entry,
    fetched_at: Instant,
}

impl Cached {
    fn new(entry: Entry) -> Cached {
        Cached {
            entry,
            fetched_at: Instant::now(),
        }
    }
}

struct EntryExpiry {
    ttl: Duration,
    negative_ttl: Duration,
}

impl EntryExpiry {
    fn ttl_of(&self, entry: &Entry) -> Duration {
        match (entry.is_miss(), entry.failures.is_empty()) {
            (false, _) => self.ttl,
            (true, true) => self.negative_ttl,
            // Not found because a backend failed: do not remember it.
            (true, false) => Duration::ZERO,
        }
    }
}

type Key = (SecretKind, String);

impl Expiry<Key, Cached> for EntryExpiry {
    fn expire_after_create(&self, _key: &Key, cached: &Cached, _now: Instant) -> Option<Duration> {
        Some(self.ttl_of(&cached.entry))
    }

    /// A refresh replaces the entry: its TTL starts again.
    fn expire_after_update(
        &self,
        _key: &Key,
        cached: &Cached,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.ttl_of(&cached.entry))
    }
}

/// The cache itself; cheap to clone (shared).
#[derive(Clone)]
pub(crate) struct LookupCache {
    cache: Cache<Key, Cached>,
    settings: CacheSettings,
    /// Keys with a refresh under way (at most one per key).
    refreshing: Arc<Mutex<HashSet<Key>>>,
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
        LookupCache {
            cache,
            settings,
            refreshing: Arc::default(),
        }
    }

    pub(crate) fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// `true` when lookups of this kind go through the cache.
    pub(crate) fn covers(&self, kind: SecretKind) -> bool {
        kind != SecretKind::Config || self.settings.cache_config
    }

    /// The cached entry, or the result of `walk` (shared by every concurrent caller of the same key).
    /// A hit reports no failures: the cache answered. A hit due for refresh-ahead starts `refresh` in
    /// the background.
    pub(crate) async fn get_or_walk<F, R>(
        &self,
        kind: SecretKind,
        key: &str,
        walk: F,
        refresh: R,
    ) -> Result<(Entry, bool), Error>
    where
        F: std::future::Future<Output = Result<Entry, Error>>,
        R: FnOnce() -> Walk,
    {
        let cache_key = (kind, key.to_owned());
        if let Some(hit) = self.cache.get(&cache_key).await {
            metrics::cache_lookup(kind, CacheResult::Hit);
            if self.due_for_refresh(&hit) {
                self.start_refresh(cache_key, hit.fetched_at, refresh);
            }
            let mut entry = hit.entry;
            entry.failures.clear();
            return Ok((entry, true));
        }
        // Only the caller whose `walk` runs missed; the others waited for it (coalesced).
        let walked = AtomicBool::new(false);
        let walk = async {
            walked.store(true, Ordering::Relaxed);
            walk.await.map(Cached::new)
        };
        let result = self.cache.try_get_with(cache_key, walk).await;
        let counted = if walked.load(Ordering::Relaxed) {
            CacheResult::Miss
        } else {
            CacheResult::Coalesced
        };
        metrics::cache_lookup(kind, counted);
        result
            .map(|cached| (cached.entry, false))
            .map_err(|shared: Arc<Error>| {
                Arc::try_unwrap(shared).unwrap_or_else(|arc| (*arc).clone())
            })
    }

    /// `true` for a found entry inside the refresh-ahead window.
    fn due_for_refresh(&self, cached: &Cached) -> bool {
        match self.settings.refresh_ahead {
            Some(window) if !cached.entry.is_miss() => {
                cached.fetched_at.elapsed() + window >= self.settings.ttl
            }
            _ => false,
        }
    }

    /// Runs `refresh` on a background task unless one is under way for `key`. The task first checks
    /// that the entry is still the one this reader saw (`seen`): a refresh that finished meanwhile
    /// replaced it, before leaving the `refreshing` set, so no window gets two refreshes.
    fn start_refresh(&self, key: Key, seen: Instant, refresh: impl FnOnce() -> Walk) {
        // Outside a tokio runtime (another executor) there is nowhere to run it: the entry expires
        // normally.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if !lock(&self.refreshing).insert(key.clone()) {
            return;
        }
        let walk = refresh();
        let this = self.clone();
        runtime.spawn(async move {
            let current = this.cache.get(&key).await.map(|c| c.fetched_at);
            if current == Some(seen) {
                this.refresh_now(&key, walk).await;
            }
            lock(&this.refreshing).remove(&key);
        });
    }

    /// Replaces the entry with `walk`'s answer; on failure keeps it (logged, counted).
    async fn refresh_now(&self, key: &Key, walk: Walk) {
        let (kind, name) = (key.0, key.1.as_str());
        let problem = match walk.await {
            // Not found because a backend failed: the old value is the better answer.
            Ok(entry) if entry.is_miss() && !entry.failures.is_empty() => entry
                .failures
                .iter()
                .map(|(backend, e)| format!("{backend}: {e}"))
                .collect::<Vec<_>>()
                .join("; "),
            Ok(entry) => {
                self.cache.insert(key.clone(), Cached::new(entry)).await;
                metrics::cache_refresh(kind, true);
                return;
            }
            Err(e) => e.to_string(),
        };
        metrics::cache_refresh(kind, false);
        let error = redact::urls_in_text(&problem).into_owned();
        tracing::warn!(
            %kind,
            key = name,
            %error,
            "Refreshing the cached {kind} ahead of its expiry failed; the cached value serves until its TTL \
             ends, and the next read before then tries again."
        );
    }

    pub(crate) async fn invalidate(&self, kind: SecretKind, key: &str) {
        self.cache.invalidate(&(kind, key.to_owned())).await;
    }

    pub(crate) fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }
}

/// The set, even if a thread panicked while holding it (a set of keys cannot be left inconsistent).
fn lock(set: &Mutex<HashSet<Key>>) -> MutexGuard<'_, HashSet<Key>> {
    set.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
