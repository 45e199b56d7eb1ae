//! `EnvironmentVariablesBackend`, through the `SecretsBackend` trait's provided methods. Tests use
//! `from_vars` (a fixed set of variables) instead of changing the process environment.

mod common;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    ConnectionFlavor, EnvironmentVariablesBackend, Error, SecretKind, SecretsBackend,
};
use common::connection_as;
use serde_json::json;

fn env(vars: &[(&str, &str)]) -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[tokio::test]
async fn variables_are_read_upper_cased() {
    let b = env(&[
        ("AIRFLOW_VAR_KEY", "value"),
        ("AIRFLOW_VAR_EMPTY", ""),
        ("AIRFLOW_VAR_STRASSE", "ß upper-cases to SS"),
        ("AIRFLOW_VAR_ÉTÉ", "accented"),
        (
            "AIRFLOW_VAR_lower",
            "never found: lookups upper-case the key",
        ),
    ]);
    let cases = [
        ("key", Some("value")),
        ("KEY", Some("value")),
        ("Key", Some("value")),
        ("empty", Some("")), // an empty variable is a real value
        ("straße", Some("ß upper-cases to SS")),
        ("été", Some("accented")),
        ("lower", None),
        ("missing", None),
    ];
    for (key, want) in cases {
        let got = b.get_variable(key).await.unwrap();
        assert_eq!(got.as_ref().map(|v| v.expose()), want, "{key}");
    }
}

#[tokio::test]
async fn connections_as_uri_or_json() {
    let b = env(&[
        ("AIRFLOW_CONN_MY_DB", "postgresql://user:p%40ss@DB:5432/app"),
        (
            "AIRFLOW_CONN_MY_API",
            r#"  {"conn_type": "http", "host": "api.example.com", "port": "443"}"#,
        ),
        ("AIRFLOW_CONN_EMPTY", ""),
        ("AIRFLOW_CONN_BROKEN", "mysql://user:pa/ss-hunter2@host/db"),
    ]);
    // get_conn_value: the raw value.
    assert_eq!(
        b.get_conn_value("my_db").await.unwrap().unwrap().expose(),
        "postgresql://user:p%40ss@DB:5432/app"
    );
    assert_eq!(
        b.get_conn_value("empty").await.unwrap().unwrap().expose(),
        ""
    );

    let db = b.get_connection("my_db").await.unwrap().unwrap();
    assert_eq!(db.conn_id, "my_db");
    assert_eq!(db.conn_type.as_deref(), Some("postgres"));
    assert_eq!(db.host.as_deref(), Some("db"));
    assert_eq!(db.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    let api = connection_as(&b, "MY_API", ConnectionFlavor::Orm).await;
    assert_eq!(
        (api.conn_type.as_deref(), api.port, api.flavor),
        (Some("http"), Some(443), ConnectionFlavor::Orm)
    );

    // An empty connection value is "not found".
    assert!(b.get_connection("empty").await.unwrap().is_none());
    assert!(b.get_connection("missing").await.unwrap().is_none());

    // A malformed value is an error naming the backend and conn_id, never the value.
    let err = b.get_connection("broken").await.unwrap_err();
    assert!(
        matches!(&err, Error::MalformedSecret { backend: "EnvironmentVariablesBackend", kind: SecretKind::Connection, key, .. } if key == "broken")
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn config_is_never_read() {
    let b = env(&[
        ("AIRFLOW__CORE__FERNET_KEY", "x"),
        ("AIRFLOW_CONFIG_X", "x"),
        ("AIRFLOW_VAR_X", "x"),
    ]);
    for key in ["core__fernet_key", "x", "X"] {
        assert!(b.get_config(key).await.unwrap().is_none(), "{key}");
        assert!(b.get(SecretKind::Config, key).await.unwrap().is_none());
    }
}

#[test]
fn env_var_names() {
    let cases = [
        (
            SecretKind::Connection,
            "aws_default",
            Some("AIRFLOW_CONN_AWS_DEFAULT"),
        ),
        (
            SecretKind::Variable,
            "my.key-1",
            Some("AIRFLOW_VAR_MY.KEY-1"),
        ),
        (SecretKind::Variable, "ﬁle", Some("AIRFLOW_VAR_FILE")), // ligature: full case mapping, as Python
        (SecretKind::Variable, "", Some("AIRFLOW_VAR_")),
        (SecretKind::Config, "anything", None),
    ];
    for (kind, key, want) in cases {
        assert_eq!(
            EnvironmentVariablesBackend::env_var_name(kind, key).as_deref(),
            want,
            "{key}"
        );
    }
}

#[tokio::test]
async fn process_environment_is_read_at_lookup_time() {
    // Reads variables the test harness did not set: only absence can be asserted portably, plus a
    // variable every process has.
    let b = EnvironmentVariablesBackend::new();
    assert!(
        b.get_variable("surely_not_set_airflow_secrets_test_1234")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        b.get_conn_value("surely_not_set_airflow_secrets_test_1234")
            .await
            .unwrap()
            .is_none()
    );
    // Names the OS lookup cannot represent are simply absent.
    assert!(b.get_variable("a=b").await.unwrap().is_none());
    assert!(b.get_variable("nul\0byte").await.unwrap().is_none());
    assert!(b.get_config("path").await.unwrap().is_none());
}

#[cfg(unix)]
#[tokio::test]
async fn non_utf8_values_are_malformed_not_a_panic() {
    // Spawn a child with a non-UTF-8 variable: the parent's environment is left alone.
    use std::os::unix::ffi::OsStrExt;
    if std::env::var_os("AIRFLOW_SECRETS_TEST_CHILD").is_some() {
        let err = EnvironmentVariablesBackend::new()
            .get_variable("bad_bytes")
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "EnvironmentVariablesBackend: the stored variable `bad_bytes` is malformed: the environment \
             variable AIRFLOW_VAR_BAD_BYTES is not valid UTF-8"
        );
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "non_utf8_values_are_malformed_not_a_panic",
            "--test-threads=1",
        ])
        .env("AIRFLOW_SECRETS_TEST_CHILD", "1")
        .env(
            "AIRFLOW_VAR_BAD_BYTES",
            std::ffi::OsStr::from_bytes(b"\xff\xfe"),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn construction() {
    assert!(EnvironmentVariablesBackend::from_kwargs(&Kwargs::new()).is_ok());
    let kwargs = json!({"connections_prefix": "x"});
    let err = EnvironmentVariablesBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownKwarg { backend: "EnvironmentVariablesBackend", kwarg, .. } if kwarg == "connections_prefix"),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "EnvironmentVariablesBackend: unknown kwarg `connections_prefix`; accepted kwargs are:"
        ),
        "{err}"
    );
    let b = EnvironmentVariablesBackend::new();
    assert_eq!(b.name(), "EnvironmentVariablesBackend");
    assert_eq!(
        format!("{b:?}"),
        "EnvironmentVariablesBackend { source: \"process environment\" }"
    );
    assert_eq!(
        EnvironmentVariablesBackend::CLASS_PATH,
        "airflow.secrets.environment_variables.EnvironmentVariablesBackend"
    );
    // Debug never shows values.
    let b = env(&[("AIRFLOW_VAR_TOKEN", "hunter2")]);
    assert!(!format!("{b:?}").contains("hunter2"));
    // A repeated name: the last value wins.
    let b =
        EnvironmentVariablesBackend::from_vars([("AIRFLOW_VAR_A", "1"), ("AIRFLOW_VAR_A", "2")]);
    let v = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(b.get_variable("a"));
    assert_eq!(v.unwrap().unwrap().expose(), "2");
}

