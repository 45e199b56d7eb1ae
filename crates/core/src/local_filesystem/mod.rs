//! STUB: `LocalFilesystemBackend` is being written.

/// Airflow's `LocalFilesystemBackend` (stub).
#[derive(Debug, Default, Clone)]
pub struct LocalFilesystemBackend;
