//! End-to-end tests of the `airflow-secrets` binary with the built-in backends: output, exit statuses,
//! masking. Every test sets the Airflow variables on the child process only.

mod common;

use std::process::Command;

use common::{clean_cli, run, with_backend};
use serde_json::Value;

const LOCAL_FS: &str = "airflow.secrets.local_filesystem.LocalFilesystemBackend";

/// The binary with a clean Airflow environment: no inherited AIRFLOW_* variables, HOME pointing at an
/// empty directory (so no ~/airflow/airflow.cfg is read).
fn cli(home: &std::path::Path) -> Command {
    clean_cli(home, &[])
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("variables.json"),
            r#"{"my_var": "my-test-variable", "empty": "", "obj": {"a": [1, 2]}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("connections.json"),
            r#"{"my_pg": "postgresql://user:p%40ss@db.example.com:5432/mydb?sslmode=require"}"#,
        )
        .unwrap();
        Files { dir }
    }

    fn kwargs(&self) -> Value {
        serde_json::json!({
            "variables_file_path": self.dir.path().join("variables.json"),
            "connections_file_path": self.dir.path().join("connections.json"),
        })
    }

    fn cmd(&self) -> Command {
        with_backend(cli(self.dir.path()), LOCAL_FS, &self.kwargs())
    }
}

#[test]
fn get_variable_prints_just_the_value() {
    let f = Files::new();
    let (code, out, err) = run(f.cmd().args(["get", "variable", "my_var"]));
    assert_eq!(
        (code, out.as_str()),
        (0, "my-test-variable\n"),
        "stderr: {err}"
    );
    let (code, out, _) = run(f.cmd().args(["get", "variable", "empty"]));
    assert_eq!((code, out.as_str()), (0, "\n"));
    let (code, out, _) = run(f.cmd().args(["get", "variable", "obj"]));
    assert_eq!((code, out.as_str()), (0, "{\"a\": [1, 2]}\n"));
}

