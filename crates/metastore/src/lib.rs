//! # airflow-secrets-metastore
//!
//! The third tier of Airflow's lookup chain for [airflow-secrets](https://crates.io/crates/airflow-secrets):
//! Airflow's metadata database, where the variables and connections set in the Airflow UI live
//! (`variable` and `connection` tables, values encrypted with the deployment's Fernet key). This is
//! Airflow's `airflow.secrets.metastore.MetastoreBackend`.
//!
//! * [`DatabaseUrl`] parses `[database] sql_alchemy_conn` exactly as SQLAlchemy does (SQLite, PostgreSQL,
//!   MySQL/MariaDB; any driver suffix) and never prints the password;
//! * [`FernetKeys`] is Airflow's `get_fernet()`: comma-separated keys tried in order (key rotation), or
//!   none ("no encryption");
//! * [`MetastoreBackend`] runs read-only queries through a small sqlx pool opened on the first lookup.
//!
//! Most users get this tier from the `airflow-secrets` facade with its `metastore` feature: the facade
//! reads `sql_alchemy_conn` and `fernet_key` from Airflow's configuration (environment, `_CMD`, `_SECRET`,
//! `airflow.cfg`) and appends the tier when a database is configured. To use it directly:
//!
//! ```no_run
//! use airflow_secrets_core::SecretsBackend;
//! use airflow_secrets_metastore::{MetastoreBackend, MetastoreSettings};
//! # async fn demo() -> Result<(), airflow_secrets_core::Error> {
//! let settings = MetastoreSettings::from_strings(
//!     "postgresql+psycopg2://airflow:airflow@localhost:5432/airflow",
//!     &std::env::var("AIRFLOW__CORE__FERNET_KEY").unwrap_or_default(),
//! )?;
//! let metastore = MetastoreBackend::new(settings)?;
//! if let Some(v) = metastore.get_variable("my_var").await? {
//!     println!("my_var = {}", v.expose());
//! }
//! let conn = metastore.get_connection("my_postgres").await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod backend;
mod connect;
mod crypto;
mod dburl;
mod errors;
mod rows;
mod settings;
mod store;

pub use backend::{MetastoreBackend, SettingsLoader};
pub use crypto::{FernetKeyError, FernetKeys};
pub use dburl::{DatabaseUrl, Dialect, UrlError};
pub use settings::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, MetastoreSettings};
