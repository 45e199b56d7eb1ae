//! The SSM Parameter Store backend through the facade, configured with Airflow's own strings
//! (`AIRFLOW__SECRETS__BACKEND` / `_BACKEND_KWARGS`, per-key overrides), against a real moto server
//! started by each test and seeded with boto3 (installed with moto). Static credentials only: nothing
//! probes the instance metadata service.
//!
//! Every test runs with TRACE logs captured (`airflow_secrets_testkit::logs`) and ends by checking that
//! none of the values, passwords and keys it handled was logged or shown in an error.
#![cfg(feature = "aws-ssm")]

mod common;

use airflow_secrets::{Error, ErrorPolicy, Secrets};
use airflow_secrets_testkit::ChildServer;
use airflow_secrets_testkit::leak_check::assert_error_clean;
use airflow_secrets_testkit::logs::capture;
use airflow_secrets_testkit::moto::{SECRET_ACCESS_KEY, kwargs, seed_with_boto3, start_moto};
use common::{airflow_config, config_value, configured_secrets, fell_through, variable_value};
use serde_json::{Value, json};

const CLASS_PATH: &str =
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";
const LEGACY_CLASS_PATH: &str =
    "airflow.contrib.secrets.aws_systems_manager.SystemsManagerParameterStoreBackend";

/// Airflow's kwargs JSON for moto: endpoint, region and static keys, plus `extra`.
fn kwargs_json(endpoint: &str, extra: Value) -> Value {
    Value::Object(kwargs(endpoint, extra))
}

/// A moto server holding `parameters` (name, value, SecureString?), put there with boto3 (in a child
/// process: nothing of the seeding reaches this test's log capture).
async fn seeded_moto(parameters: &[(&str, &str, bool)]) -> ChildServer {
    let moto = start_moto();
    seed_with_boto3(&moto.url(), parameters);
    moto
}

#[tokio::test]
async fn airflow_configuration_strings_read_parameters_from_moto() {
    let logs = capture();
    let moto = seeded_moto(&[
        ("/airflow/variables/my_var", "my-test-variable", false),
        ("/airflow/connections/my_pg", PG_URI, true),
        ("/airflow/connections/my_json", JSON_CONN, true),
        ("/airflow/config/smtp_password", "hunter2", true),
    ])
    .await;

    let home = tempfile::tempdir().unwrap();
    for class_path in [CLASS_PATH, LEGACY_CLASS_PATH] {
        let secrets = configured_secrets(
            class_path,
            &kwargs_json(&moto.url(), json!({})),
            home.path(),
            &[
                ("AIRFLOW_VAR_FROM_ENV", "env value"),
                ("AIRFLOW_VAR_MY_VAR", "shadowed by SSM"),
            ],
            ErrorPolicy::Strict,
        )
        .await;
        assert_eq!(
            secrets.custom_backend().unwrap().name(),
            "SystemsManagerParameterStoreBackend"
        );

        // The secrets backend comes first, then environment variables, as in Airflow.
        assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
        assert_eq!(variable_value(&secrets, "from_env").await, "env value");
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
        assert_eq!(config_value(&secrets, "smtp_password").await, "hunter2");
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
    let moto = seeded_moto(&[
        ("/prod/vars/color", "blue", false),
        ("/root_key", "at the root", false),
        ("/airflow/connections/aws_default", "aws://", true),
        ("/airflow/connections/other_conn", "http://from-ssm", true),
        ("/airflow/config/anything", "x", false),
    ])
    .await;

    let home = tempfile::tempdir().unwrap();
    let kwargs = kwargs_json(
        &moto.url(),
        json!({"variables_prefix": "prod/vars/", "config_prefix": null, "connections_lookup_pattern": "^AWS_"}),
    );
    let secrets = configured_secrets(
        CLASS_PATH,
        &kwargs,
        home.path(),
        &[("AIRFLOW_CONN_OTHER_CONN", "http://from-env")],
        ErrorPolicy::Strict,
    )
    .await;
    assert_eq!(variable_value(&secrets, "color").await, "blue");
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
    let secrets = configured_secrets(
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
        ErrorPolicy::Strict,
    )
    .await;
    assert_eq!(variable_value(&secrets, "root_key").await, "at the root");
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

    let secrets = configured_secrets(
        CLASS_PATH,
        &kwargs,
        home.path(),
        &vars,
        ErrorPolicy::FallThrough,
    )
    .await;
    let (_, failure) = fell_through(&secrets, "my_var", "from env").await;
    assert!(matches!(failure, Error::Unavailable { .. }), "{failure:?}");

    let strict =
        configured_secrets(CLASS_PATH, &kwargs, home.path(), &vars, ErrorPolicy::Strict).await;
    let err = strict.variable("my_var").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("parameter `/airflow/variables/my_var`"),
        "{err}"
    );
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    assert_error_clean(&failure, &[SECRET_ACCESS_KEY]);
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
            .config(airflow_config(CLASS_PATH, &kwargs, home.path(), &[]))
            .build()
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
        assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    }
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}
