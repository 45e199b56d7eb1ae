//! Airflow's lookup chain through the facade: custom backend → environment variables; the first answer
//! wins, an empty variable stops the search, a failing backend is logged and skipped (or, in strict mode,
//! stops the lookup), config values come from the custom backend only.

use std::sync::Arc;

use airflow_secrets::{
    EnvironmentVariablesBackend, Error, ErrorPolicy, LocalFilesystemBackend, SecretKind,
    SecretValue, Secrets, SecretsBackend, async_trait,
};

/// A backend that fails every lookup, as an unreachable store would.
#[derive(Debug)]
struct Down;

#[async_trait]
impl SecretsBackend for Down {
    fn name(&self) -> &'static str {
        "Down"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        Err(Error::Unavailable {
            backend: "Down",
            kind,
            key: key.to_owned(),
            location: "http://127.0.0.1:1".into(),
            attempts: 3,
            elapsed: std::time::Duration::from_millis(1500),
            problem: "connection refused".into(),
        })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    files: LocalFilesystemBackend,
}

fn files() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("variables.json");
    let conns = dir.path().join("connections.json");
    let configs = dir.path().join("configs.json");
    std::fs::write(
        &vars,
        r#"{"in_both": "from-backend", "empty": "", "only_backend": "b"}"#,
    )
    .unwrap();
    std::fs::write(&conns, r#"{"conn_both": "mysql://backend-host/db"}"#).unwrap();
    std::fs::write(&configs, r#"{"sql_alchemy_conn": "sqlite:////tmp/x.db"}"#).unwrap();
    let kwargs = serde_json::json!({
        "variables_file_path": vars, "connections_file_path": conns, "configs_file_path": configs,
    });
    let files = LocalFilesystemBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    Fixture { _dir: dir, files }
}

fn env() -> EnvironmentVariablesBackend {
    EnvironmentVariablesBackend::from_vars([
        ("AIRFLOW_VAR_IN_BOTH".to_owned(), "from-env".to_owned()),
        ("AIRFLOW_VAR_EMPTY".to_owned(), "from-env".to_owned()),
        ("AIRFLOW_VAR_ONLY_ENV".to_owned(), "e".to_owned()),
        (
            "AIRFLOW_CONN_CONN_BOTH".to_owned(),
            "mysql://env-host/db".to_owned(),
        ),
        (
            "AIRFLOW_CONN_ONLY_ENV".to_owned(),
            "postgresql://env-host/db".to_owned(),
        ),
        ("AIRFLOW_CONN_EMPTY".to_owned(), String::new()),
    ])
}

async fn chain(custom: Arc<dyn SecretsBackend>, policy: ErrorPolicy) -> Secrets {
    Secrets::builder()
        .custom_backend(custom)
        .environment(env())
        .error_policy(policy)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn variables_follow_airflow_order() {
    let f = files();
    let secrets = chain(Arc::new(f.files), ErrorPolicy::FallThrough).await;
    let names: Vec<_> = secrets.backends().iter().map(|b| b.name()).collect();
    assert_eq!(
        names,
        ["LocalFilesystemBackend", "EnvironmentVariablesBackend"]
    );

    let cases = [
        (
            "in_both",
            Some("from-backend"),
            Some("LocalFilesystemBackend"),
        ),
        ("only_backend", Some("b"), Some("LocalFilesystemBackend")),
        ("only_env", Some("e"), Some("EnvironmentVariablesBackend")),
        // An empty string is a value: it stops the search although the environment has one.
        ("empty", Some(""), Some("LocalFilesystemBackend")),
        ("nowhere", None, None),
    ];
    for (key, want, backend) in cases {
        let lookup = secrets.variable_lookup(key).await.unwrap();
        assert_eq!(lookup.value.as_ref().map(|v| v.expose()), want, "{key}");
        assert_eq!(lookup.found_in, backend, "{key}");
        assert!(lookup.failures.is_empty());
    }
}

#[tokio::test]
async fn connections_follow_airflow_order() {
    let f = files();
    let secrets = chain(Arc::new(f.files), ErrorPolicy::FallThrough).await;
    assert_eq!(
        secrets
            .connection("conn_both")
            .await
            .unwrap()
            .host
            .as_deref(),
        Some("backend-host")
    );
    let only_env = secrets.connection("only_env").await.unwrap();
    assert_eq!(
        (only_env.conn_type.as_deref(), only_env.host.as_deref()),
        (Some("postgres"), Some("env-host"))
    );
    // An empty AIRFLOW_CONN_* value counts as not found.
    for id in ["empty", "nowhere"] {
        let err = secrets.connection(id).await.unwrap_err();
        assert_eq!(err.to_string(), format!("The conn_id `{id}` isn't defined"));
        assert!(matches!(err, Error::ConnectionNotFound { .. }));
    }
}

#[tokio::test]
async fn a_failing_backend_falls_through_like_airflow() {
    let secrets = chain(Arc::new(Down), ErrorPolicy::FallThrough).await;
    let lookup = secrets.variable_lookup("only_env").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "e");
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    assert_eq!(lookup.failures.len(), 1);
    assert_eq!(lookup.failures[0].0, "Down");
    assert!(matches!(lookup.failures[0].1, Error::Unavailable { .. }));
    assert_eq!(
        secrets
            .connection("only_env")
            .await
            .unwrap()
            .host
            .as_deref(),
        Some("env-host")
    );
    // Not found anywhere after a failure: still "not found" for the caller, with the failure reported.
    let lookup = secrets.variable_lookup("nowhere").await.unwrap();
    assert!(lookup.value.is_none() && lookup.failures.len() == 1);
}

#[tokio::test]
async fn strict_mode_stops_at_the_first_error() {
    let secrets = chain(Arc::new(Down), ErrorPolicy::Strict).await;
    let err = secrets.variable("only_env").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Down: the secrets store is unavailable for variable `only_env` at http://127.0.0.1:1 (3 attempt(s) in 1.50s): connection refused"
    );
    assert!(matches!(
        secrets.connection("only_env").await.unwrap_err(),
        Error::Unavailable { .. }
    ));
}

