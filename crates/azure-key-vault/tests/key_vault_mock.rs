//! The mock suite: the real Key Vault protocol over HTTPS (challenge, token exchange, bodies, errors, retries)
//! against in-process fakes on 127.0.0.1, trusted through `connection_verify`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, EnvSnapshot, HONOURED};
use airflow_secrets_azure_key_vault_mock::key_vault::{
    forbidden_access_denied, forbidden_by_policy, internal_error, secret_disabled,
    service_unavailable, throttled,
};
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_ID, CLIENT_SECRET, FakeKeyVault, MockServer, Reply,
    TENANT_ID,
};
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::errors::{Unavailable, unavailable};
use airflow_secrets_testkit::free_port;
use common::{
    assert_absent, assert_found, assert_logs_clean, assert_says, assert_variable,
    assert_vault_requested, authorized_paths, backend, expect_err, logs, no_env, variable_err,
    vault_trace,
};
use serde_json::{Map, Value, json};

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
    assert_absent(&backend, SecretKind::Variable, "missing").await;
    assert_absent(&backend, SecretKind::Connection, "missing_conn").await;
    assert!(
        backend
            .get_connection("missing_conn")
            .await
            .unwrap()
            .is_none()
    );
    assert_vault_requested(
        &fx,
        &[
            "/secrets/airflow-variables-missing/",
            "/secrets/airflow-connections-missing-conn/",
        ],
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
    for kind in SecretKind::ALL {
        assert_absent(&backend, kind, "a").await;
    }
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
    assert_absent(&backend, SecretKind::Connection, "smtp_default").await;
    assert_absent(&backend, SecretKind::Variable, "staging_db_password").await;
    assert_absent(&backend, SecretKind::Variable, "my_prod_db").await; // re.match: start only
    assert_absent(&backend, SecretKind::Config, "sql_alchemy_conn").await;
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(fx.token_requests(), 0);

    // Matching keys are read (case-insensitively, as re.IGNORECASE).
    assert_variable(&backend, "PROD_db_password", "pattern-matched-value-5e1").await;
    assert_absent(&backend, SecretKind::Connection, "aws_default").await;
    assert_absent(&backend, SecretKind::Config, "webserver_secret_key").await;
    assert_eq!(
        authorized_paths(&fx),
        [
            "/secrets/airflow-variables-PROD-db-password/",
            "/secrets/airflow-connections-aws-default/",
            "/secrets/airflow-config-webserver-secret-key/",
        ]
    );
    assert_logs_clean(&logs, &["pattern-matched-value-5e1"]);
}

/// microsoft-azure 15.2.1 applies its team-namespace guard only when `[core] multi_team` is on: in an
/// ordinary deployment `team__key` is read as `…-team--key` for every kind.
#[tokio::test]
async fn keys_with_the_team_separator_are_read_without_multi_team() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-team--key", "team-var-value-7d2");
    fx.vault
        .put("airflow-config-team--key", "team-config-value-3c1");
    let backend = backend(&fx, json!({}));
    assert_variable(&backend, "team__key", "team-var-value-7d2").await;
    assert_found(
        &backend,
        SecretKind::Config,
        "team__key",
        "team-config-value-3c1",
    )
    .await;
    assert_absent(&backend, SecretKind::Connection, "a--b").await;
    assert_eq!(
        authorized_paths(&fx),
        [
            "/secrets/airflow-variables-team--key/",
            "/secrets/airflow-config-team--key/",
            "/secrets/airflow-connections-a--b/",
        ]
    );
    assert_logs_clean(&logs, &["team-var-value-7d2", "team-config-value-3c1"]);
}

/// With `[core] multi_team` on, a key whose name holds `--` is refused for every kind, config included,
/// with the provider's warning, and no request is sent.
#[tokio::test]
async fn multi_team_refuses_team_namespace_keys_of_every_kind_without_a_request() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-team--key", "team-var-value-7d2");
    fx.vault
        .put("airflow-config-team--key", "team-config-value-3c1");
    let backend = backend(&fx, json!({})).with_multi_team(true);
    for kind in SecretKind::ALL {
        for key in ["team__key", "team--key", "a_-b", "--x"] {
            assert_absent(&backend, kind, key).await;
        }
    }
    assert_eq!(fx.vault_server.request_count(), 0);
    let text = logs.contents();
    for words in [
        "Variable id \"team__key\" resolves to a name containing \"--\"",
        "Connection id \"team--key\"",
        "Configuration option id \"a_-b\"",
        "Such an id is ambiguous and is not looked up. Returning None.",
    ] {
        assert!(text.contains(words), "{words} not in the logs: {text}");
    }
    // A key without the separator is read as usual in multi-team mode.
    fx.vault
        .put("airflow-variables-plain-key", "plain-value-0a1");
    assert_variable(&backend, "plain_key", "plain-value-0a1").await;
    assert_eq!(
        authorized_paths(&fx),
        ["/secrets/airflow-variables-plain-key/"]
    );
    assert_logs_clean(
        &logs,
        &[
            "team-var-value-7d2",
            "team-config-value-3c1",
            "plain-value-0a1",
        ],
    );
}

