//! Shared helpers for the crate's suites.
#![allow(dead_code)] // each test binary uses a different subset

use std::fmt::Debug;

use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, Environment};
use airflow_secrets_azure_key_vault_mock::{ACCESS_TOKEN, AzureFixture, CLIENT_SECRET};
use airflow_secrets_core::Error;
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
pub fn no_env() -> Environment {
    Environment::from_vars(Vec::<(String, String)>::new())
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
