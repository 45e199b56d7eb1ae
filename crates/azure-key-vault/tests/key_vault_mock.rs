//! The mock suite: the real Key Vault protocol over HTTPS (challenge, token exchange, bodies, errors, retries)
//! against in-process fakes on 127.0.0.1, trusted through `connection_verify`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets_azure_key_vault::AzureKeyVaultBackend;
use airflow_secrets_azure_key_vault_mock::key_vault::{
    forbidden_access_denied, forbidden_by_policy, internal_error, secret_disabled,
    service_unavailable, throttled,
};
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_ID, CLIENT_SECRET, FakeKeyVault, MockServer, Reply,
    TENANT_ID,
};
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::free_port;
use common::{assert_logs_clean, backend, expect_err, logs, no_env, vault_trace};
use serde_json::json;

#[tokio::test]
async fn client_secret_flow_reproduces_challenge_and_token_exchange() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-hello", "world-value");
    let backend = backend(&fx, json!({}));

    let value = backend.get_variable("hello").await.unwrap().expect("found");
    assert_eq!(value.expose(), "world-value");

    // 1. unauthenticated GET -> 401 challenge; 2. token request; 3. same GET with the bearer token.
    let kv = fx.vault_server.requests();
    assert_eq!(kv.len(), 2, "{kv:#?}");
    for request in &kv {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/secrets/airflow-variables-hello/");
        assert_eq!(
            request.query_param("api-version").as_deref(),
            Some("2025-07-01")
        );
        assert_eq!(request.header("accept"), Some("application/json"));
    }
    assert_eq!(kv[0].header("authorization"), None);
    assert_eq!(
        kv[1].header("authorization"),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );

    let tokens = fx.entra_server.requests();
    assert_eq!(tokens.len(), 1);
    let token_request = &tokens[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(
        token_request.path,
        format!("/{TENANT_ID}/oauth2/v2.0/token")
    );
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        token_request.form_param("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(
        token_request.form_param("client_id").as_deref(),
        Some(CLIENT_ID)
    );
    assert_eq!(
        token_request.form_param("client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    assert_eq!(
        token_request.form_param("scope").as_deref(),
        Some("https://vault.azure.net/.default")
    );

    // The client (and its token) is reused: no new challenge, no new token request.
    let again = backend.get_variable("hello").await.unwrap().expect("found");
    assert_eq!(again.expose(), "world-value");
    assert_eq!(
        vault_trace(&fx),
        vec![
            ("/secrets/airflow-variables-hello/".to_owned(), false),
            ("/secrets/airflow-variables-hello/".to_owned(), true),
            ("/secrets/airflow-variables-hello/".to_owned(), true),
        ]
    );
    assert_eq!(fx.token_requests(), 1);
    assert_logs_clean(&logs, &["world-value"]);
}

#[tokio::test]
async fn secret_not_found_is_none() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({}));
    assert!(backend.get_variable("missing").await.unwrap().is_none());
    assert!(
        backend
            .get_conn_value("missing_conn")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .get_connection("missing_conn")
            .await
            .unwrap()
            .is_none()
    );
    let paths: Vec<String> = fx
        .vault_server
        .requests()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(
        paths.contains(&"/secrets/airflow-variables-missing/".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/secrets/airflow-connections-missing-conn/".to_owned()),
        "{paths:?}"
    );
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn name_rule_on_the_wire() {
    let logs = logs();
    // (kwargs overrides, kind, key, name Key Vault must receive)
    let cases = [
        (
            json!({}),
            SecretKind::Connection,
            "smtp_default",
            "airflow-connections-smtp-default",
        ),
        (
            json!({}),
            SecretKind::Variable,
            "Hello_World",
            "airflow-variables-Hello-World",
        ),
        (
            json!({}),
            SecretKind::Config,
            "sql_alchemy_conn",
            "airflow-config-sql-alchemy-conn",
        ),
        (
            json!({"variables_prefix": ""}),
            SecretKind::Variable,
            "my_var",
            "my-var",
        ),
        (
            json!({"variables_prefix": "airflow-variables--"}),
            SecretKind::Variable,
            "x",
            "airflow-variables-x",
        ),
        (
            json!({"variables_prefix": "air_flow", "sep": ""}),
            SecretKind::Variable,
            "a_b",
            "airflowab",
        ),
        (
            json!({"connections_prefix": "conns", "sep": "x"}),
            SecretKind::Connection,
            "a_b",
            "connsxaxb",
        ),
    ];
    for (overrides, kind, key, expected) in cases {
        let fx = AzureFixture::start().await;
        fx.vault.put(expected, &format!("value-of-{expected}"));
        let backend = backend(&fx, overrides.clone());
        let value = backend
            .get(kind, key)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{overrides} {key}: not found"));
        assert_eq!(value.expose(), format!("value-of-{expected}"));
        let last = fx.vault_server.requests().pop().unwrap();
        assert_eq!(
            last.path,
            format!("/secrets/{expected}/"),
            "{overrides} {kind} {key}"
        );
        assert_logs_clean(&logs, &[&format!("value-of-{expected}")]);
    }
}

#[tokio::test]
async fn disabled_prefixes_send_nothing() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(
        &fx,
        json!({"connections_prefix": null, "variables_prefix": null, "config_prefix": null}),
    );
    assert!(backend.get_variable("a").await.unwrap().is_none());
    assert!(backend.get_conn_value("a").await.unwrap().is_none());
    assert!(backend.get_config("a").await.unwrap().is_none());
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(fx.token_requests(), 0);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn lookup_patterns_send_nothing_for_keys_that_do_not_match() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put(
        "airflow-variables-prod-db-password",
        "pattern-matched-value-5e1",
    );
    let backend = backend(
        &fx,
        json!({
            "connections_lookup_pattern": "^aws_",
            "variables_lookup_pattern": "prod_",
            "config_lookup_pattern": "core|webserver",
        }),
    );
    // Filtered: None, and not a single request (no challenge, no token, no read).
    assert!(
        backend
            .get_conn_value("smtp_default")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .get_variable("staging_db_password")
            .await
            .unwrap()
            .is_none()
    );
    assert!(backend.get_variable("my_prod_db").await.unwrap().is_none()); // re.match: start only
    assert!(
        backend
            .get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(fx.token_requests(), 0);

    // Matching keys are read (case-insensitively, as re.IGNORECASE).
    assert_eq!(
        backend
            .get_variable("PROD_db_password")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "pattern-matched-value-5e1"
    );
    assert!(
        backend
            .get_conn_value("aws_default")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .get_config("webserver_secret_key")
            .await
            .unwrap()
            .is_none()
    );
    let paths: Vec<String> = vault_trace(&fx)
        .into_iter()
        .filter(|(_, authorized)| *authorized)
        .map(|(path, _)| path)
        .collect();
    assert_eq!(
        paths,
        [
            "/secrets/airflow-variables-PROD-db-password/",
            "/secrets/airflow-connections-aws-default/",
            "/secrets/airflow-config-webserver-secret-key/",
        ]
    );
    assert_logs_clean(&logs, &["pattern-matched-value-5e1"]);
}

#[tokio::test]
async fn team_scoped_keys_send_nothing_for_variables_but_config_is_read() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-config-team--key", "team-config-value-3c1");
    let backend = backend(&fx, json!({}));
    assert!(backend.get_variable("team__key").await.unwrap().is_none());
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(
        backend
            .get_config("team__key")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "team-config-value-3c1"
    );
    assert_logs_clean(&logs, &["team-config-value-3c1"]);
}

