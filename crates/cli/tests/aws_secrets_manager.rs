//! End-to-end against the real Airflow: the `airflow-secrets` binary configured for
//! `SecretsManagerBackend` through Airflow's environment variables, and the pinned Airflow's own
//! `SecretsManagerBackend` (amazon provider 9.39.0) with the same kwargs, both reading the same moto
//! server. Every connection `get connection ID -o json` prints must equal what Airflow's
//! `get_connection(ID)` builds, field by field, and every variable Airflow's `get_variable`.
//!
//! The child gets static keys, a private HOME, no inherited AWS_* variables and
//! `AWS_EC2_METADATA_DISABLED=true`: nothing probes the instance metadata service.
#![cfg(feature = "aws-secrets-manager")]

mod common;

use std::path::Path;
use std::process::Command;

use airflow_secrets_testkit::moto::*;
use common::{assert_no_secret_on_stderr, clean_cli, run, with_backend};
use serde_json::{Value, json};

const CLASS_PATH: &str =
    "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend";
const LEGACY_CLASS_PATH: &str = "airflow.contrib.secrets.aws_secrets_manager.SecretsManagerBackend";

/// The connections stored: URIs, JSON fields under every alias, `extra` as an object and as a string.
const CONNECTIONS: &[(&str, &str)] = &[
    (
        "uri_pg",
        "postgresql://user:p%40ss-1@db.example.com:5432/mydb",
    ),
    ("uri_http", "http://api.example.com:8443/v1"),
    ("uri_sslmode", "postgres://u:pw-2@h/db?sslmode=require"),
    (
        "json_aliases",
        r#"{"user": "airflow", "pass": "pw-3", "host": "db.internal", "port": 5432, "database": "prod", "engine": "postgresql"}"#,
    ),
    (
        "json_long_names",
        r#"{"username": "u", "key": "pw-4", "server": "s.internal", "schema": "db", "conn_id": "mysql", "extra": {"ssl": true, "n": 1.5}}"#,
    ),
    (
        "json_other_names",
        r#" {"user_name": "u2", "password": "pw-5", "remote_host": "h", "connection_type": "http", "port": "8080", "extra": "{\"timeout\": 30}"}"#,
    ),
    (
        "json_first_wins",
        r#"{"login": "first", "user": "second", "unrelated": "dropped", "host": "é.example"}"#,
    ),
    (
        "json_extra_words",
        r#"{"principal": "svc", "secret": "pw-6", "kind": "google-cloud-platform", "host": "p"}"#,
    ),
    ("json_empty", "{}"),
];
const PASSWORDS: &[&str] = &["p@ss-1", "pw-2", "pw-3", "pw-4", "pw-5", "pw-6"];

const AIRFLOW_SCRIPT: &str = r#"
from airflow.providers.amazon.aws.secrets.secrets_manager import SecretsManagerBackend
from airflow.sdk.definitions.connection import Connection as SdkConnection
from airflow.models.connection import Connection as OrmConnection

out = {}
for flavor, cls in (("sdk", SdkConnection), ("orm", OrmConnection)):
    backend = SecretsManagerBackend(**data["kwargs"])
    backend._set_connection_class(cls)
    for conn_id in data["connections"]:
        c = backend.get_connection(conn_id)
        out[flavor + "/" + conn_id] = None if c is None else {
            "conn_id": c.conn_id, "conn_type": c.conn_type, "description": c.description,
            "host": c.host, "schema": c.schema, "login": c.login, "password": c.password,
            "port": c.port, "extra": c.extra, "extra_dejson": c.extra_dejson, "get_uri": c.get_uri(),
        }
backend = SecretsManagerBackend(**data["kwargs"])
for key in data["variables"]:
    out["variable/" + key] = backend.get_variable(key)
print(json.dumps(out))
"#;

/// The binary with a clean environment: no inherited AIRFLOW_* or AWS_* variables, a private HOME (no
/// ~/.aws), and the instance metadata service disabled.
fn cli(home: &Path, class_path: &str, kwargs: &Value) -> Command {
    let mut cmd = clean_cli(home, &["AWS_"]);
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    with_backend(cmd, class_path, kwargs)
}

