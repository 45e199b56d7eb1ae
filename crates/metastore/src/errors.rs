//! sqlx errors → airflow-secrets [`Error`]s, with the lookup's context and without the password.

use airflow_secrets_core::{Error, SecretKind};

use crate::backend::NAME;
use crate::connect::redact;
use crate::{DatabaseUrl, Dialect};

/// What was being looked up, for error messages.
pub(crate) struct Ctx<'a> {
    pub(crate) kind: SecretKind,
    pub(crate) key: &'a str,
    /// ``table `variable` of <URL without its password>``.
    pub(crate) location: &'a str,
    pub(crate) url: &'a DatabaseUrl,
    /// When the lookup began (for [`Error::Unavailable`]'s `elapsed`).
    pub(crate) started: std::time::Instant,
}

impl Ctx<'_> {
    pub(crate) fn unavailable(&self, problem: String) -> Error {
        Error::Unavailable {
            backend: NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            location: self.location.to_owned(),
            attempts: 1,
            elapsed: self.started.elapsed(),
            problem,
        }
    }

    pub(crate) fn rejected(&self, problem: String) -> Error {
        Error::Rejected {
            backend: NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            location: self.location.to_owned(),
            problem,
        }
    }

    pub(crate) fn malformed(&self, problem: String) -> Error {
        Error::MalformedSecret {
            backend: NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            problem,
        }
    }

    /// Classifies a sqlx error: transport problems are [`Error::Unavailable`] (the chain falls through),
    /// refused logins [`Error::Authentication`], missing privileges [`Error::PermissionDenied`], and a
    /// database that is not Airflow's (missing table or column) [`Error::Rejected`].
    pub(crate) fn classify(&self, error: &sqlx::Error) -> Error {
        let text = redact(error, self.url);
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_) => self.unavailable(text),
            sqlx::Error::Database(db) => {
                // MySQL's SQLSTATEs are too coarse (42000 is both "access denied" and a syntax error):
                // use its error number there, SQLSTATE (PostgreSQL) or the result code (SQLite) elsewhere.
                let code = match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                    Some(my) => my.number().to_string(),
                    None => db.code().map(|c| c.into_owned()).unwrap_or_default(),
                };
                self.classify_database(&code, db.message(), text)
            }
            sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_) => self.rejected(format!(
                "{text}; is this Airflow's metadata database at a supported schema version?"
            )),
            _ => self.rejected(text),
        }
    }

    fn classify_database(&self, code: &str, message: &str, text: String) -> Error {
        let lower = message.to_ascii_lowercase();
        // SQLite reports extended result codes; the primary code is the low byte.
        let sqlite_code = code
            .parse::<i32>()
            .ok()
            .filter(|_| self.url.dialect() == Dialect::Sqlite)
            .map(|c| c & 0xff);
        let missing_table = || {
            self.rejected(format!(
                "{text}; this is not an Airflow metadata database (or it was never migrated: `airflow db migrate`)"
            ))
        };
        match code {
            // PostgreSQL: invalid_password, invalid_authorization_specification. MySQL: 1045 access denied,
            // 1698 (no password for a socket-auth user).
            "28P01" | "28000" | "1045" | "1698" => Error::Authentication {
                backend: NAME,
                location: self.location.to_owned(),
                problem: redact(&message, self.url),
            },
            // PostgreSQL insufficient_privilege; MySQL 1142 (command denied), 1044 (db access denied).
            "42501" | "1142" | "1044" => Error::PermissionDenied {
                backend: NAME,
                kind: self.kind,
                key: self.key.to_owned(),
                location: self.location.to_owned(),
                problem: redact(&message, self.url),
            },
            // PostgreSQL undefined_table / undefined_column / invalid_schema_name; MySQL 1146 (no such
            // table), 1054 (unknown column), 1049 (unknown database).
            "42P01" | "42703" | "3F000" | "1146" | "1054" | "1049" => missing_table(),
            // MySQL: too many connections, server shutting down, lost connection.
            "1040" | "1053" | "2013" => self.unavailable(text),
            // PostgreSQL: the server is starting up or shutting down, too many connections.
            c if c.starts_with("57P") || c.starts_with("08") || c == "53300" => {
                self.unavailable(text)
            }
            // SQLITE_CANTOPEN, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_PERM.
            _ if matches!(sqlite_code, Some(14 | 5 | 6 | 10 | 3)) => self.unavailable(text),
            // SQLITE_NOTADB: the file is not a SQLite database at all.
            _ if sqlite_code == Some(26) => missing_table(),
            _ if lower.contains("no such table") || lower.contains("no such column") => {
                missing_table()
            }
            _ => self.rejected(text),
        }
    }
}
