//! Fault injection for `CloudSecretManagerBackend` through the facade: a slow server, transient 503s, a
//! refused connection, a server that goes down and comes back, and 100 concurrent lookups behind the
//! cache. Everything runs against wiremock (speaking Secret Manager's REST format) on 127.0.0.1, through
//! `airflow_secrets_testkit::proxy::FaultProxy` where the network itself must fail.
//!
//! Backends use the `anonymous_credentials` extension, so nothing can fall back to application-default
//! credentials (which would probe the GCE metadata server). Every test runs with the TRACE log capture
//! and checks that the values it handled appear in no log line and no error.
#![cfg(feature = "gcp-secret-manager")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::{CacheSettings, ErrorPolicy, Kwargs, Secrets};
use airflow_secrets_testkit::gcp_mock::{self as gcp, found, unavailable};
use airflow_secrets_testkit::logs::{self, Logs};
use airflow_secrets_testkit::proxy::{Fault, FaultProxy};
use common::leak_check::assert_clean;
use common::{
    assert_concurrent_lookups, empty_environment, failed_lookup, merged, timed, variable_value,
};
use serde_json::{Value, json};
use wiremock::{MockBuilder, MockServer};

const CLASS_PATH: &str =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
const PROJECT: &str = "faults-project";

/// `AccessSecretVersion` of `projects/faults-project/secrets/{secret_id}/versions/latest`.
fn access(secret_id: &str) -> MockBuilder {
    gcp::access(PROJECT, secret_id)
}

/// Airflow's kwargs for a backend at `endpoint`; `extra` is merged over them.
fn kwargs(endpoint: &str, extra: Value) -> Kwargs {
    let kwargs = json!({
        "project_id": PROJECT,
        "endpoint": endpoint,
        "anonymous_credentials": true,
        "max_attempts": 3,
        "retry_initial_backoff_seconds": 0.05,
        "retry_max_backoff_seconds": 0.1,
        "timeout_seconds": 10,
    });
    merged(kwargs, extra)
}

/// A `Secrets` chain (strict, so the backend's error is the lookup's answer) with an empty environment
/// tier. Installs the TRACE capture first.
async fn secrets(endpoint: &str, extra: Value, cache: Option<CacheSettings>) -> (Secrets, Logs) {
    let logs = logs::capture();
    let mut builder = Secrets::builder()
        .backend(CLASS_PATH, kwargs(endpoint, extra))
        .environment(empty_environment())
        .error_policy(ErrorPolicy::Strict);
    builder = match cache {
        Some(settings) => builder.cache(settings),
        None => builder.no_cache(),
    };
    (builder.build().await.expect("valid kwargs"), logs)
}