#[tokio::test]
async fn connections_are_parsed_from_uri_and_json_values() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put(
        "airflow-connections-my-db",
        "postgres://user:p%40ss@db.example.com:5432/analytics",
    );
    fx.vault.put(
        "airflow-connections-my-api",
        r#"{"conn_type": "http", "host": "api.example.com", "port": 443}"#,
    );
    let backend = backend(&fx, json!({}));
    let db = backend.get_connection("my_db").await.unwrap().unwrap();
    assert_eq!(db.conn_type.as_deref(), Some("postgres"));
    assert_eq!(db.host.as_deref(), Some("db.example.com"));
    assert_eq!(db.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    assert_eq!(db.port, Some(5432));
    let api = backend.get_connection("my_api").await.unwrap().unwrap();
    assert_eq!(api.conn_type.as_deref(), Some("http"));
    assert_eq!(api.port, Some(443));
    assert_logs_clean(&logs, &["p@ss", "user:p%40ss@db"]);
}

#[tokio::test]
async fn forbidden_is_a_permission_error_naming_the_secret_and_is_not_retried() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.always(
        "airflow-variables-denied",
        forbidden_access_denied("my-vault"),
    );
    fx.vault
        .always("airflow-variables-by-policy", forbidden_by_policy());
    let backend = backend(&fx, json!({}));

    let err = expect_err(backend.get_variable("denied").await, &[]);
    let Error::PermissionDenied {
        kind,
        key,
        location,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*kind, key.as_str()), (SecretKind::Variable, "denied"));
    assert!(location.contains("airflow-variables-denied"), "{location}");
    let text = err.to_string();
    assert!(
        text.contains("403 Forbidden (Forbidden/AccessDenied)"),
        "{text}"
    );
    assert!(
        text.contains("does not have secrets get permission"),
        "{text}"
    );
    assert!(text.contains(&format!("client id `{CLIENT_ID}`")), "{text}");
    // one challenge round trip, then one authorized request: 403 is final.
    assert_eq!(fx.vault_server.request_count(), 2);

    let err = expect_err(backend.get_variable("by_policy").await, &[]);
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert!(err.to_string().contains("ForbiddenByPolicy"), "{err}");
    assert!(err.is_lookup_error());
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_disabled_secret_says_so() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .always("airflow-connections-old-db", secret_disabled());
    let backend = backend(&fx, json!({}));
    let err = expect_err(backend.get_conn_value("old_db").await, &[]);
    assert!(
        matches!(
            err,
            Error::Rejected {
                kind: SecretKind::Connection,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("secret `airflow-connections-old-db`"),
        "{text}"
    );
    assert!(
        text.contains("the secret is disabled in Key Vault"),
        "{text}"
    );
    assert!(text.contains("SecretDisabled"), "{text}");
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn throttling_is_retried_a_bounded_number_of_times() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.always("airflow-variables-busy", throttled(0));
    let backend = backend(&fx, json!({"retry_total": 2}));
    let err = expect_err(backend.get_variable("busy").await, &[]);
    let Error::Unavailable { attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 3, "1 try + 2 retries");
    assert!(
        err.to_string()
            .contains("429 Too Many Requests (Throttled)"),
        "{err}"
    );
    let authorized = vault_trace(&fx)
        .into_iter()
        .filter(|(_, auth)| *auth)
        .count();
    assert_eq!(authorized, 3);
    assert_eq!(
        fx.vault_server.request_count(),
        4,
        "plus the unauthenticated challenge request"
    );
    assert_eq!(fx.token_requests(), 1);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_throttled_request_succeeds_after_retry_after() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-busy", "eventually-served-9d2");
    fx.vault
        .override_secret("airflow-variables-busy", |n| (n == 0).then(|| throttled(1)));
    let backend = backend(&fx, json!({}));
    assert_eq!(
        backend
            .get_variable("busy")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "eventually-served-9d2"
    );
    let authorized = vault_trace(&fx)
        .into_iter()
        .filter(|(_, auth)| *auth)
        .count();
    assert_eq!(authorized, 2);
    assert_logs_clean(&logs, &["eventually-served-9d2"]);
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .always("airflow-variables-down", service_unavailable());
    fx.vault
        .put("airflow-variables-flaky", "flaky-ok-value-51e");
    fx.vault
        .override_secret("airflow-variables-flaky", |n| (n < 2).then(internal_error));
    let backend = backend(&fx, json!({"retry_total": 1}));

    let err = expect_err(backend.get_variable("down").await, &[]);
    let Error::Unavailable {
        attempts, location, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 2);
    assert!(location.contains(&fx.vault_url()), "{location}");
    assert!(
        err.to_string()
            .contains("503 Service Unavailable (ServiceUnavailable)"),
        "{err}"
    );

    // 2 failures, but only 1 retry allowed.
    let err = expect_err(backend.get_variable("flaky").await, &[]);
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    // third request succeeds
    assert_eq!(
        backend
            .get_variable("flaky")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "flaky-ok-value-51e"
    );
    assert_logs_clean(&logs, &["flaky-ok-value-51e"]);
}

#[tokio::test]
async fn no_retries_when_retry_total_is_zero() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .always("airflow-variables-down", service_unavailable());
    let backend = backend(&fx, json!({"retry_total": 0}));
    let err = expect_err(backend.get_variable("down").await, &[]);
    assert!(
        matches!(err, Error::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(fx.vault_server.request_count(), 2);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_slow_vault_fails_within_the_read_timeout() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.always(
        "airflow-variables-slow",
        Reply::json(200, json!({"value": "late-value-0a7"})).delayed(Duration::from_secs(60)),
    );
    let backend = backend(&fx, json!({"read_timeout": 0.5, "retry_total": 0}));
    let started = Instant::now();
    let err = expect_err(backend.get_variable("slow").await, &["late-value-0a7"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(err, Error::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().to_lowercase().contains("time"), "{err}");
    assert_logs_clean(&logs, &["late-value-0a7"]);
}

#[tokio::test]
async fn an_unreachable_vault_is_unavailable() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let url = format!("https://127.0.0.1:{}/", free_port());
    // Back-offs of 0.1–0.2 s, then 0.2–0.4 s (equal jitter): at least 0.3 s in all.
    let backend = backend(
        &fx,
        json!({"vault_url": url, "retry_total": 2, "retry_backoff_factor": 0.2}),
    );
    let err = expect_err(backend.get_variable("x").await, &[]);
    let Error::Unavailable {
        attempts,
        location,
        elapsed,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 3);
    assert!(location.contains(&url), "{location}");
    // Refused connections fail at once: the time is the back-off, plus a generous allowance for a loaded machine.
    assert!(
        *elapsed >= Duration::from_millis(300) && *elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    assert_eq!(fx.token_requests(), 0);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn retry_after_is_honoured_only_up_to_retry_backoff_max() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    // An hour: honoured in full, the lookup would outlive the test (and its 120 s default `timeout`).
    fx.vault.always("airflow-variables-busy", throttled(3600));
    let backend = backend(&fx, json!({"retry_total": 1, "retry_backoff_max": 0.2}));
    let err = expect_err(backend.get_variable("busy").await, &[]);
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("429 Too Many Requests"), "{err}");
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn the_lookup_timeout_bounds_every_attempt_and_back_off() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-warm", "warm-value-6b0");
    fx.vault
        .always("airflow-variables-down", service_unavailable());
    // Unbounded by the retry count alone (1000 retries of 2 s back-off); `timeout` ends it.
    let backend = backend(
        &fx,
        json!({"retry_total": 1000, "retry_backoff_factor": 2, "retry_backoff_max": 2, "timeout": 1}),
    );
    assert!(backend.get_variable("warm").await.unwrap().is_some());
    let err = expect_err(backend.get_variable("down").await, &["warm-value-6b0"]);
    let Error::Unavailable { attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert!((1..=2).contains(attempts), "{err:?}");
    assert!(
        err.to_string()
            .contains("no answer within the lookup timeout of 1s (the `timeout` kwarg"),
        "{err}"
    );
    assert_logs_clean(&logs, &["warm-value-6b0"]);
}

#[tokio::test]
async fn the_test_certificate_is_trusted_only_through_connection_verify() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-v", "cert-test-value-77b");
    // System roots do not include the test CA: the TLS handshake fails and nothing is served.
    let backend = backend(&fx, json!({"connection_verify": true, "retry_total": 0}));
    let err = expect_err(backend.get_variable("v").await, &[]);
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(fx.vault_server.request_count(), 0);

    // `false` disables verification (Python's connection_verify=False).
    let backend = common::backend(&fx, json!({"connection_verify": false}));
    assert_eq!(
        backend.get_variable("v").await.unwrap().unwrap().expose(),
        "cert-test-value-77b"
    );
    assert_logs_clean(&logs, &["cert-test-value-77b"]);
}

#[tokio::test]
async fn connection_verify_also_applies_to_token_requests() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    // A token endpoint signed by another CA: Key Vault is trusted, the token endpoint is not.
    let other_ca = airflow_secrets_azure_key_vault_mock::TestCa::new();
    let other_entra = MockServer::https(&other_ca, fx.entra.handler()).await;
    let backend = backend(
        &fx,
        json!({"authority_host": other_entra.url(), "retry_total": 0}),
    );
    let err = expect_err(backend.get_variable("v").await, &[]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(other_entra.request_count(), 0);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn challenge_resource_is_verified_by_default() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({"verify_challenge_resource": true}));
    let err = expect_err(backend.get_variable("v").await, &[]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("verify_challenge_resource"), "{text}");
    assert!(
        text.contains("doesn't match the requested domain '127.0.0.1'"),
        "{text}"
    );
    assert_eq!(
        fx.token_requests(),
        0,
        "no token is requested for a mismatched challenge"
    );
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_rejected_client_secret_is_an_authentication_error() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({"client_secret": "wrong-secret-value"}));
    let err = expect_err(backend.get_variable("v").await, &["wrong-secret-value"]);
    let Error::Authentication { location, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        location.contains(&format!("tenant `{TENANT_ID}`")),
        "{location}"
    );
    let text = err.to_string();
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
    assert_eq!(
        fx.token_requests(),
        1,
        "authentication failures are not retried"
    );
    assert_logs_clean(&logs, &["wrong-secret-value"]);
}

#[tokio::test]
async fn a_token_the_vault_rejects_is_an_authentication_error() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let strict_vault = FakeKeyVault::new("another-token");
    let strict_server = MockServer::https(&fx.ca, strict_vault.handler()).await;
    let backend = backend(
        &fx,
        json!({"vault_url": format!("{}/", strict_server.url())}),
    );
    let err = expect_err(backend.get_variable("v").await, &["another-token"]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("Key Vault rejected the token: 401 Unauthorized (Unauthorized)"),
        "{text}"
    );
    assert!(text.contains("AKV10022"), "{text}");
    assert_logs_clean(&logs, &["another-token"]);
}

