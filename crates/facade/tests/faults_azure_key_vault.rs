//! Fault injection for `AzureKeyVaultBackend` through the facade (`Secrets::builder().backend(class, kwargs)`
//! with Airflow's kwargs), against the crate's HTTPS fakes of Key Vault and Entra ID on 127.0.0.1, and the
//! testkit's `FaultProxy` (which forwards TLS untouched at the TCP level) to take the vault down, hang it, and
//! bring it back. Every test runs under the TRACE log capture and ends by checking that no secret was logged.
#![cfg(feature = "azure-key-vault")]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::{CacheSettings, Error, ErrorPolicy, Secrets};
use airflow_secrets_azure_key_vault_mock::key_vault::{secret_bundle, service_unavailable};
use airflow_secrets_azure_key_vault_mock::{ACCESS_TOKEN, AzureFixture, CLIENT_SECRET, Reply};
use airflow_secrets_testkit::errors::unavailable;
use airflow_secrets_testkit::free_port;
use airflow_secrets_testkit::logs::{self, Logs};
use airflow_secrets_testkit::proxy::{Fault, FaultProxy};
use common::{
    assert_concurrent_lookups, empty_environment, failed_lookup, variable_value,
    wait_until_reachable,
};
use serde_json::{Map, Value, json};

const CLASS: &str = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend";

/// The lookup chain of one test: the Key Vault backend, then an empty environment-variables backend; strict,
/// so a failing lookup returns the backend's error (instead of falling through as Airflow does); no cache.
async fn secrets(kwargs: Map<String, Value>) -> Secrets {
    Secrets::builder()
        .backend(CLASS, kwargs)
        .environment(empty_environment())
        .error_policy(ErrorPolicy::Strict)
        .no_cache()
        .build()
        .await
        .expect("the chain builds")
}

/// The capture, and the secrets every test handles.
fn start() -> Logs {
    logs::capture()
}

/// Ends a test: neither the fixture's client secret and token nor any of `values` in the captured logs,
/// nor in `errors`.
fn assert_clean(logs: &Logs, errors: &[&Error], values: &[&str]) {
    let mut secrets = vec![CLIENT_SECRET, ACCESS_TOKEN];
    secrets.extend_from_slice(values);
    common::assert_clean(logs, errors, &secrets);
}

/// The fixture's kwargs with the vault reached through `proxy`.
fn through(fx: &AzureFixture, proxy: &FaultProxy, overrides: Value) -> Map<String, Value> {
    let mut kwargs = fx.kwargs_with(overrides);
    kwargs.insert(
        "vault_url".into(),
        json!(format!("https://{}/", proxy.addr())),
    );
    kwargs
}

fn vault_addr(fx: &AzureFixture) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], fx.vault_server.port()))
}

/// (a) A vault that does not answer: with one attempt and `timeout: 2`, the lookup fails with `Unavailable`
/// within the timeout + 10 %.
#[tokio::test]
async fn a_slow_server_fails_within_the_timeout_plus_ten_percent() {
    let logs = start();
    let fx = AzureFixture::start().await;
    fx.vault.always(
        "airflow-variables-slow",
        Reply::json(200, json!({"value": "too-late-value-a51"})).delayed(Duration::from_secs(30)),
    );
    let timeout = Duration::from_secs(2);
    let secrets = secrets(fx.kwargs_with(json!({"timeout": 2, "retry_total": 0}))).await;

    let (err, took) = failed_lookup(&secrets, "slow").await;

    let report = unavailable(&err);
    let elapsed = report.elapsed;
    assert!(took <= timeout.mul_f64(1.1), "took {took:?}");
    assert!(elapsed >= timeout && elapsed <= took, "{elapsed:?}");
    assert_eq!(report.attempts, 1, "{err}");
    assert!(
        err.to_string()
            .contains("no answer within the lookup deadline of 2.00s"),
        "{err}"
    );
    assert_eq!(fx.vault.reads("airflow-variables-slow"), 1);
    println!("slow server: failed after {took:?} with a {timeout:?} timeout");
    assert_clean(&logs, &[&err], &["too-late-value-a51"]);
}

/// (b) 503 twice, then 200: the lookup succeeds, and Key Vault received exactly 3 requests for it.
#[tokio::test]
async fn two_503s_then_200_succeed_with_exactly_three_requests() {
    let logs = start();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-warm-up", "warm-up-value-71c");
    fx.vault
        .put("airflow-variables-flaky", "third-time-lucky-value-0d4");
    fx.vault.override_secret("airflow-variables-flaky", |n| {
        (n < 2).then(service_unavailable)
    });
    let secrets = secrets(fx.kwargs()).await;
    // First lookup: the client is built, Key Vault's challenge answered and a token obtained.
    secrets.variable("warm_up").await.unwrap().unwrap();
    let before = fx.vault_server.request_count();

    let value = secrets.variable("flaky").await.unwrap().unwrap();
    assert_eq!(value.expose(), "third-time-lucky-value-0d4");
    let requests: Vec<_> = fx.vault_server.requests().split_off(before);
    assert_eq!(requests.len(), 3, "{requests:#?}");
    for request in &requests {
        assert_eq!(request.path, "/secrets/airflow-variables-flaky/");
        assert!(request.header("authorization").is_some());
    }
    assert_eq!(fx.vault.reads("airflow-variables-flaky"), 3);
    assert_clean(
        &logs,
        &[],
        &["warm-up-value-71c", "third-time-lucky-value-0d4"],
    );
}

