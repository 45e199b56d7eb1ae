//! The GCP Secret Manager backend through the facade, configured with Airflow's own strings, against a
//! wiremock server speaking Secret Manager's REST format. Every backend here uses the
//! `anonymous_credentials` extension, so nothing falls back to application-default credentials (which
//! would probe the GCE metadata server).
#![cfg(feature = "gcp-secret-manager")]

use airflow_secrets::{AirflowConfig, Error, ErrorPolicy, SecretKind, Secrets};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLASS_PATH: &str =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
const LEGACY_CLASS_PATH: &str =
    "airflow.contrib.secrets.gcp_secrets_manager.CloudSecretsManagerBackend";

async fn mount(server: &MockServer, secret_id: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1/projects/airflow-prod/secrets/{secret_id}/versions/latest:access"
        )))
        .and(query_param("$alt", "json;enum-encoding=int"))
        .respond_with(response)
        .mount(server)
        .await;
}

fn found(secret_id: &str, value: &str) -> ResponseTemplate {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
    ResponseTemplate::new(200).set_body_json(json!({
        "name": format!("projects/123456789012/secrets/{secret_id}/versions/1"),
        "payload": {"data": data}
    }))
}

fn google_error(http: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http)
        .set_body_json(json!({"error": {"code": http, "message": message, "status": status}}))
}

fn not_found(secret_id: &str) -> ResponseTemplate {
    google_error(
        404,
        "NOT_FOUND",
        &format!(
            "Secret [projects/airflow-prod/secrets/{secret_id}] not found or has no versions."
        ),
    )
}

fn kwargs_json(server: &MockServer, extra: Value) -> String {
    let mut kwargs = json!({
        "connections_prefix": "airflow-connections",
        "variables_prefix": "airflow-variables",
        "sep": "-",
        "project_id": "airflow-prod",
        "endpoint": server.uri(),
        "anonymous_credentials": true,
        "retry_initial_backoff_seconds": 0.01,
        "retry_max_backoff_seconds": 0.02,
    });
    for (k, v) in extra.as_object().unwrap() {
        kwargs[k] = v.clone();
    }
    kwargs.to_string()
}

async fn secrets_from_env(
    vars: Vec<(&str, String)>,
    policy: ErrorPolicy,
) -> Result<Secrets, Error> {
    let config = AirflowConfig::from_vars(vars.into_iter().map(|(k, v)| (k.to_owned(), v)))?;
    Secrets::builder()
        .config(config)
        .error_policy(policy)
        .build()
        .await
}

#[tokio::test]
async fn airflow_env_configuration_reads_variables_connections_and_config() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-hello",
        found("airflow-variables-hello", "world"),
    )
    .await;
    mount(
        &server,
        "airflow-connections-smtp_default",
        found("airflow-connections-smtp_default", "smtp://u:p@mail:25"),
    )
    .await;
    mount(
        &server,
        "airflow-config-sql_alchemy_conn",
        found("airflow-config-sql_alchemy_conn", "sqlite:///x.db"),
    )
    .await;
    let secrets = secrets_from_env(
        vec![
            ("AIRFLOW__SECRETS__BACKEND", CLASS_PATH.to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                kwargs_json(&server, json!({})),
            ),
        ],
        ErrorPolicy::FallThrough,
    )
    .await
    .unwrap();
    assert_eq!(
        secrets.custom_backend().unwrap().name(),
        "CloudSecretManagerBackend"
    );
    assert_eq!(
        secrets.variable("hello").await.unwrap().unwrap().expose(),
        "world"
    );
    let conn = secrets.connection("smtp_default").await.unwrap();
    assert_eq!((conn.host.as_deref(), conn.port), (Some("mail"), Some(25)));
    assert_eq!(
        secrets
            .config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "sqlite:///x.db"
    );
}

