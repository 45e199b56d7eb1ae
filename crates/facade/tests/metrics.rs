//! The lookup metrics (feature `metrics`), read back from metrics-util's debugging recorder installed
//! for each test alone (a local recorder on a current-thread runtime: no global state shared with
//! other tests).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::metrics::{CACHE_LOOKUPS, CACHE_REFRESHES, LOOKUP_DURATION, LOOKUPS};
use airflow_secrets::{
    CacheSettings, EnvironmentVariablesBackend, Error, SecretKind, SecretValue, Secrets,
    SecretsBackend, async_trait,
};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// Fails every lookup, after a short wait so that concurrent callers overlap.
#[derive(Debug)]
struct Down;

#[async_trait]
impl SecretsBackend for Down {
    fn name(&self) -> &'static str {
        "Down"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Err(Error::Unavailable {
            backend: "Down",
            kind,
            key: key.to_owned(),
            location: "test".into(),
            attempts: 1,
            elapsed: Duration::ZERO,
            problem: "down".into(),
        })
    }
}

/// Answers every variable after 20 ms, so 100 concurrent callers all wait on the first one.
#[derive(Debug)]
struct Slow;

#[async_trait]
impl SecretsBackend for Slow {
    fn name(&self) -> &'static str {
        "Slow"
    }
    async fn get(&self, _kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(Some(SecretValue::new(format!("v-{key}"))))
    }
}

/// Has only variables whose key starts with `only_` (as a `variables_lookup_pattern` would route) and no
/// connections (a disabled kind): every other lookup is skipped without asking a store.
#[derive(Debug)]
struct Routed;

#[async_trait]
impl SecretsBackend for Routed {
    fn name(&self) -> &'static str {
        "Routed"
    }
    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        kind != SecretKind::Variable || !key.starts_with("only_")
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        if self.skips(kind, key) || key == "only_absent" {
            return Ok(None);
        }
        Ok(Some(SecretValue::new("v")))
    }
}

fn environment() -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars([("AIRFLOW_VAR_PRESENT", "p")])
}

/// What the recorder saw: counters by `name{label=value,...}` (labels sorted), and histogram sample counts.
#[derive(Debug, Default)]
struct Seen {
    counters: BTreeMap<String, u64>,
    histograms: BTreeMap<String, usize>,
}

/// Runs `scenario` on a current-thread runtime with a fresh debugging recorder as the local recorder.
fn recorded<F, Fut>(scenario: F) -> Seen
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(scenario())
    });
    let mut seen = Seen::default();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        match value {
            DebugValue::Counter(n) => {
                seen.counters.insert(name, n);
            }
            DebugValue::Histogram(samples) => {
                assert!(samples.iter().all(|s| s.into_inner() >= 0.0));
                seen.histograms.insert(name, samples.len());
            }
            DebugValue::Gauge(_) => panic!("no gauges are reported: {name}"),
        }
    }
    seen
}

fn counters(rows: &[(&str, &str, u64)]) -> BTreeMap<String, u64> {
    rows.iter()
        .map(|(name, labels, n)| (format!("{name}{{{labels}}}"), *n))
        .collect()
}

#[test]
fn found_and_not_found_by_backend_with_latency() {
    let seen = recorded(|| async {
        let secrets = Secrets::builder()
            .environment(environment())
            .build()
            .await
            .unwrap();
        assert!(secrets.variable("present").await.unwrap().is_some());
        assert!(secrets.variable("absent").await.unwrap().is_none());
        assert!(secrets.variable("absent").await.unwrap().is_none());
    });
    assert_eq!(
        seen.counters,
        counters(&[
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=found",
                1
            ),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=not_found",
                2
            ),
        ])
    );
    assert_eq!(
        seen.histograms,
        BTreeMap::from([(
            format!("{LOOKUP_DURATION}{{backend=EnvironmentVariablesBackend,kind=variable}}"),
            3
        )])
    );
}

