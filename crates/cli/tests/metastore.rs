//! End-to-end: the `airflow-secrets` binary reading Airflow's metadata database (a SQLite file with
//! Airflow's tables and Fernet-encrypted rows), configured by Airflow's variables on the child process.
#![cfg(feature = "metastore")]

mod common;

use std::path::Path;
use std::process::Command;

use airflow_secrets_testkit::airflow_db;
use common::{clean_cli, run};

const KEY_NEW: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";
const KEY_OLD: &str = "bm90LWEtcmVhbC1rZXktanVzdC0zMi1ieXRlcy0hIT8=";
const SECRET: &str = "s3cr3t-Cli-Metastore";

/// Writes `airflow.db` with Airflow's tables; values encrypted with `KEY_OLD` or `KEY_NEW` (a rotation).
async fn create_db(path: &Path) {
    let keys = |k: &str| airflow_secrets_metastore::FernetKeys::parse(k).unwrap();
    let (new, old) = (keys(KEY_NEW), keys(KEY_OLD));
    let inserts = [
        format!(
            "INSERT INTO variable (\"key\", val, is_encrypted) VALUES ('db_var', '{}', 1), ('old_var', '{}', 1), \
             ('shadowed', 'from the database', 0)",
            new.encrypt("value from the metastore").unwrap(),
            old.encrypt("encrypted before the rotation").unwrap(),
        ),
        format!(
            "INSERT INTO connection (conn_id, conn_type, description, host, schema, login, password, port, \
             is_encrypted, is_extra_encrypted, extra) VALUES ('db_conn', 'postgres', 'from the UI', 'db.internal', \
             'analytics', 'reporter', '{}', 5432, 1, 1, '{}')",
            new.encrypt(SECRET).unwrap(),
            new.encrypt(r#"{"sslmode": "require"}"#).unwrap(),
        ),
    ];
    airflow_db::create(path, &inserts).await;
}

struct Db {
    dir: tempfile::TempDir,
    url: String,
}

async fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("airflow.db");
    create_db(&path).await;
    Db {
        url: format!("sqlite:///{}", path.display()),
        dir,
    }
}

impl Db {
    /// The binary with only the given Airflow settings (no inherited AIRFLOW_* or PG*; HOME in the temp
    /// dir).
    fn cli(&self, vars: &[(&str, &str)]) -> Command {
        let mut cmd = clean_cli(self.dir.path(), &["PG"]);
        cmd.envs(vars.iter().copied());
        cmd
    }

    /// Runs the binary with `vars` and `args`: its exit status, stdout and stderr.
    fn run(&self, vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
        run(self.cli(vars).args(args))
    }
}