#[tokio::test]
async fn works_behind_arc_and_box() {
    let b: std::sync::Arc<dyn SecretsBackend> = std::sync::Arc::new(env(&[("AIRFLOW_VAR_K", "v")]));
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");
    assert_eq!(b.name(), "EnvironmentVariablesBackend");
    let b: Box<dyn SecretsBackend> = Box::new(EnvironmentVariablesBackend::from_vars([(
        "AIRFLOW_CONN_C",
        "http://h",
    )]));
    assert_eq!(
        b.get_connection("c")
            .await
            .unwrap()
            .unwrap()
            .host
            .as_deref(),
        Some("h")
    );
}

/// Airflow 3.3.2's `EnvironmentVariablesBackend` with a team: `AIRFLOW_{CONN,VAR}__<TEAM>___<KEY>` first,
/// the shared variable when the team's is unset or empty; config is never read.
#[tokio::test]
async fn a_team_reads_its_own_variable_first() {
    let b = env(&[
        ("AIRFLOW_VAR__TEAM_A___GREETING", "hello team a"),
        ("AIRFLOW_VAR_GREETING", "hello everyone"),
        ("AIRFLOW_VAR__TEAM_A___EMPTY", ""),
        ("AIRFLOW_VAR_EMPTY", "shared"),
        ("AIRFLOW_CONN__TEAM_A___MY_DB", "postgres://team-a-host/db"),
        ("AIRFLOW_CONN_MY_DB", "postgres://shared-host/db"),
    ])
    .with_multi_team(true);
    let get = |kind, key: &'static str, team: Option<&'static str>| {
        let b = b.clone();
        async move {
            b.get_for_team(kind, key, team)
                .await
                .unwrap()
                .map(|v| v.expose().to_owned())
        }
    };
    let var = SecretKind::Variable;
    assert_eq!(
        get(var, "greeting", Some("team_a")).await.as_deref(),
        Some("hello team a")
    );
    assert_eq!(
        get(var, "GREETING", Some("Team_A")).await.as_deref(),
        Some("hello team a")
    );
    assert_eq!(
        get(var, "greeting", Some("team_b")).await.as_deref(),
        Some("hello everyone")
    );
    assert_eq!(
        get(var, "greeting", None).await.as_deref(),
        Some("hello everyone")
    );
    assert_eq!(
        get(var, "empty", Some("team_a")).await.as_deref(),
        Some("shared")
    );
    // A key naming a team's variable is refused in multi-team mode, with or without a team.
    assert_eq!(get(var, "_TEAM_A___GREETING", None).await, None);
    assert_eq!(get(var, "a___b", Some("team_a")).await, None);
    assert_eq!(
        get(SecretKind::Config, "greeting", Some("team_a")).await,
        None
    );
    let conn = b
        .get_connection_for_team("my_db", ConnectionFlavor::TaskSdk, Some("team_a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conn.host.as_deref(), Some("team-a-host"));
    let conn = b
        .get_connection_for_team("my_db", ConnectionFlavor::TaskSdk, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conn.host.as_deref(), Some("shared-host"));
}

/// Without `[core] multi_team` a key with `___` is an ordinary key, as in Airflow.
#[tokio::test]
async fn without_multi_team_keys_with_the_team_separator_are_read() {
    let b = env(&[("AIRFLOW_VAR__TEAM_A___GREETING", "v")]);
    assert_eq!(
        b.get_variable("_team_a___greeting")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "v"
    );
    assert_eq!(
        EnvironmentVariablesBackend::team_env_var_name(SecretKind::Variable, "", "k"),
        None
    );
    assert_eq!(
        EnvironmentVariablesBackend::team_env_var_name(SecretKind::Variable, "straße", "k")
            .as_deref(),
        Some("AIRFLOW_VAR__STRASSE___K")
    );
}
