//! Shared by the SQLite and PostgreSQL suites: Airflow's table definitions, the rows every suite
//! writes (some Fernet-encrypted with the `fernet` crate, some plain), and the checks every suite runs.
#![allow(dead_code)] // each suite uses a different part

pub mod mysql;
pub mod pg;

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use airflow_secrets_core::{ConnectionFlavor, Error, SecretKind, SecretsBackend};
use airflow_secrets_metastore::{MetastoreBackend, MetastoreConfig};
use fernet::Fernet;

/// The deployment's current key.
pub const KEY_NEW: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";
/// The key before the last rotation (`fernet_key = new,old`).
pub const KEY_OLD: &str = "bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=";
/// A key the backend is never given.
pub const KEY_FOREIGN: &str = "Zm9yZWlnbi1rZXktbm9ib2R5LWtub3dzLWl0LTMyYiE=";
/// A distinctive secret: the database password and stored passwords contain it; no error, log line or
/// Debug output may.
pub const SECRET: &str = "s3cr3t-MetaStore-Pw";
/// Every secret the suites handle: no error, log line or Debug output may show one.
const SECRETS: &[&str] = &[SECRET, KEY_NEW, KEY_OLD, KEY_FOREIGN];

/// `fernet_key` after a rotation.
pub fn rotated_keys() -> String {
    format!("{KEY_NEW},{KEY_OLD}")
}

pub fn encrypt(key: &str, plain: &str) -> String {
    Fernet::new(key)
        .expect("valid test key")
        .encrypt(plain.as_bytes())
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    MySql,
}

/// The `key` column, quoted for the dialect (`KEY` is reserved in MySQL).
fn key_column(sql: Engine) -> &'static str {
    if sql == Engine::MySql {
        "`key`"
    } else {
        "\"key\""
    }
}

/// Airflow's `variable` and `connection` tables (the squashed 2.6.2 migration, unchanged in 3.x apart
/// from the multi-team column added by [`add_team_columns`]), as SQLAlchemy creates them.
pub fn ddl(sql: Engine) -> Vec<String> {
    match sql {
        Engine::Sqlite => sqlite_or_postgres_ddl("INTEGER", "VARCHAR(5000)", "\"key\""),
        // Airflow's `StringID` columns use a binary collation on MySQL (`[database]
        // sql_engine_collation_for_ids`, default utf8mb3_bin), so ids are case-sensitive there too.
        Engine::MySql => vec![
            "CREATE TABLE connection (
                id INTEGER NOT NULL AUTO_INCREMENT,
                conn_id VARCHAR(250) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin NOT NULL,
                conn_type VARCHAR(500) NOT NULL,
                description TEXT(5000),
                host VARCHAR(500),
                `schema` VARCHAR(500),
                login TEXT,
                password TEXT,
                port INTEGER,
                is_encrypted BOOL,
                is_extra_encrypted BOOL,
                extra TEXT,
                CONSTRAINT connection_pkey PRIMARY KEY (id),
                CONSTRAINT connection_conn_id_uq UNIQUE (conn_id)
            )"
            .into(),
            "CREATE TABLE variable (
                id INTEGER NOT NULL AUTO_INCREMENT,
                `key` VARCHAR(250) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin,
                val MEDIUMTEXT,
                description TEXT,
                is_encrypted BOOL,
                CONSTRAINT variable_pkey PRIMARY KEY (id),
                CONSTRAINT variable_key_uq UNIQUE (`key`)
            )"
            .into(),
        ],
        Engine::Postgres => sqlite_or_postgres_ddl("SERIAL", "TEXT", "key"),
    }
}

