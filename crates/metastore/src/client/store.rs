//! The read-only queries on Airflow's `variable` and `connection` tables: [`Client`], which holds the
//! translated connect options, the SQL and the pool, and reads one row per lookup.
//!
//! Rows are selected with `SELECT *` and read by column name, so every schema version Airflow has
//! shipped works (an old `connection` table without `description`, a new one with a team column).
//! Like Airflow's `MetastoreBackend`, a lookup sees the rows whose team column (`team_name`, or
//! `team_id` in some 3.x releases) is NULL and, for a lookup made for a team, the rows whose
//! `team_name` is that team (Airflow's `team_name = :team OR team_name IS NULL`); tables without a team
//! column have no such filter. When a key has both a team's row and a shared one, the team's row
//! answers (Airflow's `LIMIT 1` without `ORDER BY` leaves that to the database).

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::{Connection, ConnectionFlavor, Error, SecretValue};
use sqlx::{Column, ColumnIndex, Decode, Row, SqlStr, Type, ValueRef};
use tokio::sync::oneshot;

use super::connect::{Db, GRACE, Target, connect_budgets, on_own_thread};
use crate::errors::{Fetch, classify, fetch_error};
use crate::names::{self, Table};
use crate::rows::{ConnectionRow, MAX_ROWS, MAX_VALUE_BYTES, VariableRow};
use crate::{BACKEND, MetastoreConfig};

/// Columns that scope a row to a team (Airflow 3.x multi-team).
const TEAM_COLUMNS: &[&str] = &["team_name", "team_id"];

/// One database: its configuration, translated connect options, the SQL, and the pool (opened on first
/// use).
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) config: MetastoreConfig,
    target: Target,
    /// The connect timeout in effect (PostgreSQL's `?connect_timeout=` overrides the configured one).
    timeout: Duration,
    variable_sql: SqlStr,
    connection_sql: SqlStr,
    variable_location: String,
    connection_location: String,
    pool: OnceLock<Db>,
}

impl Client {
    /// Validates the configuration and prepares the queries. No I/O.
    pub(crate) fn new(config: MetastoreConfig) -> Result<Client, Error> {
        let (target, timeout) = Target::from_url(config.database(), config.connect_timeout())
            .map_err(|e| Error::InvalidSetting {
                option: "[database] sql_alchemy_conn".into(),
                // Not the URL: the problem is in one of its values, which must not be repeated.
                source_name: "the metastore settings".into(),
                problem: e.0,
            })?;
        let (dialect, schema) = (config.database().dialect(), config.schema());
        Ok(Client {
            variable_sql: names::select(dialect, schema, Table::Variable),
            connection_sql: names::select(dialect, schema, Table::Connection),
            variable_location: names::location(schema, Table::Variable, config.database()),
            connection_location: names::location(schema, Table::Connection, config.database()),
            config,
            target,
            timeout,
            pool: OnceLock::new(),
        })
    }

    /// The context of one lookup of `key` in `table`, created as the lookup starts.
    pub(crate) fn context(&self, table: Table, key: &str) -> LookupContext {
        let location = match table {
            Table::Variable => &self.variable_location,
            Table::Connection => &self.connection_location,
        };
        LookupContext::new(BACKEND, table.kind(), key, location.clone())
    }

    /// The whole-lookup deadline: the connect timeout in effect plus the query timeout, and a
    /// [`GRACE`] for each of the two phases and one more. It is a backstop: [`fetch`](Self::fetch)'s own
    /// timers (getting a connection, the query, each with one `GRACE`) and the direct attempt that
    /// explains a pool timeout (within the connect timeout) end a lookup first and say which phase ran
    /// out.
    pub(crate) fn deadline(&self) -> Duration {
        self.timeout + self.config.query_timeout() + 3 * GRACE
    }

    /// The pool, created on first use (creating it needs the Tokio runtime the lookup runs on).
    fn pool(&self) -> &Db {
        self.pool
            .get_or_init(|| self.target.pool(&self.config, self.timeout))
    }

