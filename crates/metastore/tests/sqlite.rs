//! MetastoreBackend against real SQLite files shaped like Airflow's metadata database.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_metastore::{MetastoreBackend, MetastoreConfig};
use common::*;
use sqlx::ConnectOptions;

/// A temporary directory holding `name`: a SQLite file with Airflow's tables (with the multi-team
/// columns if `with_teams`) and the standard rows.
async fn airflow_db(name: &str, with_teams: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(name);
    exec(&db, airflow_database(Engine::Sqlite, with_teams)).await;
    (dir, db)
}

/// Runs `statements` on the SQLite file at `path`, creating the file if needed.
async fn exec(path: &Path, statements: impl IntoIterator<Item = String>) {
    let conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .disable_statement_logging()
        .connect()
        .await
        .expect("opening the SQLite file");
    execute_all(conn, statements).await;
}

/// `sqlite:////abs/path` (SQLAlchemy's four-slash absolute form).
fn url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

#[tokio::test]
async fn reads_plain_encrypted_and_rotated_rows() {
    common::capture_logs();
    let (_dir, db) = airflow_db("airflow.db", false).await;
    let b = backend(&url(&db), &rotated_keys());
    check_standard_rows(&b).await;
    common::assert_logs_clean();
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_a_clear_error() {
    common::capture_logs();
    let (_dir, db) = airflow_db("airflow.db", false).await;
    check_key_problems(&backend(&url(&db), KEY_NEW), &backend(&url(&db), "")).await;
    common::assert_logs_clean();
}

#[tokio::test]
async fn relative_paths_uri_form_and_driver_options_are_understood() {
    common::capture_logs();
    let (_dir, db) = airflow_db("my airflow.db", false).await;
    let uri_form = format!(
        "sqlite:///file:{}?mode=ro&uri=true&timeout=2",
        db.display().to_string().replace(' ', "%20")
    );
    assert_eq!(
        var(&backend(&uri_form, KEY_NEW), "enc_var").await,
        "encrypted value"
    );
    // `sqlite:///rel.db` is relative to the working directory, as in SQLAlchemy.
    let cwd = std::env::current_dir().unwrap();
    let relative = pathdiff(&db, &cwd);
    assert_eq!(
        var(
            &backend(&format!("sqlite:///{relative}"), KEY_NEW),
            "plain_var"
        )
        .await,
        "plain value"
    );
    common::assert_logs_clean();
}

/// `target` relative to `base` (both absolute), with `..` components.
fn pathdiff(target: &Path, base: &Path) -> String {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), b.len() - common).collect();
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[tokio::test]
async fn rows_of_a_team_are_invisible_without_a_team() {
    common::capture_logs();
    let (_dir, db) = airflow_db("airflow.db", true).await;
    exec(
        &db,
        [
            "INSERT INTO variable (\"key\", val, is_encrypted, team_name) VALUES ('team_only', 'for team a', 0, 'team_a')"
                .into(),
            "INSERT INTO connection (conn_id, conn_type, host, is_encrypted, is_extra_encrypted, team_name) \
             VALUES ('team_conn', 'http', 'a.example', 0, 0, 'team_a')"
                .into(),
        ],
    )
    .await;
    let b = backend(&url(&db), &rotated_keys());
    // Rows without a team are read as before...
    check_standard_rows(&b).await;
    // ...and a team's rows are not visible to a lookup without a team (Airflow's `team_name IS NULL`).
    assert!(b.get_variable("team_only").await.unwrap().is_none());
    assert!(b.get_connection("team_conn").await.unwrap().is_none());
    // (SQLite's `variable.key` is UNIQUE here: the team's row beside a shared one is checked on PostgreSQL.)
    check_team_lookups(&b, false).await;
    common::assert_logs_clean();
}

