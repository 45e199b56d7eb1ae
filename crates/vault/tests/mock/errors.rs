//! Error mapping (spec §1.6) and Airflow's read retries.

use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_vault::RetryConfig;
use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn approle_server(login_expect: u64) -> MockServer {
    let server = MockServer::start().await;
    let login = auth_response("s.approleToken", 3600, true);
    mount_expect(&server, approle_login(), login, login_expect).await;
    server
}

/// Mounts two AppRole logins, each expected once: the first issues `first`, the next one `second`.
async fn mount_two_logins(server: &MockServer, first: &str, second: &str) {
    let first = auth_response(first, 3600, true);
    mount_first(server, approle_login(), first, 1).await;
    let second = auth_response(second, 3600, true);
    mount_expect(server, approle_login(), second, 1).await;
}

#[tokio::test]
async fn forbidden_logs_in_again_once_then_is_permission_denied_naming_the_path() {
    let logs = logs();
    let server = approle_server(2).await;
    let denied = vault_error(403, &["1 error occurred:\n\t* permission denied\n\n"]);
    mount_expect(&server, read_variable("private"), denied, 2).await;
    let err = approle(&server).get_variable("private").await.clean_err();
    let Error::PermissionDenied { location, key, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(key, "private");
    assert!(
        location.ends_with("/v1/secret/data/variables/private"),
        "{location}"
    );
    assert!(err.to_string().contains("permission denied"), "{err}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn forbidden_with_a_revoked_token_succeeds_after_the_new_login() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_two_logins(&server, "s.firstToken", "s.secondToken").await;
    let denied = vault_error(403, &["permission denied"]);
    mount_expect(&server, get_with_token("s.firstToken"), denied, 1).await;
    let read = read_variable("v").and(header("X-Vault-Token", "s.secondToken"));
    let fresh = kv2(json!({ "value": "fresh-value-52aa" }));
    mount_expect(&server, read, fresh, 2).await;
    let vault = approle(&server);
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        "fresh-value-52aa"
    );
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        "fresh-value-52aa",
        "the new token is kept"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_inline_token_is_not_retried_on_forbidden() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    let denied = vault_error(403, &["permission denied"]);
    mount_expect(&server, read_variable("v"), denied, 1).await;
    let err = backend(&token_kwargs(&server, json!({})))
        .get_variable("v")
        .await
        .clean_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

/// Transient statuses (412 as Airflow, 429, every 5xx) are retried: 3 retries, so 4 requests.
#[tokio::test]
async fn transient_statuses_are_retried_three_times_then_unavailable() {
    let logs = logs();
    for status in [412u16, 429, 500, 501, 502, 503, 504] {
        let server = approle_server(1).await;
        let boom = vault_error(status, &["boom"]);
        mount_expect(&server, read_variable("v"), boom, 4).await;
        let err = approle(&server).get_variable("v").await.clean_err();
        let Error::Unavailable {
            attempts, problem, ..
        } = &err
        else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(*attempts, 4, "{status}");
        assert!(problem.contains(&status.to_string()), "{problem}");
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_transient_error_then_success_returns_the_value() {
    let logs = logs();
    let server = approle_server(1).await;
    let down = ResponseTemplate::new(503).set_body_string("<html>upstream down</html>");
    mount_first(&server, read_variable("v"), down, 2).await;
    let value = kv2(json!({ "value": "third-time-value-9b3c" }));
    mount_expect(&server, read_variable("v"), value, 1).await;
    assert_eq!(
        approle(&server)
            .get_variable("v")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "third-time-value-9b3c"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn retries_are_configurable() {
    let logs = logs();
    let server = approle_server(1).await;
    mount_expect(
        &server,
        Mock::given(method("GET")),
        vault_error(500, &[]),
        1,
    )
    .await;
    let vault = approle_with(&server, json!({ "max_retries": 0 }));
    let err = vault.get_variable("v").await.clean_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let logs = logs();
    let server = approle_server(1).await;
    for status in [400u16, 405, 409, 422] {
        let read = read_variable(&status.to_string());
        mount_expect(&server, read, vault_error(status, &["invalid request"]), 1).await;
    }
    let unauthorized = vault_error(401, &["unauthorized"]);
    mount_expect(&server, read_variable("401"), unauthorized, 1).await;
    let vault = approle(&server);
    let err = vault.get_variable("400").await.clean_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("HTTP 400 (InvalidRequest): invalid request"),
        "{err}"
    );
    for key in ["405", "409", "422"] {
        let err = vault.get_variable(key).await.clean_err();
        assert!(matches!(err, Error::Rejected { .. }), "{key}: {err:?}");
    }
    let err = vault.get_variable("401").await.clean_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_login_answered_503_twice_is_retried_and_succeeds() {
    let logs = logs();
    let server = MockServer::start().await;
    let sealed = vault_error(503, &["Vault is sealed"]);
    mount_first(&server, approle_login(), sealed, 2).await;
    let login = auth_response("s.approleToken", 3600, true);
    mount_expect(&server, approle_login(), login, 1).await;
    let read = read_variable("v").and(header("X-Vault-Token", "s.approleToken"));
    mount_expect(&server, read, kv2(json!({ "value": VALUE })), 1).await;
    let value = approle(&server).get_variable("v").await.unwrap().unwrap();
    assert_eq!(value.expose(), VALUE);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_login_failing_with_5xx_is_unavailable_after_the_retries() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_expect(&server, approle_login(), vault_error(502, &[]), 3).await;
    let vault = approle_with(&server, json!({ "max_retries": 2 }));
    let err = vault.get_variable("v").await.clean_err();
    let Unavailable {
        attempts, location, ..
    } = unavailable(&err);
    assert_eq!(attempts, 3);
    assert!(location.contains("/v1/auth/approle/login"), "{location}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_rejected_login_is_an_authentication_error_with_vaults_message() {
    let logs = logs();
    let server = MockServer::start().await;
    let rejected = vault_error(400, &["invalid role or secret ID"]);
    mount_expect(&server, approle_login(), rejected, 1).await;
    let err = approle(&server).get_variable("v").await.clean_err();
    let Error::Authentication {
        location, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        location.starts_with("approle login at http://127.0.0.1:")
            && location.ends_with("/v1/auth/approle/login"),
        "{location}"
    );
    assert_eq!(
        problem,
        "HTTP 400 (InvalidRequest): invalid role or secret ID"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

/// Nothing listens: every attempt is refused at once, so the lookup takes the back-off sleeps and
/// little else: between their minimum (0.1 + 0.2 + 0.4 s, before jitter) and a generous bound (their
/// maximum, 1.4 s, plus slack for a loaded machine), far below the 30 s timeout.
#[tokio::test]
async fn an_unreachable_server_is_unavailable_after_the_retries() {
    let logs = logs();
    let port = airflow_secrets_testkit::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let kwargs =
        json!({ "url": url, "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID });
    let vault = backend(kwargs.as_object().unwrap());
    let start = Instant::now();
    let err = vault.get_variable("v").await.clean_err();
    let wall = start.elapsed();
    let Unavailable {
        attempts,
        location,
        problem,
        elapsed,
    } = unavailable(&err);
    assert_eq!(attempts, 4);
    assert!(location.contains("/v1/auth/approle/login"), "{location}");
    assert!(problem.to_lowercase().contains("connect"), "{problem}");
    let backoff = RetryConfig::default()
        .base_delays()
        .iter()
        .sum::<Duration>();
    assert_eq!(backoff, Duration::from_millis(700));
    assert!(
        elapsed >= backoff && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(elapsed <= wall, "{elapsed:?} > {wall:?}");
    assert!(err.to_string().contains("(4 attempt(s) in "), "{err}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_slow_server_times_out_within_the_timeout() {
    let logs = logs();
    let server = approle_server(1).await;
    let late = kv2(json!({ "value": "late-value-e21d" })).set_delay(Duration::from_secs(20));
    mount_any(&server, Mock::given(method("GET")), late).await;
    let vault = approle_with(&server, json!({ "timeout": 0.5 }));
    let start = Instant::now();
    let err = vault.get_variable("v").await.clean_err();
    // Generous bound for a loaded machine: one 0.5 s timeout, no retry of timeouts.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let Unavailable {
        problem, attempts, ..
    } = unavailable(&err);
    assert_eq!(attempts, 1);
    assert!(problem.starts_with("timed out"), "{problem}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_unparseable_success_is_malformed() {
    let logs = logs();
    let server = approle_server(1).await;
    let not_json = ResponseTemplate::new(200).set_body_string("not json");
    mount_any(&server, Mock::given(method("GET")), not_json).await;
    let err = approle(&server).get_variable("v").await.clean_err();
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forbidden_reads_cause_one_new_login() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_two_logins(&server, "s.revokedToken", "s.freshToken").await;
    let denied = vault_error(403, &["permission denied"]).set_delay(Duration::from_millis(100));
    mount_any(&server, get_with_token("s.revokedToken"), denied).await;
    let read = kv2(json!({ "value": VALUE }));
    mount_any(&server, get_with_token("s.freshToken"), read).await;
    assert_concurrent_reads_return_value(approle(&server), 8).await;
    logs.assert_free_of(SUITE_SECRETS);
}