/// microsoft-azure 15.2.1 checks the built name against `[0-9a-zA-Z-]{1,127}` and sends nothing for a name
/// that breaks it: a warning naming the name, `None`, no request (Key Vault would answer 400).
#[tokio::test]
async fn names_breaking_the_key_vault_rule_are_not_sent() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let backend = backend(&fx, json!({}));
    let bare = common::backend(&fx, json!({"variables_prefix": "", "sep": ""}));
    let long_key = "k".repeat(127 - "airflow-variables-".len() + 1);
    for key in [
        "a.b",
        "a b",
        "ключ",
        "a/b",
        "a%2Fb",
        "x\n",
        long_key.as_str(),
    ] {
        assert_absent(&backend, SecretKind::Variable, key).await;
    }
    assert_absent(&backend, SecretKind::Connection, "my.db").await;
    assert_absent(&backend, SecretKind::Config, "a:b").await;
    for key in ["", "_", "__", "."] {
        assert_absent(&bare, SecretKind::Variable, key).await;
    }
    assert_eq!(fx.vault_server.request_count(), 0);
    let text = logs.contents();
    for words in [
        "Secret name \"airflow-variables-a.b\" is not valid.",
        "Secret name \"airflow-connections-my.db\" is not valid.",
        "Secret name \"\" is not valid.",
        "must be 1-127 characters long and contain only alphanumeric characters and dashes",
    ] {
        assert!(text.contains(words), "{words} not in the logs: {text}");
    }
    // The longest valid name is sent.
    let longest = "k".repeat(127 - "airflow-variables-".len());
    assert_absent(&backend, SecretKind::Variable, &longest).await;
    assert_eq!(
        authorized_paths(&fx),
        [format!("/secrets/airflow-variables-{longest}/")]
    );
    assert_logs_clean(&logs, &[]);
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
    assert_says(
        &err,
        &[
            "403 Forbidden (Forbidden/AccessDenied)",
            "does not have secrets get permission",
            &format!("client id `{CLIENT_ID}`"),
        ],
    );
    // one challenge round trip, then one authorized request: 403 is final.
    assert_eq!(fx.vault_server.request_count(), 2);

    let err = expect_err(backend.get_variable("by_policy").await, &[]);
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert_says(&err, &["ForbiddenByPolicy"]);
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
    assert_says(
        &err,
        &[
            "secret `airflow-connections-old-db`",
            "the secret is disabled in Key Vault",
            "SecretDisabled",
        ],
    );
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn throttling_is_retried_a_bounded_number_of_times() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.always("airflow-variables-busy", throttled(0));
    let err = variable_err(&fx, json!({"retry_total": 2}), "busy", &[]).await;
    assert_eq!(unavailable(&err).attempts, 3, "1 try + 2 retries");
    assert_says(&err, &["429 Too Many Requests (Throttled)"]);
    assert_eq!(authorized_paths(&fx).len(), 3);
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
    assert_variable(&backend, "busy", "eventually-served-9d2").await;
    assert_eq!(authorized_paths(&fx).len(), 2);
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
    let Unavailable {
        attempts, location, ..
    } = unavailable(&err);
    assert_eq!(attempts, 2);
    assert!(location.contains(&fx.vault_url()), "{location}");
    assert_says(&err, &["503 Service Unavailable (ServiceUnavailable)"]);

    // 2 failures, but only 1 retry allowed.
    let err = expect_err(backend.get_variable("flaky").await, &[]);
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    // third request succeeds
    assert_variable(&backend, "flaky", "flaky-ok-value-51e").await;
    assert_logs_clean(&logs, &["flaky-ok-value-51e"]);
}