#[tokio::test]
async fn authority_host_comes_from_the_kwarg_then_azure_authority_host() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-v", "authority-value-c40");
    let dead = format!("https://127.0.0.1:{}", free_port());

    // No kwarg: AZURE_AUTHORITY_HOST from the (explicit) environment.
    let kwargs = fx.kwargs_with(json!({"authority_host": null}));
    let env = airflow_secrets_azure_key_vault::Environment::from_vars([(
        "AZURE_AUTHORITY_HOST",
        fx.entra_server.url(),
    )]);
    let backend = AzureKeyVaultBackend::from_kwargs(&kwargs)
        .unwrap()
        .with_environment(env);
    assert_eq!(
        backend.get_variable("v").await.unwrap().unwrap().expose(),
        "authority-value-c40"
    );
    assert_eq!(fx.token_requests(), 1);

    // The kwarg wins over the variable.
    let env = airflow_secrets_azure_key_vault::Environment::from_vars([(
        "AZURE_AUTHORITY_HOST",
        dead.clone(),
    )]);
    let backend = AzureKeyVaultBackend::from_kwargs(&fx.kwargs())
        .unwrap()
        .with_environment(env);
    assert_eq!(
        backend.get_variable("v").await.unwrap().unwrap().expose(),
        "authority-value-c40"
    );
    assert_eq!(fx.token_requests(), 2);

    // An http AZURE_AUTHORITY_HOST is refused before anything is sent.
    let env = airflow_secrets_azure_key_vault::Environment::from_vars([(
        "AZURE_AUTHORITY_HOST",
        "http://127.0.0.1:1",
    )]);
    let backend = AzureKeyVaultBackend::from_kwargs(&kwargs)
        .unwrap()
        .with_environment(env);
    let err = expect_err(backend.get_variable("v").await, &["authority-value-c40"]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("AZURE_AUTHORITY_HOST must use https"),
        "{err}"
    );
    assert_logs_clean(&logs, &["authority-value-c40"]);
}

