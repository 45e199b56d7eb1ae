//! From a [`DatabaseUrl`] to sqlx connect options and a small lazy pool.
//!
//! The options are built from the parsed URL (never by handing the SQLAlchemy string to sqlx, whose URL
//! rules differ). Query parameters sqlx understands are passed on; others are ignored with a warning that
//! names the parameter but not its value.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::limits::{self, MAX_SECONDS};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlSslMode};
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ConnectOptions, Executor};

use crate::{BACKEND, DatabaseUrl, Dialect, MetastoreConfig};

/// The longest a pool timeout is explained by a direct connection attempt: a refused or unresolvable
/// database answers at once; a silent one has already cost the rest of the connect timeout.
const PROBE_MAX: Duration = Duration::from_millis(500);

/// How the connect timeout is shared between the pool's wait for a connection and the direct attempt
/// that explains a failed wait: `(acquire, probe)`, which add up to the connect timeout. The probe gets
/// a tenth of it, at most [`PROBE_MAX`].
pub(crate) fn connect_budgets(timeout: Duration) -> (Duration, Duration) {
    let probe = (timeout / 10).min(PROBE_MAX);
    (timeout - probe, probe)
}

/// How much longer than the driver's own limit a caller waits for work on [`on_own_thread`]: the
/// worker's limits normally end it first and say which one.
pub(crate) const GRACE: Duration = Duration::from_millis(250);

/// Runs `work` on a new thread, driven through [`tokio::runtime::Handle::block_on`] by the caller's
/// runtime (its IO and timers; a current-thread runtime drives them while its `block_on` waits), and
/// returns at once. The caller waits for the work's answer under its own timeout: sqlx's drivers can
/// stay inside one poll for as long as a server keeps sending (PostgreSQL skips NoticeResponse
/// messages in a loop that reads the socket while it has data), which would hold the caller's task and,
/// on a current-thread runtime, every task. A plain thread, not `spawn_blocking`: a runtime waits for
/// its blocking tasks when it is dropped, and a held worker must not keep a program from exiting.
pub(crate) fn on_own_thread(
    work: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("airflow-secrets-metastore".into())
        .spawn(move || handle.block_on(work))
        .map(drop)
}

/// The most [`Target::probe`] attempts running at a time, and how many are.
const MAX_PROBES: usize = 4;
static PROBES: AtomicUsize = AtomicUsize::new(0);

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

/// A URL that parsed as SQLAlchemy's but that sqlx cannot use (e.g. an invalid `sslmode`). The message
/// names the query parameter but never repeats a value of the URL.
#[derive(Debug)]
pub(crate) struct TargetError(pub(crate) String);

