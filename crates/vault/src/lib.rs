//! STUB: the VaultBackend provider is being written; this placeholder keeps the workspace building.

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{async_trait, Error, SecretKind, SecretValue, SecretsBackend};

/// Placeholder for Airflow's `VaultBackend`.
#[derive(Debug)]
pub struct VaultBackend;

impl VaultBackend {
    /// Builds the backend from Airflow's kwargs.
    pub fn from_kwargs(_kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(VaultBackend)
    }
}

#[async_trait]
impl SecretsBackend for VaultBackend {
    fn name(&self) -> &'static str {
        "VaultBackend"
    }

    async fn get(&self, _kind: SecretKind, _key: &str) -> Result<Option<SecretValue>, Error> {
        Ok(None)
    }
}