/// [`ddl`] for SQLite and PostgreSQL, whose tables differ only in the type of `id` (`id_type`) and of
/// `connection.description` (`description_type`), and in how the `key` column is written (`key`).
fn sqlite_or_postgres_ddl(id_type: &str, description_type: &str, key: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE connection (
                id {id_type} NOT NULL,
                conn_id VARCHAR(250) NOT NULL,
                conn_type VARCHAR(500) NOT NULL,
                description {description_type},
                host VARCHAR(500),
                schema VARCHAR(500),
                login TEXT,
                password TEXT,
                port INTEGER,
                is_encrypted BOOLEAN,
                is_extra_encrypted BOOLEAN,
                extra TEXT,
                CONSTRAINT connection_pkey PRIMARY KEY (id),
                CONSTRAINT connection_conn_id_uq UNIQUE (conn_id)
            )"
        ),
        format!(
            "CREATE TABLE variable (
                id {id_type} NOT NULL,
                {key} VARCHAR(250),
                val TEXT,
                description TEXT,
                is_encrypted BOOLEAN,
                CONSTRAINT variable_pkey PRIMARY KEY (id),
                CONSTRAINT variable_key_uq UNIQUE ({key})
            )"
        ),
    ]
}

/// Airflow 3.x multi-team: a nullable `team_name` on both tables (values are unique per team).
pub fn add_team_columns(sql: Engine) -> Vec<String> {
    let statements: &[&str] = match sql {
        // SQLite cannot drop a constraint; a fresh database is created with the team column instead.
        Engine::Sqlite => &[
            "ALTER TABLE variable ADD COLUMN team_name VARCHAR(50)",
            "ALTER TABLE connection ADD COLUMN team_name VARCHAR(50)",
        ],
        Engine::MySql => &[
            "ALTER TABLE variable ADD COLUMN team_name VARCHAR(50)",
            "ALTER TABLE variable DROP INDEX variable_key_uq",
            "ALTER TABLE variable ADD CONSTRAINT variable_key_team_uq UNIQUE (`key`, team_name)",
            "ALTER TABLE connection ADD COLUMN team_name VARCHAR(50)",
            "ALTER TABLE connection DROP INDEX connection_conn_id_uq",
            "ALTER TABLE connection ADD CONSTRAINT connection_conn_id_team_uq UNIQUE (conn_id, team_name)",
        ],
        Engine::Postgres => &[
            "ALTER TABLE variable ADD COLUMN team_name VARCHAR(50)",
            "ALTER TABLE variable DROP CONSTRAINT variable_key_uq",
            "ALTER TABLE variable ADD CONSTRAINT variable_key_team_uq UNIQUE (key, team_name)",
            "ALTER TABLE connection ADD COLUMN team_name VARCHAR(50)",
            "ALTER TABLE connection DROP CONSTRAINT connection_conn_id_uq",
            "ALTER TABLE connection ADD CONSTRAINT connection_conn_id_team_uq UNIQUE (conn_id, team_name)",
        ],
    };
    statements.iter().map(|s| s.to_string()).collect()
}

/// The statements that create Airflow's tables ([`ddl`], then [`add_team_columns`] if `with_teams`)
/// and write the [`standard_rows`].
pub fn airflow_database(sql: Engine, with_teams: bool) -> Vec<String> {
    let mut statements = ddl(sql);
    if with_teams {
        statements.extend(add_team_columns(sql));
    }
    statements.extend(standard_rows(sql));
    statements
}

/// A SQL string literal (backslashes doubled too: MySQL reads them as escapes).
fn lit(sql: Engine, v: Option<&str>) -> String {
    match v {
        Some(v) if sql == Engine::MySql => {
            format!("'{}'", v.replace('\\', "\\\\").replace('\'', "''"))
        }
        Some(v) => format!("'{}'", v.replace('\'', "''")),
        None => "NULL".into(),
    }
}

fn boolean(sql: Engine, v: bool) -> &'static str {
    match (sql, v) {
        (Engine::Sqlite | Engine::MySql, true) => "1",
        (Engine::Sqlite | Engine::MySql, false) => "0",
        (Engine::Postgres, true) => "true",
        (Engine::Postgres, false) => "false",
    }
}

