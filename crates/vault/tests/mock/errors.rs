//! Error mapping (spec §1.6) and Airflow's read retries.

use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretsBackend};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn approle_server(login_expect: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.approleToken", 3600, true))
        .expect(login_expect)
        .mount(&server)
        .await;
    server
}

fn approle(server: &MockServer) -> airflow_secrets_vault::VaultBackend {
    backend(&kwargs(
        server,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "s" }),
    ))
}

#[tokio::test]
async fn forbidden_logs_in_again_once_then_is_permission_denied_naming_the_path() {
    let server = approle_server(2).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/private"))
        .respond_with(vault_error(
            403,
            &["1 error occurred:\n\t* permission denied\n\n"],
        ))
        .expect(2)
        .mount(&server)
        .await;
    let err = approle(&server).get_variable("private").await.unwrap_err();
    let Error::PermissionDenied { location, key, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(key, "private");
    assert!(
        location.ends_with("/v1/secret/data/variables/private"),
        "{location}"
    );
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn forbidden_with_a_revoked_token_succeeds_after_the_new_login() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.first", 3600, true))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.second", 3600, true))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("X-Vault-Token", "s.first"))
        .respond_with(vault_error(403, &["permission denied"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .and(header("X-Vault-Token", "s.second"))
        .respond_with(kv2(json!({ "value": "fresh" })))
        .expect(2)
        .mount(&server)
        .await;
    let vault = approle(&server);
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        "fresh"
    );
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        "fresh",
        "the new token is kept"
    );
}

#[tokio::test]
async fn an_inline_token_is_not_retried_on_forbidden() {
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(vault_error(403, &["permission denied"]))
        .expect(1)
        .mount(&server)
        .await;
    let err = backend(&token_kwargs(&server, json!({})))
        .get_variable("v")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
}

#[tokio::test]
async fn server_errors_are_retried_three_times_then_unavailable() {
    for status in [500u16, 502, 503, 412] {
        let server = approle_server(1).await;
        Mock::given(method("GET"))
            .and(path("/v1/secret/data/variables/v"))
            .respond_with(vault_error(status, &["boom"]))
            .expect(4)
            .mount(&server)
            .await;
        let err = approle(&server).get_variable("v").await.unwrap_err();
        let Error::Unavailable {
            attempts, problem, ..
        } = &err
        else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(*attempts, 4, "{status}");
        assert!(problem.contains(&status.to_string()), "{problem}");
    }
}

#[tokio::test]
async fn a_transient_error_then_success_returns_the_value() {
    let server = approle_server(1).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>upstream down</html>"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(kv2(json!({ "value": "third time" })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        approle(&server)
            .get_variable("v")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "third time"
    );
}

#[tokio::test]
async fn retries_are_configurable() {
    let server = approle_server(1).await;
    Mock::given(method("GET"))
        .respond_with(vault_error(500, &[]))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "s", "max_retries": 0 }),
    ));
    let err = vault.get_variable("v").await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = approle_server(1).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/bad"))
        .respond_with(vault_error(400, &["invalid request"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/limited"))
        .respond_with(vault_error(429, &["rate limited"]))
        .expect(1)
        .mount(&server)
        .await;
    let vault = approle(&server);
    let err = vault.get_variable("bad").await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("HTTP 400 (InvalidRequest): invalid request"),
        "{err}"
    );
    let err = vault.get_variable("limited").await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rejected_login_is_an_authentication_error_with_vaults_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(vault_error(400, &["invalid role or secret ID"]))
        .expect(1)
        .mount(&server)
        .await;
    let err = approle(&server).get_variable("v").await.unwrap_err();
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
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_after_the_retries() {
    let port = airflow_secrets_testkit::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let kwargs = json!({ "url": url, "auth_type": "approle", "role_id": "r", "secret_id": "s", "timeout": 2 });
    let vault = backend(kwargs.as_object().unwrap());
    let start = Instant::now();
    let err = vault.get_variable("v").await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let Error::Unavailable {
        attempts,
        location,
        problem,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 4);
    assert!(location.contains("/v1/auth/approle/login"), "{location}");
    assert!(problem.to_lowercase().contains("connect"), "{problem}");
}

#[tokio::test]
async fn a_slow_server_times_out_within_the_timeout() {
    let server = approle_server(1).await;
    Mock::given(method("GET"))
        .respond_with(kv2(json!({ "value": "late" })).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "s", "timeout": 0.5 }),
    ));
    let start = Instant::now();
    let err = vault.get_variable("v").await.unwrap_err();
    // Generous bound for a loaded machine: one 0.5 s timeout, no retry of timeouts.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let Error::Unavailable {
        problem, attempts, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 1);
    assert!(problem.starts_with("timed out"), "{problem}");
}

#[tokio::test]
async fn an_unparseable_success_is_malformed() {
    let server = approle_server(1).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    let err = approle(&server).get_variable("v").await.unwrap_err();
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forbidden_reads_cause_one_new_login() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.revoked", 3600, true))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.fresh", 3600, true))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("X-Vault-Token", "s.revoked"))
        .respond_with(
            vault_error(403, &["permission denied"]).set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("X-Vault-Token", "s.fresh"))
        .respond_with(kv2(json!({ "value": "ok" })))
        .mount(&server)
        .await;
    let vault = std::sync::Arc::new(approle(&server));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let vault = vault.clone();
            tokio::spawn(async move { vault.get_variable("v").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().unwrap().expose(), "ok");
    }
}
