#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod build_context;
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
pub use build_context::BuildContext;
pub use cache::CacheSettings;
pub use config::AirflowConfig;
pub use registry::{BackendClass, KNOWN_CLASS_PATHS, KnownClassPath, build_backend};
pub use resolver::{ErrorPolicy, Lookup, Secrets, SecretsBuilder};
pub use settings::{BackendSetting, ProcessContext, SecretsSettings, parse_kwargs_json};
