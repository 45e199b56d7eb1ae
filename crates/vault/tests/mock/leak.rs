//! Secrets never reach Debug output, error messages or log lines: one exchange that touches every
//! path where a secret could slip out. (Every other test of the suite ends with the same checks.)

use std::io::Write;
use std::sync::{Arc, Mutex};

use airflow_secrets_core::SecretsBackend;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

/// A scoped (this thread only) capture, for the test that checks what is logged at INFO and above.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[test]
fn debug_of_backends_built_with_secrets_shows_none() {
    let logs = logs();
    let (private_pem, _) = crate::keys::rsa_pem_pair();
    let all = [
        json!({ "auth_type": "token", "token": "InLiNe-ToKeN-c0de" }),
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "SeCrEt-ID-7f3a" }),
        json!({ "auth_type": "userpass", "username": "u", "password": "PaSsWoRd-19c2" }),
        json!({ "auth_type": "ldap", "username": "u", "password": "PaSsWoRd-19c2" }),
        json!({ "auth_type": "github", "token": "InLiNe-ToKeN-c0de" }),
        json!({ "auth_type": "jwt", "jwt_role": "r", "jwt_token": "InLiNe-ToKeN-c0de" }),
        json!({ "auth_type": "aws_iam", "key_id": "AKID", "secret_id": "AwS-SeCrEt-Key-9e4c" }),
        json!({ "auth_type": "gcp", "role_id": "r", "gcp_scopes": "s", "gcp_keyfile_dict": { "private_key": private_pem, "client_email": "e" } }),
        json!({ "token": "t", "proxies": { "https": "http://user:PaSsWoRd-19c2@proxy:3128" } }),
    ];
    for kwargs in all {
        let vault = backend(&merge(json!({ "url": "http://127.0.0.1:1" }), kwargs));
        let debug = format!("{vault:?} {:#?}", vault.config());
        assert_no_secret(&debug, &[pem_body_line(&private_pem)]);
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        assert!(debug.contains("VaultBackend"), "{debug}");
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn errors_and_logs_of_a_full_exchange_show_no_secret() {
    let logs = logs();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response("s.IsSuEd-ToKeN-55aa", 3600, true))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/ok"))
        .respond_with(kv2(json!({ "value": "StOrEd-VaLuE-0b1d" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/no_value"))
        .respond_with(kv2(json!({ "other": "StOrEd-VaLuE-0b1d" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/denied"))
        .respond_with(vault_error(403, &["permission denied"]))
        .mount(&server)
        .await;
    // A 200 whose shape is wrong, with the stored value inside.
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/odd"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "data": "StOrEd-VaLuE-0b1d", "metadata": 5 } })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/connections/c"))
        .respond_with(kv2(json!({ "conn_type": "postgres", "password": "StOrEd-VaLuE-0b1d", "port": "not a port" })))
        .mount(&server)
        .await;
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "SeCrEt-ID-7f3a" }),
    ));
    let value = vault.get_variable("ok").await.unwrap().unwrap();
    assert_eq!(value.expose(), "StOrEd-VaLuE-0b1d");
    assert_no_secret(&format!("{value:?} {value}"), &[]);
    assert!(vault.get_variable("no_value").await.unwrap().is_none());
    for key in ["denied", "odd"] {
        vault.get_variable(key).await.clean_err();
    }
    vault.get_connection("c").await.clean_err();
    // A rejected login with the secret in the request.
    let bad = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(vault_error(400, &["invalid role or secret ID"]))
        .mount(&bad)
        .await;
    let vault = backend(&kwargs(
        &bad,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": "SeCrEt-ID-7f3a" }),
    ));
    vault.get_variable("x").await.clean_err();

    let text = logs.contents();
    assert!(
        text.contains("fetched but does not have required key"),
        "the warning is logged"
    );
    assert!(
        text.contains("TRACE"),
        "trace logging was captured ({} bytes)",
        text.len()
    );
    logs.assert_free_of(SUITE_SECRETS);
}

/// A key that is simply not in Vault is the common case of Airflow's lookup chain: it must not log at
/// INFO or above (vaultrs' KV functions log three ERROR events per 404, which is why reads bypass them).
#[tokio::test]
async fn not_found_lookups_log_nothing_at_info_or_above() {
    let logs = logs();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(auth_response(ISSUED, 3600, true))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/absent"))
        .respond_with(vault_error(404, &[]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/deleted"))
        .respond_with(kv2_deleted())
        .mount(&server)
        .await;
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID }),
    ));
    assert!(vault.get_variable("absent").await.unwrap().is_none());
    assert!(vault.get_variable("deleted").await.unwrap().is_none());
    let info = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert_eq!(info, "", "not-found lookups logged:\n{info}");
    logs.assert_free_of(SUITE_SECRETS);
}