#[tokio::test]
async fn no_retries_when_retry_total_is_zero() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .always("airflow-variables-down", service_unavailable());
    let err = variable_err(&fx, json!({"retry_total": 0}), "down", &[]).await;
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
    let overrides = json!({"vault_url": url, "retry_total": 2, "retry_backoff_factor": 0.2});
    let err = variable_err(&fx, overrides, "x", &[]).await;
    let Unavailable {
        attempts,
        location,
        elapsed,
        ..
    } = unavailable(&err);
    assert_eq!(attempts, 3);
    assert!(location.contains(&url), "{location}");
    // Refused connections fail at once: the time is the back-off, plus a generous allowance for a loaded machine.
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert_says(&err, &["(3 attempt(s) in "]);
    assert_eq!(fx.token_requests(), 0);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn retry_after_is_honoured_only_up_to_retry_backoff_max() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    // An hour: honoured in full, the lookup would outlive the test (and its 120 s default `timeout`).
    fx.vault.always("airflow-variables-busy", throttled(3600));
    let overrides = json!({"retry_total": 1, "retry_backoff_max": 0.2});
    let err = variable_err(&fx, overrides, "busy", &[]).await;
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    assert_says(&err, &["429 Too Many Requests"]);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn the_lookup_timeout_bounds_every_attempt_and_back_off() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-warm", "warm-value-6b0");
    fx.vault
        .always("airflow-variables-down", service_unavailable());
    // Unbounded by the retry count alone (99 retries, the most allowed, of 2 s back-off); `timeout` ends it.
    let backend = backend(
        &fx,
        json!({"retry_total": 99, "retry_backoff_factor": 2, "retry_backoff_max": 2, "timeout": 1}),
    );
    assert!(backend.get_variable("warm").await.unwrap().is_some());
    let err = expect_err(backend.get_variable("down").await, &["warm-value-6b0"]);
    assert!((1..=2).contains(&unavailable(&err).attempts), "{err:?}");
    assert_says(&err, &["no answer within the lookup deadline of 1.00s"]);
    assert_logs_clean(&logs, &["warm-value-6b0"]);
}

#[tokio::test]
async fn the_test_certificate_is_trusted_only_through_connection_verify() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-v", "cert-test-value-77b");
    // System roots do not include the test CA: the TLS handshake fails and nothing is served.
    let overrides = json!({"connection_verify": true, "retry_total": 0});
    let err = variable_err(&fx, overrides, "v", &[]).await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(fx.vault_server.request_count(), 0);

    // `false` disables verification (Python's connection_verify=False).
    let backend = backend(&fx, json!({"connection_verify": false}));
    assert_variable(&backend, "v", "cert-test-value-77b").await;
    assert_logs_clean(&logs, &["cert-test-value-77b"]);
}

#[tokio::test]
async fn connection_verify_also_applies_to_token_requests() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    // A token endpoint signed by another CA: Key Vault is trusted, the token endpoint is not.
    let other_ca = airflow_secrets_azure_key_vault_mock::TestCa::new();
    let other_entra = MockServer::https(&other_ca, fx.entra.handler()).await;
    let overrides = json!({"authority_host": other_entra.url(), "retry_total": 0});
    let err = variable_err(&fx, overrides, "v", &[]).await;
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
    let overrides = json!({"verify_challenge_resource": true});
    let err = variable_err(&fx, overrides, "v", &[]).await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert_says(
        &err,
        &[
            "verify_challenge_resource",
            "doesn't match the requested domain '127.0.0.1'",
        ],
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
    let overrides = json!({"client_secret": "wrong-secret-value"});
    let err = variable_err(&fx, overrides, "v", &["wrong-secret-value"]).await;
    let Error::Authentication { location, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        location.contains(&format!("tenant `{TENANT_ID}`")),
        "{location}"
    );
    assert_says(&err, &["AADSTS7000215"]);
    assert!(!err.to_string().contains("wrong-secret-value"), "{err}");
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
    let overrides = json!({"vault_url": format!("{}/", strict_server.url())});
    let err = variable_err(&fx, overrides, "v", &["another-token"]).await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert_says(
        &err,
        &[
            "Key Vault rejected the token: 401 Unauthorized (Unauthorized)",
            "AKV10022",
        ],
    );
    assert_logs_clean(&logs, &["another-token"]);
}

