//! The token lifecycle: one shared lazy login, renew-self before expiry, a new login when it cannot.

use std::sync::Arc;
use std::time::Duration;

use airflow_secrets_core::SecretsBackend;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

async fn mount_any_read(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_lookups_share_one_login() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(
            auth_response("s.sharedToken", 3600, true).set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("X-Vault-Token", "s.sharedToken"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .expect(16)
        .mount(&server)
        .await;
    let vault = Arc::new(approle(&server));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let vault = vault.clone();
            tokio::spawn(async move { vault.get_variable("v").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().unwrap().expose(), VALUE);
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_renewable_token_is_renewed_after_two_thirds_of_its_lease() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.renewableToken", 6, true))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/token/renew-self"))
        .and(header("X-Vault-Token", "s.renewableToken"))
        .respond_with(auth_response("s.renewableToken", 6, true))
        .expect(1)
        .mount(&server)
        .await;
    mount_any_read(&server).await;
    let vault = approle(&server);
    vault.get_variable("v").await.unwrap().unwrap();
    // Past 4 s (2/3 of the 6 s lease) and, with a wide margin for a loaded machine, before 6 s.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    vault.get_variable("v").await.unwrap().unwrap();
    vault.get_variable("v").await.unwrap().unwrap(); // freshly renewed: no further call
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_expired_token_is_replaced_by_a_new_login_not_renewed() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.shortToken", 1, true))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/token/renew-self"))
        .respond_with(auth_response("s.shortToken", 1, true))
        .expect(0)
        .mount(&server)
        .await;
    mount_any_read(&server).await;
    let vault = approle(&server);
    vault.get_variable("v").await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    vault.get_variable("v").await.unwrap().unwrap();
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_non_renewable_token_is_replaced_before_it_expires() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.batchToken", 3, false))
        .expect(2)
        .mount(&server)
        .await;
    mount_any_read(&server).await;
    let vault = approle(&server);
    vault.get_variable("v").await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    vault.get_variable("v").await.unwrap().unwrap();
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_failed_renewal_falls_back_to_a_new_login() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.renewableToken", 6, true))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/token/renew-self"))
        .respond_with(vault_error(403, &["permission denied"]))
        .expect(1)
        .mount(&server)
        .await;
    mount_any_read(&server).await;
    let vault = approle(&server);
    vault.get_variable("v").await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(4500)).await;
    vault.get_variable("v").await.unwrap().unwrap();
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_inline_token_with_a_ttl_is_renewed_too() {
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/auth/token/lookup-self"))
        .respond_with(lookup_self_response(6, true))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/token/renew-self"))
        .and(header("X-Vault-Token", TOKEN))
        .respond_with(auth_response(TOKEN, 6, true))
        .expect(1)
        .mount(&server)
        .await;
    mount_any_read(&server).await;
    let vault = backend(&token_kwargs(&server, json!({})));
    vault.get_variable("v").await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(4500)).await;
    vault.get_variable("v").await.unwrap().unwrap();
    logs.assert_free_of(SUITE_SECRETS);
}
