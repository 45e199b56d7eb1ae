//! [`BuildContext`]: what building a backend may need besides its kwargs. Its own module so that the
//! registry and the backends it builds (the metastore's third tier) both use it without importing
//! each other.

/// What a backend may need besides its kwargs: the metastore reads Airflow's `[database]` and
/// `[core] fernet_key` options, Vault and Azure their `VAULT_*`/`AZURE_*` variables from the
/// configuration's environment snapshot, and the backends with team-scoped names Airflow's
/// `[core] multi_team`.
#[derive(Debug, Default)]
pub struct BuildContext<'a> {
    /// Airflow's configuration, when the caller has one.
    pub config: Option<&'a crate::AirflowConfig>,
    /// Airflow's `[core] multi_team` (read by [`SecretsSettings::load`](crate::SecretsSettings::load)).
    pub multi_team: bool,
}
