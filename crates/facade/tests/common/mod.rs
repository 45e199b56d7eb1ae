//! Helpers shared by the facade's integration tests: Airflow's configuration strings, the chain's
//! building blocks, lookups that must answer, leak checks, and the steps of the fault scenarios.
// Each test file compiles as its own crate and uses only some of them.
#![allow(dead_code)]

pub use airflow_secrets_testkit::leak_check;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets::{
    AirflowConfig, EnvironmentVariablesBackend, Error, ErrorPolicy, SecretValue, Secrets,
};
use airflow_secrets_testkit::logs::Logs;
use serde_json::{Map, Value};

/// Airflow's configuration of a backend: `AIRFLOW__SECRETS__BACKEND` = `class_path`,
/// `AIRFLOW__SECRETS__BACKEND_KWARGS` = `kwargs` (JSON text), and the `extra` variables.
pub fn backend_config(class_path: &str, kwargs: &str, extra: &[(&str, &str)]) -> AirflowConfig {
    let mut vars = vec![
        ("AIRFLOW__SECRETS__BACKEND", class_path),
        ("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs),
    ];
    vars.extend_from_slice(extra);
    AirflowConfig::from_vars(vars).unwrap()
}

/// The configuration a deployment would have: the two variables, a private AIRFLOW_HOME (no airflow.cfg
/// of this machine is read) and any extra variables.
pub fn airflow_config(
    class_path: &str,
    kwargs: &Value,
    home: &Path,
    extra: &[(&str, &str)],
) -> AirflowConfig {
    let home = home.display().to_string();
    let mut vars = vec![("AIRFLOW_HOME", home.as_str())];
    vars.extend_from_slice(extra);
    backend_config(class_path, &kwargs.to_string(), &vars)
}

/// The chain built from [`airflow_config`], stopping at errors or falling through as `policy` says;
/// fails the test if it does not build.
pub async fn configured_secrets(
    class_path: &str,
    kwargs: &Value,
    home: &Path,
    extra: &[(&str, &str)],
    policy: ErrorPolicy,
) -> Secrets {
    Secrets::builder()
        .config(airflow_config(class_path, kwargs, home, extra))
        .error_policy(policy)
        .build()
        .await
        .unwrap()
}

/// An environment-variables tier holding nothing, so nothing of the test process leaks into the chain.
pub fn empty_environment() -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars(Vec::<(String, String)>::new())
}

/// `base` (a JSON object) with every member of `extra` (a JSON object) set over it.
pub fn merged(base: Value, extra: Value) -> Map<String, Value> {
    let Value::Object(mut map) = base else {
        panic!("not an object: {base}")
    };
    map.extend(extra.as_object().expect("an object").clone());
    map
}

/// The value of variable `key`; fails the test unless a backend finds it.
pub async fn variable_value(secrets: &Secrets, key: &str) -> String {
    exposed(secrets.variable(key).await.unwrap(), "variable", key)
}

/// The value of config option `key`; fails the test unless the custom backend finds it.
pub async fn config_value(secrets: &Secrets, key: &str) -> String {
    exposed(secrets.config(key).await.unwrap(), "config", key)
}

fn exposed(value: Option<SecretValue>, kind: &str, key: &str) -> String {
    value
        .unwrap_or_else(|| panic!("{kind} {key} not found"))
        .expose()
        .to_owned()
}

/// Asserts that variable `key` is answered with `expected` by the environment-variables tier, the
/// backend before it having caused no failure (Airflow's fall-through after a miss or a skipped key).
pub async fn assert_from_environment(secrets: &Secrets, key: &str, expected: &str) {
    let lookup = secrets.variable_lookup(key).await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), expected);
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    assert!(lookup.failures.is_empty(), "{:?}", lookup.failures);
}

/// Looks up variable `key` on a chain that falls through (Airflow's behaviour): the environment tier
/// answers `expected` after exactly one backend failed. Returns that backend's name and its error.
pub async fn fell_through(secrets: &Secrets, key: &str, expected: &str) -> (&'static str, Error) {
    let lookup = secrets.variable_lookup(key).await.unwrap();
    assert_eq!(lookup.value.as_ref().unwrap().expose(), expected);
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    let [failure] = <[_; 1]>::try_from(lookup.failures)
        .unwrap_or_else(|failures| panic!("not exactly one failure: {failures:?}"));
    failure
}

/// Ends a test: none of `secrets` (plain or percent-encoded) in the captured logs, nor in the Display
/// or Debug of `errors`.
pub fn assert_clean(logs: &Logs, errors: &[&Error], secrets: &[&str]) {
    for err in errors {
        leak_check::assert_clean(*err, secrets);
    }
    logs.assert_free_of(secrets);
}

/// Looks up variable `key`, which must fail: the error, and how long the caller waited for it.
pub async fn failed_lookup(secrets: &Secrets, key: &str) -> (Error, Duration) {
    let started = Instant::now();
    let err = secrets.variable(key).await.unwrap_err();
    (err, started.elapsed())
}

/// Waits (up to 5 s) until connecting to `addr` succeeds (`true`) or is refused (`false`): a
/// `FaultProxy` switches in its own task. Not a timing assertion: it only orders the test's steps.
pub async fn wait_until_reachable(addr: SocketAddr, reachable: bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() != reachable {
        assert!(
            Instant::now() < deadline,
            "the proxy did not switch (reachable: {reachable})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `n` lookups of variable `key` at once on one chain (each on its own task) and asserts that
/// every one answers `expected`.
pub async fn assert_concurrent_lookups(
    secrets: &Arc<Secrets>,
    key: &str,
    n: usize,
    expected: &str,
) {
    let mut lookups = tokio::task::JoinSet::new();
    for _ in 0..n {
        let secrets = Arc::clone(secrets);
        let key = key.to_owned();
        lookups.spawn(async move { secrets.variable(&key).await });
    }
    let mut answered = 0;
    while let Some(joined) = lookups.join_next().await {
        let value = joined.unwrap().unwrap().expect("found");
        assert_eq!(value.expose(), expected);
        answered += 1;
    }
    assert_eq!(answered, n);
}

/// Runs `future`, returning its output and how long it took.
pub async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = future.await;
    (output, started.elapsed())
}
