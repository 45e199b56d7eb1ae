//! Fault injection for `VaultBackend`, through the facade (`Secrets::builder().backend(class_path,
//! kwargs)`) with Airflow's kwargs: a wiremock Vault on 127.0.0.1 (behind the testkit's `FaultProxy`
//! where the server must go away and come back), and the real OpenBao server for the revoked token.
//!
//! Every test captures `tracing` at TRACE and ends by checking that no credential or stored value of
//! the suite reached the logs; every error provoked is checked the same way (Display and Debug). The
//! measured numbers are printed (`cargo test ... -- --nocapture` shows them).
#![cfg(feature = "vault")]

pub(crate) use airflow_secrets_testkit as testkit;

#[allow(dead_code)]
#[path = "../../vault/tests/support/leak_check.rs"]
mod leak_check;
#[allow(dead_code)]
#[path = "../../vault/tests/support/openbao.rs"]
mod openbao;
#[allow(dead_code)]
#[path = "../../vault/tests/support/responses.rs"]
mod responses;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets::{
    CacheSettings, EnvironmentVariablesBackend, Error, ErrorPolicy, Secrets, SecretsBuilder,
};
use leak_check::clean;
use responses::{auth_response, kv2, vault_error};
use serde_json::{Value, json};
use testkit::logs::Logs;
use testkit::proxy::{Fault, FaultProxy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    let mut map = json!({
        "connections_path": "connections",
        "variables_path": "variables",
        "config_path": null,
        "url": url,
        "auth_type": "approle",
        "role_id": ROLE_ID,
        "secret_id": SECRET_ID,
    })
    .as_object()
    .unwrap()
    .clone();
    map.extend(extra.as_object().unwrap().clone());
    map
}

/// The chain with the Vault backend, strict (a backend error is returned, not logged and skipped) and
/// with an empty environment tier (nothing of the test process leaks in).
fn builder(kwargs: serde_json::Map<String, Value>) -> SecretsBuilder {
    Secrets::builder()
        .backend(CLASS_PATH, kwargs)
        .environment(EnvironmentVariablesBackend::from_vars(Vec::<(
            String,
            String,
        )>::new()))
        .error_policy(ErrorPolicy::Strict)
}

fn read_path(key: &str) -> String {
    format!("/v1/secret/data/variables/{key}")
}

/// A KV v2 answer holding `{"value": value}`.
fn kv2_value(value: &str) -> ResponseTemplate {
    kv2(json!({ "value": value }))
}

/// The AppRole login, issuing [`TOKEN`] for an hour.
async fn mount_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response(TOKEN, 3600, true))
        .mount(server)
        .await;
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

