//! Shared helpers: kwargs against a wiremock server, Vault's real response shapes (copied from an
//! OpenBao 2.x dev server), and the leak checks every test ends with.
//!
//! Every test starts with `let logs = logs();` (a TRACE subscriber capturing every event of this test
//! binary) and ends with `logs.assert_free_of(SUITE_SECRETS)`; every error a test provokes goes through
//! [`CleanErr::clean_err`], which checks its Display and Debug. Because the capture is shared by the
//! tests running in parallel, each check covers every credential and stored value of the whole suite,
//! which is why they are all distinctive strings listed in [`SUITE_SECRETS`].

use std::fmt::Debug;

use airflow_secrets_core::Error;
use airflow_secrets_core::kwargs::Kwargs;
pub use airflow_secrets_testkit::logs::Logs;
use airflow_secrets_vault::{VaultBackend, VaultEnv};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The token the `token` auth of [`token_kwargs`] uses.
pub const TOKEN: &str = "s.mockRootToken";
/// The token the mocked logins issue.
pub const ISSUED: &str = "s.issuedByLogin";
/// The AppRole secret ID of the suite.
pub const SECRET_ID: &str = "secret-id-7f3a9c";
/// The password of the userpass/ldap/radius logins.
pub const PASSWORD: &str = "password-19c2b7";
/// The value most mocked secrets store.
pub const VALUE: &str = "stored-value-0b1d44";

/// Every credential and stored secret value the mock suite hands to the backend or serves from a mock.
/// None of them may appear in a log line, an error's Display or Debug, or a Debug of the backend.
pub const SUITE_SECRETS: &[&str] = &[
    TOKEN,
    ISSUED,
    SECRET_ID,
    PASSWORD,
    VALUE,
    // auth.rs
    "ghp_example-4d1e",
    "eyJhbGciOi.k8s.jwt",
    "header.payload.sig",
    "s.fromFile",
    "s.fromEnv",
    "s.ignored",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "envSecretKeyExample",
    "envSessionToken",
    "baseSecret-61c0",
    "radius-secret-5e7a",
    "assumedSecret",
    "assumedSessionToken",
    // errors.rs, lifecycle.rs
    "s.approleToken",
    "s.firstToken",
    "s.secondToken",
    "s.revokedToken",
    "s.freshToken",
    "s.sharedToken",
    "s.renewableToken",
    "s.shortToken",
    "s.batchToken",
    "fresh-value-52aa",
    "third-time-value-9b3c",
    "late-value-e21d",
    // kv.rs
    "my-test-variable",
    "p@ss-word-07",
    "kv1-config-value-3f",
    "airflow-pw-c4e9",
    "pass-word-8d20",
    "world-value-a61b",
    "from-second-value-77",
    "typo-value-1c5e",
    "odd-value-90fd",
    "postgres://team-pg-5c1e/db",
    "http://conn-a-0e4f",
    // leak.rs
    "SeCrEt-ID-7f3a",
    "PaSsWoRd-19c2",
    "s.IsSuEd-ToKeN-55aa",
    "StOrEd-VaLuE-0b1d",
    "AwS-SeCrEt-Key-9e4c",
    "InLiNe-ToKeN-c0de",
];

/// Installs the TRACE capture of this test binary (idempotent) and returns its buffer.
pub fn logs() -> Logs {
    airflow_secrets_testkit::logs::capture()
}

/// Panics when `text` (an error's Display or Debug, a backend's Debug) holds one of [`SUITE_SECRETS`]
/// or `extra`, plain or percent-encoded.
pub fn assert_no_secret(text: &str, extra: &[&str]) {
    for secret in SUITE_SECRETS.iter().chain(extra) {
        for spelling in airflow_secrets_testkit::logs::spellings(secret) {
            assert!(
                !text.contains(&spelling),
                "a secret ({} chars) leaks into: {text}",
                secret.len()
            );
        }
    }
}

/// `unwrap_err` that also proves the error's Display and Debug carry no secret of the suite.
pub trait CleanErr {
    /// The error, checked.
    fn clean_err(self) -> Error;
}

impl<T: Debug> CleanErr for Result<T, Error> {
    #[track_caller]
    fn clean_err(self) -> Error {
        let err = self.expect_err("the lookup must fail");
        assert_no_secret(&format!("{err}\n{err:?}"), &[]);
        err
    }
}

