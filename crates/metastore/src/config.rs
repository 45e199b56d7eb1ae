//! [`MetastoreConfig`]: the validated configuration — which database to read and how to decrypt it —
//! and [`ConfigLoader`], for a configuration produced on the first lookup.

use std::time::Duration;

use airflow_secrets_core::provider::limits::MAX_SECONDS;
use airflow_secrets_core::{Error, async_trait};

/// The longest timeout accepted (longer ones are capped): [`MAX_SECONDS`], one day.
const MAX_TIMEOUT: Duration = Duration::from_secs(MAX_SECONDS as u64);

use crate::{DatabaseUrl, FernetKeys};

/// How long a lookup waits for a database connection before the database counts as unavailable.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a lookup's query may run once it has a connection before the database counts as
/// unavailable (Airflow has no such bound; a stalled database would otherwise hang the lookup).
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections kept open at most (the pool opens them on demand and closes idle ones).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 2;

/// Everything [`MetastoreBackend`](crate::MetastoreBackend) needs: Airflow's `[database] sql_alchemy_conn`,
/// `[database] sql_alchemy_schema` and `[core] fernet_key`, plus pool limits.
///
/// `Debug` never shows the database password or the keys.
///
/// ```
/// use std::time::Duration;
/// use airflow_secrets_metastore::MetastoreConfig;
/// let c = MetastoreConfig::from_strings("sqlite:////opt/airflow/airflow.db", "")?
///     .with_connect_timeout(Duration::from_secs(2));
/// assert_eq!(c.database().to_string(), "sqlite:////opt/airflow/airflow.db");
/// assert!(c.fernet_keys().is_empty());
/// # Ok::<(), airflow_secrets_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MetastoreConfig {
    database: DatabaseUrl,
    fernet: FernetKeys,
    schema: Option<String>,
    connect_timeout: Duration,
    query_timeout: Duration,
    max_connections: u32,
}

impl MetastoreConfig {
    /// The configuration for this database and these keys, with the default pool limits and no schema.
    pub fn new(database: DatabaseUrl, fernet: FernetKeys) -> MetastoreConfig {
        MetastoreConfig {
            database,
            fernet,
            schema: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// Parses a `sql_alchemy_conn` and a `fernet_key` value given in code. Errors are
    /// [`Error::InvalidSetting`] naming the option (never its value).
    pub fn from_strings(
        sql_alchemy_conn: &str,
        fernet_key: &str,
    ) -> Result<MetastoreConfig, Error> {
        let database = DatabaseUrl::parse(sql_alchemy_conn).map_err(|e| Error::InvalidSetting {
            option: "[database] sql_alchemy_conn".into(),
            source_name: "the value given in code".into(),
            problem: e.to_string(),
        })?;
        let fernet = FernetKeys::parse(fernet_key).map_err(|e| Error::InvalidSetting {
            option: "[core] fernet_key".into(),
            source_name: "the value given in code".into(),
            problem: e.to_string(),
        })?;
        Ok(MetastoreConfig::new(database, fernet))
    }

    /// The database schema holding Airflow's tables (`[database] sql_alchemy_schema`); empty means the
    /// connection's default (PostgreSQL's `search_path`).
    pub fn with_schema(mut self, schema: Option<String>) -> Self {
        self.schema = schema
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_owned());
        self
    }

    /// How long a lookup waits for a connection (default [`DEFAULT_CONNECT_TIMEOUT`]). PostgreSQL's
    /// `?connect_timeout=N` in the URL sets it too.
    /// At most one day ([`MAX_SECONDS`]): a longer bound would only overflow the pool's deadline.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// How long a lookup's query may run once it has a connection (default [`DEFAULT_QUERY_TIMEOUT`]; at
    /// most one day). A query that takes longer makes the lookup [`Error::Unavailable`] and its
    /// connection is closed. On MySQL/MariaDB it is also the session's `lock_wait_timeout`.
    pub fn with_query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// The most connections the pool opens (default [`DEFAULT_MAX_CONNECTIONS`]; at least 1).
    pub fn with_max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// The database.
    pub fn database(&self) -> &DatabaseUrl {
        &self.database
    }

    /// The Fernet keys.
    pub fn fernet_keys(&self) -> &FernetKeys {
        &self.fernet
    }

    /// The schema, if one is set.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The connection timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The query timeout.
    pub fn query_timeout(&self) -> Duration {
        self.query_timeout
    }

    /// The pool's maximum size.
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }
}

/// Where the configuration comes from when it is not given up front (the `airflow-secrets` facade reads
/// it from Airflow's configuration on the first lookup, which may run a `_CMD` or ask the custom
/// backend for a `_SECRET`).
#[async_trait]
pub trait ConfigLoader: Send + Sync + std::fmt::Debug {
    /// Produces the configuration. Called on the first lookup, and again after a failure.
    async fn load(&self) -> Result<MetastoreConfig, Error>;
}
