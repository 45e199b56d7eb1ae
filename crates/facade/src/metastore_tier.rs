//! The third tier: Airflow's metadata database (feature `metastore`).
//!
//! The database and the Fernet keys are read from Airflow's configuration as Airflow reads them:
//!
//! * `[database] sql_alchemy_conn`, then the legacy `[core] sql_alchemy_conn` (Airflow 2.3–2.x still
//!   honours it): the environment stage of both names (`AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`, its
//!   `_CMD` and `_SECRET`, then the `AIRFLOW__CORE__...` trio) before `airflow.cfg`, as Airflow checks
//!   every environment variable before the file;
//! * `[core] fernet_key` (env, `_CMD`, `_SECRET`, `airflow.cfg`, `fernet_key_cmd`, `fernet_key_secret`);
//!   unset or empty means "no encryption";
//! * `[database] sql_alchemy_schema` (the schema holding Airflow's tables; empty by default).
//!
//! A `_SECRET` option is read with the custom backend's `get_config`, as Airflow does; without a custom
//! backend it counts as unset.
//!
//! When no `sql_alchemy_conn` is set (or it is empty), Airflow uses its default,
//! `sqlite:///$AIRFLOW_HOME/airflow.db`. The chain gets the third tier only if that file exists — a
//! service next to a non-SQLite deployment would otherwise fail every lookup on a file that was never
//! there. Naming `airflow.secrets.metastore.MetastoreBackend` as the custom backend always uses the
//! default.

use std::path::PathBuf;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, SecretsBackend, async_trait};
use airflow_secrets_metastore::{
    ConfigLoader, DatabaseUrl, FernetKeys, MetastoreBackend, MetastoreConfig,
};

use crate::build_context::BuildContext;
use crate::config::{AirflowConfig, RawOption, RawValue};

/// Builds `MetastoreBackend` when it is named as the custom backend (`[secrets] backend`). Its settings
/// are read from the configuration on the first lookup (the registry is synchronous; reading may run a
/// `_CMD`). A `_SECRET` cannot be resolved here: this backend *is* the custom backend.
pub(crate) fn build(
    kwargs: &Kwargs,
    context: &BuildContext<'_>,
) -> Result<MetastoreBackend, Error> {
    MetastoreBackend::check_kwargs(kwargs)?;
    let config = match context.config {
        Some(config) => config.clone(),
        None => AirflowConfig::from_env()?,
    };
    Ok(MetastoreBackend::deferred(AirflowConfigLoader { config }))
}

/// The metastore tier of the chain: `Some` when a database is configured (or the default SQLite file
/// exists). `custom` resolves `sql_alchemy_conn_secret` / `fernet_key_secret`.
pub(crate) async fn third_tier(
    config: &AirflowConfig,
    custom: Option<&Arc<dyn SecretsBackend>>,
) -> Result<Option<Arc<dyn SecretsBackend>>, Error> {
    let database = match read_database(config, custom).await? {
        Some(db) => db,
        None => {
            let default = default_sqlite_path(config)?;
            if !default.is_file() {
                tracing::debug!(path = %default.display(), "no sql_alchemy_conn and no default SQLite file: no metastore tier");
                return Ok(None);
            }
            Database::default_sqlite(&default)
        }
    };
    let settings = read_settings(config, custom, database.url).await?;
    Ok(Some(Arc::new(checked_backend(
        settings,
        &database.source_name,
    )?)))
}

/// Reads the settings on the first lookup of a `MetastoreBackend` named as the custom backend.
/// `Debug` says only where the settings come from: the configuration holds secrets.
struct AirflowConfigLoader {
    config: AirflowConfig,
}

impl std::fmt::Debug for AirflowConfigLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<read from Airflow's configuration at the first lookup>")
    }
}

#[async_trait]
impl ConfigLoader for AirflowConfigLoader {
    async fn load(&self) -> Result<MetastoreConfig, Error> {
        let database = match read_database(&self.config, None).await? {
            Some(db) => db,
            None => Database::default_sqlite(default_sqlite_path(&self.config)?),
        };
        let settings = read_settings(&self.config, None, database.url).await?;
        // Validate now so that a bad URL is reported against the option's real source.
        checked_backend(settings.clone(), &database.source_name)?;
        Ok(settings)
    }
}

struct Database {
    url: DatabaseUrl,
    source_name: String,
}

impl Database {
    /// Airflow's default `sql_alchemy_conn`: the SQLite file at `path`.
    fn default_sqlite(path: impl AsRef<std::path::Path>) -> Database {
        Database {
            url: DatabaseUrl::sqlite(path),
            source_name: "Airflow's default sql_alchemy_conn".into(),
        }
    }
}

