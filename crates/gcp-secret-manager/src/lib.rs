//! STUB: the CloudSecretManagerBackend provider is being written; this placeholder keeps the workspace building.

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{async_trait, Error, SecretKind, SecretValue, SecretsBackend};

/// Placeholder for Airflow's `CloudSecretManagerBackend`.
#[derive(Debug)]
pub struct CloudSecretManagerBackend;

impl CloudSecretManagerBackend {
    /// Builds the backend from Airflow's kwargs.
    pub fn from_kwargs(_kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(CloudSecretManagerBackend)
    }
}

#[async_trait]
impl SecretsBackend for CloudSecretManagerBackend {
    fn name(&self) -> &'static str {
        "CloudSecretManagerBackend"
    }

    async fn get(&self, _kind: SecretKind, _key: &str) -> Result<Option<SecretValue>, Error> {
        Ok(None)
    }
}
