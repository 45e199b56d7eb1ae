//! # airflow-secrets-gcp-secret-manager
//!
//! Apache Airflow's `CloudSecretManagerBackend`
//! (`airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend`, legacy
//! `airflow.contrib.secrets.gcp_secrets_manager.CloudSecretsManagerBackend`) for Rust: Airflow
//! connections, variables and config values read from Google Cloud Secret Manager, configured by the
//! same kwargs JSON and answering as Airflow does.
//!
//! * Secret id `prefix + sep + key` (an empty prefix still adds the separator), version `latest`, the
//!   payload decoded as UTF-8 (its `dataCrc32c` checked when present).
//! * `NOT_FOUND` → `None`; `PERMISSION_DENIED` → `None` with an error log naming the secret and the
//!   `secretmanager.versions.access` permission (or an error with `raise_on_permission_denied`);
//!   `INVALID_ARGUMENT` → `None` with an error log about allowed characters; anything else is an error.
//! * Credentials: `gcp_key_path`, `gcp_keyfile_dict`, `gcp_credential_config_file` or the
//!   `anonymous_credentials` extension (at most one), else application-default credentials;
//!   `impersonation_chain` on top.
//! * One client per backend, built on the first lookup; bounded retries with jittered exponential
//!   backoff on transient failures only (connection errors, timeouts, 429, 5xx) and a per-attempt
//!   timeout (the SDK's default would retry a refused connection for about a minute).
//! * Extension: `connections_lookup_pattern`, `variables_lookup_pattern`, `config_lookup_pattern` (as
//!   Airflow's AWS backends): a key that does not match is not looked up.
//!
//! Most users reach this through the `airflow-secrets` facade (feature `gcp-secret-manager`):
//!
//! ```no_run
//! # async fn demo() -> Result<(), airflow_secrets_core::Error> {
//! use airflow_secrets_core::SecretsBackend;
//! use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
//! let kwargs = serde_json::from_str(r#"{"project_id": "my-project", "variables_prefix": "airflow-variables"}"#).unwrap();
//! let backend = CloudSecretManagerBackend::from_kwargs(&kwargs)?;
//! let value = backend.get_variable("my_var").await?; // reads airflow-variables-my_var
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod errors;
mod kinds;
pub mod kwargs;
pub mod names;

pub use auth::DEFAULT_SCOPE;
pub use backend::CloudSecretManagerBackend;
pub use client::{DEFAULT_ENDPOINT, RequestPolicy};
/// The Google auth library, to build [`Credentials`](google_cloud_auth::credentials::Credentials) for
/// [`CloudSecretManagerBackend::with_credentials`].
pub use google_cloud_auth;
pub use kwargs::CloudSecretManagerKwargs;

/// The name this backend reports in logs and errors (Airflow's class name).
pub const BACKEND: &str = "CloudSecretManagerBackend";
