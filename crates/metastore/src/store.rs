//! The read-only queries on Airflow's `variable` and `connection` tables.
//!
//! Rows are selected with `SELECT *` and read by column name, so every schema version Airflow has
//! shipped works (an old `connection` table without `description`, a new one with a team column).
//! Like Airflow's `MetastoreBackend` called without a team, only rows whose team column (`team_name`,
//! or `team_id` in some 3.x releases) is NULL are visible; tables without a team column have no such
//! filter.

use std::sync::OnceLock;
use std::time::Duration;

use airflow_secrets_core::{Error, SecretKind};
use sqlx::{AssertSqlSafe, Column, ColumnIndex, Decode, Row, SqlSafeStr, SqlStr, Type, ValueRef};

use crate::connect::{Db, Target};
use crate::errors::Ctx;
use crate::rows::{ConnectionRow, VariableRow};
use crate::{DatabaseUrl, Dialect, MetastoreSettings};

/// Columns that scope a row to a team (Airflow 3.x multi-team).
const TEAM_COLUMNS: &[&str] = &["team_name", "team_id"];

/// One database: its settings, translated connect options, the SQL, and the pool (opened on first use).
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) settings: MetastoreSettings,
    target: Target,
    timeout: Duration,
    variable_sql: SqlStr,
    connection_sql: SqlStr,
    variable_location: String,
    connection_location: String,
    pool: OnceLock<Db>,
}

impl Store {
    /// Validates the settings and prepares the queries. No I/O.
    pub(crate) fn new(settings: MetastoreSettings) -> Result<Store, Error> {
        let (target, timeout) = Target::from_url(settings.database(), settings.connect_timeout())
            .map_err(|e| Error::InvalidSetting {
            option: "[database] sql_alchemy_conn".into(),
            source_name: format!("the metastore settings ({})", settings.database()),
            problem: e.0,
        })?;
        let dialect = settings.database().dialect();
        let quote = |ident: &str| match dialect {
            Dialect::MySql => format!("`{}`", ident.replace('`', "``")),
            Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
        };
        let table = |name: &str| match settings.schema() {
            Some(schema) => format!("{}.{}", quote(schema), quote(name)),
            None => quote(name),
        };
        let param = if dialect == Dialect::Postgres {
            "$1"
        } else {
            "?"
        };
        let location = |name: &str| match settings.schema() {
            Some(schema) => format!("table `{schema}.{name}` of {}", settings.database()),
            None => format!("table `{name}` of {}", settings.database()),
        };
        // Only fixed identifiers and the quoted schema name go into the text; the key is a bound parameter.
        let select = |name: &str, key_column: &str| {
            AssertSqlSafe(format!(
                "SELECT * FROM {} WHERE {} = {param}",
                table(name),
                quote(key_column)
            ))
            .into_sql_str()
        };
        Ok(Store {
            variable_sql: select("variable", "key"),
            connection_sql: select("connection", "conn_id"),
            variable_location: location("variable"),
            connection_location: location("connection"),
            settings,
            target,
            timeout,
            pool: OnceLock::new(),
        })
    }

    fn url(&self) -> &DatabaseUrl {
        self.settings.database()
    }

    fn ctx<'a>(&'a self, kind: SecretKind, key: &'a str) -> Ctx<'a> {
        let location = match kind {
            SecretKind::Connection => &self.connection_location,
            _ => &self.variable_location,
        };
        Ctx {
            kind,
            key,
            location,
            url: self.url(),
            started: std::time::Instant::now(),
        }
    }

    /// The pool, created on first use (creating it needs the Tokio runtime the lookup runs on).
    fn pool(&self) -> &Db {
        self.pool
            .get_or_init(|| self.target.pool(&self.settings, self.timeout))
    }

    /// A sqlx error as an airflow-secrets error; a pool timeout is explained by one direct attempt.
    async fn failure(&self, ctx: &Ctx<'_>, error: sqlx::Error) -> Error {
        if matches!(error, sqlx::Error::PoolTimedOut)
            && let Some(cause) = self.target.probe(self.timeout).await
        {
            let mut e = ctx.classify(&cause);
            if let Error::Unavailable { problem, .. } = &mut e {
                *problem = format!("no connection within {:?}: {problem}", self.timeout);
            }
            return e;
        }
        ctx.classify(&error)
    }

