#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod backend;
mod body_limit;
mod client;
mod config;
mod errors;
mod kwargs;
mod names;
mod retry;
mod tls;

pub use backend::{SsmBackendBuilder, SystemsManagerParameterStoreBackend};
pub use body_limit::MAX_RESPONSE_BYTES;
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

/// Airflow's class name for this backend, as errors and logs show it.
pub const BACKEND: &str = "SystemsManagerParameterStoreBackend";
