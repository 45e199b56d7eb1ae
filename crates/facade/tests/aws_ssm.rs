//! The SSM Parameter Store backend through the facade, configured with Airflow's own strings
//! (`AIRFLOW__SECRETS__BACKEND` / `_BACKEND_KWARGS`, per-key overrides), against a real moto server
//! started by each test and seeded with the AWS SDK. Static credentials only: nothing probes the
//! instance metadata service.
//!
//! Every test runs with TRACE logs captured (`airflow_secrets_testkit::logs`) and ends by checking that
//! none of the values, passwords and keys it handled was logged or shown in an error.
#![cfg(feature = "aws-ssm")]

#[path = "../../aws-ssm/tests/common/mod.rs"]
mod common;

use airflow_secrets::{AirflowConfig, Error, ErrorPolicy, Secrets};
use airflow_secrets_testkit::logs::capture;
use common::*;
use serde_json::{Value, json};

const CLASS_PATH: &str =
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";
const LEGACY_CLASS_PATH: &str =
    "airflow.contrib.secrets.aws_systems_manager.SystemsManagerParameterStoreBackend";

/// Airflow's kwargs JSON for moto: endpoint, region and static keys, plus `extra`.
fn kwargs_json(endpoint: &str, extra: Value) -> Value {
    Value::Object(kwargs(endpoint, extra))
}