/// Waits (up to 5 s) until connecting to `addr` succeeds (`true`) or is refused (`false`): the proxy
/// switches in its own task.
async fn wait_until_reachable(addr: SocketAddr, reachable: bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() != reachable {
        assert!(
            Instant::now() < deadline,
            "the proxy did not switch (reachable: {reachable})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (a) A server slower than `timeout`: one attempt (`max_retries: 0`), a 2 s timeout, a 20 s delay.
/// The failing lookup must end within 2 s × 1.1. The login is done by a first lookup, so the measured
/// lookup is the slow read alone.
#[tokio::test]
async fn a_slow_server_fails_with_unavailable_within_the_timeout_plus_10_percent() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path(read_path("fast")))
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(read_path("slow")))
        .respond_with(kv2_value(VALUE).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let timeout = Duration::from_secs(2);
    let secrets = builder(kwargs(
        &server.uri(),
        json!({ "timeout": 2, "max_retries": 0 }),
    ))
    .build()
    .await
    .unwrap();
    assert_eq!(
        secrets.variable("fast").await.unwrap().unwrap().expose(),
        VALUE
    );

    let start = Instant::now();
    let result = secrets.variable("slow").await;
    let took = start.elapsed();
    let err = clean(result, SECRETS);
    eprintln!("slow server: failed after {took:.3?} with a {timeout:?} timeout: {err}");
    let Error::Unavailable {
        attempts,
        elapsed,
        problem,
        location,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 1);
    assert!(problem.starts_with("timed out"), "{problem}");
    assert!(location.ends_with(&read_path("slow")), "{location}");
    assert!(took >= timeout, "failed before the timeout: {took:?}");
    assert!(
        took <= timeout.mul_f64(1.1),
        "{took:?} is more than the timeout + 10 %"
    );
    assert!(*elapsed >= timeout && *elapsed <= took, "{elapsed:?}");
    assert_eq!(received(&server, &read_path("slow")).await, 1);
    logs.assert_free_of(SECRETS);
}

/// (b) 503, 503, then 200: the lookup succeeds on the third request.
#[tokio::test]
async fn two_503_then_200_succeeds_after_exactly_3_requests() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path(read_path("flaky")))
        .respond_with(vault_error(503, &["Vault is sealed"]))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(read_path("flaky")))
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    let secrets = builder(kwargs(&server.uri(), json!({})))
        .build()
        .await
        .unwrap();
    let start = Instant::now();
    let value = secrets.variable("flaky").await.unwrap().unwrap();
    eprintln!("503, 503, 200: succeeded in {:.3?}", start.elapsed());
    assert_eq!(value.expose(), VALUE);
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
    let secrets = builder(kwargs(
        &format!("http://127.0.0.1:{port}"),
        json!({ "timeout": 30 }),
    ))
    .build()
    .await
    .unwrap();
    let start = Instant::now();
    let result = secrets.variable("any").await;
    let took = start.elapsed();
    let err = clean(result, SECRETS);
    eprintln!("connection refused: failed after {took:.3?} with a 30 s timeout: {err}");
    let Error::Unavailable {
        attempts, elapsed, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 4);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        *elapsed >= Duration::from_millis(700) && *elapsed <= took,
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
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path(read_path("steady")))
        .respond_with(kv2_value(VALUE))
        .mount(&server)
        .await;
    let proxy = FaultProxy::start(*server.address()).await;
    let secrets = builder(kwargs(&proxy.url(), json!({ "timeout": 5 })))
        .build()
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            secrets.variable("steady").await.unwrap().unwrap().expose(),
            VALUE
        );
    }

    proxy.set(Fault::Down);
    wait_until_reachable(proxy.addr(), false).await;
    for _ in 0..2 {
        let start = Instant::now();
        let err = clean(secrets.variable("steady").await, SECRETS);
        eprintln!("server down: failed after {:.3?}: {err}", start.elapsed());
        let Error::Unavailable { attempts, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*attempts, 4, "{err}");
    }

    proxy.set(Fault::Forward);
    wait_until_reachable(proxy.addr(), true).await;
    for _ in 0..3 {
        assert_eq!(
            secrets.variable("steady").await.unwrap().unwrap().expose(),
            VALUE
        );
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
    let read = || async {
        secrets
            .variable("my_var")
            .await
            .unwrap()
            .unwrap()
            .expose()
            .to_owned()
    };
    assert_eq!(read().await, "my-test-variable");
    let first = approle_token_accessors(&bao);
    assert_eq!(first.len(), 1, "one login so far: {first:?}");

    for accessor in &first {
        bao.cli(&["token", "revoke", "-accessor", accessor]);
    }
    assert!(approle_token_accessors(&bao).is_empty(), "revoked");

    assert_eq!(read().await, "my-test-variable");
    let second = approle_token_accessors(&bao);
    assert_eq!(second.len(), 1, "exactly one new login: {second:?}");
    assert_ne!(second, first, "a new token");
    assert_eq!(read().await, "my-test-variable");
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
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path(read_path("hot")))
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
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let secrets = secrets.clone();
        tasks.spawn(async move { secrets.variable("hot").await });
    }
    let mut answers = 0;
    while let Some(joined) = tasks.join_next().await {
        assert_eq!(joined.unwrap().unwrap().unwrap().expose(), VALUE);
        answers += 1;
    }
    assert_eq!(answers, 100);
    assert_eq!(received(&server, &read_path("hot")).await, 1);
    logs.assert_free_of(SECRETS);
}
