//! The GCP Secret Manager backend through the facade, configured with Airflow's own strings, against a
//! wiremock server speaking Secret Manager's REST format. Every backend here uses the
//! `anonymous_credentials` extension, so nothing falls back to application-default credentials (which
//! would probe the GCE metadata server). Every test runs with the TRACE log capture; those that read
//! values check that no value appears in the logs or in an error.
#![cfg(feature = "gcp-secret-manager")]

mod common;

use airflow_secrets::{Error, ErrorPolicy, SecretKind, Secrets};
use airflow_secrets_testkit::gcp_mock::{
    self as gcp, found, not_found, permission_denied, unavailable,
};
use airflow_secrets_testkit::logs;
use common::leak_check::assert_clean;
use common::{assert_from_environment, backend_config, config_value, merged, variable_value};
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

const CLASS_PATH: &str =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
const LEGACY_CLASS_PATH: &str =
    "airflow.contrib.secrets.gcp_secrets_manager.CloudSecretsManagerBackend";
const PROJECT: &str = "airflow-prod";

/// Answers every read of `secret_id` in [`PROJECT`] with `response`.
async fn mount(server: &MockServer, secret_id: &str, response: ResponseTemplate) {
    gcp::mount(server, PROJECT, secret_id, response).await;
}

/// Answers every read of `secret_id` in [`PROJECT`] with a version holding `value`.
async fn mount_found(server: &MockServer, secret_id: &str, value: &str) {
    mount(server, secret_id, found(secret_id, value)).await;
}

fn kwargs_json(server: &MockServer, extra: Value) -> String {
    let kwargs = json!({
        "connections_prefix": "airflow-connections",
        "variables_prefix": "airflow-variables",
        "sep": "-",
        "project_id": PROJECT,
        "endpoint": server.uri(),
        "anonymous_credentials": true,
        "retry_initial_backoff_seconds": 0.01,
        "retry_max_backoff_seconds": 0.02,
    });
    Value::Object(merged(kwargs, extra)).to_string()
}

/// The chain Airflow's configuration gives: `class_path` with the kwargs JSON `kwargs`, the `extra`
/// variables, and `policy`. Installs the TRACE capture first.
async fn secrets_from_env(
    class_path: &str,
    kwargs: &str,
    extra: &[(&str, &str)],
    policy: ErrorPolicy,
) -> Secrets {
    logs::capture();
    Secrets::builder()
        .config(backend_config(class_path, kwargs, extra))
        .error_policy(policy)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn airflow_env_configuration_reads_variables_connections_and_config() {
    let server = MockServer::start().await;
    mount_found(&server, "airflow-variables-hello", "s3cr3t-world-3141").await;
    mount_found(
        &server,
        "airflow-connections-smtp_default",
        "smtp://u:s3cr3t-smtp-pw@mail:25",
    )
    .await;
    mount_found(
        &server,
        "airflow-config-sql_alchemy_conn",
        "postgresql://a:s3cr3t-db-pw@db/airflow",
    )
    .await;
    let secrets = secrets_from_env(
        CLASS_PATH,
        &kwargs_json(&server, json!({})),
        &[],
        ErrorPolicy::FallThrough,
    )
    .await;
    assert_eq!(
        secrets.custom_backend().unwrap().name(),
        "CloudSecretManagerBackend"
    );
    assert_eq!(variable_value(&secrets, "hello").await, "s3cr3t-world-3141");
    let conn = secrets.connection("smtp_default").await.unwrap();
    assert_eq!((conn.host.as_deref(), conn.port), (Some("mail"), Some(25)));
    assert_eq!(
        conn.password.as_ref().map(|p| p.expose()),
        Some("s3cr3t-smtp-pw")
    );
    assert_eq!(
        config_value(&secrets, "sql_alchemy_conn").await,
        "postgresql://a:s3cr3t-db-pw@db/airflow"
    );
    logs::capture().assert_free_of(&["s3cr3t-world-3141", "s3cr3t-smtp-pw", "s3cr3t-db-pw"]);
}

#[tokio::test]
async fn not_found_falls_through_to_environment_variables() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-only_in_env",
        not_found(PROJECT, "airflow-variables-only_in_env"),
    )
    .await;
    let secrets = secrets_from_env(
        CLASS_PATH,
        &kwargs_json(&server, json!({})),
        &[("AIRFLOW_VAR_ONLY_IN_ENV", "s3cr3t-from-env-1")],
        ErrorPolicy::FallThrough,
    )
    .await;
    assert_from_environment(&secrets, "only_in_env", "s3cr3t-from-env-1").await;
    logs::capture().assert_free_of(&["s3cr3t-from-env-1"]);
}

#[tokio::test]
async fn the_legacy_class_path_and_per_key_overrides_work() {
    let server = MockServer::start().await;
    mount_found(&server, "custom_k", "s3cr3t-custom-v").await;
    let secrets = secrets_from_env(
        LEGACY_CLASS_PATH,
        &kwargs_json(&server, json!({})),
        &[
            // Per-key overrides arrive as strings.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_PREFIX",
                "custom",
            ),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__SEP", "_"),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__MAX_ATTEMPTS", "2"),
        ],
        ErrorPolicy::FallThrough,
    )
    .await;
    assert_eq!(variable_value(&secrets, "k").await, "s3cr3t-custom-v");
    logs::capture().assert_free_of(&["s3cr3t-custom-v"]);
}

