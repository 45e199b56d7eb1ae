//! Mock suite: Secret Manager's real error bodies, Airflow's answers to them, bounded retries and the
//! request timeout. Every error provoked here is checked for leaks (`Display`, `Debug`, TRACE logs).

mod common;

use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use common::*;
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

const NAME: &str = "projects/test-project/secrets/airflow-variables-k/versions/latest";

/// Looks up variable `key` (kwargs `extra`) on a fresh mock whose `airflow-variables-{key}` answers
/// every request with `response`, and returns the error the lookup fails with and the mock's address.
/// The mock is gone by then: dropping it checked that it got exactly `requests` requests.
async fn lookup_failure(
    key: &str,
    response: ResponseTemplate,
    requests: u64,
    extra: Value,
) -> (Error, String) {
    let server = MockServer::start().await;
    serve(
        &server,
        &format!("airflow-variables-{key}"),
        response,
        requests,
    )
    .await;
    (variable_error(&server, extra, key).await, server.uri())
}

/// Looks up variable `k` with `max_attempts` = `attempts` on a fresh mock that answers every request
/// with `response`; checks that the lookup sent exactly `attempts` requests and ended `Unavailable`
/// after `attempts` attempts at `NAME` on the mock, leaking nothing. Returns the error and its
/// `problem`.
async fn unavailable_after(response: ResponseTemplate, attempts: u32) -> (Error, String) {
    let (err, uri) = lookup_failure(
        "k",
        response,
        attempts.into(),
        json!({"max_attempts": attempts}),
    )
    .await;
    let report = airflow_secrets_testkit::errors::unavailable(&err);
    assert_eq!(report.attempts, attempts);
    assert_eq!(report.location, format!("{NAME} at {uri}"));
    let problem = report.problem.to_owned();
    assert_no_leak(&[&err], &[]);
    (err, problem)
}

#[tokio::test]
async fn not_found_is_none_with_a_debug_log_only() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-variables-k",
        not_found("airflow-variables-k"),
        1,
    )
    .await;
    let logs = Logs::capture();
    assert!(
        backend(&server, json!({}))
            .get_variable("k")
            .await
            .unwrap()
            .is_none()
    );
    assert!(logs.lines_at("ERROR").is_empty(), "{}", logs.text());
    let debug = logs.lines_at("DEBUG").join("\n");
    assert!(
        debug.contains(
            "Google Cloud API Call Error (NotFound): Secret ID airflow-variables-k not found."
        ),
        "{debug}"
    );
    assert_no_leak(&[], &[]);
}

#[tokio::test]
async fn permission_denied_is_none_with_an_error_log_naming_the_secret_and_permission() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-connections-c",
        permission_denied("airflow-connections-c"),
        1,
    )
    .await;
    let logs = Logs::capture();
    assert!(
        backend(&server, json!({}))
            .get_conn_value("c")
            .await
            .unwrap()
            .is_none()
    );
    let errors = logs.lines_at("ERROR").join("\n");
    assert!(errors.contains("Google Cloud API Call Error (PermissionDenied): No access for Secret ID airflow-connections-c."), "{errors}");
    assert!(
        errors.contains("Did you add 'secretmanager.versions.access' permission?"),
        "{errors}"
    );
    assert_no_leak(&[], &[]);
}

#[tokio::test]
async fn strict_mode_turns_permission_denied_into_an_error() {
    let (err, _) = lookup_failure(
        "k",
        permission_denied("airflow-variables-k"),
        1,
        json!({"raise_on_permission_denied": true}),
    )
    .await;
    let Error::PermissionDenied {
        kind,
        key,
        location,
        problem,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*kind, key.as_str(), location.as_str()),
        (SecretKind::Variable, "k", NAME)
    );
    assert!(
        problem.contains("secretmanager.versions.access"),
        "{problem}"
    );
    assert!(err.is_lookup_error());
    assert_no_leak(&[&err], &[]);
}

#[tokio::test]
async fn unauthenticated_is_an_authentication_error() {
    let (err, _) = lookup_failure(
        "k",
        google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        ),
        1,
        json!({}),
    )
    .await;
    let Error::Authentication {
        location, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(location.contains(NAME), "{location}");
    assert!(
        problem.starts_with("UNAUTHENTICATED (HTTP 401): Request had invalid"),
        "{problem}"
    );
    assert_no_leak(&[&err], &[]);
}

#[tokio::test]
async fn other_statuses_are_rejected_without_retry() {
    let (err, _) = lookup_failure(
        "gone",
        google_error(
            400,
            "FAILED_PRECONDITION",
            "Secret Version [projects/123/secrets/airflow-variables-gone/versions/3] is in DESTROYED state.",
        ),
        1,
        json!({}),
    )
    .await;
    let Error::Rejected {
        location, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        location,
        "projects/test-project/secrets/airflow-variables-gone/versions/latest"
    );
    assert!(
        problem.starts_with("FAILED_PRECONDITION (HTTP 400)"),
        "{problem}"
    );
    assert_no_leak(&[&err], &[]);
}

