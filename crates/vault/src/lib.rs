//! # airflow-secrets-vault
//!
//! Apache Airflow's `VaultBackend` (`airflow.providers.hashicorp.secrets.vault.VaultBackend`, and the
//! legacy `airflow.contrib.secrets.hashicorp_vault.VaultBackend`) for Rust: the same kwargs, the same
//! paths in the same KV v1/v2 engine, the same values, with [vaultrs] for logins and token renewal.
//! Works with HashiCorp Vault and OpenBao.
//!
//! Most users reach it through the `airflow-secrets` facade (feature `vault`) with Airflow's own
//! configuration:
//!
//! ```text
//! AIRFLOW__SECRETS__BACKEND=airflow.providers.hashicorp.secrets.vault.VaultBackend
//! AIRFLOW__SECRETS__BACKEND_KWARGS={"connections_path": "connections", "variables_path": "variables",
//!   "config_path": null, "url": "http://127.0.0.1:8200", "auth_type": "approle",
//!   "role_id": "...", "secret_id": "..."}
//! ```
//!
//! Used directly:
//!
//! ```no_run
//! use airflow_secrets_core::SecretsBackend;
//! use airflow_secrets_vault::VaultBackend;
//!
//! # async fn demo() -> Result<(), airflow_secrets_core::Error> {
//! let kwargs = serde_json::json!({"url": "http://127.0.0.1:8200", "auth_type": "approle",
//!     "role_id": "my-role-id", "secret_id": "my-secret-id", "config_path": null});
//! let vault = VaultBackend::from_kwargs(kwargs.as_object().unwrap())?;
//! let value = vault.get_variable("my_var").await?; // GET /v1/secret/data/variables/my_var
//! let pg = vault.get_connection("my_pg").await?;   // GET /v1/secret/data/connections/my_pg
//! # Ok(()) }
//! ```
//!
//! * **Where**: `GET /v1/{mount_point}/data/{path}/{key}` (KV v2) or `/v1/{mount_point}/{path}/{key}`
//!   (KV v1). A `null` path turns that kind of lookup off (no request); `""` means no prefix; a `null`
//!   `mount_point` takes the mount from the key's first segment, and skips keys without `/`.
//! * **What**: connections from `conn_uri`, else the whole secret as JSON (Airflow's `from_json`);
//!   variables and config from `value`.
//! * **Auth**: `token`, `approle`, `userpass`, `ldap`, `radius`, `github`, `kubernetes`, `jwt`,
//!   `aws_iam`, `gcp` ([`VaultAuth`]); `azure` is refused with an explanation (Airflow's only configures
//!   the auth method).
//! * **Token lifecycle**: one lazy login shared by concurrent lookups, `renew-self` at two thirds of the
//!   lease (or a new login when the token cannot be renewed), a new login and one retry on 403.
//! * **Errors**: 404 → `Ok(None)`; 403 → [`Error::PermissionDenied`](airflow_secrets_core::Error);
//!   412, 429, 5xx and refused or dropped connections are retried, for reads and logins (3 retries,
//!   exponential back-off from 0.1 s with jitter: [`RetryConfig`]); unreachable or timed out →
//!   `Unavailable`, with the attempts made and the time the lookup took.
//! * **Lookup patterns** (extension): `connections_lookup_pattern`, `variables_lookup_pattern`,
//!   `config_lookup_pattern`, as Airflow's AWS backends; a key that does not match sends no request.
//!
//! The crate's README lists every kwarg with its status and each deviation from Airflow.
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod config;
mod endpoint;
mod env;
mod extract;
mod failure;
pub mod kwargs;
mod paths;
mod read;
mod session;

pub use backend::VaultBackend;
pub use config::{
    AssumeRole, AwsCredentials, AwsIamAuth, ClientCert, DEFAULT_KUBERNETES_JWT_PATH, DEFAULT_URL,
    GcpAuth, GcpKeySource, KvVersion, MAX_BACKOFF, ProxyScheme, RetryConfig, Timeout, TokenSource,
    VaultAuth, VaultConfig, Verify,
};
pub use env::VaultEnv;
/// Re-exported so that typed configurations can hold credentials.
pub use secrecy::SecretString;