    /// A failed fetch as an airflow-secrets error; a pool timeout is explained by one direct attempt.
    async fn failure(&self, ctx: &LookupContext, error: Fetch) -> Error {
        if matches!(error, Fetch::Sql(sqlx::Error::PoolTimedOut))
            && let Some(cause) = self.target.probe(self.timeout).await
        {
            let mut e = classify(ctx, &self.config, &cause);
            if let Error::Unavailable { problem, .. } = &mut e {
                *problem = format!("no connection within {:?}: {problem}", self.timeout);
            }
            return e;
        }
        fetch_error(ctx, &self.config, self.timeout, error)
    }

    /// The `variable` row for `key`, decoded and decrypted.
    pub(crate) async fn variable(
        &self,
        ctx: &LookupContext,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        ctx.attempt();
        let row = match self
            .fetch(
                &self.variable_sql,
                key,
                team,
                variable_row_sqlite,
                variable_row_pg,
                variable_row_mysql,
            )
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(self.failure(ctx, e).await),
        };
        match row {
            Some(row) => row.value(self.config.fernet_keys(), ctx),
            None => Ok(None),
        }
    }

    /// The `connection` row for `conn_id`, decoded and decrypted.
    pub(crate) async fn connection(
        &self,
        ctx: &LookupContext,
        conn_id: &str,
        flavor: ConnectionFlavor,
        team: Option<&str>,
    ) -> Result<Option<Connection>, Error> {
        ctx.attempt();
        let row = match self
            .fetch(
                &self.connection_sql,
                conn_id,
                team,
                connection_row_sqlite,
                connection_row_pg,
                connection_row_mysql,
            )
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(self.failure(ctx, e).await),
        };
        match row {
            Some(row) => row
                .connection(flavor, self.config.fernet_keys(), ctx)
                .map(Some),
            None => Ok(None),
        }
    }

    /// Runs `sql` with `key` bound and decodes the row `team` sees ([`first_visible`]).
    ///
    /// Getting a connection is bounded by the pool's acquire timeout (the connect timeout's
    /// [`connect_budgets`] share); the query by the query timeout. The rows are read one at a time, at
    /// most [`MAX_ROWS`] + 1 of them (the query's `LIMIT`), with the deadline checked after each row: a
    /// server that keeps sending rows can neither keep the lookup reading past the deadline nor make it
    /// collect rows.
    ///
    /// The work (acquire, query, release) runs on a thread of its own ([`on_own_thread`]) and this task
    /// waits for it under its own timers. sqlx's drivers can spend an unbounded time inside a single poll
    /// without returning to the runtime: PostgreSQL's receive loop skips NoticeResponse (and
    /// ParameterStatus) messages in a loop that reads the socket while it has data, so a
    /// server that floods notices keeps one poll running for as long as it sends, and no timer on that
    /// task (nor any other task of a current-thread runtime) can fire. Here only the worker thread is
    /// held; the lookup returns at its deadline. A connection whose result was not read to its end
    /// (deadline, too many rows, a value too large) is closed, not returned to the pool; one abandoned
    /// at the deadline is closed when the server stops sending (its thread ends then).
    async fn fetch<T: Send + 'static>(
        &self,
        sql: &SqlStr,
        key: &str,
        team: Option<&str>,
        sqlite: fn(&sqlx::sqlite::SqliteRow) -> Result<T, Fetch>,
        pg: fn(&sqlx::postgres::PgRow) -> Result<T, Fetch>,
        mysql: fn(&sqlx::mysql::MySqlRow) -> Result<T, Fetch>,
    ) -> Result<Option<T>, Fetch> {
        let timeout = self.config.query_timeout();
        let (acquired_tx, acquired_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel();
        let sql = sql.clone();
        let key = key.to_owned();
        let team = team.map(str::to_owned);
        // The SQL text is fixed and the key is bound, so sqlx's per-connection statement cache applies.
        macro_rules! work {
            ($pool:expr, $decode:expr) => {{
                let pool = $pool.clone();
                let decode = $decode;
                let team = team.clone();
                Box::pin(async move {
                    let mut conn = match pool.acquire().await {
                        Ok(conn) => conn,
                        Err(e) => {
                            let _ = done_tx.send(Err(Fetch::Sql(e)));
                            return;
                        }
                    };
                    let _ = acquired_tx.send(());
                    let deadline = tokio::time::Instant::now() + timeout;
                    let outcome = {
                        let rows = sqlx::query(sql).bind(key).fetch(&mut *conn);
                        let read =
                            tokio::time::timeout_at(deadline, first_visible(rows, decode, deadline, team.as_deref()));
                        match read.await {
                            Ok(outcome) => outcome,
                            Err(_) => Err(Fetch::QueryTimedOut),
                        }
                    };
                    // A database error ends the result cleanly (the driver reads on to ReadyForQuery);
                    // any other early end leaves the connection in the middle of a result.
                    let clean = !matches!(
                        &outcome,
                        Err(e) if !matches!(e, Fetch::Sql(sqlx::Error::Database(_)))
                    );
                    let _ = done_tx.send(outcome);
                    if clean {
                        // Returned to the pool here rather than by the connection's `Drop`, which would
                        // test it (a round trip, where a server can flood notices again) in a task on
                        // the caller's runtime. A test that does not end in time closes it.
                        let _ = tokio::time::timeout(timeout, conn.return_to_pool()).await;
                    } else {
                        conn.close_on_drop();
                    }
                }) as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
            }};
        }
        let work = match self.pool() {
            Db::Sqlite(p) => work!(p, sqlite),
            Db::Postgres(p) => work!(p, pg),
            Db::MySql(p) => work!(p, mysql),
        };
        if on_own_thread(work).is_err() {
            return Err(Fetch::Sql(sqlx::Error::WorkerCrashed));
        }
        // The worker's own limits (the pool's acquire timeout, the query deadline) normally end it first
        // and tell what happened; these wait a little longer and apply when the worker is held in a poll.
        let acquire = connect_budgets(self.timeout).0 + GRACE;
        if tokio::time::timeout(acquire, acquired_rx).await.is_err() {
            return Err(Fetch::ConnectTimedOut);
        }
        match tokio::time::timeout(timeout + GRACE, done_rx).await {
            Ok(Ok(outcome)) => outcome,
            // The worker ended without an answer: it panicked.
            Ok(Err(_)) => Err(Fetch::Sql(sqlx::Error::WorkerCrashed)),
            Err(_) => Err(Fetch::QueryTimedOut),
        }
    }
}

