//! `airflow_secrets::blocking::Secrets`: the async API from plain, non-async code, and a clear error
//! (never a panic) when it is called from inside an async runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airflow_secrets::blocking;
use airflow_secrets::{
    AirflowConfig, CacheSettings, EnvironmentVariablesBackend, Error, SecretKind, SecretValue,
    SecretsBackend, async_trait,
};

fn environment() -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars([
        ("AIRFLOW_VAR_MY_VAR", "my-test-variable"),
        ("AIRFLOW_VAR_POOL", r#"{"size": 3}"#),
        ("AIRFLOW_CONN_MY_PG", "postgresql://user:pw@db:5432/mydb"),
    ])
}

/// A store that answers after a timer (so the runtime's timer driver must run) and counts requests.
#[derive(Debug, Default)]
struct Sleepy {
    requests: AtomicUsize,
}

#[async_trait]
impl SecretsBackend for Sleepy {
    fn name(&self) -> &'static str {
        "Sleepy"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok((kind == SecretKind::Config).then(|| SecretValue::new(format!("config-{key}"))))
    }
}

/// A plain `#[test]`, as a `fn main` would use it: no runtime anywhere.
#[test]
fn lookups_from_plain_code() {
    let store = Arc::new(Sleepy::default());
    let secrets = blocking::Secrets::builder()
        .custom_backend(store.clone())
        .environment(environment())
        .cache(CacheSettings::default())
        .build()
        .unwrap();
    assert_eq!(
        secrets.variable("my_var").unwrap().unwrap().expose(),
        "my-test-variable"
    );
    assert!(secrets.variable("absent").unwrap().is_none());
    #[derive(serde::Deserialize)]
    struct Pool {
        size: u32,
    }
    assert_eq!(
        secrets.variable_json::<Pool>("pool").unwrap().unwrap().size,
        3
    );
    let pg = secrets.connection("my_pg").unwrap();
    assert_eq!(pg.host.as_deref(), Some("db"));
    assert!(matches!(
        secrets.connection("nope"),
        Err(Error::ConnectionNotFound { .. })
    ));
    assert_eq!(secrets.config("k").unwrap().unwrap().expose(), "config-k");
    let lookup = secrets.variable_lookup("my_var").unwrap();
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    assert!(lookup.cached);
    assert_eq!(
        secrets.connection_lookup("my_pg").unwrap().found_in,
        Some("EnvironmentVariablesBackend")
    );
    secrets.invalidate_variable("my_var").unwrap();
    assert!(!secrets.variable_lookup("my_var").unwrap().cached);
    assert_eq!(secrets.backends().len(), 2);
    assert!(secrets.custom_backend().is_some());
    assert!(secrets.cache_settings().is_some());
    // Sleepy was asked for my_var, absent, pool, my_pg, nope, k, then my_var again after invalidation.
    assert_eq!(store.requests.load(Ordering::SeqCst), 7);
}

/// Built from Airflow's configuration (no process environment touched), used from several threads.
#[test]
fn configured_and_shared_across_threads() {
    let config = AirflowConfig::from_vars([
        ("HOME", "/nonexistent-airflow-secrets-test"),
        ("AIRFLOW_VAR_SHARED", "yes"),
    ])
    .unwrap();
    let secrets = Arc::new(blocking::Secrets::builder().config(config).build().unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let s = Arc::clone(&secrets);
            std::thread::spawn(move || s.variable("shared").unwrap().unwrap().expose().to_owned())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "yes");
    }
}

/// A bad configuration is the same error as with the async builder.
#[test]
fn build_errors_are_the_async_errors() {
    let err = blocking::Secrets::builder()
        .backend("airflow.secrets.nope.Nope", Default::default())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::UnknownClassPath { .. }), "{err}");
}

const INSIDE: &str = "called from inside an async runtime, where blocking would stall the runtime; in \
                      async code use `airflow_secrets::Secrets` and `.await` its lookups (or call this \
                      from a thread outside the runtime)";

/// Building or looking up inside a runtime (either flavour) is `Error::Blocking`, not a panic.
#[test]
fn inside_a_runtime_is_an_error_not_a_panic() {
    let secrets = blocking::Secrets::builder()
        .environment(environment())
        .build()
        .unwrap();
    for runtime in [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap(),
    ] {
        runtime.block_on(async {
            let err = secrets.variable("my_var").unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("airflow_secrets::blocking::Secrets::variable: {INSIDE}")
            );
            assert_eq!(err.code(), "blocking");
            assert!(!err.is_lookup_error());
            assert!(matches!(
                secrets.connection("my_pg"),
                Err(Error::Blocking {
                    call: "airflow_secrets::blocking::Secrets::connection",
                    ..
                })
            ));
            let err = blocking::Secrets::builder().build().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("airflow_secrets::blocking::SecretsBuilder::build: {INSIDE}")
            );
        });
    }
    // Still usable outside the runtime afterwards.
    assert!(secrets.variable("my_var").unwrap().is_some());
}

/// Dropping the client inside a runtime does not panic (its runtime is dropped on its own thread).
#[test]
fn dropping_inside_a_runtime_is_fine() {
    let secrets = blocking::Secrets::builder()
        .environment(environment())
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move { drop(secrets) });
}