/// The configuration a deployment would have: the two variables, a private AIRFLOW_HOME (no airflow.cfg of
/// this machine is read) and any extra variables.
fn config(
    class_path: &str,
    kwargs: &Value,
    home: &std::path::Path,
    extra: &[(&str, &str)],
) -> AirflowConfig {
    let mut vars = vec![
        (
            "AIRFLOW__SECRETS__BACKEND".to_owned(),
            class_path.to_owned(),
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS".to_owned(),
            kwargs.to_string(),
        ),
        ("AIRFLOW_HOME".to_owned(), home.display().to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    AirflowConfig::from_vars(vars).unwrap()
}

#[tokio::test]
async fn airflow_configuration_strings_read_parameters_from_moto() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(
        &seed,
        "/airflow/variables/my_var",
        "my-test-variable",
        false,
    )
    .await;
    put(&seed, "/airflow/connections/my_pg", PG_URI, true).await;
    put(&seed, "/airflow/connections/my_json", JSON_CONN, true).await;
    put(&seed, "/airflow/config/smtp_password", "hunter2", true).await;

    let home = tempfile::tempdir().unwrap();
    for class_path in [CLASS_PATH, LEGACY_CLASS_PATH] {
        let secrets = Secrets::builder()
            .config(config(
                class_path,
                &kwargs_json(&moto.url(), json!({})),
                home.path(),
                &[
                    ("AIRFLOW_VAR_FROM_ENV", "env value"),
                    ("AIRFLOW_VAR_MY_VAR", "shadowed by SSM"),
                ],
            ))
            .error_policy(ErrorPolicy::Strict)
            .build()
            .await
            .unwrap();
        assert_eq!(
            secrets.custom_backend().unwrap().name(),
            "SystemsManagerParameterStoreBackend"
        );

        // The secrets backend comes first, then environment variables, as in Airflow.
        assert_eq!(
            secrets.variable("my_var").await.unwrap().unwrap().expose(),
            "my-test-variable"
        );
        assert_eq!(
            secrets
                .variable("from_env")
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "env value"
        );
        assert!(secrets.variable("nowhere").await.unwrap().is_none());

        let pg = secrets.connection("my_pg").await.unwrap();
        assert_eq!(pg.conn_type.as_deref(), Some("postgres"));
        assert_eq!(pg.host.as_deref(), Some("db.example.com"));
        assert_eq!(pg.login.as_deref(), Some("user"));
        assert_eq!(pg.password.as_ref().unwrap().expose(), "p@ss");
        assert_eq!((pg.schema.as_deref(), pg.port), (Some("mydb"), Some(5432)));

        let api = secrets.connection("my_json").await.unwrap();
        assert_eq!(api.conn_type.as_deref(), Some("http"));
        assert_eq!(api.host.as_deref(), Some("api.example.com"));
        assert_eq!(api.password.as_ref().unwrap().expose(), "t0ken");
        assert_eq!(api.extra.as_deref(), Some(r#"{"timeout": 5}"#));

        let err = secrets.connection("missing").await.unwrap_err();
        assert!(matches!(err, Error::ConnectionNotFound { .. }), "{err:?}");
        assert_error_clean(&err, &secrets_of_the_first_test());
        assert_eq!(
            secrets
                .config("smtp_password")
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "hunter2"
        );
    }
    assert!(
        logs.contents().contains("SSM.GetParameter"),
        "the capture saw the SDK's own TRACE logs"
    );
    logs.assert_free_of(&secrets_of_the_first_test());
}

/// The values, passwords and keys `airflow_configuration_strings_read_parameters_from_moto` handles.
fn secrets_of_the_first_test() -> [&'static str; 7] {
    [
        "my-test-variable",
        PG_URI,
        "p@ss",
        JSON_CONN,
        "t0ken",
        "hunter2",
        SECRET_ACCESS_KEY,
    ]
}

const PG_URI: &str = "postgresql://user:p%40ss@db.example.com:5432/mydb";
const JSON_CONN: &str = r#"{"conn_type": "http", "host": "api.example.com", "login": "bot", "password": "t0ken", "extra": {"timeout": 5}}"#;

#[tokio::test]
async fn prefixes_patterns_and_per_key_overrides_as_airflow_reads_them() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(&seed, "/prod/vars/color", "blue", false).await;
    put(&seed, "/root_key", "at the root", false).await;
    put(&seed, "/airflow/connections/aws_default", "aws://", true).await;
    put(
        &seed,
        "/airflow/connections/other_conn",
        "http://from-ssm",
        true,
    )
    .await;
    put(&seed, "/airflow/config/anything", "x", false).await;

    let home = tempfile::tempdir().unwrap();
    let kwargs = kwargs_json(
        &moto.url(),
        json!({"variables_prefix": "prod/vars/", "config_prefix": null, "connections_lookup_pattern": "^AWS_"}),
    );
    let secrets = Secrets::builder()
        .config(config(
            CLASS_PATH,
            &kwargs,
            home.path(),
            &[("AIRFLOW_CONN_OTHER_CONN", "http://from-env")],
        ))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    assert_eq!(
        secrets.variable("color").await.unwrap().unwrap().expose(),
        "blue"
    );
    assert!(
        secrets.config("anything").await.unwrap().is_none(),
        "config_prefix null disables config lookups"
    );
    assert_eq!(
        secrets
            .connection("aws_default")
            .await
            .unwrap()
            .conn_type
            .as_deref(),
        Some("aws")
    );
    // The pattern filters `other_conn` out of SSM (no request), so the environment variable answers.
    let other = secrets.connection_lookup("other_conn").await.unwrap();
    assert_eq!(other.found_in, Some("EnvironmentVariablesBackend"));
    assert_eq!(other.value.unwrap().host.as_deref(), Some("from-env"));

    // Per-key overrides arrive as strings, nested objects included.
    let secrets = Secrets::builder()
        .config(config(
            CLASS_PATH,
            &kwargs,
            home.path(),
            &[
                ("AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_PREFIX", ""),
                (
                    "AIRFLOW__SECRETS__BACKEND_KWARG__CONFIG_KWARGS",
                    r#"{"retries": {"max_attempts": "1"}, "read_timeout": "30"}"#,
                ),
            ],
        ))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    assert_eq!(
        secrets
            .variable("root_key")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "at the root"
    );
    logs.assert_free_of(&["at the root", "http://from-ssm", SECRET_ACCESS_KEY]);
}

#[tokio::test]
async fn an_unreachable_store_falls_through_like_airflow_or_stops_in_strict_mode() {
    let logs = capture();
    let mut moto = start_moto();
    let url = moto.url();
    moto.stop();
    let home = tempfile::tempdir().unwrap();
    let kwargs = kwargs_json(
        &url,
        json!({"config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let vars = [("AIRFLOW_VAR_MY_VAR", "from env")];

    let secrets = Secrets::builder()
        .config(config(CLASS_PATH, &kwargs, home.path(), &vars))
        .build()
        .await
        .unwrap();
    let lookup = secrets.variable_lookup("my_var").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "from env");
    assert_eq!(lookup.failures.len(), 1);
    assert!(
        matches!(lookup.failures[0].1, Error::Unavailable { .. }),
        "{:?}",
        lookup.failures
    );

    let strict = Secrets::builder()
        .config(config(CLASS_PATH, &kwargs, home.path(), &vars))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    let err = strict.variable("my_var").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("parameter `/airflow/variables/my_var`"),
        "{err}"
    );
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    assert_error_clean(&lookup.failures[0].1, &[SECRET_ACCESS_KEY]);
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}

#[tokio::test]
async fn invalid_kwargs_fail_when_the_chain_is_built() {
    let logs = capture();
    let home = tempfile::tempdir().unwrap();
    for (kwargs, expected) in [
        (
            json!({"region": "eu-west-1"}),
            "unknown kwarg `region`; accepted kwargs are: connections_prefix",
        ),
        (json!({"verify": false}), "kwarg `verify`"),
        (
            json!({"config_kwargs": {"retries": {"mode": "fast"}}}),
            "kwarg `config_kwargs`: `retries.mode`",
        ),
    ] {
        // With the static keys too, so that the errors are checked for the secret key.
        let kwargs = kwargs_json("https://ssm.example.internal", kwargs);
        let err = Secrets::builder()
            .config(config(CLASS_PATH, &kwargs, home.path(), &[]))
            .build()
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
        assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    }
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}