#[tokio::test]
async fn not_found_falls_through_to_environment_variables() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-only_in_env",
        not_found("airflow-variables-only_in_env"),
    )
    .await;
    let secrets = secrets_from_env(
        vec![
            ("AIRFLOW__SECRETS__BACKEND", CLASS_PATH.to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                kwargs_json(&server, json!({})),
            ),
            ("AIRFLOW_VAR_ONLY_IN_ENV", "from env".to_owned()),
        ],
        ErrorPolicy::FallThrough,
    )
    .await
    .unwrap();
    let lookup = secrets.variable_lookup("only_in_env").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "from env");
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    assert!(lookup.failures.is_empty());
}

#[tokio::test]
async fn the_legacy_class_path_and_per_key_overrides_work() {
    let server = MockServer::start().await;
    mount(&server, "custom_k", found("custom_k", "v")).await;
    let secrets = secrets_from_env(
        vec![
            ("AIRFLOW__SECRETS__BACKEND", LEGACY_CLASS_PATH.to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                kwargs_json(&server, json!({})),
            ),
            // Per-key overrides arrive as strings.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_PREFIX",
                "custom".to_owned(),
            ),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__SEP", "_".to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__MAX_ATTEMPTS",
                "2".to_owned(),
            ),
        ],
        ErrorPolicy::FallThrough,
    )
    .await
    .unwrap();
    assert_eq!(secrets.variable("k").await.unwrap().unwrap().expose(), "v");
}

#[tokio::test]
async fn an_invalid_prefix_fails_at_construction_with_airflows_message() {
    let err = Secrets::builder()
        .backend_with_json(
            CLASS_PATH,
            r#"{"connections_prefix": "airflow.connections", "project_id": "p"}"#,
        )
        .unwrap()
        .build()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("`connections_prefix`, `variables_prefix` and `sep` should follows that pattern ^[a-zA-Z0-9-_]*$"),
        "{err}"
    );
    let err = Secrets::builder()
        .backend_with_json(CLASS_PATH, r#"{"anonymous_credentials": true}"#)
        .unwrap()
        .build()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Project ID could not be determined."),
        "{err}"
    );
    let err = Secrets::builder()
        .backend_with_json(
            CLASS_PATH,
            r#"{"project_id": "p", "connection_prefix": "x"}"#,
        )
        .unwrap()
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
}

#[tokio::test]
async fn permission_denied_falls_through_unless_strict() {
    let server = MockServer::start().await;
    let denied = google_error(
        403,
        "PERMISSION_DENIED",
        "Permission 'secretmanager.versions.access' denied for resource \
         'projects/airflow-prod/secrets/airflow-variables-k/versions/latest' (or it may not exist).",
    );
    mount(&server, "airflow-variables-k", denied).await;
    let vars = |extra: Value| {
        vec![
            ("AIRFLOW__SECRETS__BACKEND", CLASS_PATH.to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                kwargs_json(&server, extra),
            ),
            ("AIRFLOW_VAR_K", "from env".to_owned()),
        ]
    };
    // Airflow: the backend returns None and the chain goes on.
    let secrets = secrets_from_env(vars(json!({})), ErrorPolicy::FallThrough)
        .await
        .unwrap();
    let lookup = secrets.variable_lookup("k").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "from env");
    assert!(lookup.failures.is_empty());

    // raise_on_permission_denied + the facade's strict policy: the denial stops the lookup.
    let secrets = secrets_from_env(
        vars(json!({"raise_on_permission_denied": true})),
        ErrorPolicy::Strict,
    )
    .await
    .unwrap();
    let err = secrets.variable("k").await.unwrap_err();
    let Error::PermissionDenied { kind, location, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, SecretKind::Variable);
    assert_eq!(
        location,
        "projects/airflow-prod/secrets/airflow-variables-k/versions/latest"
    );
}

#[tokio::test]
async fn an_unavailable_store_is_reported_and_the_chain_goes_on() {
    let server = MockServer::start().await;
    mount(
        &server,
        "airflow-variables-k",
        google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
    )
    .await;
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
}
