//! STUB: the SystemsManagerParameterStoreBackend provider is being written; this placeholder keeps the workspace building.

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{async_trait, Error, SecretKind, SecretValue, SecretsBackend};

/// Placeholder for Airflow's `SystemsManagerParameterStoreBackend`.
#[derive(Debug)]
pub struct SystemsManagerParameterStoreBackend;

impl SystemsManagerParameterStoreBackend {
    /// Builds the backend from Airflow's kwargs.
    pub fn from_kwargs(_kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(SystemsManagerParameterStoreBackend)
    }
}

#[async_trait]
impl SecretsBackend for SystemsManagerParameterStoreBackend {
    fn name(&self) -> &'static str {
        "SystemsManagerParameterStoreBackend"
    }

    async fn get(&self, _kind: SecretKind, _key: &str) -> Result<Option<SecretValue>, Error> {
        Ok(None)
    }
}
