//! End-to-end: the `airflow-secrets` binary configured for `CloudSecretManagerBackend` through
//! Airflow's environment variables (set on the child only), against a wiremock server speaking Secret
//! Manager's REST format.
//!
//! The backend uses the `anonymous_credentials` extension and the child gets no
//! `GOOGLE_APPLICATION_CREDENTIALS` and a `GCE_METADATA_HOST` on a closed loopback port, so nothing can
//! reach Google or the GCE metadata server even by mistake.
// `all-providers` (the default) includes this provider without enabling the CLI's own
// `gcp-secret-manager` feature, so both are accepted: the default test command runs this file.
#![cfg(feature = "gcp-secret-manager")]

mod common;

use std::path::Path;
use std::process::Command;

use airflow_secrets_testkit::gcp_mock as gcp;
use common::{assert_no_secret_on_stderr, clean_cli, with_backend};
use gcp::{found, google_error, not_found, permission_denied, unavailable};
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

const CLASS_PATH: &str =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
const PROJECT: &str = "cli-project";

/// Answers every read of `secret_id` in [`PROJECT`] with `response`.
async fn mount(server: &MockServer, secret_id: &str, response: ResponseTemplate) {
    gcp::mount(server, PROJECT, secret_id, response).await;
}

/// Answers every read of `secret_id` in [`PROJECT`] with a version holding `value`.
async fn mount_found(server: &MockServer, secret_id: &str, value: &str) {
    mount(server, secret_id, found(secret_id, value)).await;
}

/// The binary with a clean environment: no inherited AIRFLOW_* or Google credential variables.
fn cli(home: &Path, kwargs: &Value) -> Command {
    let mut cmd = clean_cli(home, &["GOOGLE_", "GCLOUD", "CLOUDSDK"]);
    cmd.env(
        "GCE_METADATA_HOST",
        format!("127.0.0.1:{}", airflow_secrets_testkit::free_port()),
    );
    with_backend(cmd, CLASS_PATH, kwargs)
}

fn kwargs(server: &MockServer) -> Value {
    json!({"project_id": PROJECT, "endpoint": server.uri(), "anonymous_credentials": true,
           "max_attempts": 2, "retry_initial_backoff_seconds": 0.01, "retry_max_backoff_seconds": 0.02})
}

