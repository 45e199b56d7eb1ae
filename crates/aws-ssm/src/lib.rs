#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backend;
mod client;
mod errors;
mod kwargs;
mod names;

pub use backend::{SsmBackendBuilder, SystemsManagerParameterStoreBackend};
pub use kwargs::SsmKwargs;

/// The AWS connection kwargs and their parts, shared with the other AWS backend.
pub use airflow_secrets_aws_session::{
    AssumeRoleKwargs, AwsConnectionKwargs, ConfigKwargs, MAX_RESPONSE_BYTES, PolicyArn,
    RetriesKwargs, RetryModeKwarg, ServiceConfig, ServiceEndpoint, Tag, Verify,
};
/// The profile files type taken by [`SsmBackendBuilder::profile_files`].
pub use airflow_secrets_aws_session::{EnvConfigFileKind, EnvConfigFiles};

/// The AWS SDK crates this backend is built on, re-exported so callers use the same versions (e.g. for
/// [`SsmBackendBuilder::profile_files`] or [`SsmBackendBuilder::client`]).
pub use airflow_secrets_aws_session::aws_config;
pub use aws_sdk_ssm;

/// Airflow's class name for this backend, as errors and logs show it.
pub const BACKEND: &str = "SystemsManagerParameterStoreBackend";

/// This backend, for the shared AWS session.
pub(crate) const SERVICE: airflow_secrets_aws_session::Service =
    airflow_secrets_aws_session::Service {
        backend: BACKEND,
        name: "SSM",
        api_version: "2014-11-06",
        operation: "GetParameter",
    };
