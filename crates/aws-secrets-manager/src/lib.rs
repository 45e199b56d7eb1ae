#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backend;
mod client;
mod errors;
mod fields;
mod kwargs;
mod names;

pub use backend::{SecretsManagerBackend, SecretsManagerBackendBuilder};
pub use kwargs::SecretsManagerKwargs;

/// The AWS connection kwargs and their parts, shared with the other AWS backend.
pub use airflow_secrets_aws_session::{
    AssumeRoleKwargs, AwsConnectionKwargs, ConfigKwargs, MAX_RESPONSE_BYTES, PolicyArn,
    RetriesKwargs, RetryModeKwarg, ServiceConfig, ServiceEndpoint, Tag, Verify,
};
/// The profile files type taken by [`SecretsManagerBackendBuilder::profile_files`].
pub use airflow_secrets_aws_session::{EnvConfigFileKind, EnvConfigFiles};

/// The AWS SDK crates this backend is built on, re-exported so callers use the same versions (e.g. for
/// [`SecretsManagerBackendBuilder::client`]).
pub use airflow_secrets_aws_session::aws_config;
pub use aws_sdk_secretsmanager;

/// Airflow's class name for this backend, as errors and logs show it.
pub const BACKEND: &str = "SecretsManagerBackend";

/// This backend, for the shared AWS session.
pub(crate) const SERVICE: airflow_secrets_aws_session::Service =
    airflow_secrets_aws_session::Service {
        backend: BACKEND,
        name: "Secrets Manager",
        api_version: "2017-10-17",
        operation: "GetSecretValue",
    };
