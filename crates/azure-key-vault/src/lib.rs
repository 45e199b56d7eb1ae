//! # airflow-secrets-azure-key-vault
//!
//! Airflow's `AzureKeyVaultBackend`
//! (`airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend`) for Rust, on the official
//! Azure SDK for Rust (`azure_security_keyvault_secrets` + `azure_identity` + `azure_core`, 1.x).
//!
//! * [`AzureKeyVaultBackend`] reads `prefix + sep + key` secrets with every `_` turned into `sep`
//!   ([`build_path`]), from Airflow's kwargs ([`AzureKeyVaultBackend::from_kwargs`]) or typed ones
//!   ([`AzureKeyVaultKwargs`]).
//! * Credentials as Airflow picks them: a client secret when `tenant_id`, `client_id` and `client_secret` are
//!   all set, otherwise [`DefaultAzureCredentialChain`] (environment → workload identity → managed identity →
//!   Azure CLI), which azure_identity 1.x does not provide.
//! * `connection_verify`, timeouts and retries apply to Key Vault and token requests alike ([`HttpOptions`]):
//!   bounded retries of transient failures only, with jittered exponential back-off ([`RetrySettings`]), and a
//!   deadline on the whole lookup (`timeout`).
//! * Airflow's AWS-only `*_lookup_pattern` kwargs are accepted too: a key that does not match sends nothing.
//!
//! ```no_run
//! # async fn demo() -> Result<(), airflow_secrets_core::Error> {
//! use airflow_secrets_azure_key_vault::AzureKeyVaultBackend;
//! use airflow_secrets_core::SecretsBackend;
//!
//! let kwargs = serde_json::json!({"vault_url": "https://my-vault.vault.azure.net/"});
//! let backend = AzureKeyVaultBackend::from_kwargs(kwargs.as_object().unwrap())?;
//! // GET https://my-vault.vault.azure.net/secrets/airflow-variables-my-var/?api-version=2025-07-01
//! let value = backend.get_variable("my_var").await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod env;
mod errors;
mod kwargs;
mod names;
mod retry;
mod transport;

pub use auth::{
    DefaultAzureCredentialChain, DefaultCredentialOptions, KEY_VAULT_SCOPE,
    PUBLIC_CLOUD_AUTHORITY_HOST,
};
/// The SDK's credential trait, implemented by [`DefaultAzureCredentialChain`].
pub use azure_core::credentials::TokenCredential;
pub use backend::AzureKeyVaultBackend;
pub use env::Environment;
pub use kwargs::{AzureKeyVaultKwargs, ConnectionVerify};
pub use names::build_path;
pub use transport::{HttpOptions, RetrySettings, TlsVerify};

/// Airflow's class name, used in logs and errors.
pub const BACKEND_NAME: &str = "AzureKeyVaultBackend";
