#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod body_limit;
mod client;
mod config;
mod default_chain;
mod errors;
mod kwargs;
mod lazy;
mod retry;
mod tls;

pub use body_limit::MAX_RESPONSE_BYTES;
pub use client::{CountAttempts, TRANSIENT};
pub use config::SessionConfig;
pub use default_chain::{ChainCredentials, configured_region, default_chain};
pub use errors::{classify, login};
pub use kwargs::{
    AssumeRoleKwargs, AwsConnectionKwargs, ConfigKwargs, PolicyArn, RetriesKwargs, RetryModeKwarg,
    ServiceConfig, ServiceEndpoint, Tag, Verify, parse_kwargs,
};
pub use lazy::LazyClient;
pub use retry::TransientOnly;

/// The profile files type taken by [`SessionConfig::with_profile_files`].
pub use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

/// The AWS SDK configuration crate the session is built with, re-exported so backends and their users
/// name the same version.
pub use aws_config;

/// What a backend built on this crate is, for its messages and its AWS session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Airflow's class name of the backend (`SystemsManagerParameterStoreBackend`), as errors and logs
    /// show it; Airflow's default `RoleSessionName` is built from it.
    pub backend: &'static str,
    /// The AWS service's name in messages (`SSM`, `Secrets Manager`).
    pub name: &'static str,
    /// The service's only API version (boto3's `api_version` kwarg accepts this one).
    pub api_version: &'static str,
    /// The one operation a lookup sends (`GetParameter`), for authentication errors.
    pub operation: &'static str,
}

impl Service {
    /// Airflow's `RoleSessionName` default: `Airflow_{conn_id}` with the backend's synthetic conn_id
    /// `{class name}__connection` (all characters valid, so nothing is stripped).
    pub fn default_role_session_name(&self) -> String {
        format!("Airflow_{}__connection", self.backend)
    }
}