#[tokio::test]
async fn concurrent_first_lookups_share_one_client_and_one_token() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    for i in 0..8 {
        fx.vault.put(
            &format!("airflow-variables-v{i}"),
            &format!("concurrent-value-{i}"),
        );
    }
    let backend = Arc::new(backend(&fx, json!({})));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let backend = backend.clone();
        tasks.push(tokio::spawn(async move {
            backend.get_variable(&format!("v{i}")).await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(
            task.await.unwrap().unwrap().unwrap().expose(),
            format!("concurrent-value-{i}")
        );
    }
    assert_eq!(fx.token_requests(), 1);
    assert!(format!("{backend:?}").contains("client_built: true"));
    assert_logs_clean(&logs, &["concurrent-value-"]);
}

#[tokio::test]
async fn malformed_answers_are_malformed_secret_errors() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.always(
        "airflow-variables-novalue",
        Reply::json(200, json!({"id": "https://x/secrets/novalue/1"})),
    );
    fx.vault.always(
        "airflow-variables-badjson",
        Reply::json(200, json!({"value": ["MUST-NOT-LEAK-ARRAY"]})),
    );
    let backend = backend(&fx, json!({}));
    let err = expect_err(
        backend.get_variable("novalue").await,
        &["MUST-NOT-LEAK-ARRAY"],
    );
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(err.to_string().contains("without a `value`"), "{err}");
    let err = expect_err(
        backend.get_variable("badjson").await,
        &["MUST-NOT-LEAK-ARRAY"],
    );
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(!err.to_string().contains("MUST-NOT-LEAK"), "{err}");
    assert_logs_clean(&logs, &["MUST-NOT-LEAK-ARRAY"]);
}