fn seed(endpoint: &str) {
    let mut secrets: Vec<(String, String)> = CONNECTIONS
        .iter()
        .map(|(id, value)| (format!("airflow/connections/{id}"), (*value).to_owned()))
        .collect();
    secrets.push(("airflow/variables/my_var".into(), "my-test-variable".into()));
    secrets.push((
        "airflow/variables/json_var".into(),
        r#"{"user": "not standardised"}"#.into(),
    ));
    secrets.push(("airflow/variables/scheduled".into(), "deleted-value".into()));
    run_boto3(
        endpoint,
        r#"
sm = session.client("secretsmanager")
for name, value in data:
    sm.create_secret(Name=name, SecretString=value)
sm.create_secret(Name="airflow/variables/binary", SecretBinary=b"\x00\x01")
sm.create_secret(Name="airflow/connections/binary", SecretBinary=b"\x00\x01")
sm.delete_secret(SecretId="airflow/variables/scheduled")
"#,
        &json!(secrets),
    );
}

#[test]
fn connections_and_variables_equal_the_real_airflows() {
    let moto = start_moto();
    seed(&moto.url());
    let home = tempfile::tempdir().unwrap();
    let words = json!({"extra_conn_words": {"user": ["principal"], "password": ["secret"], "conn_type": ["kind"]}});
    let kwargs = Value::Object(kwargs(&moto.url(), words));
    let mut ids: Vec<&str> = CONNECTIONS.iter().map(|(id, _)| *id).collect();
    ids.extend(["binary", "missing"]);
    let variables = ["my_var", "json_var", "scheduled", "binary", "missing"];

    let airflow = airflow_secrets_testkit::airflow::run(
        AIRFLOW_SCRIPT,
        &json!({"kwargs": kwargs, "connections": ids, "variables": variables}),
    );

    let mut compared = 0;
    for flavor in ["sdk", "orm"] {
        for id in &ids {
            let expected = &airflow[format!("{flavor}/{id}")];
            let (code, stdout, stderr) = run(cli(home.path(), CLASS_PATH, &kwargs).args([
                "--flavor",
                flavor,
                "get",
                "connection",
                id,
                "-o",
                "json",
            ]));
            if expected.is_null() {
                assert_eq!(
                    code, 1,
                    "{flavor}/{id}: Airflow finds nothing; we print {stdout}{stderr}"
                );
                continue;
            }
            assert_eq!(code, 0, "{flavor}/{id}: {stderr}");
            let ours: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(
                &ours, expected,
                "{flavor}/{id}: ours (left) differs from Airflow's (right)"
            );
            assert_no_secret_on_stderr(&stderr, PASSWORDS, &format!("{flavor}/{id}"));
            compared += 1;
        }
    }
    assert_eq!(
        compared,
        2 * CONNECTIONS.len(),
        "every stored connection was compared in both flavours"
    );

    for key in variables {
        let expected = &airflow[format!("variable/{key}")];
        let (code, stdout, stderr) =
            run(cli(home.path(), CLASS_PATH, &kwargs).args(["get", "variable", key]));
        match expected.as_str() {
            Some(value) => assert_eq!(
                (code, stdout.as_str()),
                (0, format!("{value}\n").as_str()),
                "{key}: {stderr}"
            ),
            None => assert_eq!(
                code, 1,
                "{key}: Airflow finds nothing; we print {stdout}{stderr}"
            ),
        }
    }
}

#[test]
fn the_legacy_class_path_and_check_work_without_showing_secrets() {
    let moto = start_moto();
    seed(&moto.url());
    let home = tempfile::tempdir().unwrap();
    let kwargs = Value::Object(kwargs(&moto.url(), json!({})));
    let (code, stdout, stderr) =
        run(cli(home.path(), LEGACY_CLASS_PATH, &kwargs).args(["get", "connection", "uri_pg"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "postgres://user:p%40ss-1@db.example.com:5432/mydb\n"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(cli(home.path(), CLASS_PATH, &kwargs).arg("check"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("SecretsManagerBackend"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert_no_secret_on_stderr(text, &[SECRET_ACCESS_KEY, "p@ss-1"], "check");
    }
}
