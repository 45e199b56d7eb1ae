//! Helpers shared by the CLI's end-to-end tests: the binary in a clean environment, its runs, and the
//! checks on what it prints.
// Each test file compiles as its own crate and uses only some of them.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use airflow_secrets_testkit::logs::spellings;
use serde_json::Value;

/// The binary with a clean environment: no inherited variable whose name starts with `AIRFLOW` or with
/// one of `also_remove`, HOME in `home` (so no ~/airflow/airflow.cfg or credential file of this machine
/// is read), AIRFLOW_HOME under it, and no RUST_LOG.
pub fn clean_cli(home: &Path, also_remove: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airflow-secrets"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AIRFLOW") || also_remove.iter().any(|prefix| k.starts_with(prefix)) {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("AIRFLOW_HOME", home.join("airflow"))
        .env_remove("RUST_LOG");
    cmd
}

/// `cmd` configured as Airflow is: `AIRFLOW__SECRETS__BACKEND` = `class_path` and
/// `AIRFLOW__SECRETS__BACKEND_KWARGS` = `kwargs`.
pub fn with_backend(mut cmd: Command, class_path: &str, kwargs: &Value) -> Command {
    cmd.env("AIRFLOW__SECRETS__BACKEND", class_path)
        .env("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs.to_string());
    cmd
}

/// The exit status, stdout and stderr of a finished run.
pub fn outcome(output: Output) -> (i32, String, String) {
    (
        output.status.code().expect("exited normally"),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs `cmd` to completion: its exit status, stdout and stderr.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    outcome(cmd.output().expect("the CLI runs"))
}

/// Asserts what the documentation's walk-through stores, as the binary prints it: the variable `my_var`,
/// and the connection `my_pg` as JSON and as a URI. `cli` gives the configured binary.
pub fn assert_documentation_values(cli: impl Fn() -> Command) {
    let (code, stdout, stderr) = run(cli().args(["get", "variable", "my_var"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "my-test-variable\n"),
        "{stderr}"
    );

    let (code, stdout, stderr) =
        run(cli().args(["get", "connection", "my_pg", "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let conn: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(conn["conn_type"], "postgres", "{stdout}");
    assert_eq!(conn["host"], "db.example.com");
    assert_eq!(conn["login"], "user");
    assert_eq!(conn["schema"], "mydb");
    assert_eq!(conn["port"], 5432);

    let (code, stdout, stderr) = run(cli().args(["get", "connection", "my_pg", "--output", "uri"]));
    assert_eq!(
        (code, stdout.trim()),
        (0, "postgres://user:p%40ss@db.example.com:5432/mydb"),
        "{stderr}"
    );
}

/// Panics if `stderr` shows one of `secrets`, plain or percent-encoded (`logs::spellings`); the message
/// names `context` and the secret's length, not the secret.
#[track_caller]
pub fn assert_no_secret_on_stderr(stderr: &str, secrets: &[&str], context: &str) {
    for secret in secrets {
        for spelling in spellings(secret) {
            assert!(
                !stderr.contains(&spelling),
                "{context}: a secret ({} chars) is on stderr",
                secret.len()
            );
        }
    }
}
