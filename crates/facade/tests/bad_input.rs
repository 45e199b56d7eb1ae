//! Bad input gets a clear error naming what was wrong and where — never a panic, never the secret.

use airflow_secrets::{AirflowConfig, Error, LocalFilesystemBackend, Secrets, SecretsBackend};

const SECRET: &str = "Sup3r-S3cret-Value";

async fn secrets_from(vars: &[(&str, &str)]) -> Result<Secrets, Error> {
    let config =
        AirflowConfig::from_vars(vars.iter().copied().chain([("HOME", "/nonexistent-home")]))?;
    Secrets::builder().config(config).build().await
}

fn assert_clean(err: &Error, want: &str) {
    let (display, debug) = (err.to_string(), format!("{err:?}"));
    assert!(display.contains(want), "want {want:?} in {display:?}");
    assert!(
        !display.contains(SECRET) && !debug.contains(SECRET),
        "secret leaked: {display} / {debug}"
    );
}

#[tokio::test]
async fn invalid_kwargs_json() {
    let err = secrets_from(&[
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            &format!("{{\"token\": \"{SECRET}\",}}"),
        ),
    ])
    .await
    .unwrap_err();
    assert!(matches!(err, Error::InvalidKwargsJson { line: 1, .. }));
    assert_clean(
        &err,
        "invalid JSON in environment variable AIRFLOW__SECRETS__BACKEND_KWARGS at line 1, column",
    );
}

#[tokio::test]
async fn kwargs_not_an_object() {
    let err = secrets_from(&[
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        ),
        ("AIRFLOW__SECRETS__BACKEND_KWARGS", &format!("\"{SECRET}\"")),
    ])
    .await
    .unwrap_err();
    assert_clean(
        &err,
        "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS must hold a JSON object of backend kwargs, but it holds a string",
    );
}

#[tokio::test]
async fn invalid_kwargs_json_in_airflow_cfg_names_the_file() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("airflow.cfg"),
        "[secrets]\nbackend = airflow.secrets.local_filesystem.LocalFilesystemBackend\nbackend_kwargs = {oops}\n",
    )
    .unwrap();
    let home_str = home.path().display().to_string();
    let err = secrets_from(&[("AIRFLOW_HOME", &home_str)])
        .await
        .unwrap_err();
    assert_clean(
        &err,
        &format!(
            "invalid JSON in {home_str}/airflow.cfg [secrets] backend_kwargs at line 1, column 2"
        ),
    );
}

#[tokio::test]
async fn unknown_kwarg() {
    let err = secrets_from(&[
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            &format!("{{\"connection_file_path\": \"{SECRET}\"}}"),
        ),
    ])
    .await
    .unwrap_err();
    assert_clean(
        &err,
        "LocalFilesystemBackend: unknown kwarg `connection_file_path`; accepted kwargs are: variables_file_path, connections_file_path, configs_file_path",
    );
}

#[tokio::test]
async fn unknown_class_path_lists_known_ones() {
    let err = secrets_from(&[(
        "AIRFLOW__SECRETS__BACKEND",
        "airflow.providers.hashicorp.secrets.vault.VaultBackendd",
    )])
    .await
    .unwrap_err();
    assert!(matches!(err, Error::UnknownClassPath { .. }));
    assert_clean(
        &err,
        "unknown secrets backend class path `airflow.providers.hashicorp.secrets.vault.VaultBackendd`; known class paths are: airflow.secrets.environment_variables.EnvironmentVariablesBackend",
    );
    assert!(
        err.to_string()
            .contains("airflow.providers.hashicorp.secrets.vault.VaultBackend,")
    );
    assert!(err.to_string().contains("Run `airflow-secrets backends`"));
}

