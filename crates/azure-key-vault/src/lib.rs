//! STUB: the AzureKeyVaultBackend provider is being written; this placeholder keeps the workspace building.

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{async_trait, Error, SecretKind, SecretValue, SecretsBackend};

/// Placeholder for Airflow's `AzureKeyVaultBackend`.
#[derive(Debug)]
pub struct AzureKeyVaultBackend;

impl AzureKeyVaultBackend {
    /// Builds the backend from Airflow's kwargs.
    pub fn from_kwargs(_kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(AzureKeyVaultBackend)
    }
}

#[async_trait]
impl SecretsBackend for AzureKeyVaultBackend {
    fn name(&self) -> &'static str {
        "AzureKeyVaultBackend"
    }

    async fn get(&self, _kind: SecretKind, _key: &str) -> Result<Option<SecretValue>, Error> {
        Ok(None)
    }
}
