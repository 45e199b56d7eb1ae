//! [`MetastoreSettings`]: which database to read and how to decrypt it.

use std::time::Duration;

use airflow_secrets_core::Error;

use crate::{DatabaseUrl, FernetKeys};

/// How long a lookup waits for a database connection before the database counts as unavailable.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections kept open at most (the pool opens them on demand and closes idle ones).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 2;

/// Everything [`MetastoreBackend`](crate::MetastoreBackend) needs: Airflow's `[database] sql_alchemy_conn`,
/// `[database] sql_alchemy_schema` and `[core] fernet_key`, plus pool limits.
///
/// `Debug` never shows the database password or the keys.
///
/// ```
/// use std::time::Duration;
/// use airflow_secrets_metastore::MetastoreSettings;
/// let s = MetastoreSettings::from_strings("sqlite:////opt/airflow/airflow.db", "")?
///     .with_connect_timeout(Duration::from_secs(2));
/// assert_eq!(s.database().to_string(), "sqlite:////opt/airflow/airflow.db");
/// assert!(s.fernet_keys().is_empty());
/// # Ok::<(), airflow_secrets_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MetastoreSettings {
    database: DatabaseUrl,
    fernet: FernetKeys,
    schema: Option<String>,
    connect_timeout: Duration,
    max_connections: u32,
}

impl MetastoreSettings {
    /// Settings for this database and these keys, with the default pool limits and no schema.
    pub fn new(database: DatabaseUrl, fernet: FernetKeys) -> MetastoreSettings {
        MetastoreSettings {
            database,
            fernet,
            schema: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// Parses a `sql_alchemy_conn` and a `fernet_key` value given in code. Errors are
    /// [`Error::InvalidSetting`] naming the option (never its value).
    pub fn from_strings(
        sql_alchemy_conn: &str,
        fernet_key: &str,
    ) -> Result<MetastoreSettings, Error> {
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
        Ok(MetastoreSettings::new(database, fernet))
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
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
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

    /// The pool's maximum size.
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }
}
