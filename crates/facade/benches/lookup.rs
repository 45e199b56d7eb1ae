//! What the facade adds on top of a backend: resolver overhead with the environment backend, a cached
//! hit (with `--features metrics`, also with a metrics recorder installed), and coalesced misses (many concurrent callers, one upstream request per key).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airflow_secrets::{
    CacheSettings, EnvironmentVariablesBackend, Error, SecretKind, SecretValue, Secrets,
    SecretsBackend, async_trait,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn env() -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars([
        ("AIRFLOW_VAR_MY_VAR", "my-test-variable"),
        (
            "AIRFLOW_CONN_MY_PG",
            "postgresql://user:p%40ss@db.example.com:5432/mydb",
        ),
    ])
}

/// A store that answers after a fixed delay, like a network round trip, and counts requests.
#[derive(Debug)]
struct SlowStore {
    delay: Duration,
    requests: AtomicUsize,
}

#[async_trait]
impl SecretsBackend for SlowStore {
    fn name(&self) -> &'static str {
        "SlowStore"
    }
    async fn get(&self, _kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(self.delay).await;
        Ok(Some(SecretValue::new(format!("value-of-{key}"))))
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let uncached = rt
        .block_on(Secrets::builder().environment(env()).build())
        .unwrap();
    let direct = env();
    let cached = rt
        .block_on(
            Secrets::builder()
                .environment(env())
                .cache(CacheSettings::default())
                .build(),
        )
        .unwrap();
    rt.block_on(cached.variable("my_var")).unwrap();
    rt.block_on(cached.connection("my_pg")).unwrap();

    let mut g = c.benchmark_group("lookup");
    g.bench_function("env_backend_direct/variable", |b| {
        b.to_async(&rt)
            .iter(|| async { direct.get_variable(black_box("my_var")).await.unwrap() })
    });
    g.bench_function("resolver_env/variable", |b| {
        b.to_async(&rt)
            .iter(|| async { uncached.variable(black_box("my_var")).await.unwrap() })
    });
    g.bench_function("resolver_env/connection", |b| {
        b.to_async(&rt)
            .iter(|| async { uncached.connection(black_box("my_pg")).await.unwrap() })
    });
    g.bench_function("cached_hit/variable", |b| {
        b.to_async(&rt)
            .iter(|| async { cached.variable(black_box("my_var")).await.unwrap() })
    });
    g.bench_function("cached_hit/connection", |b| {
        b.to_async(&rt)
            .iter(|| async { cached.connection(black_box("my_pg")).await.unwrap() })
    });
    // The same cached hits with the `metrics` feature and a recorder installed (metrics-util's
    // debugging recorder: a registry keyed by name and labels, as exporters keep), so each hit pays
    // for its `cache_lookups_total{result=hit}` increment.
    #[cfg(feature = "metrics")]
    {
        metrics::set_global_recorder(metrics_util::debugging::DebuggingRecorder::new())
            .expect("the only recorder of this benchmark");
        g.bench_function("cached_hit_metrics/variable", |b| {
            b.to_async(&rt)
                .iter(|| async { cached.variable(black_box("my_var")).await.unwrap() })
        });
        g.bench_function("cached_hit_metrics/connection", |b| {
            b.to_async(&rt)
                .iter(|| async { cached.connection(black_box("my_pg")).await.unwrap() })
        });
    }
    g.finish();

    // 1,000 concurrent lookups of 100 distinct keys against a 1 ms store, cache on: one request per key.
    let mut g = c.benchmark_group("coalescing");
    g.sample_size(20);
    g.bench_function("1000_lookups_100_keys_1ms_store", |b| {
        b.to_async(&rt).iter(|| async {
            let store = Arc::new(SlowStore {
                delay: Duration::from_millis(1),
                requests: AtomicUsize::new(0),
            });
            let secrets = Arc::new(
                Secrets::builder()
                    .custom_backend(store.clone())
                    .cache(CacheSettings::default())
                    .build()
                    .await
                    .unwrap(),
            );
            let tasks: Vec<_> = (0..1000)
                .map(|i| {
                    let s = secrets.clone();
                    tokio::spawn(async move { s.variable(&format!("k{}", i % 100)).await.unwrap() })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(store.requests.load(Ordering::Relaxed), 100);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
