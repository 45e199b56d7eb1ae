//! From a [`DatabaseUrl`] to sqlx connect options and a small lazy pool.
//!
//! The options are built from the parsed URL (never by handing the SQLAlchemy string to sqlx, whose URL
//! rules differ). Query parameters sqlx understands are passed on; others are ignored with a warning that
//! names the parameter but not its value.

use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlSslMode};
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use crate::{DatabaseUrl, Dialect, MetastoreSettings};

/// Connect options for one of the three engines.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
}

/// A pool for one of the three engines.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A URL that parsed as SQLAlchemy's but that sqlx cannot use (e.g. an invalid `sslmode`).
#[derive(Debug)]
pub(crate) struct TargetError(pub(crate) String);

impl Target {
    /// Translates the URL. `timeout` is the configured connect timeout, which PostgreSQL's
    /// `connect_timeout` parameter overrides (returned alongside).
    pub(crate) fn from_url(
        url: &DatabaseUrl,
        timeout: Duration,
    ) -> Result<(Target, Duration), TargetError> {
        match url.dialect() {
            Dialect::Sqlite => Ok((Target::Sqlite(sqlite_options(url)?), timeout)),
            Dialect::Postgres => {
                postgres_options(url, timeout).map(|(o, t)| (Target::Postgres(o), t))
            }
            Dialect::MySql => Ok((Target::MySql(mysql_options(url)?), timeout)),
        }
    }

    /// Opens the pool without connecting (the first lookup connects). Needs a Tokio runtime.
    pub(crate) fn pool(&self, settings: &MetastoreSettings, timeout: Duration) -> Db {
        fn opts<DB: sqlx::Database>(max: u32, timeout: Duration) -> PoolOptions<DB> {
            PoolOptions::new()
                .max_connections(max)
                .min_connections(0)
                .acquire_timeout(timeout)
                // Close idle connections so a quiet service holds nothing open on Airflow's database.
                .idle_timeout(Duration::from_secs(60))
                .max_lifetime(Duration::from_secs(30 * 60))
        }
        let max = settings.max_connections();
        match self {
            Target::Sqlite(o) => Db::Sqlite(opts(max, timeout).connect_lazy_with(o.clone())),
            Target::Postgres(o) => Db::Postgres(opts(max, timeout).connect_lazy_with(o.clone())),
            Target::MySql(o) => Db::MySql(opts(max, timeout).connect_lazy_with(o.clone())),
        }
    }

    /// One direct connection attempt, used to explain a pool timeout (the pool retries a refused
    /// connection until its deadline and then reports only "timed out").
    pub(crate) async fn probe(&self, timeout: Duration) -> Option<sqlx::Error> {
        let attempt = async {
            match self {
                Target::Sqlite(o) => o.connect().await.map(drop),
                Target::Postgres(o) => o.connect().await.map(drop),
                Target::MySql(o) => o.connect().await.map(drop),
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Err(e)) => Some(e),
            Ok(Ok(())) | Err(_) => None,
        }
    }
}

fn warn_ignored(dialect: Dialect, key: &str) {
    tracing::warn!(
        dialect = %dialect,
        parameter = key,
        "ignoring sql_alchemy_conn query parameter `{key}`: airflow-secrets does not use it"
    );
}

fn sqlite_options(url: &DatabaseUrl) -> Result<SqliteConnectOptions, TargetError> {
    let path = url
        .sqlite_path()
        .ok_or_else(|| TargetError("in-memory SQLite database".into()))?;
    // Read-only: this crate never writes to Airflow's database; a missing file is an error, not a new
    // empty database.
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    let uri = url
        .query_param("uri")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    for (key, value) in url.query() {
        match key.as_str() {
            // pysqlite's `timeout` (seconds to wait for a lock) is SQLite's busy timeout.
            "timeout" => {
                let secs: f64 = value.parse().map_err(|_| {
                    TargetError(format!(
                        "`timeout` must be a number of seconds, not `{value}`"
                    ))
                })?;
                options = options.busy_timeout(Duration::from_secs_f64(secs.max(0.0)));
            }
            "immutable" if uri => options = options.immutable(value == "1"),
            "uri" | "check_same_thread" | "isolation_level" | "detect_types"
            | "cached_statements" => {}
            "mode" | "cache" | "vfs" if uri => {}
            other => warn_ignored(Dialect::Sqlite, other),
        }
    }
    Ok(options)
}