/// (c) Nothing listening: `Unavailable` after every retry, fast. Refused connections fail in milliseconds, so
/// the lookup takes its back-off (0.1–0.2 s, then 0.2–0.4 s) and little else; the bound asserted, 3 s, is a
/// tenth of the 30 s connection and lookup timeouts configured, and leaves 2.4 s for a loaded machine.
#[tokio::test]
async fn connection_refused_is_unavailable_fast() {
    let logs = start();
    let fx = AzureFixture::start().await;
    let url = format!("https://127.0.0.1:{}/", free_port());
    let secrets = secrets(fx.kwargs_with(json!({
        "vault_url": url,
        "retry_total": 2,
        "retry_backoff_factor": 0.2,
        "connection_timeout": 30,
        "timeout": 30,
    })))
    .await;

    let (err, took) = failed_lookup(&secrets, "anything").await;

    let report = unavailable(&err);
    let elapsed = report.elapsed;
    assert_eq!(report.attempts, 3, "{err}");
    assert!(report.location.contains(&url), "{}", report.location);
    // `elapsed` covers the back-off sum at least, and never more than the caller waited.
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed <= took,
        "{elapsed:?} / {took:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(err.to_string().contains("3 attempt(s) in"), "{err}");
    assert_eq!(fx.token_requests(), 0, "no token is needed to find out");
    println!("connection refused: failed after {took:?} (elapsed {elapsed:?}, 3 attempts)");
    assert_clean(&logs, &[&err], &[]);
}

/// (d) The vault goes away mid-run and comes back: one backend instance answers, fails cleanly with
/// `Unavailable` while the vault is down, then answers again without being rebuilt (same client, same token).
#[tokio::test]
async fn a_vault_that_goes_down_and_comes_back_is_used_again_without_rebuilding() {
    let logs = start();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-steady", "steady-value-e95");
    let proxy = FaultProxy::start(vault_addr(&fx)).await;
    let secrets = secrets(through(
        &fx,
        &proxy,
        json!({"retry_total": 1, "retry_backoff_factor": 0.05}),
    ))
    .await;
    let backend = secrets.custom_backend().unwrap().clone();
    assert_eq!(variable_value(&secrets, "steady").await, "steady-value-e95");

    proxy.set(Fault::Down);
    wait_until_reachable(proxy.addr(), false).await;
    let err = secrets.variable("steady").await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    let again = secrets.variable("steady").await.unwrap_err();
    assert!(matches!(again, Error::Unavailable { .. }), "{again:?}");

    proxy.set(Fault::Forward);
    wait_until_reachable(proxy.addr(), true).await;
    for _ in 0..2 {
        assert_eq!(variable_value(&secrets, "steady").await, "steady-value-e95");
    }

    println!("vault down: {err}");
    assert!(Arc::ptr_eq(&backend, secrets.custom_backend().unwrap()));
    assert!(format!("{backend:?}").contains("client_built: true"));
    assert_eq!(fx.token_requests(), 1, "the client and its token survived");
    assert_eq!(fx.vault.reads("airflow-variables-steady"), 3);
    assert_clean(&logs, &[&err, &again], &["steady-value-e95"]);
}

/// A hung vault (accepts connections, never answers): every try times out, is retried, and the lookup ends
/// with `Unavailable` naming the timeout.
#[tokio::test]
async fn a_hung_server_is_retried_then_unavailable() {
    let logs = start();
    let fx = AzureFixture::start().await;
    let proxy = FaultProxy::start(vault_addr(&fx)).await;
    proxy.set(Fault::Stall);
    let secrets = secrets(through(
        &fx,
        &proxy,
        json!({
            "connection_timeout": 0.3,
            "read_timeout": 0.3,
            "retry_total": 2,
            "retry_backoff_factor": 0.05,
        }),
    ))
    .await;
    let err = secrets.variable("hung").await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().to_lowercase().contains("time"), "{err}");
    assert_eq!(proxy.connections(), 3, "one connection per try");
    assert_eq!(fx.vault_server.request_count(), 0);
    println!("hung server: {err}");
    assert_clean(&logs, &[&err], &[]);
}

/// (f) 100 concurrent lookups of one key with the cache on: one upstream read. The vault answers slowly, so
/// every lookup starts before the first one ends (they are coalesced, not served from a filled cache).
#[tokio::test]
async fn a_hundred_concurrent_lookups_with_the_cache_make_one_request() {
    let logs = start();
    let fx = AzureFixture::start().await;
    let name = "airflow-variables-popular";
    fx.vault.override_secret(name, move |_| {
        Some(
            Reply::json(200, secret_bundle("127.0.0.1", name, "popular-value-4b8"))
                .delayed(Duration::from_millis(300)),
        )
    });
    let secrets = Arc::new(
        Secrets::builder()
            .backend(CLASS, fx.kwargs())
            .environment(empty_environment())
            .cache(CacheSettings::default())
            .build()
            .await
            .unwrap(),
    );
    assert_concurrent_lookups(&secrets, "popular", 100, "popular-value-4b8").await;
    assert_eq!(fx.vault.reads(name), 1, "exactly one upstream read");
    assert_eq!(fx.token_requests(), 1);
    assert_clean(&logs, &[], &["popular-value-4b8"]);
}