pub fn insert_variable(sql: Engine, key: &str, val: Option<&str>, is_encrypted: bool) -> String {
    format!(
        "INSERT INTO variable ({}, val, is_encrypted) VALUES ({}, {}, {})",
        key_column(sql),
        lit(sql, Some(key)),
        lit(sql, val),
        boolean(sql, is_encrypted)
    )
}

/// A connection row: the password and extra are stored as given (pass ciphertext for encrypted ones).
pub struct ConnRow<'a> {
    pub conn_id: &'a str,
    pub conn_type: &'a str,
    pub description: Option<&'a str>,
    pub host: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub login: Option<&'a str>,
    pub password: Option<&'a str>,
    pub port: Option<i32>,
    pub is_encrypted: bool,
    pub is_extra_encrypted: bool,
    pub extra: Option<&'a str>,
}

pub fn insert_connection(sql: Engine, c: &ConnRow<'_>) -> String {
    format!(
        "INSERT INTO connection (conn_id, conn_type, description, host, {}, login, password, port, \
         is_encrypted, is_extra_encrypted, extra) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        if sql == Engine::MySql {
            "`schema`"
        } else {
            "schema"
        },
        lit(sql, Some(c.conn_id)),
        lit(sql, Some(c.conn_type)),
        lit(sql, c.description),
        lit(sql, c.host),
        lit(sql, c.schema),
        lit(sql, c.login),
        lit(sql, c.password),
        c.port.map_or("NULL".into(), |p| p.to_string()),
        boolean(sql, c.is_encrypted),
        boolean(sql, c.is_extra_encrypted),
        lit(sql, c.extra),
    )
}

