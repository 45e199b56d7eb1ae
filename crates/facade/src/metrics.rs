//! What the lookups report: metrics through the [`metrics`](https://docs.rs/metrics) facade (cargo
//! feature `metrics`; no exporter is bundled, the service installs the recorder it wants) and a
//! `tracing` span per backend lookup (always; it carries the backend, kind and key, never the value).
//!
//! The names, labels and meanings are tabled in the crate's README ("Metrics").

use std::future::Future;

use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use tracing::Instrument;

/// Counter: one per backend asked, labels `backend`, `kind`, `outcome` (`found`, `not_found`, `failed`,
/// `skipped`: not found without asking the store, the kind being disabled or the key missing its
/// lookup pattern).
pub const LOOKUPS: &str = "airflow_secrets_lookups_total";
/// Histogram (seconds): the time one backend took to answer, labels `backend`, `kind`.
pub const LOOKUP_DURATION: &str = "airflow_secrets_lookup_duration_seconds";
/// Counter: lookups through the cache, labels `kind`, `result` (`hit`, `miss`, `coalesced`: waited for
/// another caller's walk of the chain).
pub const CACHE_LOOKUPS: &str = "airflow_secrets_cache_lookups_total";
/// Counter: refresh-ahead refreshes, labels `kind`, `outcome` (`refreshed`, `failed`).
pub const CACHE_REFRESHES: &str = "airflow_secrets_cache_refreshes_total";

/// How a cached lookup was answered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CacheResult {
    Hit,
    Miss,
    Coalesced,
}

/// `ask` (one backend's answer), in a span naming the backend, kind and key, counted and timed.
pub(crate) async fn observed<T, F>(
    asked: &dyn SecretsBackend,
    kind: SecretKind,
    key: &str,
    ask: F,
) -> Result<Option<T>, Error>
where
    F: Future<Output = Result<Option<T>, Error>>,
{
    let backend = asked.name();
    let span = tracing::debug_span!("airflow_secrets.lookup", backend, kind = kind.as_str(), key);
    #[cfg(feature = "metrics")]
    let started = std::time::Instant::now();
    let result = ask.instrument(span).await;
    #[cfg(feature = "metrics")]
    {
        let outcome = match &result {
            Ok(Some(_)) => "found",
            // Asked only for a lookup that found nothing: routing is one more pattern match.
            Ok(None) if asked.skips(kind, key) => "skipped",
            Ok(None) => "not_found",
            Err(_) => "failed",
        };
        let kind = kind.as_str();
        ::metrics::counter!(LOOKUPS, "backend" => backend, "kind" => kind, "outcome" => outcome)
            .increment(1);
        ::metrics::histogram!(LOOKUP_DURATION, "backend" => backend, "kind" => kind)
            .record(started.elapsed().as_secs_f64());
    }
    result
}

/// Counts one lookup through the cache. On a cache hit's path: every label is a literal, so the
/// metric's key is a static (no allocation per hit).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
#[inline]
pub(crate) fn cache_lookup(kind: SecretKind, result: CacheResult) {
    #[cfg(feature = "metrics")]
    {
        macro_rules! count {
            ($($kind:ident $k:literal, $result:ident $r:literal;)*) => {
                match (kind, result) {
                    $((SecretKind::$kind, CacheResult::$result) => {
                        ::metrics::counter!(CACHE_LOOKUPS, "kind" => $k, "result" => $r).increment(1)
                    })*
                }
            };
        }
        count! {
            Variable "variable", Hit "hit";
            Variable "variable", Miss "miss";
            Variable "variable", Coalesced "coalesced";
            Connection "connection", Hit "hit";
            Connection "connection", Miss "miss";
            Connection "connection", Coalesced "coalesced";
            Config "config", Hit "hit";
            Config "config", Miss "miss";
            Config "config", Coalesced "coalesced";
        }
    }
}

/// Counts one refresh-ahead refresh.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn cache_refresh(kind: SecretKind, refreshed: bool) {
    #[cfg(feature = "metrics")]
    {
        let outcome = if refreshed { "refreshed" } else { "failed" };
        ::metrics::counter!(CACHE_REFRESHES, "kind" => kind.as_str(), "outcome" => outcome)
            .increment(1);
    }
}
