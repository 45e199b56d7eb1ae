//! Shared helpers: kwargs against a wiremock server, Vault's real response shapes (the
//! testkit's `vault_responses`), and the leak checks every test ends with.
//!
//! Every test starts with `let logs = logs();` (a TRACE subscriber capturing every event of this test
//! binary) and ends with `logs.assert_free_of(SUITE_SECRETS)`; every error a test provokes goes through
//! [`CleanErr::clean_err`], which checks its Display and Debug. Because the capture is shared by the
//! tests running in parallel, each check covers every credential and stored value of the whole suite,
//! which is why they are all distinctive strings listed in [`SUITE_SECRETS`].

use std::fmt::Debug;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};
pub use airflow_secrets_testkit::errors::{Unavailable, unavailable};
pub use airflow_secrets_testkit::logs::Logs;
use airflow_secrets_vault::{EnvSnapshot, VaultBackend};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use crate::leak_check;
use crate::responses::envelope;
pub use crate::responses::{auth_response, kv1, kv2, kv2_deleted, vault_error};

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
    // trust_redaction.rs
    "PlAnTeD-SeRdE-9a1f",
    "UsErInFo-PaSs-3c9d",
    "PrOxY-PaSs-71b0",
    "ExTeRnAl-Id-4e2a",
    "s.EnV-ToKeN-93b1",
];

/// Installs the TRACE capture of this test binary (idempotent) and returns its buffer.
pub fn logs() -> Logs {
    airflow_secrets_testkit::logs::capture()
}

/// Panics when `text` (an error's Display or Debug, a backend's Debug) holds one of [`SUITE_SECRETS`]
/// or `extra`, plain or percent-encoded.
#[track_caller]
pub fn assert_no_secret(text: &str, extra: &[&str]) {
    leak_check::assert_no_secret(text, SUITE_SECRETS);
    leak_check::assert_no_secret(text, extra);
}

/// `unwrap_err` that also proves the error's Display and Debug carry no secret of the suite.
pub trait CleanErr {
    /// The error, checked.
    fn clean_err(self) -> Error;
}

impl<T: Debug> CleanErr for Result<T, Error> {
    #[track_caller]
    fn clean_err(self) -> Error {
        leak_check::clean(self, SUITE_SECRETS)
    }
}

/// The kwargs object `base` with the keys of `extra` added (or replaced).
pub fn merge(base: Value, extra: Value) -> Kwargs {
    let mut map = base.as_object().expect("base kwargs are an object").clone();
    map.extend(
        extra
            .as_object()
            .expect("extra kwargs are an object")
            .clone(),
    );
    map
}

/// `{"url": <server>}` merged with `extra`.
pub fn kwargs(server: &MockServer, extra: Value) -> Kwargs {
    merge(json!({ "url": server.uri() }), extra)
}

/// Token auth with [`TOKEN`], merged with `extra`.
pub fn token_kwargs(server: &MockServer, extra: Value) -> Kwargs {
    merge(
        json!({ "url": server.uri(), "auth_type": "token", "token": TOKEN }),
        extra,
    )
}

/// Builds the backend with an empty environment (nothing leaks in from the test process).
pub fn backend(kwargs: &Kwargs) -> VaultBackend {
    VaultBackend::from_kwargs_with_env(kwargs, &EnvSnapshot::empty()).expect("valid kwargs")
}

/// AppRole auth (role `r`, [`SECRET_ID`]) against `server`.
pub fn approle(server: &MockServer) -> VaultBackend {
    approle_with(server, json!({}))
}

/// AppRole auth (role `r`, [`SECRET_ID`]) against `server`, with the kwargs of `extra` added.
pub fn approle_with(server: &MockServer, extra: Value) -> VaultBackend {
    let approle = json!({ "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID });
    backend(&kwargs(server, merge(approle, extra).into()))
}

/// `POST <api_path>`, whatever the body.
pub fn post_to(api_path: &str) -> MockBuilder {
    Mock::given(method("POST")).and(path(api_path))
}

/// `POST /v1/auth/approle/login`: the AppRole login at its default mount.
pub fn approle_login() -> MockBuilder {
    post_to("/v1/auth/approle/login")
}

/// `POST /v1/auth/token/renew-self`.
pub fn renew_self() -> MockBuilder {
    post_to("/v1/auth/token/renew-self")
}

/// `GET` of the KV v2 variable `key` (default mount and prefix).
pub fn read_variable(key: &str) -> MockBuilder {
    Mock::given(method("GET")).and(path(format!("/v1/secret/data/variables/{key}")))
}

/// Any `GET` sent with `X-Vault-Token: token`.
pub fn get_with_token(token: &str) -> MockBuilder {
    Mock::given(method("GET")).and(header("X-Vault-Token", token))
}

/// Mounts `mock` answering `response`, expected exactly `times` times.
pub async fn mount_expect(
    server: &MockServer,
    mock: MockBuilder,
    response: ResponseTemplate,
    times: u64,
) {
    mock.respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

/// Mounts `mock` answering `response` to its first `times` matches only (later requests fall through
/// to the mocks mounted after it), expected exactly `times` times.
pub async fn mount_first(
    server: &MockServer,
    mock: MockBuilder,
    response: ResponseTemplate,
    times: u64,
) {
    mock.respond_with(response)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

/// Mounts `mock` answering `response`, however often it is called.
pub async fn mount_any(server: &MockServer, mock: MockBuilder, response: ResponseTemplate) {
    mock.respond_with(response).mount(server).await;
}

/// Looks up variable `v` from `n` concurrent tasks sharing `vault`; every one must return [`VALUE`].
pub async fn assert_concurrent_reads_return_value(vault: VaultBackend, n: usize) {
    let vault = Arc::new(vault);
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let vault = vault.clone();
            tokio::spawn(async move { vault.get_variable("v").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().unwrap().expose(), VALUE);
    }
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

/// `GET /v1/auth/token/lookup-self`.
pub fn lookup_self() -> MockBuilder {
    Mock::given(method("GET")).and(path("/v1/auth/token/lookup-self"))
}

/// Mounts the lookup-self that token auth sends once per token (a non-expiring token).
pub async fn mount_lookup_self(server: &MockServer, token: &str) {
    let mock = lookup_self().and(header("X-Vault-Token", token));
    mount_any(server, mock, lookup_self_response(0, false)).await;
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
