//! [`MetastoreBackend`]: Airflow's `airflow.secrets.metastore.MetastoreBackend`.

use std::fmt;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, Error, SecretKind, SecretValue, SecretsBackend, async_trait,
};
use tokio::sync::OnceCell;

use crate::MetastoreSettings;
use crate::store::Store;

/// The backend's name, as Airflow's class is called.
pub(crate) const NAME: &str = "MetastoreBackend";

/// Where the settings come from when they are not given up front (the `airflow-secrets` facade reads
/// them from Airflow's configuration on the first lookup, which may run a `_CMD` or ask the custom
/// backend for a `_SECRET`).
#[async_trait]
pub trait SettingsLoader: Send + Sync + fmt::Debug {
    /// Produces the settings. Called on the first lookup, and again after a failure.
    async fn load(&self) -> Result<MetastoreSettings, Error>;
}

enum Source {
    Ready(Box<Store>),
    Deferred {
        loader: Box<dyn SettingsLoader>,
        store: OnceCell<Box<Store>>,
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
/// [`max_connections`](MetastoreSettings::with_max_connections), 2 by default) is opened on the first
/// lookup, shared by concurrent lookups, and closes idle connections after a minute. A database that
/// cannot be reached within the connect timeout gives [`Error::Unavailable`], so the chain falls through.
///
/// `Debug` shows the database URL without its password and the number of Fernet keys.
///
/// ```
/// use airflow_secrets_metastore::{MetastoreBackend, MetastoreSettings};
/// let settings = MetastoreSettings::from_strings(
///     "postgresql+psycopg2://airflow:s3cr3t@127.0.0.1:5432/airflow",
///     "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=",
/// )?;
/// let backend = MetastoreBackend::new(settings)?; // no connection is made yet
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
    /// A backend for these settings. Validates them (the URL must translate to connect options) but
    /// opens no connection.
    pub fn new(settings: MetastoreSettings) -> Result<MetastoreBackend, Error> {
        Ok(MetastoreBackend {
            source: Source::Ready(Box::new(Store::new(settings)?)),
        })
    }

    /// A backend whose settings are produced by `loader` on the first lookup (and again after a
    /// failure to load them). Construction does nothing else.
    pub fn deferred(loader: impl SettingsLoader + 'static) -> MetastoreBackend {
        MetastoreBackend {
            source: Source::Deferred {
                loader: Box::new(loader),
                store: OnceCell::new(),
            },
        }
    }

    /// Checks Airflow's kwargs for this class: `MetastoreBackend()` accepts none, so any key is
    /// [`Error::UnknownKwarg`].
    pub fn check_kwargs(kwargs: &Kwargs) -> Result<(), Error> {
        match kwargs.keys().next() {
            None => Ok(()),
            Some(kwarg) => Err(Error::UnknownKwarg {
                backend: NAME,
                kwarg: kwarg.clone(),
                accepted: "(none: MetastoreBackend takes no kwargs; it reads [database] sql_alchemy_conn and \
                           [core] fernet_key from Airflow's configuration)"
                    .into(),
            }),
        }
    }

    /// The settings in use, once known (always for [`new`](Self::new); after the first lookup for
    /// [`deferred`](Self::deferred)).
    pub fn settings(&self) -> Option<&MetastoreSettings> {
        match &self.source {
            Source::Ready(store) => Some(&store.settings),
            Source::Deferred { store, .. } => store.get().map(|s| &s.settings),
        }
    }

    async fn store(&self) -> Result<&Store, Error> {
        match &self.source {
            Source::Ready(store) => Ok(store),
            Source::Deferred { loader, store } => Ok(store
                .get_or_try_init(|| async { Store::new(loader.load().await?).map(Box::new) })
                .await?),
        }
    }
}

impl fmt::Debug for MetastoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.settings() {
            Some(s) => f
                .debug_struct(NAME)
                .field("database", &format_args!("{}", s.database()))
                .field("fernet_keys", s.fernet_keys())
                .field("schema", &s.schema())
                .finish(),
            None => match &self.source {
                Source::Deferred { loader, .. } => {
                    f.debug_struct(NAME).field("settings", loader).finish()
                }
                Source::Ready(_) => unreachable!("ready backends have settings"),
            },
        }
    }
}

#[async_trait]
impl SecretsBackend for MetastoreBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        match kind {
            SecretKind::Variable => self.store().await?.variable(key).await,
            SecretKind::Connection => Ok(self
                .store()
                .await?
                .connection(key, ConnectionFlavor::default())
                .await?
                .map(|c| SecretValue::new(c.as_json()))),
            SecretKind::Config => Ok(None),
        }
    }

    async fn get_connection_as(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Option<Connection>, Error> {
        self.store().await?.connection(conn_id, flavor).await
    }
}
