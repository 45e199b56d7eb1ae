//! sqlx errors and the client's failures → airflow-secrets [`Error`]s, built through the lookup's
//! [`LookupContext`] and without the password.

use std::time::Duration;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::LookupContext;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::rows::{MAX_ROWS, MAX_VALUE_BYTES};
use crate::{DatabaseUrl, Dialect, MetastoreConfig};

/// An error message with the database password (raw and percent-encoded) replaced by `***`.
pub(crate) fn redact(error: &dyn std::fmt::Display, url: &DatabaseUrl) -> String {
    let mut text =
        airflow_secrets_core::provider::redact::urls_in_text(&error.to_string()).into_owned();
    if let Some(password) = url.password().map(|p| p.expose()).filter(|p| !p.is_empty()) {
        text = text.replace(password, "***");
        let encoded = utf8_percent_encode(password, NON_ALPHANUMERIC).to_string();
        text = text.replace(&encoded, "***");
    }
    text
}

/// Why a read of the client failed.
pub(crate) enum Fetch {
    /// The driver's error (connecting, querying, decoding).
    Sql(sqlx::Error),
    /// The query did not finish within the query timeout.
    QueryTimedOut,
    /// No connection within the acquire timeout, and the pool did not say so (its attempt was held in
    /// the driver, e.g. by a server that floods messages during the startup or the connection test).
    ConnectTimedOut,
    /// The server sent more rows than the query's `LIMIT`.
    LimitIgnored,
    /// All [`MAX_ROWS`] + 1 rows read belong to a team: the teamless row, if any, was not read.
    OnlyTeamRows,
    /// A text column is longer than [`MAX_VALUE_BYTES`].
    TooLarge {
        /// The column's name.
        column: String,
        /// Its length.
        bytes: usize,
    },
}

impl From<sqlx::Error> for Fetch {
    fn from(e: sqlx::Error) -> Fetch {
        Fetch::Sql(e)
    }
}

/// A failed read as an airflow-secrets error. `connect_timeout` is the one in effect (PostgreSQL's
/// `?connect_timeout=` may override the configured one).
pub(crate) fn fetch_error(
    ctx: &LookupContext,
    config: &MetastoreConfig,
    connect_timeout: Duration,
    error: Fetch,
) -> Error {
    match error {
        Fetch::Sql(e) => classify(ctx, config, &e),
        Fetch::QueryTimedOut => ctx.unavailable(format!(
            "the query did not finish within the query timeout of {:?}; the connection is closed, \
             not reused",
            config.query_timeout()
        )),
        Fetch::ConnectTimedOut => ctx.unavailable(format!(
            "no connection within {connect_timeout:?}: the server did not complete the connection or its test"
        )),
        Fetch::LimitIgnored => ctx.unavailable(format!(
            "the database sent more rows than the query's LIMIT of {}; the connection was closed",
            MAX_ROWS + 1
        )),
        Fetch::OnlyTeamRows => ctx.rejected(format!(
            "more than {MAX_ROWS} rows with this key belong to teams; airflow-secrets reads at most \
             {MAX_ROWS} rows per key, so the row without a team may be among those not read"
        )),
        Fetch::TooLarge { column, bytes } => ctx.malformed(format!(
            "the `{column}` column holds {bytes} bytes, more than the {} MiB airflow-secrets reads",
            MAX_VALUE_BYTES >> 20
        )),
    }
}

/// Classifies a sqlx error: transport problems are [`Error::Unavailable`] (the chain falls through),
/// refused logins [`Error::Authentication`], missing privileges [`Error::PermissionDenied`], and a
/// database that is not Airflow's (missing table or column) [`Error::Rejected`].
pub(crate) fn classify(
    ctx: &LookupContext,
    config: &MetastoreConfig,
    error: &sqlx::Error,
) -> Error {
    let text = redact(error, config.database());
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => ctx.unavailable(text),
        sqlx::Error::Database(db) => {
            // MySQL's SQLSTATEs are too coarse (42000 is both "access denied" and a syntax error):
            // use its error number there, SQLSTATE (PostgreSQL) or the result code (SQLite) elsewhere.
            let code = match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                Some(my) => my.number().to_string(),
                None => db.code().map(|c| c.into_owned()).unwrap_or_default(),
            };
            classify_database(ctx, config, &code, db.message(), text)
        }
        sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_) => ctx.rejected(format!(
            "{text}; is this Airflow's metadata database at a supported schema version?"
        )),
        _ => ctx.rejected(text),
    }
}

fn classify_database(
    ctx: &LookupContext,
    config: &MetastoreConfig,
    code: &str,
    message: &str,
    text: String,
) -> Error {
    let lower = message.to_ascii_lowercase();
    // SQLite reports extended result codes; the primary code is the low byte.
    let sqlite_code = code
        .parse::<i32>()
        .ok()
        .filter(|_| config.database().dialect() == Dialect::Sqlite)
        .map(|c| c & 0xff);
    let missing_table = || {
        ctx.rejected(format!(
            "{text}; this is not an Airflow metadata database (or it was never migrated: `airflow db migrate`)"
        ))
    };
    match code {
        // PostgreSQL: invalid_password, invalid_authorization_specification. MySQL: 1045 access denied,
        // 1698 (no password for a socket-auth user).
        "28P01" | "28000" | "1045" | "1698" => {
            ctx.authentication(ctx.location(), redact(&message, config.database()))
        }
        // PostgreSQL insufficient_privilege; MySQL 1142 (command denied), 1044 (db access denied).
        "42501" | "1142" | "1044" => ctx.denied(redact(&message, config.database())),
        // PostgreSQL undefined_table / undefined_column / invalid_schema_name; MySQL 1146 (no such
        // table), 1054 (unknown column), 1049 (unknown database).
        "42P01" | "42703" | "3F000" | "1146" | "1054" | "1049" => missing_table(),
        // MySQL: too many connections, server shutting down, lost connection.
        "1040" | "1053" | "2013" => ctx.unavailable(text),
        // The server gave up on the query: MySQL/MariaDB lock wait timeout (the session's
        // `lock_wait_timeout` is the query timeout), MySQL `max_execution_time`, MariaDB
        // `max_statement_time`; PostgreSQL query_canceled (statement_timeout), lock_not_available.
        "1205" | "3024" | "1969" | "57014" | "55P03" => ctx.unavailable(format!(
            "the query did not finish within the query timeout of {:?}: {text}",
            config.query_timeout()
        )),
        // PostgreSQL: the server is starting up or shutting down, too many connections.
        c if c.starts_with("57P") || c.starts_with("08") || c == "53300" => ctx.unavailable(text),
        // SQLITE_CANTOPEN, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_PERM.
        _ if matches!(sqlite_code, Some(14 | 5 | 6 | 10 | 3)) => ctx.unavailable(text),
        // SQLITE_NOTADB: the file is not a SQLite database at all.
        _ if sqlite_code == Some(26) => missing_table(),
        _ if lower.contains("no such table") || lower.contains("no such column") => missing_table(),
        _ => ctx.rejected(text),
    }
}
