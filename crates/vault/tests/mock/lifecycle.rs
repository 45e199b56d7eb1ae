//! The token lifecycle: one shared lazy login, renew-self before expiry, a new login when it cannot.

use std::time::Duration;

use airflow_secrets_core::SecretsBackend;
use airflow_secrets_vault::VaultBackend;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::header;

use crate::common::*;

async fn mount_any_read(server: &MockServer) {
    mount_any(server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
}

/// Reads variable `v`, waits `pause`, and reads it again: the second read is the one that finds the
/// token due for renewal (or expired).
async fn read_then_again_after(vault: &VaultBackend, pause: Duration) {
    vault.get_variable("v").await.unwrap().unwrap();
    tokio::time::sleep(pause).await;
    vault.get_variable("v").await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_lookups_share_one_login() {
    let logs = logs();
    let server = MockServer::start().await;
    let slow_login =
        auth_response("s.sharedToken", 3600, true).set_delay(Duration::from_millis(200));
    mount_expect(&server, approle_login(), slow_login, 1).await;
    let read = kv2(json!({ "value": VALUE }));
    mount_expect(&server, get_with_token("s.sharedToken"), read, 16).await;
    assert_concurrent_reads_return_value(approle(&server), 16).await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_renewable_token_is_renewed_after_two_thirds_of_its_lease() {
    let logs = logs();
    let server = MockServer::start().await;
    let token = auth_response("s.renewableToken", 6, true);
    mount_expect(&server, approle_login(), token.clone(), 1).await;
    let renew = renew_self().and(header("X-Vault-Token", "s.renewableToken"));
    mount_expect(&server, renew, token, 1).await;
    mount_any_read(&server).await;
    let vault = approle(&server);
    // Past 4 s (2/3 of the 6 s lease) and, with a wide margin for a loaded machine, before 6 s.
    read_then_again_after(&vault, Duration::from_millis(4500)).await;
    vault.get_variable("v").await.unwrap().unwrap(); // freshly renewed: no further call
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_expired_token_is_replaced_by_a_new_login_not_renewed() {
    let logs = logs();
    let server = MockServer::start().await;
    let token = auth_response("s.shortToken", 1, true);
    mount_expect(&server, approle_login(), token.clone(), 2).await;
    mount_expect(&server, renew_self(), token, 0).await;
    mount_any_read(&server).await;
    read_then_again_after(&approle(&server), Duration::from_millis(1300)).await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_non_renewable_token_is_replaced_before_it_expires() {
    let logs = logs();
    let server = MockServer::start().await;
    let token = auth_response("s.batchToken", 3, false);
    mount_expect(&server, approle_login(), token, 2).await;
    mount_any_read(&server).await;
    read_then_again_after(&approle(&server), Duration::from_millis(2200)).await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_failed_renewal_falls_back_to_a_new_login() {
    let logs = logs();
    let server = MockServer::start().await;
    let token = auth_response("s.renewableToken", 6, true);
    mount_expect(&server, approle_login(), token, 2).await;
    let denied = vault_error(403, &["permission denied"]);
    mount_expect(&server, renew_self(), denied, 1).await;
    mount_any_read(&server).await;
    read_then_again_after(&approle(&server), Duration::from_millis(4500)).await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn an_inline_token_with_a_ttl_is_renewed_too() {
    let logs = logs();
    let server = MockServer::start().await;
    let lookup = lookup_self_response(6, true);
    mount_expect(&server, lookup_self(), lookup, 1).await;
    let renew = renew_self().and(header("X-Vault-Token", TOKEN));
    mount_expect(&server, renew, auth_response(TOKEN, 6, true), 1).await;
    mount_any_read(&server).await;
    let vault = backend(&token_kwargs(&server, json!({})));
    read_then_again_after(&vault, Duration::from_millis(4500)).await;
    logs.assert_free_of(SUITE_SECRETS);
}