/// Query parameters of a PostgreSQL URL that are handed to sqlx (which reads them as libpq does).
const PG_PASSED: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

fn postgres_options(
    url: &DatabaseUrl,
    timeout: Duration,
) -> Result<(PgConnectOptions, Duration), TargetError> {
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    // libpq's default when the URL names no host: $PGHOST, else the local socket directory, else
    // localhost — sqlx computes the same default.
    // sqlx reads a host starting with `/` (percent-encoded) as a Unix socket directory and any other
    // host verbatim.
    let host_part = |h: &str| {
        if h.starts_with('/') {
            enc(h)
        } else if h.contains(':') {
            format!("[{h}]")
        } else {
            h.to_owned()
        }
    };
    let host = match url.host() {
        Some(h) => host_part(h),
        None => host_part(PgConnectOptions::new_without_pgpass().get_host()),
    };
    let mut text = String::from("postgres://");
    let user = url.username().filter(|u| !u.is_empty());
    if user.is_some() || url.password().is_some() {
        if let Some(user) = user {
            text.push_str(&enc(user));
        }
        if let Some(password) = url.password() {
            text.push(':');
            text.push_str(&enc(password.expose()));
        }
        text.push('@');
    }
    text.push_str(&host);
    if let Some(port) = url.port() {
        text.push_str(&format!(":{port}"));
    }
    if let Some(db) = url.database().filter(|d| !d.is_empty()) {
        text.push('/');
        text.push_str(&enc(db));
    }
    // Parse errors here could echo the URL: report a fixed message instead.
    let mut sqlx_url = url::Url::parse(&text).map_err(|_| {
        TargetError("the host, user or database cannot be expressed as a PostgreSQL URL".into())
    })?;
    let mut timeout = timeout;
    {
        let mut pairs = sqlx_url.query_pairs_mut();
        for (key, value) in url.query() {
            match key.as_str() {
                k if PG_PASSED.contains(&k) => {
                    pairs.append_pair(k, value);
                }
                "connect_timeout" => {
                    let secs: u64 = value.trim().parse().map_err(|_| {
                        TargetError(format!(
                            "`connect_timeout` must be a whole number of seconds, not `{value}`"
                        ))
                    })?;
                    // libpq: zero, or no value, means wait indefinitely; a pool needs a bound.
                    if secs > 0 {
                        timeout = Duration::from_secs(secs.max(2));
                    }
                }
                other => warn_ignored(Dialect::Postgres, other),
            }
        }
    }
    // Read `.pgpass` as libpq does (sqlx applies it after parsing the URL).
    let options =
        PgConnectOptions::from_url(&sqlx_url).map_err(|e| TargetError(redact(&e, url)))?;
    Ok((options, timeout))
}

