#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod config;
mod env;
mod errors;
mod kwargs;
mod names;
mod transport;

pub use airflow_secrets_core::provider::env::EnvSnapshot;
pub use auth::{
    DefaultAzureCredentialChain, DefaultCredentialOptions, KEY_VAULT_SCOPE,
    PUBLIC_CLOUD_AUTHORITY_HOST,
};
/// The SDK's credential trait, implemented by [`DefaultAzureCredentialChain`].
pub use azure_core::credentials::TokenCredential;
pub use backend::AzureKeyVaultBackend;
pub use client::{HttpOptions, RetryOptions, TlsVerify};
pub use env::HONOURED;
pub use kwargs::{AzureKeyVaultKwargs, ConnectionVerify};
pub use names::{build_path, is_valid_secret_name, team_secret_name};

/// Airflow's class name, used in logs and errors.
pub const BACKEND: &str = "AzureKeyVaultBackend";