/// `{"url": <server>}` merged with `extra`.
pub fn kwargs(server: &MockServer, extra: Value) -> Kwargs {
    let mut map = json!({ "url": server.uri() }).as_object().unwrap().clone();
    map.extend(
        extra
            .as_object()
            .expect("extra kwargs are an object")
            .clone(),
    );
    map
}

/// Token auth with [`TOKEN`], merged with `extra`.
pub fn token_kwargs(server: &MockServer, extra: Value) -> Kwargs {
    let mut map = kwargs(server, json!({ "auth_type": "token", "token": TOKEN }));
    map.extend(extra.as_object().unwrap().clone());
    map
}

/// Builds the backend with an empty environment (nothing leaks in from the test process).
pub fn backend(kwargs: &Kwargs) -> VaultBackend {
    VaultBackend::from_kwargs_with_env(kwargs, &VaultEnv::empty()).expect("valid kwargs")
}

fn envelope(data: Value, auth: Value, lease_duration: u64) -> Value {
    json!({
        "request_id": "2584b4af-3c00-aea3-24b5-73ed60ec45ae",
        "lease_id": "",
        "renewable": false,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
    })
}

/// A KV v2 read answering `data`.
pub fn kv2(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        json!({
            "data": data,
            "metadata": {
                "created_time": "2026-11-25T19:33:16.415958807Z",
                "custom_metadata": null,
                "deletion_time": "",
                "destroyed": false,
                "version": 1
            }
        }),
        Value::Null,
        0,
    ))
}

/// A KV v1 read answering `data`.
pub fn kv1(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(data, Value::Null, 2764800))
}

/// The 404 of a soft-deleted KV v2 version: metadata, no `errors`.
pub fn kv2_deleted() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(envelope(
        json!({
            "data": null,
            "metadata": {
                "created_time": "2026-11-25T19:33:16.415958807Z",
                "custom_metadata": null,
                "deletion_time": "2026-11-25T19:33:16.569224053Z",
                "destroyed": false,
                "version": 1
            }
        }),
        Value::Null,
        0,
    ))
}

/// Vault's error shape.
pub fn vault_error(status: u16, errors: &[&str]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "errors": errors }))
}

/// A login (or renew-self) answer issuing `token`.
pub fn auth_response(token: &str, lease_duration: u64, renewable: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        Value::Null,
        json!({
            "client_token": token,
            "accessor": "Ny04pqLWmOLfRBTRNy7J0nuQ",
            "policies": ["default", "p"],
            "token_policies": ["default", "p"],
            "metadata": { "role_name": "r" },
            "lease_duration": lease_duration,
            "renewable": renewable,
            "entity_id": "0bfae91e-f7f9-4f77-e944-cc848fd29c7c",
            "token_type": "service",
            "orphan": true,
            "mfa_requirement": null,
            "num_uses": 0
        }),
        0,
    ))
}

/// `auth/token/lookup-self` for a token with `ttl` seconds left (0: never expires).
pub fn lookup_self_response(ttl: u64, renewable: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        json!({
            "accessor": "Ny04pqLWmOLfRBTRNy7J0nuQ",
            "creation_ttl": ttl,
            "display_name": "token",
            "entity_id": "",
            "expire_time": null,
            "explicit_max_ttl": 0,
            "id": TOKEN,
            "meta": null,
            "num_uses": 0,
            "orphan": true,
            "path": "auth/token/create",
            "policies": ["root"],
            "renewable": renewable,
            "ttl": ttl,
            "type": "service"
        }),
        Value::Null,
        0,
    ))
}

/// Mounts the lookup-self that token auth sends once per token (a non-expiring token).
pub async fn mount_lookup_self(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/v1/auth/token/lookup-self"))
        .and(header("X-Vault-Token", token))
        .respond_with(lookup_self_response(0, false))
        .mount(server)
        .await;
}

/// Every request the server saw, as `METHOD path`.
pub async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// A line from the middle of a PEM private key: enough to spot any part of the key material.
pub fn pem_body_line(pem: &str) -> &str {
    let lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    lines[lines.len() / 2]
}
