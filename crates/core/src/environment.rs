//! STUB: `EnvironmentVariablesBackend` is being written.

/// Airflow's `EnvironmentVariablesBackend` (stub).
#[derive(Debug, Default, Clone)]
pub struct EnvironmentVariablesBackend;