/// The error of building a chain with `CLASS_PATH` and the kwargs JSON `kwargs`.
async fn build_error(kwargs: &str) -> Error {
    Secrets::builder()
        .backend_with_json(CLASS_PATH, kwargs)
        .unwrap()
        .build()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn an_invalid_prefix_fails_at_construction_with_airflows_message() {
    logs::capture();
    let err =
        build_error(r#"{"connections_prefix": "airflow.connections", "project_id": "p"}"#).await;
    assert!(
        err.to_string().contains("`connections_prefix`, `variables_prefix` and `sep` should follows that pattern ^[a-zA-Z0-9-_]*$"),
        "{err}"
    );
    let err = build_error(r#"{"anonymous_credentials": true}"#).await;
    assert!(
        err.to_string()
            .contains("Project ID could not be determined."),
        "{err}"
    );
    let err = build_error(r#"{"project_id": "p", "connection_prefix": "x"}"#).await;
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
}

#[tokio::test]
async fn permission_denied_falls_through_unless_strict() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-k",
        permission_denied(PROJECT, "airflow-variables-k"),
    )
    .await;
    let env = [("AIRFLOW_VAR_K", "s3cr3t-env-k")];
    // Airflow: the backend returns None and the chain goes on.
    let secrets = secrets_from_env(
        CLASS_PATH,
        &kwargs_json(&server, json!({})),
        &env,
        ErrorPolicy::FallThrough,
    )
    .await;
    let lookup = secrets.variable_lookup("k").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "s3cr3t-env-k");
    assert!(lookup.failures.is_empty());

    // raise_on_permission_denied + the facade's strict policy: the denial stops the lookup.
    let secrets = secrets_from_env(
        CLASS_PATH,
        &kwargs_json(&server, json!({"raise_on_permission_denied": true})),
        &env,
        ErrorPolicy::Strict,
    )
    .await;
    let err = secrets.variable("k").await.unwrap_err();
    let Error::PermissionDenied { kind, location, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, SecretKind::Variable);
    assert_eq!(
        location,
        "projects/airflow-prod/secrets/airflow-variables-k/versions/latest"
    );
    assert_clean(&err, &["s3cr3t-env-k"]);
    logs::capture().assert_free_of(&["s3cr3t-env-k"]);
}

#[tokio::test]
async fn an_unavailable_store_is_reported_and_the_chain_goes_on() {
    let server = MockServer::start().await;
    mount(&server, "airflow-variables-k", unavailable()).await;
    logs::capture();
    let secrets = Secrets::builder()
        .backend_with_json(
            CLASS_PATH,
            &kwargs_json(&server, json!({"max_attempts": 2})),
        )
        .unwrap()
        .build()
        .await
        .unwrap();
    let lookup = secrets.variable_lookup("k").await.unwrap();
    assert!(lookup.value.is_none());
    let [(backend, Error::Unavailable { attempts, .. })] = lookup.failures.as_slice() else {
        panic!("{:?}", lookup.failures)
    };
    assert_eq!((*backend, *attempts), ("CloudSecretManagerBackend", 2));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(
        lookup.failures[0]
            .1
            .to_string()
            .contains("(2 attempt(s) in "),
        "{}",
        lookup.failures[0].1
    );
}

#[tokio::test]
async fn lookup_patterns_from_airflows_kwargs_send_no_request_for_other_keys() {
    let server = MockServer::start().await;
    mount_found(&server, "airflow-variables-prod_db", "s3cr3t-prod-db").await;
    mount(
        &server,
        "airflow-variables-PROD_db",
        not_found(PROJECT, "airflow-variables-PROD_db"),
    )
    .await;
    let secrets = secrets_from_env(
        CLASS_PATH,
        &kwargs_json(
            &server,
            json!({"variables_lookup_pattern": "^prod_", "connections_lookup_pattern": "aws"}),
        ),
        &[
            // Per-key override, as a string.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__CONFIG_LOOKUP_PATTERN",
                "^core__",
            ),
            ("AIRFLOW_VAR_DEV_DB", "s3cr3t-dev-from-env"),
        ],
        ErrorPolicy::Strict,
    )
    .await;
    assert_eq!(
        secrets.variable("PROD_db").await.unwrap(),
        None,
        "case-insensitive match, but the secret id keeps the key's case"
    );
    assert_eq!(variable_value(&secrets, "prod_db").await, "s3cr3t-prod-db");
    assert_from_environment(&secrets, "dev_db", "s3cr3t-dev-from-env").await;
    assert!(secrets.connection("my_aws").await.is_err());
    assert!(secrets.config("sql_alchemy_conn").await.unwrap().is_none());
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/projects/airflow-prod/secrets/airflow-variables-PROD_db/versions/latest:access",
            "/v1/projects/airflow-prod/secrets/airflow-variables-prod_db/versions/latest:access",
        ],
        "dev_db, my_aws and sql_alchemy_conn were not sent"
    );
    logs::capture().assert_free_of(&["s3cr3t-prod-db", "s3cr3t-dev-from-env"]);

    let err = build_error(
        r#"{"project_id": "p", "anonymous_credentials": true, "variables_lookup_pattern": "(?P<x"}"#,
    )
    .await;
    let Error::InvalidKwarg { kwarg, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(kwarg, "variables_lookup_pattern");
}