#[test]
fn lookups_a_backend_routes_away_are_skipped_not_not_found() {
    let seen = recorded(|| async {
        let secrets = Secrets::builder()
            .custom_backend(Arc::new(Routed))
            .environment(environment())
            .build()
            .await
            .unwrap();
        assert!(secrets.variable("only_here").await.unwrap().is_some());
        assert!(secrets.variable("only_absent").await.unwrap().is_none());
        assert!(secrets.variable("present").await.unwrap().is_some());
        assert!(secrets.connection("c").await.is_err());
    });
    assert_eq!(
        seen.counters,
        counters(&[
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=connection,outcome=not_found",
                1
            ),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=found",
                1
            ),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=not_found",
                1
            ),
            (LOOKUPS, "backend=Routed,kind=connection,outcome=skipped", 1),
            (LOOKUPS, "backend=Routed,kind=variable,outcome=found", 1),
            (LOOKUPS, "backend=Routed,kind=variable,outcome=not_found", 1),
            (LOOKUPS, "backend=Routed,kind=variable,outcome=skipped", 1),
        ])
    );
}

#[test]
fn a_failing_backend_is_counted_then_the_next_one_answers() {
    let seen = recorded(|| async {
        let secrets = Secrets::builder()
            .custom_backend(Arc::new(Down))
            .environment(environment())
            .build()
            .await
            .unwrap();
        let lookup = secrets.variable_lookup("present").await.unwrap();
        assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
        // A connection: another kind, another label.
        assert!(secrets.connection("absent").await.is_err());
    });
    assert_eq!(
        seen.counters,
        counters(&[
            (LOOKUPS, "backend=Down,kind=connection,outcome=failed", 1),
            (LOOKUPS, "backend=Down,kind=variable,outcome=failed", 1),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=connection,outcome=not_found",
                1
            ),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=found",
                1
            ),
        ])
    );
    assert_eq!(
        seen.histograms[&format!("{LOOKUP_DURATION}{{backend=Down,kind=variable}}")],
        1
    );
}

#[test]
fn cached_lookups_count_hits_and_misses() {
    let seen = recorded(|| async {
        let secrets = Secrets::builder()
            .environment(environment())
            .cache(CacheSettings::default())
            .build()
            .await
            .unwrap();
        for _ in 0..3 {
            assert!(secrets.variable("present").await.unwrap().is_some());
        }
        assert!(secrets.variable("absent").await.unwrap().is_none());
        assert!(secrets.variable("absent").await.unwrap().is_none());
    });
    assert_eq!(
        seen.counters,
        counters(&[
            (CACHE_LOOKUPS, "kind=variable,result=hit", 3),
            (CACHE_LOOKUPS, "kind=variable,result=miss", 2),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=found",
                1
            ),
            (
                LOOKUPS,
                "backend=EnvironmentVariablesBackend,kind=variable,outcome=not_found",
                1
            ),
        ])
    );
}

#[test]
fn concurrent_misses_are_one_miss_and_coalesced_waits() {
    let seen = recorded(|| async {
        let secrets = Arc::new(
            Secrets::builder()
                .custom_backend(Arc::new(Slow))
                .environment(environment())
                .cache(CacheSettings::default())
                .build()
                .await
                .unwrap(),
        );
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let s = Arc::clone(&secrets);
            tasks.spawn(async move { s.variable("hot").await.unwrap().unwrap() });
        }
        while let Some(value) = tasks.join_next().await {
            assert_eq!(value.unwrap().expose(), "v-hot");
        }
    });
    assert_eq!(
        seen.counters,
        counters(&[
            (CACHE_LOOKUPS, "kind=variable,result=coalesced", 99),
            (CACHE_LOOKUPS, "kind=variable,result=miss", 1),
            (LOOKUPS, "backend=Slow,kind=variable,outcome=found", 1),
        ])
    );
}

#[test]
fn refresh_ahead_refreshes_are_counted() {
    let seen = recorded(|| async {
        let secrets = Secrets::builder()
            .custom_backend(Arc::new(Slow))
            .environment(environment())
            .cache(CacheSettings {
                ttl: Duration::from_millis(600),
                refresh_ahead: Some(Duration::from_millis(500)),
                ..CacheSettings::default()
            })
            .build()
            .await
            .unwrap();
        secrets.variable("hot").await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Inside the window: served from the cache, refreshed in the background.
        assert!(secrets.variable_lookup("hot").await.unwrap().cached);
        tokio::time::sleep(Duration::from_millis(200)).await;
    });
    assert_eq!(
        seen.counters[&format!("{CACHE_REFRESHES}{{kind=variable,outcome=refreshed}}")],
        1
    );
    assert_eq!(
        seen.counters[&format!("{LOOKUPS}{{backend=Slow,kind=variable,outcome=found}}")],
        2
    );
}