/// The backend for `kwargs` in an environment holding only `AZURE_AUTHORITY_HOST=<host>`.
fn with_authority_host(kwargs: &Map<String, Value>, host: &str) -> AzureKeyVaultBackend {
    AzureKeyVaultBackend::from_kwargs(kwargs)
        .unwrap()
        .with_environment(EnvSnapshot::from_vars(
            HONOURED,
            [("AZURE_AUTHORITY_HOST", host)],
        ))
}

#[tokio::test]
async fn authority_host_comes_from_the_kwarg_then_azure_authority_host() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-v", "authority-value-c40");
    let dead = format!("https://127.0.0.1:{}", free_port());

    // No kwarg: AZURE_AUTHORITY_HOST from the (explicit) environment.
    let kwargs = fx.kwargs_with(json!({"authority_host": null}));
    let backend = with_authority_host(&kwargs, &fx.entra_server.url());
    assert_variable(&backend, "v", "authority-value-c40").await;
    assert_eq!(fx.token_requests(), 1);

    // The kwarg wins over the variable.
    let backend = with_authority_host(&fx.kwargs(), &dead);
    assert_variable(&backend, "v", "authority-value-c40").await;
    assert_eq!(fx.token_requests(), 2);

    // An http AZURE_AUTHORITY_HOST is refused before anything is sent.
    let backend = with_authority_host(&kwargs, "http://127.0.0.1:1");
    let err = expect_err(backend.get_variable("v").await, &["authority-value-c40"]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert_says(&err, &["AZURE_AUTHORITY_HOST must use https"]);
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
    assert_says(&err, &["without a `value`"]);
    let err = expect_err(
        backend.get_variable("badjson").await,
        &["MUST-NOT-LEAK-ARRAY"],
    );
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(!err.to_string().contains("MUST-NOT-LEAK"), "{err}");
    assert_logs_clean(&logs, &["MUST-NOT-LEAK-ARRAY"]);
}

#[tokio::test]
async fn api_version_is_passed_through() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    let err = variable_err(&fx, json!({"api_version": "7.4"}), "v", &[]).await;
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_says(&err, &["The specified version (7.4) is not recognized"]);
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
    assert_variable(&backend, "MyKey", "case-value-2f9").await;
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
    assert_eq!(no_env().get("PATH"), None);
}

/// A lookup for a team (multi-team deployments) reads the team's name first
/// (`airflow-variables-team-a--my-key`), then the shared one; config keys have no team (15.2.1).
#[tokio::test]
async fn a_team_reads_its_own_secret_first_then_the_shared_one() {
    let logs = logs();
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-team-a--my-key", "team-a-value-81c");
    fx.vault.put("airflow-variables-my-key", "shared-value-81c");
    fx.vault.put("airflow-config-my-key", "config-value-81c");
    let backend = backend(&fx, json!({})).with_multi_team(true);
    let get = |kind, team| {
        let backend = &backend;
        async move {
            backend
                .get_for_team(kind, "my_key", team)
                .await
                .unwrap()
                .map(|v| v.expose().to_owned())
        }
    };
    assert_eq!(
        get(SecretKind::Variable, Some("team_a")).await.as_deref(),
        Some("team-a-value-81c")
    );
    assert_eq!(
        get(SecretKind::Variable, Some("team_b")).await.as_deref(),
        Some("shared-value-81c")
    );
    assert_eq!(
        get(SecretKind::Variable, None).await.as_deref(),
        Some("shared-value-81c")
    );
    assert_eq!(
        get(SecretKind::Config, Some("team_a")).await.as_deref(),
        Some("config-value-81c")
    );
    assert_eq!(get(SecretKind::Connection, Some("team_a")).await, None);
    assert_eq!(
        authorized_paths(&fx),
        [
            "/secrets/airflow-variables-team-a--my-key/",
            "/secrets/airflow-variables-team-b--my-key/",
            "/secrets/airflow-variables-my-key/",
            "/secrets/airflow-variables-my-key/",
            "/secrets/airflow-config-my-key/",
            "/secrets/airflow-connections-team-a--my-key/",
            "/secrets/airflow-connections-my-key/",
        ]
    );
    assert_eq!(
        backend
            .team_secret_name(SecretKind::Connection, "team_a", "my_key")
            .as_deref(),
        Some("airflow-connections-team-a--my-key")
    );
    assert_eq!(
        backend.team_secret_name(SecretKind::Config, "team_a", "my_key"),
        None
    );
    assert_logs_clean(
        &logs,
        &["team-a-value-81c", "shared-value-81c", "config-value-81c"],
    );
}
