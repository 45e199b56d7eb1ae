//! Fault injection for the SSM Parameter Store backend, through the facade
//! (`Secrets::builder().backend(class_path, kwargs)` with Airflow's kwargs), against a wiremock SSM on
//! 127.0.0.1, behind `airflow_secrets_testkit::proxy::FaultProxy` where the server must go away.
//!
//! Every test runs with TRACE logs captured and ends by checking that neither the stored value nor the
//! secret key was logged or shown in an error. The numbers each scenario measured are printed (run with
//! `--nocapture` to see them).
#![cfg(feature = "aws-ssm")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::{CacheSettings, Error, ErrorPolicy, Secrets};
use airflow_secrets_testkit::leak_check::assert_error_clean;
use airflow_secrets_testkit::logs::capture;
use airflow_secrets_testkit::moto::{SECRET_ACCESS_KEY, kwargs};
use airflow_secrets_testkit::proxy::{Fault, FaultProxy};
use common::{
    assert_concurrent_lookups, failed_lookup, timed, variable_value, wait_until_reachable,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLASS_PATH: &str =
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";
const JSON_11: &str = "application/x-amz-json-1.1";
const VALUE: &str = "s3cr3t-FAULT-SUITE-VALUE";
/// Everything secret these tests handle.
const SECRETS: &[&str] = &[VALUE, SECRET_ACCESS_KEY];

/// The chain a service would build from Airflow's kwargs (static keys for the mock, plus `extra`),
/// stopping at the first failure so that the tests see the backend's error.
async fn secrets(endpoint: &str, extra: Value) -> Secrets {
    Secrets::builder()
        .backend(CLASS_PATH, kwargs(endpoint, extra))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .expect("valid kwargs")
}

/// A `GetParameter` request for `name`, shaped as the backend sends it.
fn get_parameter(name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "AmazonSSM.GetParameter"))
        .and(body_json(json!({"Name": name, "WithDecryption": true})))
}

fn found(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", JSON_11)
        .set_body_json(json!({"Parameter": {
            "Name": name, "Type": "SecureString", "Value": VALUE, "Version": 1, "DataType": "text"
        }}))
}

/// The `GetParameter` requests the mock received for `name`.
async fn reads_of(server: &MockServer, name: &str) -> usize {
    let wanted = json!({"Name": name, "WithDecryption": true});
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .filter(|r: &&Request| {
            serde_json::from_slice::<Value>(&r.body).ok() == Some(wanted.clone())
        })
        .count()
}

/// The attempts and elapsed time of `err`, which must be `Unavailable` and free of [`SECRETS`].
fn unavailable(err: &Error) -> (u32, Duration) {
    assert_error_clean(err, SECRETS);
    let report = airflow_secrets_testkit::errors::unavailable(err);
    (report.attempts, report.elapsed)
}

