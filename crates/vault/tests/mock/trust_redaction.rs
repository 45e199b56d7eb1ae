//! Trust items 14, 7 and 6: serde messages are cut by the core's one redaction, URL userinfo is
//! masked wherever a URL is shown, and no Debug of a vault type prints a credential.

use airflow_secrets_core::SecretsBackend;
use airflow_secrets_vault::{EnvSnapshot, HONOURED, VaultBackend};
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::header;

use crate::common::*;

const SERDE_PLANT: &str = "PlAnTeD-SeRdE-9a1f";
const USERINFO_PASSWORD: &str = "UsErInFo-PaSs-3c9d";
const PROXY_PASSWORD: &str = "PrOxY-PaSs-71b0";
const EXTERNAL_ID: &str = "ExTeRnAl-Id-4e2a";
const ENV_TOKEN: &str = "s.EnV-ToKeN-93b1";

/// A value quoted by serde that itself holds `, expected ` must not survive (the old vault copy of the
/// redaction split at the first one).
#[tokio::test]
async fn trust_14_serde_messages_never_show_a_planted_value() {
    let logs = logs();
    let server = MockServer::start().await;
    let body = json!({ "auth": { "client_token": ISSUED, "accessor": "a", "policies": [],
        "token_policies": [], "metadata": null, "renewable": true, "entity_id": "",
        "token_type": "service", "orphan": true, "lease_duration": format!("x, expected {SERDE_PLANT}") },
        "data": null, "lease_duration": 0, "renewable": false, "lease_id": "", "warnings": null });
    let answer = wiremock::ResponseTemplate::new(200).set_body_json(body);
    mount_any(&server, approle_login(), answer).await;
    let err = approle(&server).get_variable("v").await.clean_err();
    assert_no_secret(&format!("{err} {err:?}"), &[SERDE_PLANT]);
    assert!(err.to_string().contains("expected u64"), "{err}");
    logs.assert_free_of(&[SERDE_PLANT]);
}

fn with_userinfo(server: &MockServer) -> String {
    server.uri().replacen(
        "http://",
        &format!("http://vaultuser:{USERINFO_PASSWORD}@"),
        1,
    )
}

/// `url` with a password: errors (a denied read, a refused login, an unreachable server) and logs
/// show `http://***@host`.
#[tokio::test]
async fn trust_07_url_userinfo_is_masked_in_errors_and_logs() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_any(&server, approle_login(), auth_response(ISSUED, 3600, true)).await;
    let denied = vault_error(403, &["permission denied"]);
    mount_any(&server, read_variable("denied"), denied).await;
    let url = with_userinfo(&server);
    let approle = json!({ "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID });
    let vault = backend(&merge(json!({ "url": url }), approle.clone()));
    let denied = vault.get_variable("denied").await.clean_err();
    let refused = {
        let port = airflow_secrets_testkit::free_port();
        let url = format!("http://vaultuser:{USERINFO_PASSWORD}@127.0.0.1:{port}");
        let vault = backend(&merge(
            json!({ "url": url, "max_retries": 0 }),
            approle.clone(),
        ));
        vault.get_variable("v").await.clean_err()
    };
    let rejected = {
        let server = MockServer::start().await;
        mount_any(
            &server,
            approle_login(),
            vault_error(400, &["invalid role ID"]),
        )
        .await;
        let vault = backend(&merge(json!({ "url": with_userinfo(&server) }), approle));
        vault.get_variable("v").await.clean_err()
    };
    for err in [&denied, &refused, &rejected] {
        let text = format!("{err} {err:?}");
        assert_no_secret(&text, &[USERINFO_PASSWORD]);
        assert!(text.contains("http://***@127.0.0.1:"), "{text}");
    }
    let debug = format!("{vault:?}");
    assert_no_secret(&debug, &[USERINFO_PASSWORD]);
    logs.assert_free_of(&[USERINFO_PASSWORD]);
}

/// Every credential and environment field holds a planted secret; no Debug of the backend or its
/// configuration shows one, before or after a lookup.
#[tokio::test]
async fn trust_06_debug_of_backends_never_prints_planted_secrets() {
    let logs = logs();
    let planted = [
        USERINFO_PASSWORD,
        PROXY_PASSWORD,
        EXTERNAL_ID,
        ENV_TOKEN,
        "baseSecret-61c0",
        "envSessionToken",
    ];
    let assert_debug_clean = |vault: &VaultBackend| {
        let text = format!(
            "{vault:?}\n{vault:#?}\n{:?}\n{:#?}",
            vault.config(),
            vault.config()
        );
        assert_no_secret(&text, &planted);
        assert!(text.contains("***@"), "{text}");
    };
    let server = MockServer::start().await;
    let read = read_variable("v").and(header("X-Vault-Token", ENV_TOKEN));
    mount_any(&server, read, kv2(json!({ "value": VALUE }))).await;
    mount_any(&server, lookup_self(), lookup_self_response(0, false)).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("VAULT_ADDR", with_userinfo(&server)),
            ("VAULT_TOKEN", ENV_TOKEN.to_owned()),
        ],
    );
    let proxies =
        json!({ "proxies": { "https": format!("http://p:{PROXY_PASSWORD}@127.0.0.1:9") } });
    let vault = VaultBackend::from_kwargs_with_env(proxies.as_object().unwrap(), &env).unwrap();
    assert_debug_clean(&vault);
    assert_no_secret(&format!("{env:?} {env:#?}"), &planted);
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    assert_debug_clean(&vault);

    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            (
                "VAULT_ADDR",
                format!("http://u:{USERINFO_PASSWORD}@127.0.0.1:1"),
            ),
            ("AWS_ACCESS_KEY_ID", "AKIDBASE".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "baseSecret-61c0".to_owned()),
            ("AWS_SESSION_TOKEN", "envSessionToken".to_owned()),
            (
                "AWS_ENDPOINT_URL_STS",
                format!("http://s:{USERINFO_PASSWORD}@127.0.0.1:2"),
            ),
        ],
    );
    let kwargs = json!({ "auth_type": "aws_iam", "assume_role_kwargs": { "RoleArn": "arn:aws:iam::1:role/r",
        "RoleSessionName": "s", "ExternalId": EXTERNAL_ID } });
    let vault = VaultBackend::from_kwargs_with_env(kwargs.as_object().unwrap(), &env).unwrap();
    assert_debug_clean(&vault);
    assert_no_secret(&format!("{env:?} {env:#?}"), &planted);
    logs.assert_free_of(&planted);
}