#[tokio::test]
async fn reads_variables_and_connections_from_the_metastore() {
    let d = db().await;
    let keys = format!("{KEY_NEW},{KEY_OLD}");
    let vars = [
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", d.url.as_str()),
        ("AIRFLOW__CORE__FERNET_KEY", keys.as_str()),
    ];

    let (code, out, err) = d.run(&vars, &["get", "variable", "db_var"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "value from the metastore\n"),
        "{err}"
    );
    let (code, out, err) = d.run(&vars, &["get", "variable", "old_var", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["value"], "encrypted before the rotation");
    assert_eq!(v["backend"], "MetastoreBackend");

    let (code, out, err) = d.run(&vars, &["get", "connection", "db_conn", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["conn_type"], "postgres");
    assert_eq!(c["description"], "from the UI");
    assert_eq!(c["host"], "db.internal");
    assert_eq!(c["password"], SECRET);
    assert_eq!(c["port"], 5432);
    assert_eq!(c["extra_dejson"]["sslmode"], "require");
    let (code, out, _) = d.run(&vars, &["get", "connection", "db_conn", "-o", "uri"]);
    assert_eq!(
        (code, out.trim()),
        (
            0,
            format!("postgres://reporter:{SECRET}@db.internal:5432/analytics?sslmode=require")
                .as_str()
        )
    );

    // The environment tier comes before the metastore.
    let (code, out, _) = run(d
        .cli(&vars)
        .env("AIRFLOW_VAR_SHADOWED", "from the environment")
        .args(["get", "variable", "shadowed"]));
    assert_eq!((code, out.as_str()), (0, "from the environment\n"));
    let (code, out, _) = d.run(&vars, &["get", "variable", "shadowed"]);
    assert_eq!((code, out.as_str()), (0, "from the database\n"));

    // Not found anywhere: 1.
    let (code, out, err) = d.run(&vars, &["get", "variable", "nowhere"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("Variable nowhere does not exist"), "{err}");
    let (code, _, err) = d.run(&vars, &["get", "connection", "nowhere"]);
    assert_eq!(code, 1, "{err}");
}

/// `--worker` builds an Airflow 3 task worker's chain: no metastore tier, and `check` says so.
#[tokio::test]
async fn the_worker_chain_never_reads_the_metastore() {
    let d = db().await;
    let keys = format!("{KEY_NEW},{KEY_OLD}");
    let vars = [
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", d.url.as_str()),
        ("AIRFLOW__CORE__FERNET_KEY", keys.as_str()),
    ];
    let (code, out, err) = d.run(&vars, &["--worker", "get", "variable", "db_var"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    let (code, out, err) = d.run(&vars, &["--worker", "check", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["context"], "worker");
    assert_eq!(
        report["chain"],
        serde_json::json!(["EnvironmentVariablesBackend"])
    );
    assert!(
        report["chain_note"]
            .as_str()
            .is_some_and(|n| n.contains("no metastore tier") && n.contains("Execution API")),
        "{report}"
    );
    let (code, out, err) = d.run(&vars, &["--worker", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("chain:        EnvironmentVariablesBackend\n"),
        "{out}"
    );
    assert!(out.contains("worker chain: no metastore tier"), "{out}");
    // The server chain keeps its third tier, and says nothing of the kind.
    let (code, out, err) = d.run(&vars, &["check", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["chain"],
        serde_json::json!(["EnvironmentVariablesBackend", "MetastoreBackend"])
    );
    assert!(report.get("chain_note").is_none(), "{report}");
}

#[tokio::test]
async fn failures_and_bad_settings_have_their_exit_status_and_leak_nothing() {
    let d = db().await;
    // Only the new key: the value written before the rotation cannot be decrypted → backend failure (3).
    let vars = [
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", d.url.as_str()),
        ("AIRFLOW__CORE__FERNET_KEY", KEY_NEW),
    ];
    let (code, out, err) = d.run(&vars, &["get", "variable", "old_var"]);
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(
        err.contains("cannot decrypt `val`") && !err.contains(KEY_NEW) && !err.contains("gAAAAA"),
        "{err}"
    );

    // The database is unreachable (a missing file): 3, naming the database without a password.
    let missing = format!(
        "sqlite:///{}",
        d.dir.path().join("gone/airflow.db").display()
    );
    let vars = [
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", missing.as_str()),
        ("AIRFLOW__CORE__FERNET_KEY", KEY_NEW),
    ];
    let (code, _, err) = d.run(&vars, &["get", "variable", "db_var"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("MetastoreBackend") && err.contains("unavailable"),
        "{err}"
    );
    // ...and --strict gives the same status.
    let (code, _, err) = d.run(&vars, &["--strict", "get", "variable", "db_var"]);
    assert_eq!(code, 3, "{err}");

    // An unsupported database: a configuration error (2) that names the option, not the password.
    let mssql = format!("mssql+pyodbc://sa:{SECRET}@mssql/airflow");
    let vars = [("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", mssql.as_str())];
    let (code, _, err) = d.run(&vars, &["get", "variable", "db_var"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unsupported database dialect `mssql+pyodbc`") && !err.contains(SECRET),
        "{err}"
    );

    // A bad Fernet key: 2, without the key.
    let vars = [
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", d.url.as_str()),
        ("AIRFLOW__CORE__FERNET_KEY", SECRET),
    ];
    let (code, _, err) = d.run(&vars, &["get", "variable", "db_var"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("[core] fernet_key") && !err.contains(SECRET),
        "{err}"
    );
}
