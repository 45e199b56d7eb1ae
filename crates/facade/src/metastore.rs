//! The third tier: Airflow's metadata database (feature `metastore`). STUB: being written.

use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};

use crate::config::AirflowConfig;
use crate::registry::BuildContext;

/// Builds `MetastoreBackend` when it is named as the custom backend.
pub(crate) fn build(_kwargs: &Kwargs, _context: &BuildContext<'_>) -> Result<airflow_secrets_core::EnvironmentVariablesBackend, Error> {
    Err(Error::ProviderNotCompiled { class_path: "airflow.secrets.metastore.MetastoreBackend".into(), feature: "metastore" })
}

/// The metastore tier of the chain, when a database is configured.
pub(crate) async fn third_tier(_config: &AirflowConfig) -> Result<Option<Arc<dyn SecretsBackend>>, Error> {
    Ok(None)
}