/// Reads `rows` to their end and decodes the one `team` sees: the first of `team`'s own rows (its
/// `team_name`), else the first whose team column is absent or NULL.
///
/// At most [`MAX_ROWS`] + 1 rows (the `LIMIT`); the deadline is checked and the task yields after each
/// row, so the reading ends at the deadline even when the server sends rows as fast as they can be read
/// (the driver returns buffered rows without returning to the runtime, so the timer alone would not
/// fire).
async fn first_visible<R: Row, T>(
    mut rows: futures_core::stream::BoxStream<'_, Result<R, sqlx::Error>>,
    decode: fn(&R) -> Result<T, Fetch>,
    deadline: tokio::time::Instant,
    team: Option<&str>,
) -> Result<Option<T>, Fetch>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> Option<&'r str>: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut found = None;
    let mut teams = None;
    let mut count = 0;
    while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        let row = row?;
        count += 1;
        if count > MAX_ROWS + 1 {
            return Err(Fetch::LimitIgnored);
        }
        if count <= MAX_ROWS {
            if teams.is_none() && team.is_some() && team_name(&row)?.as_deref() == team {
                teams = Some(decode(&row)?);
            } else if found.is_none() && is_teamless(&row)? {
                found = Some(decode(&row)?);
            }
        }
        drop(row);
        if tokio::time::Instant::now() >= deadline {
            return Err(Fetch::QueryTimedOut);
        }
        tokio::task::yield_now().await;
    }
    if teams.is_some() {
        return Ok(teams);
    }
    if found.is_none() && count > MAX_ROWS {
        return Err(Fetch::OnlyTeamRows);
    }
    Ok(found)
}

