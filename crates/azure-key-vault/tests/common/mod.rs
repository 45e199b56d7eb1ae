//! Shared helpers for the crate's suites.
#![allow(dead_code)] // each test binary uses a different subset

use std::fmt::{Debug, Display};

use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, EnvSnapshot};
use airflow_secrets_azure_key_vault_mock::{ACCESS_TOKEN, AzureFixture, CLIENT_SECRET};
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::logs::Logs;
use serde_json::Value;

/// The secrets every fixture-based test handles: the service principal's client secret and the access token.
pub const FIXTURE_SECRETS: [&str; 2] = [CLIENT_SECRET, ACCESS_TOKEN];

/// Installs (once per test binary) the TRACE capture of every `tracing` event; every test starts with it.
pub fn logs() -> Logs {
    airflow_secrets_testkit::logs::capture()
}

/// Ends a test: the captured logs hold none of `secrets`, nor the fixture's secrets.
pub fn assert_logs_clean(logs: &Logs, secrets: &[&str]) {
    let mut all = FIXTURE_SECRETS.to_vec();
    all.extend_from_slice(secrets);
    logs.assert_free_of(&all);
}

/// Panics if `text` (named `what`) contains any of `secrets` or the fixture's secrets.
pub fn assert_text_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in FIXTURE_SECRETS.iter().chain(secrets) {
        assert!(
            !text.contains(secret),
            "{what} contains a secret ({} chars): {text}",
            secret.len()
        );
    }
}

/// The error of `result`, after checking that its `Display` and `Debug` hold none of `secrets` (nor the
/// fixture's).
pub fn expect_err<T: Debug>(result: Result<T, Error>, secrets: &[&str]) -> Error {
    let err = result.expect_err("the lookup must fail");
    assert_text_clean("an error's Display", &err.to_string(), secrets);
    assert_text_clean("an error's Debug", &format!("{err:?}"), secrets);
    err
}

/// The backend for the fixture's kwargs plus `overrides`, isolated from the process environment.
pub fn backend(fixture: &AzureFixture, overrides: Value) -> AzureKeyVaultBackend {
    AzureKeyVaultBackend::from_kwargs(&fixture.kwargs_with(overrides))
        .expect("valid kwargs")
        .with_environment(no_env())
}

/// An empty explicit environment: nothing from the machine running the tests leaks in.
pub fn no_env() -> EnvSnapshot {
    EnvSnapshot::empty()
}

/// Key Vault requests (path, has Authorization) in order.
pub fn vault_trace(fixture: &AzureFixture) -> Vec<(String, bool)> {
    fixture
        .vault_server
        .requests()
        .into_iter()
        .map(|r| (r.path.clone(), r.header("authorization").is_some()))
        .collect()
}

/// The paths of every Key Vault request, in order.
pub fn vault_paths(fixture: &AzureFixture) -> Vec<String> {
    fixture
        .vault_server
        .requests()
        .into_iter()
        .map(|r| r.path)
        .collect()
}

/// The paths of the Key Vault requests that carried a token (every one but the challenge), in order.
pub fn authorized_paths(fixture: &AzureFixture) -> Vec<String> {
    vault_trace(fixture)
        .into_iter()
        .filter(|(_, authorized)| *authorized)
        .map(|(path, _)| path)
        .collect()
}

/// Panics unless Key Vault received a request for each of `paths`.
#[track_caller]
pub fn assert_vault_requested(fixture: &AzureFixture, paths: &[&str]) {
    let seen = vault_paths(fixture);
    for path in paths {
        assert!(seen.iter().any(|p| p == path), "{seen:?}");
    }
}

/// Panics unless `err`'s message contains each of `parts`.
#[track_caller]
pub fn assert_says(err: &impl Display, parts: &[&str]) {
    let text = err.to_string();
    for part in parts {
        assert!(text.contains(part), "{text}");
    }
}

/// The value `backend` finds for `key`, through the lookup of `kind` (`get_conn_value`, `get_variable`
/// or `get_config`); panics on an error.
pub async fn lookup(backend: &AzureKeyVaultBackend, kind: SecretKind, key: &str) -> Option<String> {
    let found = match kind {
        SecretKind::Connection => backend.get_conn_value(key).await,
        SecretKind::Variable => backend.get_variable(key).await,
        SecretKind::Config => backend.get_config(key).await,
    };
    found.unwrap().map(|value| value.expose().to_owned())
}

/// Panics unless the lookup of `key` (of `kind`) finds `expected`.
pub async fn assert_found(
    backend: &AzureKeyVaultBackend,
    kind: SecretKind,
    key: &str,
    expected: &str,
) {
    assert_eq!(lookup(backend, kind, key).await.as_deref(), Some(expected));
}

/// Panics unless variable `key` reads `expected` through `backend`.
pub async fn assert_variable(backend: &AzureKeyVaultBackend, key: &str, expected: &str) {
    assert_found(backend, SecretKind::Variable, key, expected).await;
}

/// Panics unless the lookup of `key` (of `kind`) finds nothing.
pub async fn assert_absent(backend: &AzureKeyVaultBackend, kind: SecretKind, key: &str) {
    assert_eq!(lookup(backend, kind, key).await, None, "{kind} {key}");
}

/// The error of looking variable `key` up through the fixture's backend with `overrides`, once its
/// Display and Debug are proven free of `secrets` (and the fixture's).
pub async fn variable_err(
    fixture: &AzureFixture,
    overrides: Value,
    key: &str,
    secrets: &[&str],
) -> Error {
    expect_err(backend(fixture, overrides).get_variable(key).await, secrets)
}