#[tokio::test]
async fn other_4xx_are_never_retried() {
    let server = MockServer::start().await;
    for (secret, http) in [("a", 408u16), ("b", 409), ("c", 412), ("d", 422)] {
        serve(
            &server,
            &format!("airflow-variables-{secret}"),
            ResponseTemplate::new(http).set_body_string("no"),
            1,
        )
        .await;
    }
    let b = backend(&server, json!({"max_attempts": 5}));
    for secret in ["a", "b", "c", "d"] {
        let err = b.get_variable(secret).await.unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
        assert_no_leak(&[&err], &[]);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn internal_errors_are_retried_like_every_5xx() {
    let (_, problem) = unavailable_after(
        google_error(500, "INTERNAL", "Internal error encountered."),
        3,
    )
    .await;
    assert_eq!(problem, "INTERNAL (HTTP 500): Internal error encountered.");
}

#[tokio::test]
async fn unavailable_is_retried_max_attempts_times() {
    let (err, problem) = unavailable_after(
        google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
        3,
    )
    .await;
    assert_eq!(
        problem,
        "UNAVAILABLE (HTTP 503): The service is currently unavailable."
    );
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
}

#[tokio::test]
async fn resource_exhausted_is_retried_too() {
    unavailable_after(
        google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project'.",
        ),
        2,
    )
    .await;
}

#[tokio::test]
async fn a_gateway_error_without_a_google_body_is_retried() {
    let (_, problem) = unavailable_after(
        ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"),
        2,
    )
    .await;
    assert_eq!(problem, "HTTP 502 without a Google error body");
}

#[tokio::test]
async fn max_attempts_one_means_no_retry() {
    unavailable_after(google_error(503, "UNAVAILABLE", "x"), 1).await;
}

#[tokio::test]
async fn a_transient_failure_then_success_returns_the_value() {
    let server = MockServer::start().await;
    access("airflow-variables-k")
        .respond_with(google_error(
            503,
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    serve_value(&server, "airflow-variables-k", "s3cr3t-after-retry", 1).await;
    assert_eq!(
        variable(&server, json!({}), "k").await.expose(),
        "s3cr3t-after-retry"
    );
    assert_no_leak(&[], &["s3cr3t-after-retry"]);
}

#[tokio::test]
async fn a_refused_connection_fails_after_the_bounded_attempts() {
    // Nothing listens on this loopback port. The SDK's default policy would keep retrying for ~60 s.
    let port = airflow_secrets_testkit::free_port();
    let kwargs = json!({"project_id": PROJECT, "endpoint": format!("http://127.0.0.1:{port}"), "max_attempts": 3,
        "retry_initial_backoff_seconds": 0.2, "retry_max_backoff_seconds": 0.3});
    airflow_secrets_testkit::logs::capture();
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap())
        .unwrap()
        .with_credentials(static_token());
    let policy = b.request_policy();
    let started = Instant::now();
    let err = b.get_variable("k").await.unwrap_err();
    let measured = started.elapsed();
    let Error::Unavailable {
        attempts,
        elapsed,
        problem,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 3);
    assert!(problem.contains("connect"), "{problem}");
    // `elapsed` covers the whole lookup: at least the jittered back-off (retry delays are random in
    // [b/2, b) with b = 0.2 s then 0.3 s, so at least 0.25 s), at most what the caller measured.
    assert_eq!(policy.min_total_backoff(), Duration::from_millis(250));
    assert!(*elapsed >= policy.min_total_backoff(), "{elapsed:?}");
    assert!(*elapsed <= measured, "{elapsed:?} > {measured:?}");
    // Refused on loopback is immediate: generous bound for a loaded machine, far below the 30 s
    // default timeout and the SDK's ~60 s.
    assert!(measured < Duration::from_secs(10), "took {measured:?}");
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    assert_no_leak(&[&err], &[]);
}

#[tokio::test]
async fn a_slow_server_fails_within_the_timeout() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-variables-k",
        found("airflow-variables-k", "too late").set_delay(Duration::from_secs(30)),
        ..,
    )
    .await;
    let b = backend(&server, json!({"timeout_seconds": 0.5, "max_attempts": 2}));
    let started = Instant::now();
    let err = b.get_variable("k").await.unwrap_err();
    let elapsed = started.elapsed();
    let Error::Unavailable {
        attempts, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        *attempts, 2,
        "a timeout is retried like other transient failures"
    );
    assert_eq!(problem, "no answer within 0.500 s (timeout_seconds)");
    // Two 0.5 s attempts; generous bound for a loaded machine, far below the server's 30 s delay.
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_no_leak(&[&err], &[]);
}

#[tokio::test]
async fn an_undecodable_response_is_malformed_without_echoing_it() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-variables-k",
        ResponseTemplate::new(200)
            .set_body_json(json!({"payload": {"data": "s3cr3t-not-base64!"}})),
        ..,
    )
    .await;
    let err = variable_error(&server, json!({}), "k").await;
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(err.to_string().contains("could not be decoded"), "{err}");
    assert!(
        err.to_string()
            .contains("projects/test-project/secrets/airflow-variables-k/versions/latest"),
        "{err}"
    );
    assert_no_leak(&[&err], &["s3cr3t-not-base64!"]);
}

#[tokio::test]
async fn errors_and_logs_never_contain_the_stored_value() {
    const SECRET: &str = "s3cr3t-do-not-print-7731";
    let server = MockServer::start().await;
    // A value that fails the checksum, then valid values read with tracing at TRACE level.
    let mut bad = common::payload_body("airflow-variables-bad", SECRET.as_bytes());
    bad["payload"]["dataCrc32c"] = json!("1");
    serve(
        &server,
        "airflow-variables-bad",
        ResponseTemplate::new(200).set_body_json(bad),
        ..,
    )
    .await;
    serve_value(&server, "airflow-variables-good", SECRET, ..).await;
    serve_any_secret(&server, not_found("other"), ..).await;

    let logs = Logs::capture();
    let b = backend(&server, json!({}));
    let err = b.get_variable("bad").await.unwrap_err();
    let value = b.get_variable("good").await.unwrap().unwrap();
    assert_eq!(value.expose(), SECRET);
    assert!(b.get_variable("missing").await.unwrap().is_none());
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{value:?}"),
        format!("{b:?}"),
        logs.text(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
    assert_no_leak(&[&err], &[SECRET]);
}