#[test]
fn get_variable_json_names_the_backend() {
    let f = Files::new();
    let (code, out, _) = run(f
        .cmd()
        .args(["get", "variable", "my_var", "--output", "json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"key": "my_var", "value": "my-test-variable", "backend": "LocalFilesystemBackend"})
    );
}

#[test]
fn environment_variables_come_after_the_backend() {
    let f = Files::new();
    let (code, out, _) = run(f
        .cmd()
        .env("AIRFLOW_VAR_MY_VAR", "from-env")
        .args(["get", "variable", "my_var"]));
    assert_eq!((code, out.as_str()), (0, "my-test-variable\n"));
    let (code, out, _) = run(f
        .cmd()
        .env("AIRFLOW_VAR_ONLY_ENV", "from-env")
        .args(["get", "variable", "only_env"]));
    assert_eq!((code, out.as_str()), (0, "from-env\n"));
}

#[test]
fn not_found_exits_1() {
    let f = Files::new();
    let (code, out, err) = run(f.cmd().args(["get", "variable", "nope"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("Variable nope does not exist"), "{err}");
    let (code, _, err) = run(f.cmd().args(["get", "connection", "nope"]));
    assert_eq!(code, 1);
    assert!(err.contains("The conn_id `nope` isn't defined"), "{err}");
}

#[test]
fn get_connection_in_three_formats() {
    let f = Files::new();
    let (code, out, err) = run(f.cmd().args(["get", "connection", "my_pg"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "postgres://user:p%40ss@db.example.com:5432/mydb?sslmode=require\n"
    );

    let (code, out, _) = run(f
        .cmd()
        .args(["get", "connection", "my_pg", "--output", "json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["conn_id"], "my_pg");
    assert_eq!(v["conn_type"], "postgres");
    assert_eq!(v["host"], "db.example.com");
    assert_eq!(v["login"], "user");
    assert_eq!(v["password"], "p@ss");
    assert_eq!(v["schema"], "mydb");
    assert_eq!(v["port"], 5432);
    assert_eq!(v["extra_dejson"], serde_json::json!({"sslmode": "require"}));
    assert_eq!(
        v["get_uri"],
        "postgres://user:p%40ss@db.example.com:5432/mydb?sslmode=require"
    );

    let (code, out, _) = run(f.cmd().args(["get", "connection", "my_pg", "-o", "env"]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "AIRFLOW_CONN_MY_PG='postgres://user:p%40ss@db.example.com:5432/mydb?sslmode=require'\n"
    );
}

#[test]
fn malformed_stored_connection_is_a_backend_failure_without_the_password() {
    let f = Files::new();
    // Airflow builds every connection of the file on each lookup: one bad entry fails them all.
    std::fs::write(
        f.dir.path().join("connections.json"),
        r#"{"bad": "type://user:S3CRET-PW@protocol://host"}"#,
    )
    .unwrap();
    let (code, out, err) = run(f.cmd().args(["--strict", "get", "connection", "bad"]));
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(err.contains("Invalid connection string"), "{err}");
    assert!(!err.contains("S3CRET-PW"), "{err}");
    // Without --strict Airflow logs the failure and goes on; nothing else has it, so: exit 3, both reported.
    let (code, _, err) = run(f.cmd().args(["get", "connection", "bad"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("isn't defined") && !err.contains("S3CRET-PW"),
        "{err}"
    );
}

#[test]
fn backends_lists_builtins_providers_and_legacy_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(cli(dir.path()).args(["backends"]));
    assert_eq!(code, 0);
    for path in [
        "airflow.secrets.environment_variables.EnvironmentVariablesBackend",
        "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        "airflow.providers.hashicorp.secrets.vault.VaultBackend",
        "airflow.contrib.secrets.hashicorp_vault.VaultBackend",
        "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
        "airflow.contrib.secrets.aws_systems_manager.SystemsManagerParameterStoreBackend",
        "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
        "airflow.contrib.secrets.gcp_secrets_manager.CloudSecretsManagerBackend",
        "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
        "airflow.providers.microsoft.azure.secrets.azure_key_vault.AzureKeyVaultBackend",
    ] {
        assert!(out.contains(path), "{path} missing from:\n{out}");
    }
    // The table is aligned: every column starts at the header's offset on every line.
    let header = out.lines().next().unwrap();
    let offsets: Vec<usize> = ["PROVIDER", "FEATURE", "INCLUDED"]
        .map(|h| header.find(h).unwrap())
        .into();
    for line in out.lines().skip(1) {
        for &at in &offsets {
            let (before, after) = line.split_at(at);
            assert!(
                before.ends_with("  ") && !after.starts_with(' '),
                "column at {at} misaligned in:\n{out}"
            );
        }
    }
    let (code, out, _) = run(cli(dir.path()).args(["backends", "--output", "json"]));
    assert_eq!(code, 0);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), airflow_secrets::KNOWN_CLASS_PATHS.len());
    // Built-ins are always in; each provider is in exactly when its feature is on.
    for r in &rows {
        let want = match r["feature"].as_str() {
            None => true,
            Some("vault") => cfg!(feature = "vault"),
            Some("aws-ssm") => cfg!(feature = "aws-ssm"),
            Some("aws-secrets-manager") => cfg!(feature = "aws-secrets-manager"),
            Some("gcp-secret-manager") => cfg!(feature = "gcp-secret-manager"),
            Some("azure-key-vault") => cfg!(feature = "azure-key-vault"),
            Some("metastore") => cfg!(feature = "metastore"),
            Some(other) => panic!("unexpected feature {other}"),
        };
        assert_eq!(r["included"], want, "{r}");
    }
    assert!(
        rows.iter()
            .any(|r| r["legacy"] == true && r["provider"] == "HashiCorp Vault")
    );
}

#[test]
fn configuration_errors_exit_2_with_a_clear_message() {
    let f = Files::new();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[(
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                "{\"variables_file_path\": ",
            )],
            "invalid JSON in environment variable AIRFLOW__SECRETS__BACKEND_KWARGS at line 1",
        ),
        (
            &[("AIRFLOW__SECRETS__BACKEND_KWARGS", "[\"x\"]")],
            "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS must hold a JSON object of backend kwargs, but it holds an array",
        ),
        (
            &[(
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                "{\"variable_file_path\": \"/x\"}",
            )],
            "LocalFilesystemBackend: unknown kwarg `variable_file_path`; accepted kwargs are: variables_file_path",
        ),
        (
            &[(
                "AIRFLOW__SECRETS__BACKEND",
                "airflow.providers.nope.NopeBackend",
            )],
            "unknown secrets backend class path `airflow.providers.nope.NopeBackend`",
        ),
    ];
    for (vars, want) in cases {
        let mut cmd = f.cmd();
        cmd.envs(vars.iter().copied())
            .args(["get", "variable", "my_var"]);
        let (code, out, err) = run(&mut cmd);
        assert_eq!((code, out.as_str()), (2, ""), "{vars:?}: {err}");
        assert!(err.contains(want), "{vars:?}: want {want:?} in {err}");
    }
}

#[test]
fn global_backend_flags_override_the_environment() {
    let f = Files::new();
    let mut cmd = cli(f.dir.path());
    cmd.env(
        "AIRFLOW__SECRETS__BACKEND",
        "airflow.providers.nope.NopeBackend",
    )
    .args([
        "--backend",
        LOCAL_FS,
        "--backend-kwargs",
        &f.kwargs().to_string(),
        "get",
        "variable",
        "my_var",
    ]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!((code, out.as_str()), (0, "my-test-variable\n"), "{err}");
}

#[test]
fn check_masks_secrets_and_probes() {
    let f = Files::new();
    let mut cmd = f.cmd();
    cmd.env(
        "AIRFLOW__SECRETS__BACKEND_KWARG__CLIENT_SECRET",
        "TOP-SECRET-VALUE",
    )
    .args(["check", "--variable", "my_var", "--output", "json"]);
    // The unknown kwarg makes the build fail (exit 2) but the report still shows the masked kwargs.
    let (code, out, err) = run(&mut cmd);
    assert!(
        !out.contains("TOP-SECRET-VALUE") && !err.contains("TOP-SECRET-VALUE"),
        "{out}{err}"
    );
    assert_eq!(code, 2, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kwargs"]["client_secret"], "***");
    assert_eq!(v["backend"], LOCAL_FS);
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .contains("unknown kwarg `client_secret`")
    );

    let (code, out, err) =
        run(f
            .cmd()
            .args(["check", "--variable", "my_var", "--connection", "my_pg"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("LocalFilesystemBackend -> EnvironmentVariablesBackend"),
        "{out}"
    );
    assert!(
        out.contains("probe variable my_var: found in LocalFilesystemBackend\n"),
        "{out}"
    );
    assert!(
        out.contains("probe connection my_pg: found in LocalFilesystemBackend\n"),
        "{out}"
    );
    let (code, out, _) = run(f.cmd().args(["check", "--variable", "absent"]));
    assert_eq!(code, 1);
    assert!(
        out.contains("probe variable absent: not found in any backend\n"),
        "{out}"
    );
}

#[test]
fn connection_parse_and_uri_follow_airflow() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(cli(dir.path()).args([
        "connection",
        "parse",
        "postgresql://user:p%40ss@db:5432/mydb",
    ]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            &v["conn_type"],
            &v["host"],
            &v["login"],
            &v["password"],
            &v["port"],
            &v["schema"]
        ),
        (
            &Value::from("postgres"),
            &Value::from("db"),
            &Value::from("user"),
            &Value::from("p@ss"),
            &Value::from(5432),
            &Value::from("mydb")
        )
    );
    let (code, out, _) = run(cli(dir.path()).args([
        "connection",
        "uri",
        "--json",
        r#"{"conn_type": "google_cloud_platform", "host": "h", "password": "a b/c", "extra": {"k": "v w"}}"#,
    ]));
    assert_eq!(
        (code, out.as_str()),
        (0, "google-cloud-platform://:a%20b%2Fc@h/?k=v+w\n")
    );
    let (code, _, err) = run(cli(dir.path()).args(["connection", "parse", "a://b://c://d"]));
    assert_eq!(code, 2);
    assert!(err.contains("Invalid connection string"), "{err}");
}

#[test]
fn help_teaches_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(cli(dir.path()).args(["--help"]));
    assert_eq!(code, 0);
    for needle in [
        "AIRFLOW__SECRETS__BACKEND",
        "EXIT STATUS",
        "get variable my_var",
        "--backend-kwargs",
    ] {
        assert!(out.contains(needle), "{needle} not in --help:\n{out}");
    }
    let (code, _, _) = run(cli(dir.path()).args(["get"]));
    assert_eq!(code, 2);
}

#[test]
fn verbose_logs_never_show_secrets() {
    let f = Files::new();
    std::fs::write(
        f.dir.path().join("connections.json"),
        r#"{"my_pg": "postgresql://user:Tr4ce-S3cret@db:5432/mydb", "bad": "x://u:Tr4ce-S3cret@p://h"}"#,
    )
    .unwrap();
    std::fs::write(
        f.dir.path().join("variables.json"),
        r#"{"token": "Tr4ce-S3cret"}"#,
    )
    .unwrap();
    for args in [
        &["-vvv", "get", "variable", "token"][..],
        &["-vvv", "get", "connection", "my_pg"],
        &["-vvv", "get", "connection", "bad"],
        &[
            "-vvv",
            "check",
            "--variable",
            "token",
            "--connection",
            "my_pg",
        ],
    ] {
        let (_, _, err) = run(f.cmd().env("AIRFLOW_VAR_OTHER", "Tr4ce-S3cret").args(args));
        assert!(
            err.contains("TRACE")
                || err.contains("DEBUG")
                || err.contains("WARN")
                || err.contains("error"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("Tr4ce-S3cret") && !err.contains("Tr4ce%2DS3cret"),
            "{args:?} leaked: {err}"
        );
    }
    // A probe that fails says which backend failed and why, without the stored value.
    let (code, out, err) = run(f.cmd().args(["check", "--connection", "bad"]));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains(
            "probe connection bad: not found; failed: LocalFilesystemBackend: the stored connection `bad` is malformed"
        ),
        "{out}"
    );
    assert!(
        !out.contains("Tr4ce-S3cret") && !err.contains("Tr4ce-S3cret"),
        "{out}{err}"
    );
}