#[tokio::test]
async fn malformed_uri_in_a_stored_value() {
    let config = AirflowConfig::from_vars([
        ("HOME", "/nonexistent-home".to_owned()),
        (
            "AIRFLOW_CONN_BAD",
            format!("type://user:{SECRET}@protocol://host:1"),
        ),
        (
            "AIRFLOW_CONN_BAD_PORT",
            format!("type://user:{SECRET}/x@host"),
        ),
    ])
    .unwrap();
    let secrets = Secrets::builder()
        .config(config)
        .error_policy(airflow_secrets::ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    let err = secrets.connection("bad").await.unwrap_err();
    assert!(matches!(err, Error::MalformedSecret { .. }));
    assert_clean(
        &err,
        "EnvironmentVariablesBackend: the stored connection `bad` is malformed: Invalid connection string",
    );
    // The text after `user:` lands in the "port" here: the port error must not echo it.
    let err = secrets.connection("bad_port").await.unwrap_err();
    assert_clean(&err, "Port could not be cast to integer value");
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn files_backend(kind: &str, path: &str) -> LocalFilesystemBackend {
    let kwargs = serde_json::json!({ format!("{kind}_file_path"): path });
    LocalFilesystemBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap()
}

#[tokio::test]
async fn json_connection_with_illegal_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "c.json",
        &format!(r#"{{"c": {{"host": "h", "passwd": "{SECRET}", "hots": "x"}}}}"#),
    );
    let err = files_backend("connections", &path)
        .get_connection("c")
        .await
        .unwrap_err();
    assert_clean(&err, "The object have illegal keys: ");
    assert!(
        err.to_string().contains("passwd") && err.to_string().contains("hots"),
        "{err}"
    );
}

#[tokio::test]
async fn malformed_secret_files_report_every_problem_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let env = write(
        &dir,
        "v.env",
        &format!("GOOD=1\nno_equals_{SECRET}\n=value\nEMPTY=\n  \n# comment\n"),
    );
    let err = files_backend("variables", &env)
        .get_variable("GOOD")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FileParse { .. }));
    assert_clean(
        &err,
        "line 2: Invalid line format. The line should contain at least one equal sign (\"=\").",
    );
    let text = err.to_string();
    assert!(
        text.contains("line 3: Invalid line format. Key is empty."),
        "{text}"
    );
    assert!(
        text.contains("line 4: Invalid line format. Value is empty."),
        "{text}"
    );
    assert!(
        text.contains(
            "line 5: Invalid line format. The line should contain at least one equal sign"
        ),
        "{text}"
    );

    let json = write(
        &dir,
        "v.json",
        &format!("{{\n  \"a\": \"{SECRET}\"\n  \"b\": 1\n}}"),
    );
    let err = files_backend("variables", &json)
        .get_variable("a")
        .await
        .unwrap_err();
    assert_clean(&err, "line 3");

    let yaml = write(&dir, "v.yaml", &format!("a: {SECRET}\n  b: [unclosed\n"));
    let err = files_backend("variables", &yaml)
        .get_variable("a")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FileParse { .. }), "{err}");
    assert_clean(&err, "line 2");

    let list = write(&dir, "v.json", "[1, 2]");
    let err = files_backend("variables", &list)
        .get_variable("a")
        .await
        .unwrap_err();
    assert_clean(&err, "The file should contain the object.");

    let empty = write(&dir, "e.yaml", "");
    let err = files_backend("variables", &empty)
        .get_variable("a")
        .await
        .unwrap_err();
    assert_clean(&err, "The file is empty.");

    let txt = write(&dir, "v.txt", "a=1");
    let err = files_backend("variables", &txt)
        .get_variable("a")
        .await
        .unwrap_err();
    assert_clean(
        &err,
        "The file must have one of the following extensions: .env .json .yaml .yml",
    );
}

#[tokio::test]
async fn missing_file_names_the_path() {
    let err = files_backend("variables", "/nonexistent/dir/variables.json")
        .get_variable("a")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FileRead { .. }));
    assert_clean(&err, "/nonexistent/dir/variables.json");
}