/// A number of seconds from the URL's query parameter `key`, checked by [`limits::seconds`] (finite, not
/// negative, at most a day) so that it cannot panic in `Duration` or overflow an `Instant`.
fn url_seconds(key: &str, value: &str, whole: bool) -> Result<Duration, TargetError> {
    let kind = if whole { "a whole" } else { "a" };
    let not_a_number = || {
        TargetError(format!(
            "the query parameter `{key}` must be {kind} number of seconds from 0 to {MAX_SECONDS}"
        ))
    };
    let secs: f64 = if whole {
        value.trim().parse::<u64>().map_err(|_| not_a_number())? as f64
    } else {
        value.trim().parse().map_err(|_| not_a_number())?
    };
    limits::seconds(BACKEND, key, secs, MAX_SECONDS).map_err(|e| match e {
        Error::InvalidKwarg { problem, .. } if secs.is_finite() => {
            TargetError(format!("the query parameter `{key}` {problem}"))
        }
        _ => not_a_number(),
    })
}

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
    ///
    /// MySQL/MariaDB sessions get `lock_wait_timeout` = the query timeout (both servers have it), so a
    /// query stuck behind a `LOCK TABLES` gives up on the server too. PostgreSQL gets no session setting:
    /// a startup `options` parameter is refused by PgBouncer and a `SET` would outlive the session
    /// there; the client-side deadline of each query covers it.
    ///
    /// `timeout` is the connect timeout; the pool waits for a connection its [`connect_budgets`] share,
    /// leaving the rest for [`Target::probe`].
    pub(crate) fn pool(&self, config: &MetastoreConfig, timeout: Duration) -> Db {
        let timeout = connect_budgets(timeout).0;
        fn opts<DB: sqlx::Database>(max: u32, timeout: Duration) -> PoolOptions<DB> {
            PoolOptions::new()
                .max_connections(max)
                .min_connections(0)
                .acquire_timeout(timeout)
                // Close idle connections so a quiet service holds nothing open on Airflow's database.
                .idle_timeout(Duration::from_secs(60))
                .max_lifetime(Duration::from_secs(30 * 60))
        }
        let max = config.max_connections();
        match self {
            Target::Sqlite(o) => Db::Sqlite(opts(max, timeout).connect_lazy_with(o.clone())),
            Target::Postgres(o) => Db::Postgres(opts(max, timeout).connect_lazy_with(o.clone())),
            Target::MySql(o) => {
                let wait = config.query_timeout().as_secs_f64().ceil().max(1.0) as u64;
                let set = format!("SET SESSION lock_wait_timeout = {wait}");
                Db::MySql(
                    opts(max, timeout)
                        .after_connect(move |conn: &mut sqlx::MySqlConnection, _| {
                            let set = sqlx::AssertSqlSafe(set.clone());
                            Box::pin(async move { conn.execute(set).await.map(drop) })
                        })
                        .connect_lazy_with(o.clone()),
                )
            }
        }
    }

    /// One direct connection attempt, used to explain a pool timeout (the pool retries a refused
    /// connection until its deadline and then reports only "timed out"). `timeout` is the connect
    /// timeout; the attempt gets its [`connect_budgets`] share, so that the pool's wait and this attempt
    /// together stay within the connect timeout.
    ///
    /// The attempt runs [`on_own_thread`] (a server can hold it in the driver, see there); this waits
    /// for it under its own timer.
    ///
    /// At most [`MAX_PROBES`] attempts run at a time in the process (more lookups are not explained):
    /// unlike the pool's connections, which are bounded by its size, a probe held by a server would
    /// otherwise leave one more thread behind on every lookup.
    pub(crate) async fn probe(&self, timeout: Duration) -> Option<sqlx::Error> {
        struct Slot;
        impl Drop for Slot {
            fn drop(&mut self) {
                PROBES.fetch_sub(1, Ordering::Relaxed);
            }
        }
        if PROBES.fetch_add(1, Ordering::Relaxed) >= MAX_PROBES {
            PROBES.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let slot = Slot;
        let budget = connect_budgets(timeout).1;
        let target = self.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let attempt = async move {
            let _slot = slot;
            let outcome = tokio::time::timeout(budget, async {
                match &target {
                    Target::Sqlite(o) => o.connect().await.map(drop),
                    Target::Postgres(o) => o.connect().await.map(drop),
                    Target::MySql(o) => o.connect().await.map(drop),
                }
            })
            .await;
            let _ = tx.send(outcome);
        };
        on_own_thread(attempt).ok()?;
        match tokio::time::timeout(budget + GRACE, rx).await {
            Ok(Ok(Ok(Err(e)))) => Some(e),
            _ => None,
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
            "timeout" => options = options.busy_timeout(url_seconds("timeout", value, false)?),
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
    let raw_host = match url.host() {
        Some(h) => h.to_owned(),
        None => PgConnectOptions::new_without_pgpass().get_host().to_owned(),
    };
    let host = host_part(&raw_host);
    // sqlx takes the host of a URL verbatim, an IPv6 literal with its brackets, which the resolver then
    // refuses: pass such a host again as the `host` parameter, without brackets (a `host` parameter of
    // the URL, added after it, still wins as in libpq).
    let ipv6_host = (raw_host.contains(':') && !raw_host.starts_with('/')).then_some(raw_host);
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
        if let Some(h) = &ipv6_host {
            pairs.append_pair("host", h);
        }
        for (key, value) in url.query() {
            match key.as_str() {
                k if PG_PASSED.contains(&k) => {
                    pairs.append_pair(k, value);
                }
                "connect_timeout" => {
                    let secs = url_seconds("connect_timeout", value, true)?;
                    // libpq: zero, or no value, means wait indefinitely; a pool needs a bound.
                    if !secs.is_zero() {
                        timeout = secs.max(Duration::from_secs(2));
                    }
                }
                other => warn_ignored(Dialect::Postgres, other),
            }
        }
    }
    // Read `.pgpass` as libpq does (sqlx applies it after parsing the URL). sqlx's messages quote the
    // offending value: name the parameter instead.
    let options = PgConnectOptions::from_url(&sqlx_url).map_err(|_| {
        let culprit = url
            .query()
            .iter()
            .filter(|(k, _)| PG_PASSED.contains(&k.as_str()))
            .find(|(k, v)| {
                let mut one = url::Url::parse("postgres://localhost/").expect("static URL");
                one.query_pairs_mut().append_pair(k, v);
                PgConnectOptions::from_url(&one).is_err()
            });
        TargetError(match culprit {
            Some((key, _)) => {
                format!("the query parameter `{key}` has a value PostgreSQL does not accept")
            }
            None => "the URL cannot be expressed as PostgreSQL connect options".into(),
        })
    })?;
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
                        "the query parameter `{key}` must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
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
        // Review 2, finding 7: IPv6 literals reach sqlx without brackets.
        for (url, host) in [
            (
                "postgresql://u:pw@[::ffff:127.0.0.1]:15432/airflow",
                "::ffff:127.0.0.1",
            ),
            ("postgresql://u:pw@[::1]/airflow?sslmode=disable", "::1"),
        ] {
            let (t, _) = target(url);
            let Target::Postgres(o) = t else {
                panic!("not postgres")
            };
            assert_eq!(o.get_host(), host, "{url}");
        }
        let (t, _) = target("mysql://u:pw@[::1]:3306/airflow");
        let Target::MySql(o) = t else {
            panic!("not mysql")
        };
        assert_eq!(o.get_host(), "::1");
        let err = Target::from_url(
            &DatabaseUrl::parse("postgresql://u:s3cr3t@h/d?sslmode=bogus").unwrap(),
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(!err.0.contains("s3cr3t"), "{}", err.0);
    }

    /// Review 2, finding 8c: the pool's wait and the direct attempt that explains its failure share the
    /// connect timeout instead of adding up to more than it.
    #[test]
    fn trust_connect_budgets_fit_the_connect_timeout() {
        for ms in [0, 1, 10, 999, 1_000, 2_000, 5_000, 9_000, 86_400_000] {
            let timeout = Duration::from_millis(ms);
            let (acquire, probe) = connect_budgets(timeout);
            assert_eq!(acquire + probe, timeout, "{timeout:?}");
            assert!(probe <= PROBE_MAX && probe <= timeout / 10, "{timeout:?}");
            assert!(acquire >= timeout * 9 / 10, "{timeout:?}");
        }
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
