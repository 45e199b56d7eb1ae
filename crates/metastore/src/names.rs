//! Key → store location: which table and column of Airflow's metadata database hold a key, the
//! `SELECT` that reads it, and the location errors name (``table `variable` of <URL without its
//! password>``).

use airflow_secrets_core::SecretKind;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::rows::MAX_ROWS;
use crate::{DatabaseUrl, Dialect};

/// One of Airflow's two tables a lookup reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// `variable`, keyed by `key`.
    Variable,
    /// `connection`, keyed by `conn_id`.
    Connection,
}

impl Table {
    /// The table holding `kind`; `None` for config (Airflow's base class finds none in the metastore).
    pub(crate) fn of(kind: SecretKind) -> Option<Table> {
        match kind {
            SecretKind::Variable => Some(Table::Variable),
            SecretKind::Connection => Some(Table::Connection),
            SecretKind::Config => None,
        }
    }

    /// The kind stored in this table.
    pub(crate) fn kind(self) -> SecretKind {
        match self {
            Table::Variable => SecretKind::Variable,
            Table::Connection => SecretKind::Connection,
        }
    }

    /// The table's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Variable => "variable",
            Table::Connection => "connection",
        }
    }

    /// The column holding the key.
    pub(crate) fn key_column(self) -> &'static str {
        match self {
            Table::Variable => "key",
            Table::Connection => "conn_id",
        }
    }
}

/// Where `table`'s keys are read, as errors show it: ``table `variable` of <database>`` (with the
/// schema when one is set; the database's `Display` hides its password).
pub(crate) fn location(schema: Option<&str>, table: Table, database: &DatabaseUrl) -> String {
    let name = table.name();
    match schema {
        Some(schema) => format!("table `{schema}.{name}` of {database}"),
        None => format!("table `{name}` of {database}"),
    }
}

/// `SELECT * FROM <table> WHERE <key column> = <parameter> LIMIT MAX_ROWS + 1`, quoted for `dialect`.
///
/// Only fixed identifiers and the quoted schema name go into the text; the key is a bound parameter.
/// `LIMIT MAX_ROWS + 1`: one row more than is read tells "more rows of teams than the cap" apart from
/// "exactly the cap".
pub(crate) fn select(dialect: Dialect, schema: Option<&str>, table: Table) -> SqlStr {
    let quote = |ident: &str| match dialect {
        Dialect::MySql => format!("`{}`", ident.replace('`', "``")),
        Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
    };
    let from = match schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(table.name())),
        None => quote(table.name()),
    };
    let param = if dialect == Dialect::Postgres {
        "$1"
    } else {
        "?"
    };
    AssertSqlSafe(format!(
        "SELECT * FROM {from} WHERE {} = {param} LIMIT {}",
        quote(table.key_column()),
        MAX_ROWS + 1
    ))
    .into_sql_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_locations() {
        let url = DatabaseUrl::parse("postgresql://u:pw@h/airflow").unwrap();
        assert_eq!(
            select(Dialect::Postgres, Some("air\"flow"), Table::Variable).as_str(),
            "SELECT * FROM \"air\"\"flow\".\"variable\" WHERE \"key\" = $1 LIMIT 17"
        );
        assert_eq!(
            select(Dialect::MySql, None, Table::Connection).as_str(),
            "SELECT * FROM `connection` WHERE `conn_id` = ? LIMIT 17"
        );
        assert_eq!(
            location(Some("s"), Table::Connection, &url),
            "table `s.connection` of postgresql://u:***@h/airflow"
        );
        assert_eq!(Table::of(SecretKind::Config), None);
    }
}