#[tokio::test]
async fn invalid_names_are_quoted_like_python_and_rejected_by_the_vault() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({}));
    let err = expect_err(backend.get_variable("a.b").await, &[]);
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(
        err.to_string().contains("400 Bad Request (BadParameter)"),
        "{err}"
    );
    let err = expect_err(backend.get_variable("a/b").await, &[]);
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    let paths: Vec<String> = fx
        .vault_server
        .requests()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(
        paths.contains(&"/secrets/airflow-variables-a.b/".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/secrets/airflow-variables-a%2Fb/".to_owned()),
        "{paths:?}"
    );
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn api_version_is_passed_through() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({"api_version": "7.4"}));
    let err = expect_err(backend.get_variable("v").await, &[]);
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("The specified version (7.4) is not recognized"),
        "{err}"
    );
    let request = fx.vault_server.requests().pop().unwrap();
    assert_eq!(request.query_param("api-version").as_deref(), Some("7.4"));
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn names_are_case_insensitive_on_the_server() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-mykey", "case-value-2f9");
    let backend = backend(&fx, json!({}));
    assert_eq!(
        backend
            .get_variable("MyKey")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "case-value-2f9"
    );
    assert_eq!(
        fx.vault_server.requests().pop().unwrap().path,
        "/secrets/airflow-variables-MyKey/"
    );
    assert_logs_clean(&logs, &["case-value-2f9"]);
}

#[test]
fn environment_is_isolated_in_these_tests() {
    let _logs = logs();
    // Guard for the helpers above: an explicit empty environment sees nothing, even PATH.
    assert_eq!(no_env().var("PATH"), None);
}
