//! [`MetastoreBackend`]: Airflow's `airflow.secrets.metastore.MetastoreBackend`.

use std::fmt;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, Error, SecretKind, SecretValue, SecretsBackend, async_trait,
};
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::names::Table;
use crate::{BACKEND, ConfigLoader, MetastoreConfig, kwargs};

enum Source {
    Ready(Box<Client>),
    Deferred {
        loader: Box<dyn ConfigLoader>,
        client: OnceCell<Box<Client>>,
    },
}

/// Reads variables and connections from Airflow's metadata database, as Airflow's `MetastoreBackend`:
/// the third tier of Airflow's lookup chain (after the custom backend and environment variables).
///
/// * a **variable** is the `val` of the `variable` row with that `key`, decrypted with the Fernet keys
///   when `is_encrypted`; a NULL `val` or no row is not found;
/// * a **connection** is built from the `connection` row's columns (`conn_type`, `description`,
///   `host`, `schema`, `login`, `password`, `port`, `extra`), `password` and `extra` decrypted when
///   `is_encrypted` / `is_extra_encrypted`. [`get_connection_as`](SecretsBackend::get_connection_as)
///   returns it directly (no URI round trip); [`get_conn_value`](SecretsBackend::get_conn_value) returns
///   its [`as_json`](Connection::as_json) form, which keeps every field;
/// * **config** lookups find nothing (Airflow's base class returns `None`).
///
/// Only `SELECT` statements are sent; a SQLite file is opened read-only. The pool (at most
/// [`max_connections`](MetastoreConfig::with_max_connections), 2 by default) is opened on the first
/// lookup, shared by concurrent lookups, and closes idle connections after a minute. A database that
/// cannot be reached within the connect timeout gives [`Error::Unavailable`], so the chain falls through.
///
/// `Debug` shows the database URL without its password and the number of Fernet keys.
///
/// ```
/// use airflow_secrets_metastore::{MetastoreBackend, MetastoreConfig};
/// let config = MetastoreConfig::from_strings(
///     "postgresql+psycopg2://airflow:s3cr3t@127.0.0.1:5432/airflow",
///     "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=",
/// )?;
/// let backend = MetastoreBackend::new(config)?; // no connection is made yet
/// assert_eq!(
///     format!("{backend:?}"),
///     "MetastoreBackend { database: postgresql+psycopg2://airflow:***@127.0.0.1:5432/airflow, fernet_keys: FernetKeys(1 key), schema: None }"
/// );
/// # Ok::<(), airflow_secrets_core::Error>(())
/// ```
pub struct MetastoreBackend {
    source: Source,
}

impl MetastoreBackend {
    /// A backend for this configuration. Validates it (the URL must translate to connect options) but
    /// opens no connection.
    pub fn new(config: MetastoreConfig) -> Result<MetastoreBackend, Error> {
        Ok(MetastoreBackend {
            source: Source::Ready(Box::new(Client::new(config)?)),
        })
    }

    /// A backend whose configuration is produced by `loader` on the first lookup (and again after a
    /// failure to load it). Construction does nothing else.
    pub fn deferred(loader: impl ConfigLoader + 'static) -> MetastoreBackend {
        MetastoreBackend {
            source: Source::Deferred {
                loader: Box::new(loader),
                client: OnceCell::new(),
            },
        }
    }

    /// Checks Airflow's kwargs for this class: `MetastoreBackend()` accepts none, so any key is
    /// [`Error::UnknownKwarg`].
    pub fn check_kwargs(kwargs: &Kwargs) -> Result<(), Error> {
        kwargs::check(kwargs)
    }

    /// The configuration in use, once known (always for [`new`](Self::new); after the first lookup for
    /// [`deferred`](Self::deferred)).
    pub fn config(&self) -> Option<&MetastoreConfig> {
        match &self.source {
            Source::Ready(client) => Some(&client.config),
            Source::Deferred { client, .. } => client.get().map(|c| &c.config),
        }
    }

    /// The client, once its configuration is known (loading it on the first lookup if deferred).
    async fn client(&self) -> Result<&Client, Error> {
        match &self.source {
            Source::Ready(client) => Ok(client),
            Source::Deferred { loader, client } => Ok(client
                .get_or_try_init(|| async { Client::new(loader.load().await?).map(Box::new) })
                .await?),
        }
    }
}

impl fmt::Debug for MetastoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.config() {
            Some(s) => f
                .debug_struct(BACKEND)
                .field("database", &format_args!("{}", s.database()))
                .field("fernet_keys", s.fernet_keys())
                .field("schema", &s.schema())
                .finish(),
            None => match &self.source {
                Source::Deferred { loader, .. } => {
                    f.debug_struct(BACKEND).field("config", loader).finish()
                }
                Source::Ready(_) => unreachable!("ready backends have a configuration"),
            },
        }
    }
}

#[async_trait]
impl SecretsBackend for MetastoreBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    /// Route (the kind's table; config is never in the metastore, as in Airflow's base class, and
    /// nothing is sent) → client → context → deadline → read → map.
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    async fn get_connection_as(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Option<Connection>, Error> {
        self.get_connection_for_team(conn_id, flavor, None).await
    }

    /// Airflow's `team_name = :team OR team_name IS NULL`: the team's row, else the shared one.
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        let Some(table) = Table::of(kind) else {
            return Ok(None);
        };
        let client = self.client().await?;
        let ctx = client.context(table, key);
        let deadline = Some(client.deadline());
        match table {
            Table::Variable => {
                deadline::within(&ctx, deadline, client.variable(&ctx, key, team)).await
            }
            Table::Connection => {
                let read = client.connection(&ctx, key, ConnectionFlavor::default(), team);
                Ok(deadline::within(&ctx, deadline, read)
                    .await?
                    .map(|c| SecretValue::new(c.as_json())))
            }
        }
    }

    async fn get_connection_for_team(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
        team: Option<&str>,
    ) -> Result<Option<Connection>, Error> {
        let client = self.client().await?;
        let ctx = client.context(Table::Connection, conn_id);
        let read = client.connection(&ctx, conn_id, flavor, team);
        deadline::within(&ctx, Some(client.deadline()), read).await
    }
}