    /// The `variable` row for `key`, decoded and decrypted.
    pub(crate) async fn variable(
        &self,
        key: &str,
    ) -> Result<Option<airflow_secrets_core::SecretValue>, Error> {
        let ctx = self.ctx(SecretKind::Variable, key);
        let row = match self
            .fetch(
                &self.variable_sql,
                key,
                variable_row_sqlite,
                variable_row_pg,
                variable_row_mysql,
            )
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(self.failure(&ctx, e).await),
        };
        match row {
            Some(row) => row.value(self.settings.fernet_keys(), &ctx),
            None => Ok(None),
        }
    }

    /// The `connection` row for `conn_id`, decoded and decrypted.
    pub(crate) async fn connection(
        &self,
        conn_id: &str,
        flavor: airflow_secrets_core::ConnectionFlavor,
    ) -> Result<Option<airflow_secrets_core::Connection>, Error> {
        let ctx = self.ctx(SecretKind::Connection, conn_id);
        let row = match self
            .fetch(
                &self.connection_sql,
                conn_id,
                connection_row_sqlite,
                connection_row_pg,
                connection_row_mysql,
            )
            .await
        {
            Ok(row) => row,
            Err(e) => return Err(self.failure(&ctx, e).await),
        };
        match row {
            Some(row) => row
                .connection(flavor, self.settings.fernet_keys(), &ctx)
                .map(Some),
            None => Ok(None),
        }
    }

    /// Runs `sql` with `key` bound and decodes the first row that belongs to no team.
    async fn fetch<T>(
        &self,
        sql: &SqlStr,
        key: &str,
        sqlite: fn(&sqlx::sqlite::SqliteRow) -> Result<T, sqlx::Error>,
        pg: fn(&sqlx::postgres::PgRow) -> Result<T, sqlx::Error>,
        mysql: fn(&sqlx::mysql::MySqlRow) -> Result<T, sqlx::Error>,
    ) -> Result<Option<T>, sqlx::Error> {
        // The SQL text is fixed and the key is bound, so sqlx's per-connection statement cache applies.
        match self.pool() {
            Db::Sqlite(p) => first_teamless(
                sqlx::query(sql.clone()).bind(key).fetch_all(p).await?,
                sqlite,
            ),
            Db::Postgres(p) => {
                first_teamless(sqlx::query(sql.clone()).bind(key).fetch_all(p).await?, pg)
            }
            Db::MySql(p) => first_teamless(
                sqlx::query(sql.clone()).bind(key).fetch_all(p).await?,
                mysql,
            ),
        }
    }
}

/// The first row whose team column is absent or NULL, decoded.
fn first_teamless<R: Row, T>(
    rows: Vec<R>,
    decode: fn(&R) -> Result<T, sqlx::Error>,
) -> Result<Option<T>, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
{
    for row in &rows {
        let mut teamless = true;
        for column in TEAM_COLUMNS {
            if has_column(row, column) && !row.try_get_raw(*column)?.is_null() {
                teamless = false;
            }
        }
        if teamless {
            return decode(row).map(Some);
        }
    }
    Ok(None)
}

fn has_column<R: Row>(row: &R, name: &str) -> bool {
    row.columns().iter().any(|c| c.name() == name)
}

/// A nullable text column; `None` when the column does not exist in this schema version.
fn text<'r, R: Row>(row: &'r R, name: &str) -> Result<Option<String>, sqlx::Error>
where
    for<'a> &'a str: ColumnIndex<R>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    if has_column(row, name) {
        row.try_get(name)
    } else {
        Ok(None)
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
        fn $variable(row: &$row) -> Result<VariableRow, sqlx::Error> {
            Ok(VariableRow {
                val: text(row, "val")?,
                is_encrypted: flag(row, "is_encrypted")?,
            })
        }

        fn $connection(row: &$row) -> Result<ConnectionRow, sqlx::Error> {
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
