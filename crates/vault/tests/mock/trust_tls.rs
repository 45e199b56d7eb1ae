//! Trust item 4: Vault's TLS settings stay with Vault. The `sts:AssumeRole` call has its own client
//! (default verification, no Vault proxies or client certificate); only `false` disables verification,
//! with a warning.

use std::io::Write;
use std::sync::{Arc, Mutex};

use airflow_secrets_core::SecretsBackend;
use airflow_secrets_testkit::tls::{TestCa, TlsFront};
use airflow_secrets_vault::{EnvSnapshot, HONOURED, VaultBackend, Verify};
use serde_json::{Value, json};
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// A thread-scoped capture of formatted events.
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

fn build(kwargs: Value) -> Result<VaultBackend, airflow_secrets_core::Error> {
    VaultBackend::from_kwargs_with_env(
        &merge(
            json!({ "url": "https://127.0.0.1:1", "token": TOKEN }),
            kwargs,
        ),
        &EnvSnapshot::empty(),
    )
}

#[test]
fn trust_04_boolean_looking_verify_strings_are_ca_paths_and_fail_closed() {
    let logs = logs();
    for text in ["0", "no", "off", "No", "OFF"] {
        let err = build(json!({ "verify": text })).clean_err();
        let message = err.to_string();
        assert!(message.contains("kwarg `verify`"), "{message}");
        assert!(message.contains("path of a CA bundle"), "{message}");
    }
    for off in [json!(false), json!("false"), json!("False"), json!("FALSE")] {
        let vault = build(json!({ "verify": off })).unwrap();
        assert_eq!(vault.config().verify, Verify::No, "{off}");
    }
    for on in [json!(true), json!("true"), json!("True")] {
        assert_eq!(
            build(json!({ "verify": on })).unwrap().config().verify,
            Verify::Yes
        );
    }
    logs.assert_free_of(SUITE_SECRETS);
}

/// Only the exact strings `false`/`true` (any case) are booleans: `" false"` with a space (a typo in an
/// environment override) is a CA bundle path like any other string, and fails closed at the first
/// lookup (no such file), instead of silently disabling verification.
#[tokio::test]
async fn trust_04_padded_boolean_strings_are_ca_paths_not_booleans() {
    let logs = logs();
    for text in [" false", "false ", "\tfalse", " FALSE ", "false\n", " true"] {
        let vault = build(json!({ "verify": text })).unwrap();
        assert_eq!(
            vault.config().verify,
            Verify::CaBundle(text.into()),
            "{text:?}"
        );
        let err = vault.get_variable("v").await.clean_err();
        let message = err.to_string();
        assert!(message.contains("kwarg `verify`"), "{text:?}: {message}");
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn trust_04_disabling_verification_warns_naming_the_backend() {
    let logs = logs();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    build(json!({ "verify": true })).unwrap();
    let quiet = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert_eq!(quiet, "", "verification on: nothing to warn about");
    build(json!({ "verify": false })).unwrap();
    drop(guard);
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("VaultBackend"), "{text}");
    assert!(text.contains("verification"), "{text}");
    logs.assert_free_of(SUITE_SECRETS);
}

const ASSUMED: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult><Credentials>
    <AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumedSecret</SecretAccessKey>
    <SessionToken>assumedSessionToken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>
  </Credentials></AssumeRoleResult>
</AssumeRoleResponse>"#;

/// Mounts the AssumeRole answer on `sts`.
async fn mount_sts(sts: &MockServer) {
    let assume = Mock::given(method("POST")).and(body_string_contains("Action=AssumeRole"));
    let answer = ResponseTemplate::new(200).set_body_raw(ASSUMED, "text/xml");
    mount_any(sts, assume, answer).await;
}

/// aws_iam with `assume_role_kwargs`, base keys and the STS endpoint from the environment.
fn aws_backend(vault_url: &str, sts_url: &str, extra: Value) -> VaultBackend {
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AWS_ACCESS_KEY_ID", "AKIDBASE"),
            ("AWS_SECRET_ACCESS_KEY", "baseSecret-61c0"),
            ("AWS_ENDPOINT_URL_STS", sts_url),
        ],
    );
    let kwargs = merge(
        json!({ "url": vault_url, "auth_type": "aws_iam", "max_retries": 0, "assume_role_kwargs":
            { "RoleArn": "arn:aws:iam::123456789012:role/vault", "RoleSessionName": "airflow" } }),
        extra,
    );
    VaultBackend::from_kwargs_with_env(&kwargs, &env).unwrap()
}

/// `proxies` are Vault's: the proxy (which here is also the Vault server, answering proxied requests)
/// sees the Vault requests, STS is called directly.
#[tokio::test]
async fn trust_04_sts_does_not_go_through_the_vault_proxies() {
    let logs = logs();
    let proxy_and_vault = MockServer::start().await;
    let sts = MockServer::start().await;
    mount_sts(&sts).await;
    mount_sts(&proxy_and_vault).await;
    let login = auth_response(ISSUED, 3600, true);
    mount_any(&proxy_and_vault, post_to("/v1/auth/aws/login"), login).await;
    mount_any(
        &proxy_and_vault,
        read_variable("v"),
        kv2(json!({ "value": VALUE })),
    )
    .await;
    let vault = aws_backend(
        &proxy_and_vault.uri(),
        &sts.uri(),
        json!({ "proxies": { "http": proxy_and_vault.uri() } }),
    );
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
    let proxied = requests(&proxy_and_vault).await;
    assert!(
        proxied.contains(&"POST /v1/auth/aws/login".to_owned()),
        "{proxied:?}"
    );
    assert!(
        !proxied.contains(&"POST /".to_owned()),
        "STS went through the proxy: {proxied:?}"
    );
    assert_eq!(requests(&sts).await, ["POST /"]);
    logs.assert_free_of(SUITE_SECRETS);
}

/// `verify: false` is for Vault: the STS endpoint, behind a certificate no default root trusts, is
/// refused, and receives nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_04_sts_verifies_tls_even_with_verify_false() {
    let logs = logs();
    // A certificate for 127.0.0.1 signed by a throw-away CA, which no default root store trusts.
    let ca = TestCa::new();
    let vault_server = MockServer::start().await;
    let sts = MockServer::start().await;
    mount_sts(&sts).await;
    let login = auth_response(ISSUED, 3600, true);
    mount_any(&vault_server, post_to("/v1/auth/aws/login"), login).await;
    mount_any(
        &vault_server,
        read_variable("v"),
        kv2(json!({ "value": VALUE })),
    )
    .await;
    let vault_front = TlsFront::start(&ca, *vault_server.address()).await;
    let sts_front = TlsFront::start(&ca, *sts.address()).await;
    let vault = aws_backend(
        &vault_front.url(),
        &sts_front.url(),
        json!({ "verify": false }),
    );
    let err = vault.get_variable("v").await.clean_err();
    assert!(err.to_string().contains("sts:AssumeRole"), "{err}");
    assert_eq!(
        requests(&sts).await,
        Vec::<String>::new(),
        "STS skipped verification"
    );
    assert!(
        !requests(&vault_server)
            .await
            .contains(&"GET /v1/secret/data/variables/v".to_owned()),
        "no read without a login"
    );
    logs.assert_free_of(SUITE_SECRETS);
}
