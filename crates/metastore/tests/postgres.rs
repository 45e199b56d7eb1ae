//! MetastoreBackend against a real PostgreSQL server (Debian's `postgresql` package, started by each
//! test on 127.0.0.1 in a temporary directory; `scripts/install-postgres.sh` installs it).

mod common;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_metastore::MetastoreBackend;
use common::pg::{PgServer, enc};
use common::*;

/// [`common::backend`], reading Airflow's tables from `schema` (`[database] sql_alchemy_schema`) if given.
fn backend(url: &str, fernet_key: &str, schema: Option<&str>) -> MetastoreBackend {
    MetastoreBackend::new(settings(url, fernet_key).with_schema(schema.map(String::from))).unwrap()
}

/// A server with an `airflow` database holding Airflow's tables and the standard rows, owned by the role
/// `airflow` (password [`SECRET`]), as `airflow db migrate` leaves it.
async fn airflow_server() -> PgServer {
    let pg = PgServer::start(SECRET);
    pg.exec(
        "postgres",
        &[
            format!("CREATE ROLE airflow LOGIN PASSWORD '{SECRET}'"),
            "CREATE DATABASE airflow OWNER airflow".into(),
        ],
    )
    .await;
    let mut statements: Vec<String> = vec!["SET ROLE airflow".into()];
    statements.extend(airflow_database(Engine::Postgres, false));
    pg.exec("airflow", &statements).await;
    pg
}

#[tokio::test]
async fn reads_plain_encrypted_and_rotated_rows_and_reports_key_problems() {
    common::capture_logs();
    let pg = airflow_server().await;
    let url = pg.url("airflow", SECRET, "airflow");
    check_standard_rows(&backend(&url, &rotated_keys(), None)).await;
    check_key_problems(&backend(&url, KEY_NEW, None), &backend(&url, "", None)).await;
    // The other spellings of the same database.
    let (port, password) = (pg.port(), enc(SECRET));
    for spelling in [
        format!("postgresql://airflow:{password}@127.0.0.1:{port}/airflow?sslmode=disable"),
        format!(
            "postgres://airflow:{password}@localhost:{port}/airflow?application_name=airflow-secrets"
        ),
    ] {
        assert_eq!(
            var(&backend(&spelling, KEY_NEW, None), "enc_var").await,
            "encrypted value"
        );
    }
    common::assert_logs_clean();
}

