//! Trust item 10: a token is checked before it becomes an `X-Vault-Token` header (from a login, a
//! renewal, the kwargs or a file), and every number that becomes a Duration or an instant is bounded.

use std::time::Duration;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_vault::{RetryConfig, TokenSource, VaultAuth, VaultBackend, VaultConfig};
use serde_json::json;
use wiremock::MockServer;

use crate::common::*;

/// Tokens no Vault issues and no header can carry (a header with a control byte cannot even be built).
const BAD_TOKENS: &[&str] = &[
    "s.bad\u{1}token",
    "s.bad\ntoken",
    "s.b\u{e9}d",
    "s.bad token",
    "",
];

#[tokio::test]
async fn trust_10_an_unusable_token_from_a_login_is_an_authentication_error() {
    let logs = logs();
    for bad in BAD_TOKENS {
        let server = MockServer::start().await;
        mount_any(&server, approle_login(), auth_response(bad, 3600, true)).await;
        mount_any(&server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
        let err = approle(&server).get_variable("v").await.clean_err();
        let Error::Authentication { problem, .. } = &err else {
            panic!("{bad:?}: {err:?}")
        };
        assert!(problem.contains("not a usable Vault token"), "{problem}");
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad), "the token is echoed: {err}");
        }
        assert!(
            !requests(&server).await.iter().any(|r| r.starts_with("GET")),
            "{bad:?}"
        );
    }
    logs.assert_free_of(SUITE_SECRETS);
}

/// A renewal answering an unusable token is refused like a failed renewal: a new login follows.
#[tokio::test]
async fn trust_10_an_unusable_token_from_a_renewal_is_refused() {
    let logs = logs();
    let server = MockServer::start().await;
    // A 3 s lease: renewal is due after 2 s, while the token is still valid.
    mount_expect(&server, approle_login(), auth_response(ISSUED, 3, true), 2).await;
    mount_expect(
        &server,
        renew_self(),
        auth_response("s.bad\u{1}renew", 3, true),
        1,
    )
    .await;
    mount_any(&server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
    let vault = approle(&server);
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_10_an_unusable_token_file_is_an_authentication_error() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_any(&server, lookup_self(), lookup_self_response(0, false)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "s.t\u{f6}ken\n").unwrap();
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "token", "token_path": file.to_str().unwrap() }),
    ));
    let err = vault.get_variable("v").await.clean_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string().contains("not a usable Vault token"),
        "{err}"
    );
    assert_eq!(requests(&server).await, Vec::<String>::new());
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn trust_10_unusable_configured_tokens_are_refused_at_construction() {
    let logs = logs();
    for bad in ["s.b\u{e9}d", "s.bad token"] {
        let kwargs = json!({ "url": "http://127.0.0.1:1", "token": bad });
        let err = airflow_secrets_vault::VaultBackend::from_kwargs_with_env(
            kwargs.as_object().unwrap(),
            &airflow_secrets_vault::EnvSnapshot::empty(),
        )
        .clean_err();
        assert!(err.to_string().contains("kwarg `token`"), "{err}");
    }
    let typed = VaultConfig::new(
        "http://127.0.0.1:1",
        VaultAuth::Token(TokenSource::Literal("s.bad\ntoken".into())),
    );
    let err = VaultBackend::new(typed).clean_err();
    assert!(err.to_string().contains("kwarg `token`"), "{err}");
    logs.assert_free_of(SUITE_SECRETS);
}

/// `lease_duration` and `ttl` near `u64::MAX` are clamped, not added to an instant.
#[tokio::test]
async fn trust_10_absurd_leases_from_the_server_are_clamped() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_any(
        &server,
        approle_login(),
        auth_response(ISSUED, u64::MAX, true),
    )
    .await;
    mount_any(&server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
    assert_eq!(
        approle(&server)
            .get_variable("v")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        VALUE
    );

    let server = MockServer::start().await;
    mount_any(&server, lookup_self(), lookup_self_response(u64::MAX, true)).await;
    mount_any(&server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
    let vault = backend(&token_kwargs(&server, json!({})));
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn trust_10_durations_from_the_configuration_are_bounded() {
    let logs = logs();
    for timeout in [json!(86_401), json!([1, 1e12]), json!("1e300"), json!(-1)] {
        let kwargs = json!({ "url": "http://127.0.0.1:1", "token": TOKEN, "timeout": timeout });
        let err = airflow_secrets_vault::VaultBackend::from_kwargs_with_env(
            kwargs.as_object().unwrap(),
            &airflow_secrets_vault::EnvSnapshot::empty(),
        )
        .clean_err();
        assert!(
            err.to_string().contains("kwarg `timeout`"),
            "{timeout}: {err}"
        );
    }
    let token = || VaultAuth::Token(TokenSource::Literal(TOKEN.into()));
    let mut typed = VaultConfig::new("http://127.0.0.1:1", token());
    typed.timeout.read = Some(Duration::MAX);
    let err = VaultBackend::new(typed).clean_err();
    assert!(err.to_string().contains("kwarg `timeout`"), "{err}");
    let mut typed = VaultConfig::new("http://127.0.0.1:1", token());
    typed.retry = RetryConfig {
        max_retries: 3,
        backoff_factor: f64::NAN,
    };
    let err = VaultBackend::new(typed).clean_err();
    assert!(
        err.to_string().contains("kwarg `retry_backoff_factor`"),
        "{err}"
    );
    let mut typed = VaultConfig::new("http://127.0.0.1:1", token());
    typed.retry.max_retries = u32::MAX;
    let err = VaultBackend::new(typed).clean_err();
    assert!(err.to_string().contains("kwarg `max_retries`"), "{err}");
    logs.assert_free_of(SUITE_SECRETS);
}
