//! # airflow-secrets
//!
//! Apache Airflow's secrets backends for Rust services: HashiCorp Vault, AWS SSM Parameter Store, GCP
//! Secret Manager and Azure Key Vault, configured by the strings an Airflow deployment already uses —
//! `AIRFLOW__SECRETS__BACKEND` (a class path such as
//! `airflow.providers.hashicorp.secrets.vault.VaultBackend`) and `AIRFLOW__SECRETS__BACKEND_KWARGS` (JSON)
//! — answering exactly as Airflow would, in Airflow's lookup order: secrets backend, then environment
//! variables (`AIRFLOW_VAR_*`, `AIRFLOW_CONN_*`), then the metastore.
//!
//! ```no_run
//! # async fn demo() -> Result<(), airflow_secrets::Error> {
//! let secrets = airflow_secrets::Secrets::from_env().await?;
//! let var = secrets.variable("my_var").await?;
//! let conn = secrets.connection("my_pg").await?;
//! # Ok(()) }
//! ```
//!
//! Providers are cargo features, none on by default: `vault`, `aws-ssm`, `gcp-secret-manager`,
//! `azure-key-vault`, `metastore` (or `all-providers`). A class path whose provider is not compiled in
//! gives [`Error::ProviderNotCompiled`], naming the feature to enable.
#![warn(missing_docs)]

mod cache;
pub mod config;
#[cfg(feature = "metastore")]
mod metastore;
pub mod redact;
mod registry;
mod resolver;
mod settings;

pub use airflow_secrets_core as core;
pub use airflow_secrets_core::async_trait;
pub use airflow_secrets_core::{
    Connection, ConnectionError, ConnectionFlavor, EnvironmentVariablesBackend, Error,
    LocalFilesystemBackend, LookupPattern, SecretKind, SecretValue, SecretsBackend, kwargs::Kwargs,
};
pub use cache::CacheSettings;
pub use config::AirflowConfig;
pub use registry::{BackendClass, BuildContext, KNOWN_CLASS_PATHS, KnownClassPath, build_backend};
pub use resolver::{ErrorPolicy, Lookup, Secrets, SecretsBuilder};
pub use settings::{BackendSetting, ProcessContext, SecretsSettings, parse_kwargs_json};