#[tokio::test]
async fn authentication_permissions_schema_and_teams() {
    common::capture_logs();
    let pg = airflow_server().await;
    let port = pg.port();

    // A wrong password: an authentication error that shows neither password.
    let wrong = pg.url("airflow", "not-the-password", "airflow");
    let err = backend(&wrong, KEY_NEW, None)
        .get_variable("enc_var")
        .await
        .unwrap_err();
    assert_error!(
        err,
        Error::Authentication { .. },
        &[
            "MetastoreBackend",
            "password authentication failed",
            "airflow:***@127.0.0.1",
        ],
    );
    assert!(!err.to_string().contains("not-the-password"), "{err}");

    // A role that may log in but not read the tables: permission denied, naming the table.
    pg.exec(
        "postgres",
        &[format!("CREATE ROLE reader LOGIN PASSWORD '{SECRET}'")],
    )
    .await;
    let reader = pg.url("reader", SECRET, "airflow");
    let err = backend(&reader, KEY_NEW, None)
        .get_connection("pg_enc")
        .await
        .unwrap_err();
    assert_error!(
        err,
        Error::PermissionDenied { .. },
        &[
            "connection `pg_enc`",
            "table `connection`",
            "permission denied",
        ],
    );
    // Granting SELECT (all the backend ever needs) makes it work.
    pg.exec(
        "airflow",
        &["GRANT SELECT ON variable, connection TO reader".into()],
    )
    .await;
    assert_eq!(
        var(&backend(&reader, KEY_NEW, None), "enc_var").await,
        "encrypted value"
    );

    // A database without Airflow's tables.
    pg.exec("postgres", &["CREATE DATABASE empty OWNER airflow".into()])
        .await;
    let err = backend(&pg.url("airflow", SECRET, "empty"), "", None)
        .get_variable("x")
        .await
        .unwrap_err();
    assert_error!(
        err,
        Error::Rejected { .. },
        &["does not exist", "airflow db migrate"]
    );

    // `[database] sql_alchemy_schema`: Airflow's tables in their own schema, off the search path, with
    // the multi-team column; rows of a team are invisible without a team.
    let mut statements: Vec<String> = vec![
        "SET ROLE airflow".into(),
        "CREATE SCHEMA airflow_meta".into(),
        "SET search_path TO airflow_meta".into(),
    ];
    statements.extend(airflow_database(Engine::Postgres, true));
    statements.push(
        "INSERT INTO variable (key, val, is_encrypted, team_name) VALUES ('plain_var', 'team a value', false, 'team_a'), \
         ('team_only', 'x', false, 'team_a')"
            .into(),
    );
    statements.push(
        "INSERT INTO connection (conn_id, conn_type, host, is_encrypted, is_extra_encrypted, team_name) \
         VALUES ('team_conn', 'http', 'a.example', false, false, 'team_a')"
            .into(),
    );
    pg.exec("airflow", &statements).await;
    let url = format!(
        "postgresql+psycopg2://airflow:{}@127.0.0.1:{port}/airflow",
        enc(SECRET)
    );
    let in_schema = backend(&url, &rotated_keys(), Some("airflow_meta"));
    check_standard_rows(&in_schema).await;
    assert_eq!(
        var(&in_schema, "plain_var").await,
        "plain value",
        "the team-less row, not team_a's"
    );
    assert!(in_schema.get_variable("team_only").await.unwrap().is_none());
    assert!(
        in_schema
            .get_connection("team_conn")
            .await
            .unwrap()
            .is_none()
    );
    check_team_lookups(&in_schema, true).await;
    // The public schema's tables (no team column) are still what the default search path finds.
    assert!(
        backend(&url, &rotated_keys(), None)
            .get_variable("team_only")
            .await
            .unwrap()
            .is_none()
    );
    common::assert_logs_clean();
}

#[tokio::test]
async fn a_database_that_is_down_is_unavailable() {
    common::capture_logs();
    let mut pg = airflow_server().await;
    let url = pg.url("airflow", SECRET, "airflow");
    let b = backend(&url, &rotated_keys(), None);
    assert_eq!(
        var(&b, "enc_var").await,
        "encrypted value",
        "log:\n{}",
        pg.log()
    );

    pg.stop();
    // The pooled connection is gone with the server; reconnecting is refused until the connect timeout.
    let err = b.get_variable("enc_var").await.unwrap_err();
    assert_error!(
        err,
        Error::Unavailable { .. },
        &[
            "MetastoreBackend",
            "variable `enc_var`",
            "airflow:***@127.0.0.1",
        ],
    );
    let text = err.to_string();
    assert!(
        text.contains("refused") || text.contains("closed") || text.contains("timed out"),
        "{text}"
    );
    eprintln!("database down: {text}");

    // Connections fail the same way.
    let err = b.get_connection("pg_enc").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    common::assert_logs_clean();
}

/// Trust item 9: a query stuck behind another session's lock ends at the query timeout as
/// `Unavailable`, and the same backend reads again once the lock is gone.
#[tokio::test]
async fn trust_09_locked_table_hits_the_query_timeout() {
    use sqlx::{ConnectOptions, Executor};
    use std::time::{Duration, Instant};
    common::capture_logs();
    let pg = airflow_server().await;
    let mut locker = sqlx::postgres::PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(pg.port())
        .username("postgres")
        .password(SECRET)
        .database("airflow")
        .connect()
        .await
        .unwrap();
    locker.execute("BEGIN").await.unwrap();
    locker
        .execute("LOCK TABLE variable IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let url = pg.url("airflow", SECRET, "airflow");
    let b =
        MetastoreBackend::new(settings(&url, KEY_NEW).with_query_timeout(Duration::from_secs(1)))
            .unwrap();
    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(20), b.get_variable("enc_var"))
        .await
        .expect("the lookup hung: no query deadline")
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    assert_error!(err, Error::Unavailable { .. }, &["query timeout", "1s"]);
    locker.execute("ROLLBACK").await.unwrap();
    assert_eq!(var(&b, "enc_var").await, "encrypted value");
    common::assert_logs_clean();
}