/// Runs the child off the async runtime (the mock server keeps answering meanwhile).
async fn run(mut cmd: Command, args: &[&str]) -> (i32, String, String) {
    cmd.args(args);
    tokio::task::spawn_blocking(move || common::run(&mut cmd))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_variable_connection_and_config() {
    let server = MockServer::start().await;
    mount_found(&server, "airflow-variables-my_var", "my-test-variable").await;
    mount_found(
        &server,
        "airflow-connections-my_pg",
        "postgresql://user:p%40ss@db.example.com:5432/mydb",
    )
    .await;
    mount_found(&server, "airflow-config-fernet_key", "k3y").await;
    let home = tempfile::tempdir().unwrap();
    let kw = kwargs(&server);

    let (code, out, err) = run(cli(home.path(), &kw), &["get", "variable", "my_var"]).await;
    assert_eq!(
        (code, out.as_str()),
        (0, "my-test-variable\n"),
        "stderr: {err}"
    );

    let (code, out, err) = run(
        cli(home.path(), &kw),
        &["get", "variable", "my_var", "--output", "json"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["backend"], "CloudSecretManagerBackend");

    let (code, out, err) = run(
        cli(home.path(), &kw),
        &["get", "connection", "my_pg", "--output", "json"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            v["host"].as_str(),
            v["password"].as_str(),
            v["port"].as_i64()
        ),
        (Some("db.example.com"), Some("p@ss"), Some(5432))
    );

    let (code, out, err) = run(
        cli(home.path(), &kw),
        &["get", "connection", "my_pg", "--output", "uri"],
    )
    .await;
    assert_eq!(
        (code, out.as_str()),
        (0, "postgres://user:p%40ss@db.example.com:5432/mydb\n"),
        "{err}"
    );

    let (code, out, err) = run(cli(home.path(), &kw), &["get", "config", "fernet_key"]).await;
    assert_eq!((code, out.as_str()), (0, "k3y\n"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_and_permission_denied_exit_1_and_fall_through_to_the_environment() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-missing",
        not_found(PROJECT, "airflow-variables-missing"),
    )
    .await;
    mount(
        &server,
        "airflow-variables-denied",
        permission_denied(PROJECT, "airflow-variables-denied"),
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let kw = kwargs(&server);

    let (code, out, err) = run(cli(home.path(), &kw), &["get", "variable", "missing"]).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("Variable missing does not exist"), "{err}");

    // Airflow: a denial is logged and the lookup goes on (here: not found anywhere).
    let (code, _, err) = run(cli(home.path(), &kw), &["get", "variable", "denied"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("No access for Secret ID airflow-variables-denied"),
        "{err}"
    );
    assert!(err.contains("secretmanager.versions.access"), "{err}");

    let mut cmd = cli(home.path(), &kw);
    cmd.env("AIRFLOW_VAR_DENIED", "from-env");
    let (code, out, err) = run(cmd, &["get", "variable", "denied"]).await;
    assert_eq!((code, out.as_str()), (0, "from-env\n"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_exits_3_and_strict_denials_too() {
    let server = MockServer::start().await;
    mount(&server, "airflow-variables-k", unavailable()).await;
    mount(
        &server,
        "airflow-variables-denied",
        google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'secretmanager.versions.access' denied.",
        ),
    )
    .await;
    let home = tempfile::tempdir().unwrap();

    let (code, _, err) = run(
        cli(home.path(), &kwargs(&server)),
        &["get", "variable", "k"],
    )
    .await;
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("unavailable") && err.contains("(2 attempt(s) in "),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let mut strict = kwargs(&server);
    strict["raise_on_permission_denied"] = json!(true);
    let (code, _, err) = run(
        cli(home.path(), &strict),
        &["--strict", "get", "variable", "denied"],
    )
    .await;
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("permission denied reading variable `denied`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_kwargs_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let bad_prefix = json!({"project_id": "p", "anonymous_credentials": true, "connections_prefix": "bad.prefix"});
    let (code, _, err) = run(cli(home.path(), &bad_prefix), &["get", "variable", "k"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("should follows that pattern ^[a-zA-Z0-9-_]*$"),
        "{err}"
    );

    let no_project = json!({"anonymous_credentials": true});
    let (code, _, err) = run(cli(home.path(), &no_project), &["get", "variable", "k"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Project ID could not be determined."), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_never_shows_a_stored_value() {
    const VARIABLE: &str = "s3cr3t-cli-variable-4471";
    const PASSWORD: &str = "s3cr3t-cli-pw";
    const CONFIG: &str = "s3cr3t-cli-fernet-key";
    let server = MockServer::start().await;
    mount_found(&server, "airflow-variables-v", VARIABLE).await;
    mount_found(
        &server,
        "airflow-connections-c",
        &format!("postgresql://user:{PASSWORD}@db.example.com:5432/mydb"),
    )
    .await;
    mount_found(&server, "airflow-config-fernet_key", CONFIG).await;
    mount(&server, "airflow-variables-down", unavailable()).await;
    let home = tempfile::tempdir().unwrap();
    let kw = kwargs(&server);
    let mut stderr = String::new();
    for (args, expected_code) in [
        (&["-vvv", "get", "variable", "v"][..], 0),
        (
            &["-vvv", "get", "connection", "c", "--output", "json"][..],
            0,
        ),
        (
            &["-vvv", "get", "connection", "c", "--output", "uri"][..],
            0,
        ),
        (&["-vvv", "get", "config", "fernet_key"][..], 0),
        (&["-vvv", "--strict", "get", "variable", "down"][..], 3),
    ] {
        let (code, out, err) = run(cli(home.path(), &kw), args).await;
        assert_eq!(code, expected_code, "{args:?}: {err}");
        if code == 0 {
            assert!(
                [VARIABLE, PASSWORD, CONFIG].iter().any(|v| out.contains(v)),
                "the value goes to stdout: {out}"
            );
        }
        stderr.push_str(&err);
    }
    assert!(stderr.contains(" TRACE "), "-vvv logs at TRACE: {stderr}");
    assert_no_secret_on_stderr(&stderr, &[VARIABLE, PASSWORD, CONFIG], "-vvv");
}