/// The backend for `settings`; a URL sqlx cannot use is reported against `source_name`, the option's
/// real source.
fn checked_backend(
    settings: MetastoreConfig,
    source_name: &str,
) -> Result<MetastoreBackend, Error> {
    MetastoreBackend::new(settings).map_err(|e| match e {
        Error::InvalidSetting {
            option, problem, ..
        } => Error::InvalidSetting {
            option,
            source_name: source_name.to_owned(),
            problem: redact::urls_in_text(&problem).into_owned(),
        },
        other => other,
    })
}

/// The settings for the database at `url`: the Fernet keys and the schema, read from the configuration.
async fn read_settings(
    config: &AirflowConfig,
    custom: Option<&Arc<dyn SecretsBackend>>,
    url: DatabaseUrl,
) -> Result<MetastoreConfig, Error> {
    let fernet = match resolve(
        config.option("core", "fernet_key").await?,
        "[core] fernet_key",
        custom,
    )
    .await?
    {
        Some((text, source_name)) => {
            FernetKeys::parse(&text).map_err(|e| Error::InvalidSetting {
                option: "[core] fernet_key".into(),
                source_name,
                problem: e.to_string(),
            })?
        }
        None => FernetKeys::none(),
    };
    let schema = config
        .get_str("database", "sql_alchemy_schema")
        .await?
        .map(|(s, _)| s);
    Ok(MetastoreConfig::new(url, fernet).with_schema(schema))
}

/// `sql_alchemy_conn`, `[database]` then legacy `[core]`: both environment stages first, then the file.
/// Each stage is read only if the ones before it gave nothing (a `_CMD` runs only when its turn comes).
async fn read_database(
    config: &AirflowConfig,
    custom: Option<&Arc<dyn SecretsBackend>>,
) -> Result<Option<Database>, Error> {
    let env_only = config.clone().with_cfg_file(None);
    let stages = [
        (&env_only, "database", "[database] sql_alchemy_conn"),
        (&env_only, "core", "[core] sql_alchemy_conn"),
        (config, "database", "[database] sql_alchemy_conn"),
        (config, "core", "[core] sql_alchemy_conn"),
    ];
    for (stage, section, option) in stages {
        let raw = stage.option(section, "sql_alchemy_conn").await?;
        let Some((text, source_name)) = resolve(raw, option, custom).await? else {
            continue;
        };
        // An empty value is treated as unset (SQLAlchemy would refuse it).
        if text.trim().is_empty() {
            continue;
        }
        // The problem must not quote the URL (its password); masking userinfo is the second line of
        // defence should a message ever do so.
        let url = DatabaseUrl::parse(&text).map_err(|e| Error::InvalidSetting {
            option: option.into(),
            source_name: source_name.clone(),
            problem: redact::urls_in_text(&e.to_string()).into_owned(),
        })?;
        return Ok(Some(Database { url, source_name }));
    }
    Ok(None)
}

/// The option's text and source; a `_SECRET` key is read with the custom backend's `get_config`
/// (errors are Airflow's "Cannot retrieve config from alternative secrets backend").
async fn resolve(
    raw: Option<RawOption>,
    option: &str,
    custom: Option<&Arc<dyn SecretsBackend>>,
) -> Result<Option<(String, String)>, Error> {
    match raw {
        None => Ok(None),
        Some(RawOption {
            source_name,
            value: RawValue::Value(text),
        }) => Ok(Some((text, source_name))),
        Some(RawOption {
            source_name,
            value: RawValue::SecretKey(key),
        }) => {
            let Some(backend) = custom else {
                tracing::warn!(option, source = %source_name, "a _secret option needs a custom secrets backend; none is configured, so it is ignored");
                return Ok(None);
            };
            match backend.get_config(&key).await {
                Ok(Some(v)) => Ok(Some((
                    v.expose().to_owned(),
                    format!("{source_name} (via {})", backend.name()),
                ))),
                Ok(None) => Ok(None),
                Err(e) => Err(Error::InvalidSetting {
                    option: option.into(),
                    source_name,
                    problem: format!(
                        "Cannot retrieve config from alternative secrets backend. Make sure it is configured \
                         properly and that the Backend is accessible. {}",
                        redact::urls_in_text(&e.to_string())
                    ),
                }),
            }
        }
    }
}

/// `$AIRFLOW_HOME/airflow.db`, `AIRFLOW_HOME` defaulting to `~/airflow` (both expanded), as Airflow's
/// default `sql_alchemy_conn`.
fn default_sqlite_path(config: &AirflowConfig) -> Result<PathBuf, Error> {
    let home = config
        .env_var("AIRFLOW_HOME")
        .filter(|h| !h.is_empty())
        .unwrap_or("~/airflow");
    let home = config.expand(home).map_err(|e| Error::InvalidSetting {
        option: "AIRFLOW_HOME".into(),
        source_name: "environment variable AIRFLOW_HOME".into(),
        problem: e.to_string(),
    })?;
    Ok(PathBuf::from(home).join("airflow.db"))
}