/// The rows every suite writes: what the Airflow UI stores with `fernet_key = KEY_NEW` (after a rotation
/// from `KEY_OLD`), plus rows written before encryption was configured.
pub fn standard_rows(sql: Engine) -> Vec<String> {
    let pg_password = format!("p@ss w/rd {SECRET}");
    vec![
        insert_variable(sql, "plain_var", Some("plain value"), false),
        insert_variable(
            sql,
            "enc_var",
            Some(&encrypt(KEY_NEW, "encrypted value")),
            true,
        ),
        insert_variable(
            sql,
            "rotated_var",
            Some(&encrypt(KEY_OLD, "written before the rotation")),
            true,
        ),
        insert_variable(
            sql,
            "foreign_var",
            Some(&encrypt(KEY_FOREIGN, SECRET)),
            true,
        ),
        insert_variable(sql, "null_var", None, false),
        insert_variable(sql, "empty_var", Some(""), false),
        insert_variable(
            sql,
            "json_var",
            Some(&encrypt(KEY_NEW, "{\n  \"a\": [1, 2]\n}")),
            true,
        ),
        insert_connection(
            sql,
            &ConnRow {
                conn_id: "pg_enc",
                conn_type: "postgres",
                description: Some("reporting database"),
                host: Some("db.internal"),
                schema: Some("analytics"),
                login: Some("report@er"),
                password: Some(&encrypt(KEY_NEW, &pg_password)),
                port: Some(5432),
                is_encrypted: true,
                is_extra_encrypted: true,
                extra: Some(&encrypt(
                    KEY_NEW,
                    r#"{"sslmode": "require", "connect_timeout": 10}"#,
                )),
            },
        ),
        insert_connection(
            sql,
            &ConnRow {
                conn_id: "http_plain",
                conn_type: "http",
                description: None,
                host: Some("api.example.com"),
                schema: Some(""),
                login: None,
                password: Some(""),
                port: None,
                is_encrypted: false,
                is_extra_encrypted: false,
                extra: Some(r#"{"timeout": "30"}"#),
            },
        ),
        insert_connection(
            sql,
            &ConnRow {
                conn_id: "rotated_conn",
                conn_type: "mysql",
                description: None,
                host: Some("mysql.internal"),
                schema: None,
                login: Some("root"),
                password: Some(&encrypt(KEY_OLD, "old-pw")),
                port: Some(3306),
                is_encrypted: true,
                is_extra_encrypted: false,
                extra: None,
            },
        ),
        insert_connection(
            sql,
            &ConnRow {
                conn_id: "foreign_conn",
                conn_type: "mysql",
                description: None,
                host: Some("mysql.internal"),
                schema: None,
                login: Some("root"),
                password: Some(&encrypt(KEY_FOREIGN, SECRET)),
                port: None,
                is_encrypted: true,
                is_extra_encrypted: false,
                extra: None,
            },
        ),
    ]
}

/// Settings for `url` and `fernet_key`, with a short connect timeout (some tests wait for it to expire).
pub fn settings(url: &str, fernet_key: &str) -> MetastoreConfig {
    MetastoreConfig::from_strings(url, fernet_key)
        .unwrap()
        .with_connect_timeout(Duration::from_secs(3))
}

/// A backend reading the database at `url` with `fernet_key` ([`settings`]).
pub fn backend(url: &str, fernet_key: &str) -> MetastoreBackend {
    MetastoreBackend::new(settings(url, fernet_key)).unwrap()
}

/// Runs each of `statements` on `conn` (a failure names the statement), then closes the connection.
pub async fn execute_all<C>(mut conn: C, statements: impl IntoIterator<Item = impl AsRef<str>>)
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    use sqlx::Executor;
    for s in statements {
        let s = s.as_ref();
        (&mut conn)
            .execute(sqlx::AssertSqlSafe(s.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    conn.close().await.expect("closing");
}

/// The value of a variable that must be found.
pub async fn var(b: &MetastoreBackend, key: &str) -> String {
    b.get_variable(key)
        .await
        .unwrap_or_else(|e| panic!("variable {key}: {e}"))
        .unwrap_or_else(|| panic!("variable {key} not found"))
        .expose()
        .to_owned()
}

/// Asserts an error names the backend and the key, and shows no secret, ciphertext or key.
pub fn assert_clean(err: &Error, must_contain: &[&str]) {
    let text = format!("{err} {err:?}");
    for needle in must_contain {
        assert!(text.contains(needle), "`{needle}` missing from: {text}");
    }
    for secret in SECRETS.iter().chain(&["gAAAAA"]) {
        assert!(!text.contains(secret), "error leaks `{secret}`: {text}");
    }
}

/// Asserts `$err` (an [`Error`]) matches `$pattern` and passes [`assert_clean`] with `$must_contain`.
macro_rules! assert_error {
    ($err:expr, $pattern:pat, $must_contain:expr $(,)?) => {{
        let err = &$err;
        assert!(matches!(err, $pattern), "{err:?}");
        $crate::common::assert_clean(err, $must_contain);
    }};
}
pub(crate) use assert_error;

/// Every check on [`standard_rows`], for a backend configured with `fernet_key = new,old`.
pub async fn check_standard_rows(b: &MetastoreBackend) {
    // Plain, encrypted and rotated variables.
    assert_eq!(var(b, "plain_var").await, "plain value");
    assert_eq!(var(b, "enc_var").await, "encrypted value");
    assert_eq!(var(b, "rotated_var").await, "written before the rotation");
    assert_eq!(var(b, "json_var").await, "{\n  \"a\": [1, 2]\n}");
    // An empty string is a value (it stops Airflow's search); NULL and a missing row are not found.
    assert_eq!(var(b, "empty_var").await, "");
    assert!(b.get_variable("null_var").await.unwrap().is_none());
    assert!(b.get_variable("no_such_var").await.unwrap().is_none());
    // Keys are matched exactly, as the SQL `=` does (Airflow's env tier upper-cases; this one does not).
    assert!(b.get_variable("PLAIN_VAR").await.unwrap().is_none());
    // Config lookups never reach the database.
    assert!(b.get_config("plain_var").await.unwrap().is_none());

    // A value encrypted with a key we do not have: a clear error without the value or any key.
    let err = b.get_variable("foreign_var").await.unwrap_err();
    assert_error!(
        err,
        Error::MalformedSecret { .. },
        &[
            "MetastoreBackend",
            "foreign_var",
            "cannot decrypt `val` with the 2 key(s)",
        ],
    );

    // Connections, built column by column.
    let c = b.get_connection("pg_enc").await.unwrap().expect("pg_enc");
    assert_eq!(c.conn_id, "pg_enc");
    assert_eq!(c.conn_type.as_deref(), Some("postgres"));
    assert_eq!(c.description.as_deref(), Some("reporting database"));
    assert_eq!(c.host.as_deref(), Some("db.internal"));
    assert_eq!(c.schema.as_deref(), Some("analytics"));
    assert_eq!(c.login.as_deref(), Some("report@er"));
    assert_eq!(
        c.password.as_ref().map(|p| p.expose().to_owned()),
        Some(format!("p@ss w/rd {SECRET}"))
    );
    assert_eq!(c.port, Some(5432));
    assert_eq!(
        c.extra.as_deref(),
        Some(r#"{"sslmode": "require", "connect_timeout": 10}"#)
    );
    assert!(
        !format!("{c:?} {c}").contains(SECRET),
        "Connection's Debug/Display hide the password"
    );
    // (How a typed extra is written into the URI is the core Connection's business.)
    let uri = c.get_uri();
    let want =
        format!("postgres://report%40er:p%40ss%20w%2Frd%20{SECRET}@db.internal:5432/analytics?");
    assert!(uri.starts_with(&want), "{uri}");
    // get_conn_value gives the connection's JSON form (it keeps the description).
    let json = b.get_conn_value("pg_enc").await.unwrap().unwrap();
    assert_eq!(
        json.expose(),
        format!(
            r#"{{"conn_type": "postgres", "description": "reporting database", "host": "db.internal", "login": "report@er", "password": "p@ss w/rd {SECRET}", "schema": "analytics", "port": 5432, "extra": {{"sslmode": "require", "connect_timeout": 10}}}}"#
        )
    );

    // Plain columns are returned as stored: an empty password stays "" in both flavours.
    for flavor in [ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm] {
        let c = b
            .get_connection_as("http_plain", flavor)
            .await
            .unwrap()
            .expect("http_plain");
        assert_eq!(c.password.as_ref().map(|p| p.expose()), Some(""));
        assert_eq!(
            (c.schema.as_deref(), c.port, c.login.as_deref()),
            (Some(""), None, None)
        );
        assert_eq!(c.flavor, flavor);
    }
    let c = b.get_connection("http_plain").await.unwrap().unwrap();
    assert_eq!(c.get_uri(), "http://:@api.example.com/?timeout=30");

    let c = b.get_connection("rotated_conn").await.unwrap().unwrap();
    assert_eq!(c.password.unwrap().expose(), "old-pw");
    assert!(b.get_connection("no_such_conn").await.unwrap().is_none());
    assert!(b.get_conn_value("no_such_conn").await.unwrap().is_none());

    let err = b.get_connection("foreign_conn").await.unwrap_err();
    assert_clean(
        &err,
        &[
            "MetastoreBackend",
            "foreign_conn",
            "cannot decrypt `password`",
        ],
    );
}

/// Checks for a backend holding only `KEY_NEW` (before anyone added the old key back) and for one with
/// no key at all.
pub async fn check_key_problems(only_new: &MetastoreBackend, no_key: &MetastoreBackend) {
    assert_eq!(var(only_new, "enc_var").await, "encrypted value");
    let err = only_new.get_variable("rotated_var").await.unwrap_err();
    assert_clean(
        &err,
        &[
            "rotated_var",
            "cannot decrypt `val` with the 1 key(s) of [core] fernet_key",
        ],
    );
    let err = only_new.get_connection("rotated_conn").await.unwrap_err();
    assert_clean(&err, &["rotated_conn", "cannot decrypt `password`"]);

    // No fernet_key (Airflow's "no encryption"): plain rows are read, encrypted rows are an error.
    assert_eq!(var(no_key, "plain_var").await, "plain value");
    let c = no_key.get_connection("http_plain").await.unwrap().unwrap();
    assert_eq!(c.host.as_deref(), Some("api.example.com"));
    let err = no_key.get_variable("enc_var").await.unwrap_err();
    assert_clean(&err, &["enc_var", "fernet_key is empty"]);
    let err = no_key.get_connection("pg_enc").await.unwrap_err();
    assert_clean(&err, &["pg_enc", "`password` is stored encrypted"]);
}

/// Installs the TRACE log capture of this test binary (idempotent); call it first in every test.
pub fn capture_logs() {
    airflow_secrets_testkit::logs::capture();
}

/// Fails if any secret these suites store or use (passwords, Fernet keys) reached a log line.
pub fn assert_logs_clean() {
    airflow_secrets_testkit::logs::capture().assert_free_of(SECRETS);
}

/// The uid/gid to run a database server as: ours unless we are root; as root, `preferred` (the user
/// Debian's package creates) or else `nobody`. `server` and `hint` are for the failure message.
fn server_user(preferred: &str, server: &str, hint: &str) -> Option<(u32, u32)> {
    let me = Command::new("id")
        .arg("-u")
        .output()
        .expect("running `id -u`");
    if String::from_utf8_lossy(&me.stdout).trim() != "0" {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("reading /etc/passwd");
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == name).then(|| (f[2].parse().ok(), f[3].parse().ok()))
        })
    };
    match find(preferred).or_else(|| find("nobody")) {
        Some((Some(uid), Some(gid))) => Some((uid, gid)),
        _ => panic!(
            "running as root, but there is no `{preferred}` (or `nobody`) user to run {server} as; {hint}"
        ),
    }
}

/// A fresh temporary directory (named `prefix`...) for a database server's files, handed over to the
/// server's `user` with mode 0700 when one is given.
fn server_dir(prefix: &str, user: Option<(u32, u32)>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temporary directory");
    hand_over(dir.path(), user);
    if user.is_some() {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

/// Makes the server's `user` (when one is given) the owner of `path`.
fn hand_over(path: &Path, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        chown(path, Some(uid), Some(gid)).expect("handing the directory to the server user");
    }
}

/// Fails the test, with the command's output, unless `out` is a success; `what` names the command.
#[track_caller]
fn assert_succeeded(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `command`, run as `user` (with `HOME=/tmp`) when one is given.
fn as_user(mut command: Command, user: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = user {
        // std drops supplementary groups when a root process switches uid.
        command.uid(uid).gid(gid);
        command.env("HOME", "/tmp");
    }
    command
}

/// A lookup for a team (Airflow's `team_name = :team OR team_name IS NULL`): the team's row first, then
/// the shared one; another team's rows stay invisible. Expects the standard rows plus team_a's
/// `team_only` variable and `team_conn` connection, and — when `team_row_beside_shared` — team_a's own
/// `plain_var` (value `team a value`) beside the shared one.
pub async fn check_team_lookups(b: &MetastoreBackend, team_row_beside_shared: bool) {
    let team_var = |key: &'static str, team: &'static str| async move {
        b.get_for_team(SecretKind::Variable, key, Some(team))
            .await
            .unwrap()
            .map(|v| v.expose().to_owned())
    };
    if team_row_beside_shared {
        assert_eq!(
            team_var("plain_var", "team_a").await.as_deref(),
            Some("team a value")
        );
    }
    assert_eq!(
        team_var("plain_var", "team_b").await.as_deref(),
        Some("plain value")
    );
    assert!(team_var("team_only", "team_a").await.is_some());
    assert_eq!(team_var("team_only", "team_b").await, None);
    assert_eq!(
        team_var("enc_var", "team_a").await.as_deref(),
        Some("encrypted value")
    );
    let conn = b
        .get_connection_for_team("team_conn", ConnectionFlavor::default(), Some("team_a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conn.host.as_deref(), Some("a.example"));
    assert!(
        b.get_connection_for_team("team_conn", ConnectionFlavor::default(), Some("team_b"))
            .await
            .unwrap()
            .is_none()
    );
}
