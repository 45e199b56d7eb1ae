//! MetastoreBackend against a real MariaDB server (MySQL dialect; Debian's `mariadb-server` package,
//! started by the test on 127.0.0.1 in a temporary directory; `scripts/install-mariadb.sh` installs it).

mod common;

use airflow_secrets_core::{Error, SecretsBackend};
use common::mysql::MySqlServer;
use common::*;

#[tokio::test]
async fn reads_airflow_tables_over_the_mysql_protocol() {
    common::capture_logs();
    let mut db = MySqlServer::start();
    db.exec(
        None,
        &[
            "CREATE DATABASE airflow CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci".into(),
            format!("CREATE USER 'airflow'@'%' IDENTIFIED BY '{SECRET}'"),
            "GRANT ALL PRIVILEGES ON airflow.* TO 'airflow'@'%'".into(),
            format!("CREATE USER 'reader'@'%' IDENTIFIED BY '{SECRET}'"),
        ],
    )
    .await;
    db.exec(Some("airflow"), &airflow_database(Engine::MySql, false))
        .await;

    let port = db.port();
    let url = format!("mysql+mysqldb://airflow:{SECRET}@127.0.0.1:{port}/airflow?charset=utf8mb4");
    check_standard_rows(&backend(&url, &rotated_keys())).await;
    check_key_problems(&backend(&url, KEY_NEW), &backend(&url, "")).await;
    let pymysql = format!("mysql+pymysql://airflow:{SECRET}@127.0.0.1:{port}/airflow");
    assert_eq!(
        var(&backend(&pymysql, KEY_NEW), "enc_var").await,
        "encrypted value"
    );

    // Wrong password; a user without privileges; the server gone.
    let wrong = format!("mysql://airflow:nope@127.0.0.1:{port}/airflow");
    let err = backend(&wrong, "").get_variable("x").await.unwrap_err();
    assert_error!(
        err,
        Error::Authentication { .. },
        &["MetastoreBackend", "Access denied"]
    );
    let reader = format!("mysql://reader:{SECRET}@127.0.0.1:{port}/airflow");
    let err = backend(&reader, "").get_variable("x").await.unwrap_err();
    assert_error!(
        err,
        Error::PermissionDenied { .. },
        &["variable `x`", "reader"]
    );

    // Multi-team: rows of a team are invisible without a team.
    let mut team = add_team_columns(Engine::MySql);
    team.push("INSERT INTO variable (`key`, val, is_encrypted, team_name) VALUES ('team_only', 'x', 0, 'team_a')".into());
    db.exec(Some("airflow"), &team).await;
    let b = backend(&url, &rotated_keys());
    assert!(b.get_variable("team_only").await.unwrap().is_none());
    assert_eq!(var(&b, "plain_var").await, "plain value");

    db.stop();
    let err = b.get_connection("pg_enc").await.unwrap_err();
    assert_error!(
        err,
        Error::Unavailable { .. },
        &["connection `pg_enc`", "airflow:***@127.0.0.1"]
    );
    common::assert_logs_clean();
}

/// Trust item 9: a query stuck behind another session's `LOCK TABLES ... WRITE` ends at the query
/// timeout (client deadline; the session's `lock_wait_timeout` ends it on the server too), and the same
/// backend reads again once the lock is released.
#[tokio::test]
async fn trust_09_locked_table_hits_the_query_timeout() {
    use sqlx::{ConnectOptions, Executor};
    use std::time::{Duration, Instant};
    common::capture_logs();
    let db = MySqlServer::start();
    db.exec(
        None,
        &[
            "CREATE DATABASE airflow".into(),
            format!("CREATE USER 'airflow'@'%' IDENTIFIED BY '{SECRET}'"),
            "GRANT ALL PRIVILEGES ON airflow.* TO 'airflow'@'%'".into(),
        ],
    )
    .await;
    db.exec(Some("airflow"), &airflow_database(Engine::MySql, false))
        .await;
    let mut locker = sqlx::mysql::MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(db.port())
        .username("airflow")
        .password(SECRET)
        .database("airflow")
        .connect()
        .await
        .unwrap();
    locker.execute("LOCK TABLES variable WRITE").await.unwrap();
    let url = format!("mysql://airflow:{SECRET}@127.0.0.1:{}/airflow", db.port());
    let b = airflow_secrets_metastore::MetastoreBackend::new(
        settings(&url, KEY_NEW).with_query_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(20), b.get_variable("enc_var"))
        .await
        .expect("the lookup hung: no query deadline")
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    assert_error!(err, Error::Unavailable { .. }, &["query timeout", "1s"]);
    locker.execute("UNLOCK TABLES").await.unwrap();
    assert_eq!(var(&b, "enc_var").await, "encrypted value");
    common::assert_logs_clean();
}