/// The row's `team_name` (`None` when the column is absent or NULL). `team_id` holds an id, never a
/// name, so a team lookup cannot match it.
fn team_name<'r, R: Row>(row: &'r R) -> Result<Option<String>, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
    Option<&'r str>: Decode<'r, R::Database> + Type<R::Database>,
{
    if !has_column(row, "team_name") {
        return Ok(None);
    }
    Ok(row
        .try_get::<Option<&'r str>, _>("team_name")?
        .map(str::to_owned))
}

fn is_teamless<R: Row>(row: &R) -> Result<bool, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
{
    for column in TEAM_COLUMNS {
        if has_column(row, column) && !row.try_get_raw(*column)?.is_null() {
            return Ok(false);
        }
    }
    Ok(true)
}

fn has_column<R: Row>(row: &R, name: &str) -> bool {
    row.columns().iter().any(|c| c.name() == name)
}

/// A nullable text column; `None` when the column does not exist in this schema version. Longer than
/// [`MAX_VALUE_BYTES`] is [`Fetch::TooLarge`] (checked before the value is copied).
fn text<'r, R: Row>(row: &'r R, name: &str) -> Result<Option<String>, Fetch>
where
    for<'a> &'a str: ColumnIndex<R>,
    Option<&'r str>: Decode<'r, R::Database> + Type<R::Database>,
{
    if !has_column(row, name) {
        return Ok(None);
    }
    match row.try_get::<Option<&'r str>, _>(name)? {
        Some(v) if v.len() > MAX_VALUE_BYTES => Err(Fetch::TooLarge {
            column: name.to_owned(),
            bytes: v.len(),
        }),
        v => Ok(v.map(str::to_owned)),
    }
}

/// A boolean flag; NULL (old rows) and a missing column are false.
fn flag<'r, R: Row>(row: &'r R, name: &str) -> Result<bool, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
    Option<bool>: Decode<'r, R::Database> + Type<R::Database>,
{
    if has_column(row, name) {
        Ok(row.try_get::<Option<bool>, _>(name)?.unwrap_or(false))
    } else {
        Ok(false)
    }
}

/// The `port` column (`INTEGER`).
fn port<'r, R: Row>(row: &'r R) -> Result<Option<i64>, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
    Option<i32>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(row.try_get::<Option<i32>, _>("port")?.map(i64::from))
}

macro_rules! decoders {
    ($variable:ident, $connection:ident, $row:ty) => {
        fn $variable(row: &$row) -> Result<VariableRow, Fetch> {
            Ok(VariableRow {
                val: text(row, "val")?,
                is_encrypted: flag(row, "is_encrypted")?,
            })
        }

        fn $connection(row: &$row) -> Result<ConnectionRow, Fetch> {
            Ok(ConnectionRow {
                conn_id: text(row, "conn_id")?.unwrap_or_default(),
                conn_type: text(row, "conn_type")?,
                description: text(row, "description")?,
                host: text(row, "host")?,
                schema: text(row, "schema")?,
                login: text(row, "login")?,
                password: text(row, "password")?,
                port: port(row)?,
                is_encrypted: flag(row, "is_encrypted")?,
                is_extra_encrypted: flag(row, "is_extra_encrypted")?,
                extra: text(row, "extra")?,
            })
        }
    };
}

decoders!(
    variable_row_sqlite,
    connection_row_sqlite,
    sqlx::sqlite::SqliteRow
);
decoders!(variable_row_pg, connection_row_pg, sqlx::postgres::PgRow);
decoders!(
    variable_row_mysql,
    connection_row_mysql,
    sqlx::mysql::MySqlRow
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_and_deadline() {
        let config =
            MetastoreConfig::from_strings("postgresql://u:pw@h/airflow?connect_timeout=3", "")
                .unwrap()
                .with_query_timeout(Duration::from_secs(4));
        let client = Client::new(config).unwrap();
        // The connect timeout in effect (the URL's) + the query timeout + 3 graces.
        assert_eq!(client.deadline(), Duration::from_millis(7_750));
        let ctx = client.context(Table::Connection, "c");
        assert_eq!(
            ctx.location(),
            "table `connection` of postgresql://u:***@h/airflow?connect_timeout=3"
        );
        assert_eq!((ctx.backend(), ctx.key()), (BACKEND, "c"));
    }
}
