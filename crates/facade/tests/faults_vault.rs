//! Fault injection for `VaultBackend`, through the facade (`Secrets::builder().backend(class_path,
//! kwargs)`) with Airflow's kwargs: a wiremock Vault on 127.0.0.1 (behind the testkit's `FaultProxy`
//! where the server must go away and come back), and the real OpenBao server for the revoked token.
//!
//! Every test captures `tracing` at TRACE and ends by checking that no credential or stored value of
//! the suite reached the logs; every error provoked is checked the same way (Display and Debug). The
//! measured numbers are printed (`cargo test ... -- --nocapture` shows them).
#![cfg(feature = "vault")]

pub(crate) use airflow_secrets_testkit as testkit;

mod common;

use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::{CacheSettings, ErrorPolicy, Secrets, SecretsBuilder};
use airflow_secrets_testkit::errors::unavailable;
use common::leak_check::clean;
use common::{
    assert_concurrent_lookups, empty_environment, merged, timed, variable_value,
    wait_until_reachable,
};
use serde_json::{Value, json};
use testkit::logs::Logs;
use testkit::openbao;
use testkit::proxy::{Fault, FaultProxy};
use testkit::vault_responses::{auth_response, kv2, vault_error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
const ROLE_ID: &str = "airflow-role";
const SECRET_ID: &str = "fault-secret-id-3c9e71";
const TOKEN: &str = "s.faultSuiteToken-5d02";
const VALUE: &str = "fault-stored-value-8a2f";
/// What the tests handle that must never be logged or shown in an error.
const SECRETS: &[&str] = &[SECRET_ID, TOKEN, VALUE];

fn logs() -> Logs {
    testkit::logs::capture()
}

/// Airflow's documentation kwargs for `url`, plus `extra`.
fn kwargs(url: &str, extra: Value) -> serde_json::Map<String, Value> {
    let kwargs = json!({
        "connections_path": "connections",
        "variables_path": "variables",
        "config_path": null,
        "url": url,
        "auth_type": "approle",
        "role_id": ROLE_ID,
        "secret_id": SECRET_ID,
    });
    merged(kwargs, extra)
}

/// The chain with the Vault backend, strict (a backend error is returned, not logged and skipped) and
/// with an empty environment tier (nothing of the test process leaks in).
fn builder(kwargs: serde_json::Map<String, Value>) -> SecretsBuilder {
    Secrets::builder()
        .backend(CLASS_PATH, kwargs)
        .environment(empty_environment())
        .error_policy(ErrorPolicy::Strict)
}

/// [`builder`]'s chain for the Vault at `url` with the documentation kwargs plus `extra`, built.
async fn secrets(url: &str, extra: Value) -> Secrets {
    builder(kwargs(url, extra)).build().await.unwrap()
}

fn read_path(key: &str) -> String {
    format!("/v1/secret/data/variables/{key}")
}

/// A KV v2 read of variable `key`, as the backend sends it.
fn read(key: &str) -> MockBuilder {
    Mock::given(method("GET")).and(path(read_path(key)))
}

/// A KV v2 answer holding `{"value": value}`.
fn kv2_value(value: &str) -> ResponseTemplate {
    kv2(json!({ "value": value }))
}

/// A wiremock Vault whose AppRole login issues [`TOKEN`] for an hour.
async fn vault_with_login() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response(TOKEN, 3600, true))
        .mount(&server)
        .await;
    server
}

/// How many requests `server` received at `api_path` (secret reads only, not logins).
async fn received(server: &MockServer, api_path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == api_path)
        .count()
}

/// (a) A server slower than `timeout`: one attempt (`max_retries: 0`), a 2 s timeout, a 20 s delay.
/// The failing lookup must end within 2 s × 1.1. The login is done by a first lookup, so the measured
/// lookup is the slow read alone.
#[tokio::test]
async fn a_slow_server_fails_with_unavailable_within_the_timeout_plus_10_percent() {
    let logs = logs();
    let server = vault_with_login().await;
    read("fast")
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    read("slow")
        .respond_with(kv2_value(VALUE).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let timeout = Duration::from_secs(2);
    let secrets = secrets(&server.uri(), json!({ "timeout": 2, "max_retries": 0 })).await;
    assert_eq!(variable_value(&secrets, "fast").await, VALUE);

    let (result, took) = timed(secrets.variable("slow")).await;
    let err = clean(result, SECRETS);
    eprintln!("slow server: failed after {took:.3?} with a {timeout:?} timeout: {err}");
    let report = unavailable(&err);
    assert_eq!(report.attempts, 1);
    assert!(
        report.problem.starts_with("timed out"),
        "{}",
        report.problem
    );
    assert!(
        report.location.ends_with(&read_path("slow")),
        "{}",
        report.location
    );
    assert!(took >= timeout, "failed before the timeout: {took:?}");
    assert!(
        took <= timeout.mul_f64(1.1),
        "{took:?} is more than the timeout + 10 %"
    );
    let elapsed = report.elapsed;
    assert!(elapsed >= timeout && elapsed <= took, "{elapsed:?}");
    assert_eq!(received(&server, &read_path("slow")).await, 1);
    logs.assert_free_of(SECRETS);
}

/// (b) 503, 503, then 200: the lookup succeeds on the third request.
#[tokio::test]
async fn two_503_then_200_succeeds_after_exactly_3_requests() {
    let logs = logs();
    let server = vault_with_login().await;
    read("flaky")
        .respond_with(vault_error(503, &["Vault is sealed"]))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    read("flaky")
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    let secrets = secrets(&server.uri(), json!({})).await;
    let (value, took) = timed(variable_value(&secrets, "flaky")).await;
    eprintln!("503, 503, 200: succeeded in {took:.3?}");
    assert_eq!(value, VALUE);
    assert_eq!(received(&server, &read_path("flaky")).await, 3);
    logs.assert_free_of(SECRETS);
}

/// (c) Nothing listens. Every attempt is refused at once, so the lookup costs the back-off sleeps
/// (3 retries: 0.1 + 0.2 + 0.4 s before jitter, at most twice that with it) and little else. Asserted:
/// under 5 s (the 1.4 s maximum back-off plus slack for a loaded 2-core machine), against a 30 s
/// timeout, and `elapsed` at least the 0.7 s minimum back-off.
#[tokio::test]
async fn connection_refused_is_unavailable_fast() {
    let logs = logs();
    let port = testkit::free_port();
    let secrets = secrets(
        &format!("http://127.0.0.1:{port}"),
        json!({ "timeout": 30 }),
    )
    .await;
    let (result, took) = timed(secrets.variable("any")).await;
    let err = clean(result, SECRETS);
    eprintln!("connection refused: failed after {took:.3?} with a 30 s timeout: {err}");
    let report = unavailable(&err);
    assert_eq!(report.attempts, 4);
    assert!(took < Duration::from_secs(5), "{took:?}");
    let elapsed = report.elapsed;
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed <= took,
        "{elapsed:?}"
    );
    assert!(err.to_string().contains("(4 attempt(s) in "), "{err}");
    logs.assert_free_of(SECRETS);
}

