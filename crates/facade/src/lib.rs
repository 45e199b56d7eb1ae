#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (nightly, `--cfg docsrs`): each feature-gated item is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod blocking;
mod build_context;
mod cache;
pub mod config;
#[cfg(feature = "metastore")]
mod metastore_tier;
pub mod metrics;
pub mod redact;
mod refresh;
mod registrations;
mod registry;
mod resolver;
mod settings;
mod team;
mod typed;
mod walk;

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

/// The Vault provider crate (`airflow-secrets-vault`), for its typed kwargs and builder.
#[cfg(feature = "vault")]
pub use airflow_secrets_vault as vault;

/// The AWS SSM Parameter Store provider crate (`airflow-secrets-aws-ssm`).
#[cfg(feature = "aws-ssm")]
pub use airflow_secrets_aws_ssm as aws_ssm;

/// The AWS Secrets Manager provider crate (`airflow-secrets-aws-secrets-manager`).
#[cfg(feature = "aws-secrets-manager")]
pub use airflow_secrets_aws_secrets_manager as aws_secrets_manager;

/// The GCP Secret Manager provider crate (`airflow-secrets-gcp-secret-manager`).
#[cfg(feature = "gcp-secret-manager")]
pub use airflow_secrets_gcp_secret_manager as gcp_secret_manager;

/// The Azure Key Vault provider crate (`airflow-secrets-azure-key-vault`).
#[cfg(feature = "azure-key-vault")]
pub use airflow_secrets_azure_key_vault as azure_key_vault;

/// The metadata-database provider crate (`airflow-secrets-metastore`).
#[cfg(feature = "metastore")]
pub use airflow_secrets_metastore as metastore;
