//! Shared helpers for the crate's suites.
#![allow(dead_code)] // each test binary uses a different subset

use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, Environment};
use airflow_secrets_azure_key_vault_mock::AzureFixture;
use serde_json::Value;

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