#[tokio::test]
async fn a_slow_server_fails_with_unavailable_within_the_timeout_plus_ten_percent() {
    let logs = capture();
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/slow")
        .respond_with(found("/airflow/variables/slow").set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let timeout = Duration::from_secs(2);
    let secrets = secrets(
        &server.uri(),
        json!({"config_kwargs": {"read_timeout": 2, "retries": {"total_max_attempts": 1}}}),
    )
    .await;

    let (err, measured) = failed_lookup(&secrets, "slow").await;
    let (attempts, elapsed) = unavailable(&err);
    eprintln!(
        "slow server: failed after {measured:?} (error says {elapsed:?}) with a {timeout:?} timeout"
    );
    assert_eq!(attempts, 1);
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(
        measured >= timeout,
        "failed before the timeout: {measured:?}"
    );
    assert!(
        measured <= timeout.mul_f64(1.1),
        "{measured:?} is over the timeout + 10 %"
    );
    assert_eq!(reads_of(&server, "/airflow/variables/slow").await, 1);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_503_twice_then_200_succeeds_after_exactly_3_requests() {
    let logs = capture();
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/flaky")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    get_parameter("/airflow/variables/flaky")
        .respond_with(found("/airflow/variables/flaky"))
        .mount(&server)
        .await;
    // botocore's default for `standard` mode, spelled out: 3 attempts.
    let secrets = secrets(
        &server.uri(),
        json!({"config_kwargs": {"retries": {"mode": "standard"}}}),
    )
    .await;

    let (value, took) = timed(variable_value(&secrets, "flaky")).await;
    eprintln!("503, 503, 200: the value after {took:?} (two jittered back-offs)");
    assert_eq!(value, VALUE);
    assert_eq!(reads_of(&server, "/airflow/variables/flaky").await, 3);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_well_under_the_timeout() {
    let logs = capture();
    let server = MockServer::start().await;
    let proxy = FaultProxy::start(*server.address()).await;
    proxy.set(Fault::Down);
    wait_until_reachable(proxy.addr(), false).await;
    let secrets = secrets(
        &proxy.url(),
        json!({"config_kwargs": {"read_timeout": 10, "retries": {"total_max_attempts": 3}}}),
    )
    .await;

    let accepted_before = proxy.connections();
    let (err, measured) = failed_lookup(&secrets, "hello").await;
    let (attempts, elapsed) = unavailable(&err);
    eprintln!(
        "connection refused: {attempts} attempts, failed after {measured:?} (error says {elapsed:?}); timeout 10 s"
    );
    assert_eq!(attempts, 3);
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    // Refused connects fail at once: the only wait is the jittered back-off before attempts 2 and 3,
    // at most 1 s + 2 s. 4 s leaves a second for a loaded machine and is well under the 10 s timeout.
    assert!(measured < Duration::from_secs(4), "{measured:?}");
    // `elapsed` is the lookup as the caller saw it, back-off included.
    assert!(elapsed <= measured, "{elapsed:?} > {measured:?}");
    assert!(
        measured - elapsed < Duration::from_secs(1),
        "{elapsed:?} vs {measured:?}"
    );
    assert_eq!(proxy.connections(), accepted_before, "nothing was accepted");
    assert!(server.received_requests().await.unwrap().is_empty());
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_server_killed_mid_run_fails_cleanly_then_recovers_without_a_rebuild() {
    let logs = capture();
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/hello")
        .respond_with(found("/airflow/variables/hello"))
        .mount(&server)
        .await;
    let proxy = FaultProxy::start(*server.address()).await;
    // One chain, one backend, one SDK client for the whole test.
    let secrets = secrets(
        &proxy.url(),
        json!({"config_kwargs": {"read_timeout": 5, "retries": {"total_max_attempts": 2}}}),
    )
    .await;
    let backend = Arc::clone(secrets.custom_backend().expect("the SSM backend"));

    for _ in 0..2 {
        assert_eq!(variable_value(&secrets, "hello").await, VALUE);
    }

    // Killed: the open keep-alive connection is cut and new ones are refused.
    proxy.set(Fault::Down);
    wait_until_reachable(proxy.addr(), false).await;
    for _ in 0..2 {
        let err = secrets.variable("hello").await.unwrap_err();
        let (attempts, elapsed) = unavailable(&err);
        eprintln!("server down: Unavailable after {attempts} attempts in {elapsed:?}");
        assert_eq!(attempts, 2);
        assert!(
            err.to_string()
                .contains("parameter `/airflow/variables/hello`"),
            "{err}"
        );
    }

    // Back up: the same chain answers again.
    proxy.set(Fault::Forward);
    wait_until_reachable(proxy.addr(), true).await;
    for _ in 0..2 {
        assert_eq!(variable_value(&secrets, "hello").await, VALUE);
    }
    assert!(Arc::ptr_eq(
        &backend,
        secrets.custom_backend().expect("the SSM backend")
    ));
    assert_eq!(reads_of(&server, "/airflow/variables/hello").await, 4);
    logs.assert_free_of(SECRETS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_lookups_with_the_cache_make_one_request() {
    let logs = capture();
    let server = MockServer::start().await;
    // Slow enough that all 100 lookups are in flight before the first answer.
    get_parameter("/airflow/variables/shared")
        .respond_with(found("/airflow/variables/shared").set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let secrets = Arc::new(
        Secrets::builder()
            .backend(CLASS_PATH, kwargs(&server.uri(), json!({})))
            .error_policy(ErrorPolicy::Strict)
            .cache(CacheSettings::default())
            .build()
            .await
            .unwrap(),
    );

    assert_concurrent_lookups(&secrets, "shared", 100, VALUE).await;
    assert_eq!(reads_of(&server, "/airflow/variables/shared").await, 1);
    logs.assert_free_of(SECRETS);
}
