//! Refresh-ahead (`CacheSettings::refresh_ahead`): a hot entry is refreshed in the background shortly
//! before it expires, one refresh at a time, while readers keep getting the cached value; a failing
//! refresh keeps the old value until its TTL ends, then the normal miss path applies.
//!
//! The cache's clock is real time (moka's), so these use short TTLs with wide margins for a busy
//! machine: TTL 1.5 s, window 1 s, a store answering in 200 ms.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use airflow_secrets::{
    CacheSettings, Error, ErrorPolicy, SecretKind, SecretValue, Secrets, SecretsBackend,
    async_trait,
};
use common::empty_environment;

const TTL: Duration = Duration::from_millis(1500);
const WINDOW: Duration = Duration::from_millis(1000);
const STORE_DELAY: Duration = Duration::from_millis(200);

/// Answers `v<n>` (n = the request number, from 1) after `STORE_DELAY`, or fails while `down` is set.
#[derive(Debug, Default)]
struct Store {
    requests: AtomicUsize,
    down: AtomicBool,
}

#[async_trait]
impl SecretsBackend for Store {
    fn name(&self) -> &'static str {
        "Store"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(STORE_DELAY).await;
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::Unavailable {
                backend: "Store",
                kind,
                key: key.to_owned(),
                location: "test".into(),
                attempts: 1,
                elapsed: STORE_DELAY,
                problem: "down".into(),
            });
        }
        Ok(Some(SecretValue::new(format!("v{n}"))))
    }
}

impl Store {
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn refreshing(policy: ErrorPolicy) -> (Arc<Store>, Arc<Secrets>) {
    let store = Arc::new(Store::default());
    let secrets = Secrets::builder()
        .custom_backend(store.clone())
        .environment(empty_environment())
        .error_policy(policy)
        .cache(CacheSettings {
            ttl: TTL,
            refresh_ahead: Some(WINDOW),
            ..CacheSettings::default()
        })
        .build()
        .await
        .unwrap();
    (store, Arc::new(secrets))
}

/// A read that must come from the cache without waiting for the store.
async fn cached_read(secrets: &Secrets, key: &str) -> String {
    let started = Instant::now();
    let lookup = secrets.variable_lookup(key).await.unwrap();
    let took = started.elapsed();
    assert!(lookup.cached, "a read of a warm key missed the cache");
    assert!(
        took < STORE_DELAY / 2,
        "a reader waited {took:?} (the store takes {STORE_DELAY:?})"
    );
    lookup.value.unwrap().expose().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_by_default() {
    assert_eq!(CacheSettings::default().refresh_ahead, None);
}

/// Reading every 50 ms for three TTLs: after the first (cold) read no reader waits, and the value
/// moves on as refreshes land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_never_wait_for_the_store_once_warm() {
    let (store, secrets) = refreshing(ErrorPolicy::Strict).await;
    assert_eq!(
        secrets.variable("hot").await.unwrap().unwrap().expose(),
        "v1"
    );
    let until = Instant::now() + TTL * 3;
    let mut seen = vec!["v1".to_owned()];
    while Instant::now() < until {
        let value = cached_read(&secrets, "hot").await;
        if seen.last() != Some(&value) {
            seen.push(value);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Refreshed at least once per TTL, never more than once per window.
    assert!(seen.len() >= 3, "values seen: {seen:?}");
    assert_eq!(store.requests(), seen.len(), "values seen: {seen:?}");
}

/// 100 readers at once inside the window: all answered from the cache, exactly one refresh; and no
/// second refresh for readers right after it (the new entry is outside the window).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_refresh_per_window_under_100_concurrent_readers() {
    let (store, secrets) = refreshing(ErrorPolicy::Strict).await;
    secrets.variable("hot").await.unwrap();
    tokio::time::sleep(TTL - WINDOW + Duration::from_millis(100)).await;
    let readers = |expected: &'static str| {
        let secrets = Arc::clone(&secrets);
        async move {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..100 {
                let s = Arc::clone(&secrets);
                tasks.spawn(async move { cached_read(&s, "hot").await });
            }
            while let Some(value) = tasks.join_next().await {
                assert_eq!(value.unwrap(), expected);
            }
        }
    };
    readers("v1").await;
    // The refresh lands after the store's delay.
    tokio::time::sleep(STORE_DELAY * 2).await;
    assert_eq!(store.requests(), 2);
    readers("v2").await;
    tokio::time::sleep(STORE_DELAY * 2).await;
    assert_eq!(store.requests(), 2);
}

/// The store goes down inside the window: the old value keeps serving until its TTL ends (each read
/// in the window retries the refresh, one at a time, logged), then the miss path fails as without
/// refresh-ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_serves_the_old_value_until_its_ttl_then_errors() {
    let logs = airflow_secrets_testkit::logs::capture();
    let (store, secrets) = refreshing(ErrorPolicy::Strict).await;
    secrets.variable("hot").await.unwrap();
    // The entry's TTL runs from the store's answer, just before this.
    let warmed = Instant::now();
    store.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(TTL - WINDOW + Duration::from_millis(50)).await;
    // Reads every 300 ms (longer than a refresh attempt) until just before the TTL ends.
    let mut reads = 0;
    while warmed.elapsed() + Duration::from_millis(250) < TTL {
        assert_eq!(cached_read(&secrets, "hot").await, "v1");
        reads += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(reads >= 2, "only {reads} reads in the window");
    let attempts = store.requests() - 1;
    assert!(
        (2..=reads).contains(&attempts),
        "{attempts} refresh attempts for {reads} reads in the window"
    );
    let text = logs.contents();
    assert!(
        text.contains("Refreshing the cached variable ahead of its expiry failed"),
        "{text}"
    );
    // After the TTL: the normal miss path, which fails like any strict lookup of a down store.
    tokio::time::sleep(TTL.saturating_sub(warmed.elapsed()) + Duration::from_millis(100)).await;
    let err = secrets.variable("hot").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    // Back up: the next read is a miss that fetches again.
    store.down.store(false, Ordering::SeqCst);
    assert!(!secrets.variable_lookup("hot").await.unwrap().cached);
}