#[tokio::test]
async fn config_comes_from_the_custom_backend_only() {
    let f = files();
    let secrets = chain(Arc::new(f.files), ErrorPolicy::FallThrough).await;
    assert_eq!(
        secrets
            .config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "sqlite:////tmp/x.db"
    );
    assert!(secrets.config("absent").await.unwrap().is_none());
    // Errors from the backend propagate for config, whatever the policy (Airflow's AirflowConfigException).
    let secrets = chain(Arc::new(Down), ErrorPolicy::FallThrough).await;
    assert!(matches!(
        secrets.config("x").await.unwrap_err(),
        Error::Unavailable { .. }
    ));
    // No custom backend: nothing to read config from.
    let secrets = Secrets::builder().environment(env()).build().await.unwrap();
    assert!(secrets.config("x").await.unwrap().is_none());
    assert_eq!(secrets.backends().len(), 1);
}

#[tokio::test]
async fn settings_from_airflow_config_build_the_chain() {
    let f = files();
    drop(f.files);
    let dir = f._dir.path();
    let config = airflow_secrets::AirflowConfig::from_vars([
        ("HOME", "/nonexistent-home".to_owned()),
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend".to_owned(),
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_FILE_PATH",
            dir.join("variables.json").display().to_string(),
        ),
        ("AIRFLOW_VAR_ONLY_ENV", "e".to_owned()),
    ])
    .unwrap();
    let secrets = Secrets::builder().config(config).build().await.unwrap();
    assert_eq!(
        secrets.variable("in_both").await.unwrap().unwrap().expose(),
        "from-backend"
    );
    assert_eq!(
        secrets
            .variable("only_env")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "e"
    );
    let settings = secrets.settings().unwrap();
    assert!(!settings.use_cache);
    assert_eq!(
        settings.backend.as_ref().unwrap().kwargs_sources,
        ["environment variable AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_FILE_PATH"]
    );
}
