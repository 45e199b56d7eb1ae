//! The environment variables the credential chain honours, read through an [`EnvSnapshot`].
//!
//! Production code captures them from the process when the backend is built
//! ([`EnvSnapshot::capture`]`(`[`HONOURED`]`)`); [`EnvSnapshot::from_vars`] supplies an explicit set instead
//! (tests, or services that keep Azure settings in their own config), and then the chain sees only those.
//! An empty value counts as unset, as in the Azure SDKs. `Debug` prints names only, never values
//! (`AZURE_CLIENT_SECRET` may be among them).

use airflow_secrets_core::provider::env::EnvSnapshot;

/// Every environment variable the backend reads: the authority host, the default chain's sources
/// (environment, workload identity, managed identity) and `PATH` (which `az` the Azure CLI step runs).
///
/// ```
/// use airflow_secrets_azure_key_vault::{EnvSnapshot, HONOURED};
/// let env = EnvSnapshot::from_vars(HONOURED, [("AZURE_TENANT_ID", "contoso"), ("AZURE_CLIENT_ID", ""), ("HOME", "/root")]);
/// assert_eq!(env.get("AZURE_TENANT_ID"), Some("contoso"));
/// assert_eq!(env.get("AZURE_CLIENT_ID"), None); // empty counts as unset
/// assert_eq!(env.get("HOME"), None); // not honoured
/// ```
pub const HONOURED: &[&str] = &[
    "AZURE_AUTHORITY_HOST",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_USERNAME",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "PATH",
];

/// The process's honoured variables, as the backend and the chain use by default.
pub(crate) fn process() -> EnvSnapshot {
    EnvSnapshot::capture(HONOURED)
}