/// (d) One `Secrets` (one backend, one HTTP client, one token) through an outage: lookups succeed, the
/// server goes away (the proxy refuses connections and cuts the open ones) and lookups fail cleanly
/// with `Unavailable`, the server comes back and the same instance succeeds again, with no new login.
#[tokio::test]
async fn a_server_killed_and_restarted_fails_cleanly_then_recovers_without_a_rebuild() {
    let logs = logs();
    let server = vault_with_login().await;
    read("steady")
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    let proxy = FaultProxy::start(*server.address()).await;
    let secrets = secrets(&proxy.url(), json!({ "timeout": 5 })).await;
    for _ in 0..3 {
        assert_eq!(variable_value(&secrets, "steady").await, VALUE);
    }

    proxy.set(Fault::Down);
    wait_until_reachable(proxy.addr(), false).await;
    for _ in 0..2 {
        let (result, took) = timed(secrets.variable("steady")).await;
        let err = clean(result, SECRETS);
        eprintln!("server down: failed after {took:.3?}: {err}");
        assert_eq!(unavailable(&err).attempts, 4, "{err}");
    }

    proxy.set(Fault::Forward);
    wait_until_reachable(proxy.addr(), true).await;
    for _ in 0..3 {
        assert_eq!(variable_value(&secrets, "steady").await, VALUE);
    }
    assert_eq!(
        received(&server, "/v1/auth/approle/login").await,
        1,
        "the token survived the outage: no new login"
    );
    assert_eq!(received(&server, &read_path("steady")).await, 6);
    logs.assert_free_of(SECRETS);
}

/// The accessors of the tokens OpenBao issued through the AppRole login.
fn approle_token_accessors(bao: &openbao::OpenBao) -> Vec<String> {
    let list: Vec<String> =
        serde_json::from_str(&bao.cli(&["list", "-format=json", "auth/token/accessors"])).unwrap();
    list.into_iter()
        .filter(|accessor| {
            let lookup: Value = serde_json::from_str(&bao.cli(&[
                "token",
                "lookup",
                "-format=json",
                "-accessor",
                accessor,
            ]))
            .unwrap();
            lookup["data"]["path"] == "auth/approle/login"
        })
        .collect()
}

/// (e) Real OpenBao: the AppRole's token is revoked with the bao CLI between two lookups. The second
/// lookup gets a 403, logs in again and succeeds; OpenBao shows a new AppRole token.
#[tokio::test]
async fn a_token_revoked_mid_run_is_replaced_by_a_new_login() {
    let logs = logs();
    let bao = openbao::OpenBao::start();
    let approle = bao.documentation_setup();
    let kwargs = bao.documentation_kwargs(&approle);
    let secrets = builder(kwargs.as_object().unwrap().clone())
        .build()
        .await
        .unwrap();
    assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
    let first = approle_token_accessors(&bao);
    assert_eq!(first.len(), 1, "one login so far: {first:?}");

    for accessor in &first {
        bao.cli(&["token", "revoke", "-accessor", accessor]);
    }
    assert!(approle_token_accessors(&bao).is_empty(), "revoked");

    assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
    let second = approle_token_accessors(&bao);
    assert_eq!(second.len(), 1, "exactly one new login: {second:?}");
    assert_ne!(second, first, "a new token");
    assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
    assert_eq!(
        approle_token_accessors(&bao),
        second,
        "the new token is kept"
    );
    assert!(
        logs.contents().contains("403 from Vault; logging in again"),
        "the re-login followed a 403"
    );
    logs.assert_free_of(&[
        approle.secret_id.as_str(),
        bao.root_token(),
        "my-test-variable",
        "p@ss",
    ]);
}

/// (f) 100 concurrent lookups of one key through `Secrets` with the cache on: one secret read reaches
/// Vault (request coalescing), and every caller gets the value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_cached_lookups_send_one_read() {
    let logs = logs();
    let server = vault_with_login().await;
    read("hot")
        // Slow enough that all 100 lookups are waiting while the one read is in flight.
        .respond_with(kv2_value(VALUE).set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let secrets = Arc::new(
        builder(kwargs(&server.uri(), json!({})))
            .cache(CacheSettings::default())
            .build()
            .await
            .unwrap(),
    );
    assert_concurrent_lookups(&secrets, "hot", 100, VALUE).await;
    assert_eq!(received(&server, &read_path("hot")).await, 1);
    logs.assert_free_of(SECRETS);
}