#[tokio::test]
async fn a_missing_file_is_unavailable_and_a_foreign_database_is_rejected() {
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope").join("airflow.db");
    let b = backend(&url(&missing), "");
    let err = b.get_variable("x").await.unwrap_err();
    assert_error!(
        err,
        Error::Unavailable { .. },
        &[
            "MetastoreBackend",
            "variable `x`",
            "table `variable`",
            &missing.display().to_string(),
        ],
    );
    assert!(
        !missing.exists(),
        "a read-only backend never creates the database"
    );

    // A SQLite file without Airflow's tables.
    let other = dir.path().join("other.db");
    exec(&other, ["CREATE TABLE t (a INTEGER)".to_owned()]).await;
    let b = backend(&url(&other), "");
    let err = b.get_connection("c").await.unwrap_err();
    assert_error!(
        err,
        Error::Rejected { .. },
        &["connection `c`", "no such table", "airflow db migrate"],
    );

    // Not a database at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    let err = backend(&url(&garbage), "")
        .get_variable("x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    common::assert_logs_clean();
}

#[tokio::test]
async fn concurrent_first_lookups_share_the_lazy_pool() {
    common::capture_logs();
    let (_dir, db) = airflow_db("airflow.db", false).await;
    let b = Arc::new(backend(&url(&db), &rotated_keys()));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let b = b.clone();
            tokio::spawn(async move {
                let key = if i % 2 == 0 { "enc_var" } else { "rotated_var" };
                b.get_variable(key)
                    .await
                    .unwrap()
                    .unwrap()
                    .expose()
                    .to_owned()
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let want = if i % 2 == 0 {
            "encrypted value"
        } else {
            "written before the rotation"
        };
        assert_eq!(t.await.unwrap(), want);
    }
    common::assert_logs_clean();
}

#[test]
fn construction_is_lazy_and_debug_hides_secrets() {
    common::capture_logs();
    // No runtime, no file: building the backend touches nothing.
    let b = backend(
        &format!("postgresql://airflow:{SECRET}@127.0.0.1:1/airflow"),
        &rotated_keys(),
    );
    let debug = format!("{b:?}");
    assert_eq!(
        debug,
        "MetastoreBackend { database: postgresql://airflow:***@127.0.0.1:1/airflow, fernet_keys: FernetKeys(2 keys), schema: None }"
    );
    assert_eq!(b.name(), "MetastoreBackend");
    let settings = b.config().unwrap();
    assert!(
        !format!("{settings:?}").contains(SECRET) && !format!("{settings:?}").contains(KEY_NEW)
    );
    common::assert_logs_clean();
}

#[test]
fn kwargs_and_settings_errors_are_clear() {
    common::capture_logs();
    let kwargs = serde_json::json!({"sql_alchemy_conn": "x"});
    let err = MetastoreBackend::check_kwargs(kwargs.as_object().unwrap()).unwrap_err();
    assert!(matches!(err, Error::UnknownKwarg { .. }));
    assert!(err.to_string().starts_with(
        "MetastoreBackend: unknown kwarg `sql_alchemy_conn`; accepted kwargs are: (none"
    ));
    assert!(MetastoreBackend::check_kwargs(&Default::default()).is_ok());

    let err =
        MetastoreConfig::from_strings(&format!("mssql+pyodbc://sa:{SECRET}@h/db"), "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration option [database] sql_alchemy_conn (from the value given in code): unsupported \
         database dialect `mssql+pyodbc`; airflow-secrets reads Airflow's metadata database from sqlite, \
         postgresql and mysql (the dialects Airflow supports)"
    );
    let err = MetastoreConfig::from_strings("sqlite:////a.db", &format!("{KEY_NEW},{SECRET}"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration option [core] fernet_key (from the value given in code): key 2 of 2 is not a valid \
         Fernet key (expected 32 bytes in url-safe base64, 44 characters)"
    );
    let err = MetastoreBackend::new(
        MetastoreConfig::from_strings(
            &format!("postgresql://u:{SECRET}@h/d?sslmode=sometimes"),
            "",
        )
        .unwrap(),
    )
    .unwrap_err();
    assert_error!(err, Error::InvalidSetting { .. }, &["sql_alchemy_conn"]);
    common::assert_logs_clean();
}
