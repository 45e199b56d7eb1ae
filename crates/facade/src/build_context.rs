//! [`BuildContext`]: what building a backend may need besides its kwargs. Its own module so that the
//! registry and the backends it builds (the metastore's third tier) both use it without importing
//! each other.

/// What a backend may need besides its kwargs: today only the metastore, which reads Airflow's
/// `[database]` and `[core] fernet_key` options, and Vault, which reads its `VAULT_*` variables from
/// the configuration's environment snapshot.
#[derive(Debug, Default)]
pub struct BuildContext<'a> {
    /// Airflow's configuration, when the caller has one.
    pub config: Option<&'a crate::AirflowConfig>,
}
