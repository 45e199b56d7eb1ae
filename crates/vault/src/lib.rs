#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod config;
mod env;
mod errors;
mod extract;
mod http;
pub mod kwargs;
mod names;
mod read;
mod session;

/// The backend's name, as errors and logs show it (Airflow's class name).
pub const BACKEND: &str = "VaultBackend";

pub use airflow_secrets_core::provider::env::EnvSnapshot;
pub use backend::VaultBackend;
pub use config::{
    AssumeRole, AwsCredentialSource, AwsCredentials, AwsIamAuth, ClientCert,
    DEFAULT_KUBERNETES_JWT_PATH, DEFAULT_URL, GcpAuth, GcpKeySource, KvVersion, MAX_BACKOFF,
    ProxyScheme, RetryConfig, Timeout, TokenSource, VaultAuth, VaultConfig, Verify,
};
pub use env::HONOURED;
pub use http::MAX_RESPONSE_BYTES;
/// Re-exported so that typed configurations can hold credentials.
pub use secrecy::SecretString;
