//! The lookup cache: Airflow's `use_cache` semantics plus request coalescing, negative TTL, invalidation
//! and the rule that a miss caused by a failing backend is not remembered.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use airflow_secrets::{
    AirflowConfig, CacheSettings, Error, SecretKind, SecretValue, Secrets, SecretsBackend,
    async_trait,
};
use common::{assert_concurrent_lookups, empty_environment, variable_value};

/// Counts upstream requests; answers `value-of-<key>` for keys starting with `k`, nothing otherwise, or
/// fails while `down` is set. Each request takes a little time so concurrent callers overlap.
#[derive(Debug, Default)]
struct Counting {
    requests: AtomicUsize,
    down: AtomicBool,
}

#[async_trait]
impl SecretsBackend for Counting {
    fn name(&self) -> &'static str {
        "Counting"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::Unavailable {
                backend: "Counting",
                kind,
                key: key.to_owned(),
                location: "test".into(),
                attempts: 1,
                elapsed: Duration::from_millis(20),
                problem: "down".into(),
            });
        }
        Ok(match kind {
            SecretKind::Connection if key.starts_with('k') => {
                Some(SecretValue::new(format!("mysql://{key}-host/db")))
            }
            _ if key.starts_with('k') => Some(SecretValue::new(format!("value-of-{key}"))),
            _ => None,
        })
    }
}

impl Counting {
    /// The upstream requests made so far.
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A fresh [`Counting`] backend, and a chain (with an empty environment tier) caching its answers with
/// `settings`.
async fn counted(settings: CacheSettings) -> (Arc<Counting>, Secrets) {
    let backend = Arc::new(Counting::default());
    let secrets = Secrets::builder()
        .custom_backend(backend.clone())
        .environment(empty_environment())
        .cache(settings)
        .build()
        .await
        .unwrap();
    (backend, secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lookups_of_one_key_make_one_request() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    let secrets = Arc::new(secrets);
    assert_concurrent_lookups(&secrets, "key", 100, "value-of-key").await;
    assert_eq!(backend.requests(), 1);
    // Later lookups are hits.
    let lookup = secrets.variable_lookup("key").await.unwrap();
    assert!(lookup.cached && lookup.found_in == Some("Counting"));
    assert_eq!(backend.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_keys_many_callers_one_request_per_key() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    let secrets = Arc::new(secrets);
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let s = secrets.clone();
            tokio::spawn(async move { s.connection(&format!("k{}", i % 100)).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(backend.requests(), 100);
}

#[tokio::test]
async fn entries_expire_after_their_ttl() {
    let (backend, secrets) = counted(CacheSettings {
        ttl: Duration::from_millis(300),
        negative_ttl: Duration::from_millis(100),
        ..CacheSettings::default()
    })
    .await;
    secrets.variable("key").await.unwrap();
    secrets.variable("key").await.unwrap();
    assert!(secrets.variable("missing").await.unwrap().is_none());
    assert!(secrets.variable("missing").await.unwrap().is_none());
    assert_eq!(backend.requests(), 2, "one request per key while fresh");
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The negative entry has expired, the positive one has not.
    secrets.variable("missing").await.unwrap();
    secrets.variable("key").await.unwrap();
    assert_eq!(backend.requests(), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    secrets.variable("key").await.unwrap();
    assert_eq!(backend.requests(), 4);
}

#[tokio::test]
async fn zero_negative_ttl_disables_negative_caching() {
    let (backend, secrets) = counted(CacheSettings {
        negative_ttl: Duration::ZERO,
        ..CacheSettings::default()
    })
    .await;
    for _ in 0..3 {
        assert!(secrets.variable("missing").await.unwrap().is_none());
    }
    assert_eq!(backend.requests(), 3);
}

#[tokio::test]
async fn a_miss_caused_by_a_failure_is_not_cached() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    backend.down.store(true, Ordering::SeqCst);
    let lookup = secrets.variable_lookup("key").await.unwrap();
    assert!(lookup.value.is_none() && lookup.failures.len() == 1);
    backend.down.store(false, Ordering::SeqCst);
    assert_eq!(variable_value(&secrets, "key").await, "value-of-key");
    assert_eq!(backend.requests(), 2);
}

#[tokio::test]
async fn invalidation_forgets_entries() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    secrets.variable("key").await.unwrap();
    secrets.connection("kconn").await.unwrap();
    secrets.invalidate_variable("key").await;
    secrets.variable("key").await.unwrap();
    secrets.connection("kconn").await.unwrap();
    assert_eq!(backend.requests(), 3);
    secrets.invalidate_connection("kconn").await;
    secrets.connection("kconn").await.unwrap();
    assert_eq!(backend.requests(), 4);
    secrets.clear_cache();
    secrets.variable("key").await.unwrap();
    assert_eq!(backend.requests(), 5);
}

#[tokio::test]
async fn connections_are_cached_as_values_not_lossy_uris() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    let first = secrets.connection("kc").await.unwrap();
    let second = secrets.connection("kc").await.unwrap();
    assert_eq!(first, second);
    assert_eq!(second.host.as_deref(), Some("kc-host"));
    assert_eq!(backend.requests(), 1);
}

#[tokio::test]
async fn config_is_cached_only_when_asked() {
    let (backend, secrets) = counted(CacheSettings::default()).await;
    secrets.config("key").await.unwrap();
    secrets.config("key").await.unwrap();
    assert_eq!(backend.requests(), 2);
    let (backend, secrets) = counted(CacheSettings {
        cache_config: true,
        ..CacheSettings::default()
    })
    .await;
    secrets.config("key").await.unwrap();
    secrets.config("key").await.unwrap();
    assert_eq!(backend.requests(), 1);
}

#[tokio::test]
async fn airflow_use_cache_turns_it_on_and_off_is_the_default() {
    let backend = Arc::new(Counting::default());
    let off = Secrets::builder()
        .custom_backend(backend.clone())
        .build()
        .await
        .unwrap();
    assert!(off.cache_settings().is_none());
    off.variable("key").await.unwrap();
    off.variable("key").await.unwrap();
    assert_eq!(backend.requests(), 2);

    let config = AirflowConfig::from_vars([
        ("HOME", "/nonexistent-home"),
        ("AIRFLOW__SECRETS__USE_CACHE", "True"),
        ("AIRFLOW__SECRETS__CACHE_TTL_SECONDS", "30"),
        ("AIRFLOW__SECRETS__CACHE_NEGATIVE_TTL_SECONDS", "5"),
    ])
    .unwrap();
    let on = Secrets::builder()
        .config(config)
        .custom_backend(backend.clone())
        .build()
        .await
        .unwrap();
    assert_eq!(
        on.cache_settings(),
        Some(&CacheSettings {
            ttl: Duration::from_secs(30),
            negative_ttl: Duration::from_secs(5),
            ..CacheSettings::default()
        })
    );
    on.variable("key").await.unwrap();
    on.variable("key").await.unwrap();
    assert_eq!(backend.requests(), 3);
}