fn mysql_options(url: &DatabaseUrl) -> Result<MySqlConnectOptions, TargetError> {
    let mut options = MySqlConnectOptions::new();
    // mysqlclient/PyMySQL default to localhost when the URL has no host.
    options = options.host(url.host().unwrap_or("localhost"));
    if let Some(port) = url.port() {
        options = options.port(port);
    }
    if let Some(user) = url.username().filter(|u| !u.is_empty()) {
        options = options.username(user);
    }
    if let Some(password) = url.password() {
        options = options.password(password.expose());
    }
    if let Some(db) = url.database().filter(|d| !d.is_empty()) {
        options = options.database(db);
    }
    for (key, value) in url.query() {
        match key.as_str() {
            "charset" => options = options.charset(value),
            "unix_socket" => options = options.socket(value),
            "ssl_ca" => options = options.ssl_ca(value),
            "ssl_cert" => options = options.ssl_client_cert(value),
            "ssl_key" => options = options.ssl_client_key(value),
            "ssl_mode" | "ssl-mode" | "sslmode" => {
                let mode: MySqlSslMode = value.parse().map_err(|_| {
                    TargetError(format!(
                        "`{key}` must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY, not `{value}`"
                    ))
                })?;
                options = options.ssl_mode(mode);
            }
            "binary_prefix" | "local_infile" => {}
            other => warn_ignored(Dialect::MySql, other),
        }
    }
    Ok(options)
}

/// An error message with the database password (raw and percent-encoded) replaced by `***`.
pub(crate) fn redact(error: &dyn std::fmt::Display, url: &DatabaseUrl) -> String {
    let mut text = error.to_string();
    if let Some(password) = url.password().map(|p| p.expose()).filter(|p| !p.is_empty()) {
        text = text.replace(password, "***");
        let encoded = utf8_percent_encode(password, NON_ALPHANUMERIC).to_string();
        text = text.replace(&encoded, "***");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> (Target, Duration) {
        Target::from_url(&DatabaseUrl::parse(url).unwrap(), Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn postgres_url_is_translated() {
        let (t, timeout) = target(
            "postgresql+psycopg2://air%40flow:p%2Fw@db.example:6432/air_db?sslmode=require&connect_timeout=9&keepalives=1",
        );
        let Target::Postgres(o) = t else {
            panic!("not postgres")
        };
        assert_eq!(o.get_host(), "db.example");
        assert_eq!(o.get_port(), 6432);
        assert_eq!(o.get_username(), "air@flow");
        assert_eq!(o.get_database(), Some("air_db"));
        assert!(matches!(
            o.get_ssl_mode(),
            sqlx::postgres::PgSslMode::Require
        ));
        assert_eq!(timeout, Duration::from_secs(9));
        let (t, _) = target("postgresql://u:pw@[::1]/d?host=/run/pg&options=-c%20search_path%3Dx");
        let Target::Postgres(o) = t else {
            panic!("not postgres")
        };
        assert_eq!(
            o.get_socket().map(|p| p.display().to_string()).as_deref(),
            Some("/run/pg")
        );
        assert_eq!(o.get_options(), Some("-c search_path=x"));
        let err = Target::from_url(
            &DatabaseUrl::parse("postgresql://u:s3cr3t@h/d?sslmode=bogus").unwrap(),
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(!err.0.contains("s3cr3t"), "{}", err.0);
    }

    #[test]
    fn mysql_and_sqlite_urls_are_translated() {
        let (t, _) =
            target("mysql+mysqldb://root:pw@mysql:3307/airflow?charset=utf8mb4&ssl_mode=REQUIRED");
        let Target::MySql(o) = t else {
            panic!("not mysql")
        };
        assert_eq!(
            (o.get_host(), o.get_port(), o.get_username()),
            ("mysql", 3307, "root")
        );
        assert_eq!(
            (o.get_database(), o.get_charset()),
            (Some("airflow"), "utf8mb4")
        );
        assert!(matches!(o.get_ssl_mode(), MySqlSslMode::Required));
        let (t, _) = target("sqlite:////var/lib/airflow/airflow.db?timeout=2.5");
        let Target::Sqlite(o) = t else {
            panic!("not sqlite")
        };
        assert_eq!(
            o.get_filename(),
            std::path::Path::new("/var/lib/airflow/airflow.db")
        );
        let err = Target::from_url(
            &DatabaseUrl::parse("sqlite:////a.db?timeout=soon").unwrap(),
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(err.0.contains("`timeout`"), "{}", err.0);
    }
}
