//! # airflow-secrets-aws-ssm
//!
//! Apache Airflow's `SystemsManagerParameterStoreBackend`
//! (`airflow.providers.amazon.aws.secrets.systems_manager`) for Rust: the same kwargs, the same parameter
//! names (`prefix + "/" + key`, leading `/` forced), the same lookup patterns (Python `re.match`,
//! case-insensitive), and the same answers — `ParameterNotFound` is "not found", everything else is an
//! error with the parameter name, the AWS error code and message, and (when the store is unavailable)
//! the number of attempts and the time they took. Only transient failures are retried.
//!
//! Most users reach it through the `airflow-secrets` facade (feature `aws-ssm`) with
//! `AIRFLOW__SECRETS__BACKEND=airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend`.
//! Used directly:
//!
//! ```no_run
//! use airflow_secrets_aws_ssm::{SsmKwargs, SystemsManagerParameterStoreBackend};
//! use airflow_secrets_core::SecretsBackend;
//! # async fn demo() -> Result<(), airflow_secrets_core::Error> {
//! let kwargs: airflow_secrets_core::kwargs::Kwargs =
//!     serde_json::from_str(r#"{"connections_prefix": "/airflow/connections", "region_name": "eu-west-1"}"#).unwrap();
//! let backend = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs)?;
//! if let Some(conn) = backend.get_connection("smtp_default").await? {
//!     println!("{:?}", conn.host);
//! }
//! # Ok(()) }
//! ```
//!
//! See the crate README for every kwarg, the credential order, error mapping and deviations from Airflow.
#![warn(missing_docs)]

mod backend;
mod client;
mod errors;
mod kwargs;
mod names;
mod retry;
mod settings;
mod tls;

pub use backend::{SsmBackendBuilder, SystemsManagerParameterStoreBackend};
pub use kwargs::{
    AssumeRoleKwargs, ConfigKwargs, PolicyArn, RetriesKwargs, RetryModeKwarg, ServiceConfig,
    ServiceEndpoint, SsmKwargs, Tag, Verify,
};

/// The profile files type taken by [`SsmBackendBuilder::profile_files`].
pub use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

/// The AWS SDK crates this backend is built on, re-exported so callers use the same versions (e.g. for
/// [`SsmBackendBuilder::profile_files`] or [`SsmBackendBuilder::client`]).
pub use aws_config;
pub use aws_sdk_ssm;

/// Airflow's class name for this backend, used in logs and errors.
pub(crate) const BACKEND: &str = "SystemsManagerParameterStoreBackend";
