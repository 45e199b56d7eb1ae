//! An Airflow metadata database in a SQLite file: Airflow's `variable` and `connection` tables, and the
//! rows a test inserts. Used by the facade's and the CLI's metastore suites. Needs the `sqlite` feature.

use std::path::Path;

use sqlx::{ConnectOptions, Connection, Executor};

/// Airflow's `variable` table, as its SQLite migrations create it.
pub const CREATE_VARIABLE: &str = "CREATE TABLE variable (id INTEGER NOT NULL, \"key\" VARCHAR(250), val TEXT, description TEXT, \
     is_encrypted BOOLEAN, CONSTRAINT variable_pkey PRIMARY KEY (id), CONSTRAINT variable_key_uq UNIQUE (\"key\"))";

/// Airflow's `connection` table, as its SQLite migrations create it.
pub const CREATE_CONNECTION: &str = "CREATE TABLE connection (id INTEGER NOT NULL, conn_id VARCHAR(250) NOT NULL, conn_type VARCHAR(500) NOT NULL, \
     description VARCHAR(5000), host VARCHAR(500), schema VARCHAR(500), login TEXT, password TEXT, port INTEGER, \
     is_encrypted BOOLEAN, is_extra_encrypted BOOLEAN, extra TEXT, CONSTRAINT connection_pkey PRIMARY KEY (id), \
     CONSTRAINT connection_conn_id_uq UNIQUE (conn_id))";

/// Creates the SQLite file `path` with Airflow's two tables, then runs `inserts` in it.
pub async fn create(path: &Path, inserts: &[String]) {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    let tables = [CREATE_VARIABLE, CREATE_CONNECTION].map(str::to_owned);
    for s in tables.iter().chain(inserts) {
        conn.execute(sqlx::AssertSqlSafe(s.clone()))
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    conn.close().await.unwrap();
}
