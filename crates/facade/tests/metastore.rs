#![cfg(feature = "metastore")]
//! The full chain with the third tier: custom backend (LocalFilesystemBackend, files in a temporary
//! directory) → environment variables → Airflow's metadata database (a SQLite file with Airflow's tables
//! and Fernet-encrypted rows), all configured through Airflow's own settings.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use airflow_secrets::{AirflowConfig, Error, ErrorPolicy, ProcessContext, Secrets, SecretsBackend};
use airflow_secrets_metastore::FernetKeys;
use airflow_secrets_testkit::airflow_db;
use common::variable_value;

const KEY_NEW: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";
const KEY_OLD: &str = "bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=";
const LOCAL_FS: &str = "airflow.secrets.local_filesystem.LocalFilesystemBackend";

/// A deployment: `airflow.db` (Airflow's tables; values encrypted with `KEY_OLD` then `KEY_NEW`, as
/// after a rotation), and the custom backend's JSON files.
struct Deployment {
    dir: tempfile::TempDir,
}

impl Deployment {
    async fn new() -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let new = FernetKeys::parse(KEY_NEW).unwrap();
        let old = FernetKeys::parse(KEY_OLD).unwrap();
        let enc = |keys: &FernetKeys, v: &str| keys.encrypt(v).unwrap();
        let inserts = [
            format!(
                "INSERT INTO variable (\"key\", val, is_encrypted) VALUES ('everywhere', '{}', 1), ('db_only', '{}', 1), \
                 ('db_plain', 'plain in the database', 0)",
                enc(&new, "from the database"),
                enc(&old, "only in the database"),
            ),
            format!(
                "INSERT INTO connection (conn_id, conn_type, host, login, password, port, is_encrypted, is_extra_encrypted, extra) \
                 VALUES ('everywhere_conn', 'postgres', 'db.host', 'db_user', '{}', 5432, 1, 0, NULL), \
                 ('db_only_conn', 'mysql', 'mysql.host', 'root', '{}', 3306, 1, 1, '{}')",
                enc(&new, "db-pw"),
                enc(&old, "old-pw"),
                enc(&new, r#"{"charset": "utf8mb4"}"#),
            ),
        ];
        airflow_db::create(&dir.path().join("airflow.db"), &inserts).await;
        std::fs::write(
            dir.path().join("variables.json"),
            r#"{"everywhere": "from the backend"}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("connections.json"),
            r#"{"everywhere_conn": "http://backend.host:8080"}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("configs.json"),
            serde_json::json!({
                "sql_alchemy_conn_from_backend": format!("sqlite:///{}", dir.path().join("airflow.db").display()),
                "fernet_key_from_backend": format!("{KEY_NEW},{KEY_OLD}"),
            })
            .to_string(),
        )
        .unwrap();
        Deployment { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db_url(&self) -> String {
        format!("sqlite:///{}", self.path("airflow.db").display())
    }

    fn backend_kwargs(&self) -> String {
        serde_json::json!({
            "variables_file_path": self.path("variables.json"),
            "connections_file_path": self.path("connections.json"),
            "configs_file_path": self.path("configs.json"),
        })
        .to_string()
    }

    /// The environment of an Airflow server process: custom backend, database, rotated Fernet keys,
    /// environment-tier values; `AIRFLOW_HOME` and `HOME` point into the deployment (no stray airflow.cfg).
    fn env(&self) -> Vec<(String, String)> {
        let home = self.dir.path().display().to_string();
        [
            ("HOME", home.as_str()),
            ("AIRFLOW_HOME", home.as_str()),
            ("AIRFLOW__SECRETS__BACKEND", LOCAL_FS),
            ("AIRFLOW__SECRETS__BACKEND_KWARGS", &self.backend_kwargs()),
            ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", &self.db_url()),
            ("AIRFLOW__CORE__FERNET_KEY", &format!("{KEY_NEW},{KEY_OLD}")),
            ("AIRFLOW_VAR_EVERYWHERE", "from the environment"),
            ("AIRFLOW_VAR_ENV_ONLY", "only in the environment"),
            ("AIRFLOW_CONN_EVERYWHERE_CONN", "http://env.host"),
            ("AIRFLOW_CONN_ENV_ONLY_CONN", "redis://env.host:6379"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    async fn secrets(&self, env: Vec<(String, String)>) -> Result<Secrets, Error> {
        Secrets::builder()
            .config(AirflowConfig::from_vars(env).unwrap())
            .build()
            .await
    }
}

fn without(mut env: Vec<(String, String)>, names: &[&str]) -> Vec<(String, String)> {
    env.retain(|(k, _)| !names.contains(&k.as_str()));
    env
}

fn with(mut env: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// `env` with `name` set to `value` instead of what it held.
fn replaced(env: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    with(without(env, &[name]), &[(name, value)])
}

fn names(secrets: &Secrets) -> Vec<&'static str> {
    secrets.backends().iter().map(|b| b.name()).collect()
}

/// The full chain: custom backend, environment variables, metadata database.
const THREE_TIERS: [&str; 3] = [
    "LocalFilesystemBackend",
    "EnvironmentVariablesBackend",
    "MetastoreBackend",
];

/// The value of variable `key` and the backend that had it; fails the test unless one had it.
async fn found(s: &Secrets, key: &str) -> (String, Option<&'static str>) {
    let v = s.variable_lookup(key).await.unwrap();
    let Some(value) = &v.value else {
        panic!("variable {key} not found: {v:?}")
    };
    (value.expose().to_owned(), v.found_in)
}

#[tokio::test]
async fn the_chain_is_backend_then_environment_then_database() {
    let d = Deployment::new().await;
    let s = d.secrets(d.env()).await.unwrap();
    assert_eq!(names(&s), THREE_TIERS);

    // In all three tiers: the custom backend's value.
    assert_eq!(
        found(&s, "everywhere").await,
        (
            "from the backend".to_owned(),
            Some("LocalFilesystemBackend")
        )
    );
    let c = s.connection_lookup("everywhere_conn").await.unwrap();
    assert_eq!(c.found_in, Some("LocalFilesystemBackend"));
    assert_eq!(c.value.unwrap().host.as_deref(), Some("backend.host"));

    // Only in the environment.
    assert_eq!(
        found(&s, "env_only").await,
        (
            "only in the environment".to_owned(),
            Some("EnvironmentVariablesBackend")
        )
    );
    let c = s.connection("env_only_conn").await.unwrap();
    assert_eq!(
        (c.conn_type.as_deref(), c.port),
        (Some("redis"), Some(6379))
    );

    // Only in the database (encrypted with the key before the rotation).
    assert_eq!(
        found(&s, "db_only").await,
        ("only in the database".to_owned(), Some("MetastoreBackend"))
    );
    assert_eq!(
        variable_value(&s, "db_plain").await,
        "plain in the database"
    );
    let c = s.connection_lookup("db_only_conn").await.unwrap();
    assert_eq!(c.found_in, Some("MetastoreBackend"));
    let c = c.value.unwrap();
    assert_eq!(c.password.as_ref().unwrap().expose(), "old-pw");
    assert_eq!(c.extra.as_deref(), Some(r#"{"charset": "utf8mb4"}"#));
    assert_eq!(
        c.get_uri(),
        "mysql://root:old-pw@mysql.host:3306/?charset=utf8mb4"
    );

    // In none: not found (Airflow's KeyError / AirflowNotFoundException).
    let v = s.variable_lookup("nowhere").await.unwrap();
    assert!(
        v.value.is_none() && v.found_in.is_none() && v.failures.is_empty(),
        "{v:?}"
    );
    let err = s.connection("nowhere_conn").await.unwrap_err();
    assert_eq!(err.to_string(), "The conn_id `nowhere_conn` isn't defined");
}

#[tokio::test]
async fn without_the_other_tiers_the_database_answers() {
    let d = Deployment::new().await;
    // No custom backend, no AIRFLOW_VAR_*: "everywhere" now comes from the database.
    let env = without(
        d.env(),
        &[
            "AIRFLOW__SECRETS__BACKEND",
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            "AIRFLOW_VAR_EVERYWHERE",
            "AIRFLOW_CONN_EVERYWHERE_CONN",
        ],
    );
    let s = d.secrets(env).await.unwrap();
    assert_eq!(
        names(&s),
        ["EnvironmentVariablesBackend", "MetastoreBackend"]
    );
    assert_eq!(variable_value(&s, "everywhere").await, "from the database");
    let c = s.connection("everywhere_conn").await.unwrap();
    assert_eq!(
        (c.host.as_deref(), c.password.unwrap().expose()),
        (Some("db.host"), "db-pw")
    );
}

/// An Airflow 3 task worker's chain is custom backend → environment (→ the Execution API, not
/// implemented): it never reads the metadata database, even with one configured (task-SDK 1.3.2
/// `DEFAULT_SECRETS_SEARCH_PATH_WORKERS`). `[workers] secrets_backend` picks the custom backend.
#[tokio::test]
async fn the_worker_chain_has_no_metastore_tier() {
    let d = Deployment::new().await;
    let worker = |env: Vec<(String, String)>| async move {
        Secrets::builder()
            .config(AirflowConfig::from_vars(env).unwrap())
            .context(ProcessContext::Worker)
            .build()
            .await
            .unwrap()
    };
    let s = worker(d.env()).await;
    assert_eq!(
        names(&s),
        ["LocalFilesystemBackend", "EnvironmentVariablesBackend"]
    );
    assert!(s.variable("db_only").await.unwrap().is_none());
    assert!(
        s.connection_lookup("db_only_conn")
            .await
            .unwrap()
            .value
            .is_none()
    );
    assert_eq!(
        found(&s, "env_only").await.1,
        Some("EnvironmentVariablesBackend")
    );
    // The default SQLite file exists too: still no third tier, and no custom backend either.
    let env = without(
        d.env(),
        &[
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            "AIRFLOW__SECRETS__BACKEND",
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
        ],
    );
    assert_eq!(
        names(&worker(env.clone()).await),
        ["EnvironmentVariablesBackend"]
    );
    // `[workers] secrets_backend` is the worker's custom backend; the server keeps its three tiers.
    let env = with(
        env,
        &[
            ("AIRFLOW__WORKERS__SECRETS_BACKEND", LOCAL_FS),
            (
                "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS",
                &d.backend_kwargs(),
            ),
        ],
    );
    let s = worker(env).await;
    assert_eq!(
        names(&s),
        ["LocalFilesystemBackend", "EnvironmentVariablesBackend"]
    );
    assert_eq!(
        found(&s, "everywhere").await.1,
        Some("LocalFilesystemBackend")
    );
    assert_eq!(names(&d.secrets(d.env()).await.unwrap()), THREE_TIERS);
}

#[tokio::test]
async fn no_database_configured_means_no_third_tier_unless_the_default_file_exists() {
    let d = Deployment::new().await;
    let env = without(d.env(), &["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]);
    // $AIRFLOW_HOME/airflow.db exists: Airflow's default sql_alchemy_conn is used.
    let s = d.secrets(env.clone()).await.unwrap();
    assert_eq!(names(&s), THREE_TIERS);
    assert_eq!(variable_value(&s, "db_only").await, "only in the database");
    // An AIRFLOW_HOME without airflow.db: two tiers only.
    let empty_home = tempfile::tempdir().unwrap();
    let env = replaced(env, "AIRFLOW_HOME", empty_home.path().to_str().unwrap());
    let s = d.secrets(env).await.unwrap();
    assert_eq!(
        names(&s),
        ["LocalFilesystemBackend", "EnvironmentVariablesBackend"]
    );
    assert!(s.variable("db_only").await.unwrap().is_none());
}

#[tokio::test]
async fn legacy_option_cmd_secret_and_airflow_cfg_are_read_as_airflow_reads_them() {
    let d = Deployment::new().await;
    let base = without(
        d.env(),
        &[
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            "AIRFLOW__CORE__FERNET_KEY",
        ],
    );
    let url = d.db_url();
    let keys = format!("{KEY_NEW},{KEY_OLD}");
    let d = &d;
    let check = |env: Vec<(String, String)>, label: &'static str| async move {
        let s = d
            .secrets(env)
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(names(&s).last(), Some(&"MetastoreBackend"), "{label}");
        let v = s
            .variable("db_only")
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            v.map(|v| v.expose().to_owned()).as_deref(),
            Some("only in the database"),
            "{label}"
        );
    };
    // The legacy [core] option.
    check(
        with(
            base.clone(),
            &[
                ("AIRFLOW__CORE__SQL_ALCHEMY_CONN", url.as_str()),
                ("AIRFLOW__CORE__FERNET_KEY", keys.as_str()),
            ],
        ),
        "legacy",
    )
    .await;
    // _CMD: the output keeps its trailing newline, as Airflow's does.
    check(
        with(
            base.clone(),
            &[
                (
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD",
                    format!("echo {url}").as_str(),
                ),
                (
                    "AIRFLOW__CORE__FERNET_KEY_CMD",
                    format!("echo {keys}").as_str(),
                ),
            ],
        ),
        "cmd",
    )
    .await;
    // _SECRET: read with the custom backend's get_config.
    check(
        with(
            base.clone(),
            &[
                (
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_SECRET",
                    "sql_alchemy_conn_from_backend",
                ),
                (
                    "AIRFLOW__CORE__FERNET_KEY_SECRET",
                    "fernet_key_from_backend",
                ),
            ],
        ),
        "secret",
    )
    .await;
    // airflow.cfg under AIRFLOW_HOME.
    std::fs::write(
        d.path("airflow.cfg"),
        format!("[core]\nfernet_key = {keys}\n[database]\nsql_alchemy_conn = {url}\n"),
    )
    .unwrap();
    check(base.clone(), "airflow.cfg").await;
    // The environment (even the legacy [core] name) wins over airflow.cfg, as in Airflow.
    std::fs::write(
        d.path("airflow.cfg"),
        format!("[core]\nfernet_key = {keys}\n[database]\nsql_alchemy_conn = sqlite:////nonexistent/airflow.db\n"),
    )
    .unwrap();
    check(
        with(base, &[("AIRFLOW__CORE__SQL_ALCHEMY_CONN", url.as_str())]),
        "env over cfg",
    )
    .await;
}

#[tokio::test]
async fn a_sql_alchemy_conn_cmd_runs_once() {
    let d = Deployment::new().await;
    let runs = d.path("cmd-runs");
    let cmd = format!(
        "sh -c 'echo run >> {}; echo {}'",
        runs.display(),
        d.db_url()
    );
    let env = with(
        without(d.env(), &["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]),
        &[("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD", cmd.as_str())],
    );
    let s = d.secrets(env).await.unwrap();
    assert_eq!(variable_value(&s, "db_only").await, "only in the database");
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\n");
}

#[tokio::test]
async fn a_failing_database_falls_through_and_strict_mode_stops() {
    let d = Deployment::new().await;
    let missing = format!("sqlite:///{}", d.path("gone/airflow.db").display());
    let env = replaced(d.env(), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", &missing);
    let s = d.secrets(env.clone()).await.unwrap();
    // Earlier tiers still answer; a key only the database could have is not found, with the failure kept.
    assert_eq!(
        variable_value(&s, "env_only").await,
        "only in the environment"
    );
    let v = s.variable_lookup("db_only").await.unwrap();
    assert!(v.value.is_none());
    assert_eq!(v.failures.len(), 1, "{v:?}");
    assert!(
        matches!(
            v.failures[0],
            ("MetastoreBackend", Error::Unavailable { .. })
        ),
        "{v:?}"
    );

    let strict = Secrets::builder()
        .config(AirflowConfig::from_vars(env).unwrap())
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    let err = strict.variable("db_only").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");

    // A key the deployment does not have: the rotated value is an error that falls through too.
    let env = replaced(d.env(), "AIRFLOW__CORE__FERNET_KEY", KEY_NEW);
    let s = d.secrets(env).await.unwrap();
    let v = s.variable_lookup("db_only").await.unwrap();
    assert!(v.value.is_none());
    let text = v.failures[0].1.to_string();
    assert!(
        text.contains("cannot decrypt") && !text.contains(KEY_NEW) && !text.contains(KEY_OLD),
        "{text}"
    );
}

#[tokio::test]
async fn bad_settings_are_configuration_errors_naming_their_source() {
    let d = Deployment::new().await;
    let env = replaced(
        d.env(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "mssql+pyodbc://sa:Pa55-w0rd@mssql/airflow",
    );
    let err = d.secrets(env).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration option [database] sql_alchemy_conn (from environment variable \
         AIRFLOW__DATABASE__SQL_ALCHEMY_CONN): unsupported database dialect `mssql+pyodbc`; airflow-secrets \
         reads Airflow's metadata database from sqlite, postgresql and mysql (the dialects Airflow supports)"
    );
    let env = replaced(d.env(), "AIRFLOW__CORE__FERNET_KEY", "Pa55-w0rd");
    let err = d.secrets(env).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration option [core] fernet_key (from environment variable AIRFLOW__CORE__FERNET_KEY): key 1 \
         of 1 is not a valid Fernet key (expected 32 bytes in url-safe base64, 44 characters)"
    );
}

#[tokio::test]
async fn metastore_backend_as_the_custom_backend() {
    let d = Deployment::new().await;
    let env = with(
        without(
            d.env(),
            &[
                "AIRFLOW__SECRETS__BACKEND",
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
            ],
        ),
        &[(
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.metastore.MetastoreBackend",
        )],
    );
    let s = d.secrets(env.clone()).await.unwrap();
    // Airflow's chain: the custom backend, environment variables, then the metastore again.
    assert_eq!(
        names(&s),
        [
            "MetastoreBackend",
            "EnvironmentVariablesBackend",
            "MetastoreBackend"
        ]
    );
    assert_eq!(
        found(&s, "everywhere").await,
        ("from the database".to_owned(), Some("MetastoreBackend"))
    );
    let custom: &Arc<dyn SecretsBackend> = s.custom_backend().unwrap();
    assert!(
        custom
            .get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .is_none(),
        "get_config finds nothing"
    );

    // MetastoreBackend() takes no kwargs.
    let env = with(
        env,
        &[("AIRFLOW__SECRETS__BACKEND_KWARGS", r#"{"conn_id": "x"}"#)],
    );
    let err = d.secrets(env).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("MetastoreBackend: unknown kwarg `conn_id`"),
        "{err}"
    );
}