#[tokio::test]
async fn slow_server_fails_with_unavailable_within_the_timeout_plus_10_percent() {
    const VALUE: &str = "s3cr3t-slow-value-2207";
    let server = MockServer::start().await;
    access("airflow-variables-warm")
        .respond_with(found("airflow-variables-warm", VALUE))
        .mount(&server)
        .await;
    access("airflow-variables-slow")
        .respond_with(found("airflow-variables-slow", VALUE).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let timeout = Duration::from_secs(2);
    let (secrets, logs) = secrets(
        &server.uri(),
        json!({"timeout_seconds": 2, "max_attempts": 1}),
        None,
    )
    .await;
    // A running service has its client already: the first lookup builds it (and loads the TLS roots),
    // which is not part of what the timeout bounds.
    assert_eq!(variable_value(&secrets, "warm").await, VALUE);

    let (err, measured) = failed_lookup(&secrets, "slow").await;
    eprintln!("slow server: failed after {measured:?} with a {timeout:?} timeout");
    let report = airflow_secrets_testkit::errors::unavailable(&err);
    assert_eq!(report.attempts, 1);
    assert_eq!(report.problem, "no answer within 2.000 s (timeout_seconds)");
    assert!(
        measured <= timeout.mul_f64(1.1),
        "took {measured:?}, more than the {timeout:?} timeout + 10 %"
    );
    let elapsed = report.elapsed;
    assert!(
        elapsed >= timeout && elapsed <= measured,
        "elapsed {elapsed:?}, measured {measured:?}"
    );
    assert_clean(&err, &[VALUE]);
    logs.assert_free_of(&[VALUE]);
}

#[tokio::test]
async fn two_503s_then_200_succeeds_after_exactly_3_requests() {
    const VALUE: &str = "s3cr3t-third-time-lucky-5310";
    let server = MockServer::start().await;
    access("airflow-variables-k")
        .respond_with(unavailable())
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    access("airflow-variables-k")
        .respond_with(found("airflow-variables-k", VALUE))
        .mount(&server)
        .await;
    let (secrets, logs) = secrets(&server.uri(), json!({"max_attempts": 3}), None).await;

    let (lookup, took) = timed(secrets.variable_lookup("k")).await;
    let lookup = lookup.unwrap();
    eprintln!("503, 503, 200: succeeded after {took:?}");
    assert_eq!(lookup.value.unwrap().expose(), VALUE);
    assert_eq!(lookup.found_in, Some("CloudSecretManagerBackend"));
    assert!(lookup.failures.is_empty(), "{:?}", lookup.failures);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    logs.assert_free_of(&[VALUE]);
}

#[tokio::test]
async fn connection_refused_fails_with_unavailable_fast() {
    // Nothing listens on this loopback port: every connect is refused at once.
    let port = airflow_secrets_testkit::free_port();
    let (secrets, logs) = secrets(
        &format!("http://127.0.0.1:{port}"),
        json!({"max_attempts": 3, "retry_initial_backoff_seconds": 0.2,
               "retry_max_backoff_seconds": 0.4, "timeout_seconds": 10}),
        None,
    )
    .await;
    let (err, measured) = failed_lookup(&secrets, "k").await;
    eprintln!("connection refused: failed after {measured:?} (3 attempts, 10 s timeout)");
    let report = airflow_secrets_testkit::errors::unavailable(&err);
    assert_eq!(report.attempts, 3);
    assert!(report.problem.contains("connect"), "{}", report.problem);
    // Retry delays are random in [b/2, b) with b = 0.2 s then 0.4 s: the lookup took at least 0.3 s.
    let elapsed = report.elapsed;
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed <= measured,
        "elapsed {elapsed:?}, measured {measured:?}"
    );
    // The bound: half of one attempt's 10 s timeout. A refusal is seen at connect time, so the lookup
    // costs the back-off (< 0.6 s) plus building the client; a lookup that waited for a timeout even
    // once would take 10 s. Half leaves room for a loaded 2-core machine.
    assert!(measured < Duration::from_secs(5), "took {measured:?}");
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    logs.assert_free_of(&[]);
}

#[tokio::test]
async fn a_server_killed_and_restarted_fails_cleanly_then_recovers_with_the_same_backend() {
    const VALUE: &str = "s3cr3t-survivor-9034";
    let server = MockServer::start().await;
    access("airflow-variables-k")
        .respond_with(found("airflow-variables-k", VALUE))
        .mount(&server)
        .await;
    let proxy = FaultProxy::start(*server.address()).await;
    let (secrets, logs) = secrets(&proxy.url(), json!({"max_attempts": 3}), None).await;
    let backend = secrets.custom_backend().unwrap().clone();

    assert_eq!(variable_value(&secrets, "k").await, VALUE);
    assert_eq!(variable_value(&secrets, "k").await, VALUE);

    // The server "dies": the proxy cuts the pooled connection and refuses new ones.
    proxy.set(Fault::Down);
    tokio::time::sleep(Duration::from_millis(100)).await; // let the proxy close its listener
    let (err, took) = failed_lookup(&secrets, "k").await;
    eprintln!("server down: failed after {took:?}: {err}");
    let report = airflow_secrets_testkit::errors::unavailable(&err);
    assert_eq!(report.attempts, 3, "{}", report.problem);
    assert_clean(&err, &[VALUE]);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "nothing reached the server while it was down"
    );

    // It comes back on the same address: the same backend and client recover on their own.
    proxy.set(Fault::Forward);
    tokio::time::sleep(Duration::from_millis(100)).await; // let the proxy re-bind
    let (value, took) = timed(variable_value(&secrets, "k")).await;
    assert_eq!(value, VALUE);
    eprintln!("server back: succeeded after {took:?}");
    assert!(Arc::ptr_eq(&backend, secrets.custom_backend().unwrap()));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    logs.assert_free_of(&[VALUE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_lookups_with_the_cache_make_one_request() {
    const VALUE: &str = "s3cr3t-shared-by-100-6127";
    let server = MockServer::start().await;
    // Slow enough that all lookups are in flight together.
    access("airflow-variables-hot")
        .respond_with(found("airflow-variables-hot", VALUE).set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let (secrets, logs) = secrets(&server.uri(), json!({}), Some(CacheSettings::default())).await;
    let secrets = Arc::new(secrets);

    let ((), took) = timed(assert_concurrent_lookups(&secrets, "hot", 100, VALUE)).await;
    eprintln!("100 concurrent lookups: all answered after {took:?}");
    let secret_reads = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url
                .path()
                .ends_with("/secrets/airflow-variables-hot/versions/latest:access")
        })
        .count();
    assert_eq!(secret_reads, 1);
    logs.assert_free_of(&[VALUE]);
}
