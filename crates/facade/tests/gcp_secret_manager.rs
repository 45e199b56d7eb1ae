//! The GCP Secret Manager backend through the facade, configured with Airflow's own strings, against a
//! wiremock server speaking Secret Manager's REST format. Every backend here uses the
//! `anonymous_credentials` extension, so nothing falls back to application-default credentials (which
//! would probe the GCE metadata server). Every test runs with the TRACE log capture; those that read
//! values check that no value appears in the logs or in an error.
#![cfg(feature = "gcp-secret-manager")]

use airflow_secrets::{AirflowConfig, Error, ErrorPolicy, SecretKind, Secrets};
use airflow_secrets_testkit::logs;
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
    logs::capture();
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
        found("airflow-variables-hello", "s3cr3t-world-3141"),
    )
    .await;
    mount(
        &server,
        "airflow-connections-smtp_default",
        found(
            "airflow-connections-smtp_default",
            "smtp://u:s3cr3t-smtp-pw@mail:25",
        ),
    )
    .await;
    mount(
        &server,
        "airflow-config-sql_alchemy_conn",
        found(
            "airflow-config-sql_alchemy_conn",
            "postgresql://a:s3cr3t-db-pw@db/airflow",
        ),
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
        "s3cr3t-world-3141"
    );
    let conn = secrets.connection("smtp_default").await.unwrap();
    assert_eq!((conn.host.as_deref(), conn.port), (Some("mail"), Some(25)));
    assert_eq!(
        conn.password.as_ref().map(|p| p.expose()),
        Some("s3cr3t-smtp-pw")
    );
    assert_eq!(
        secrets
            .config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
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
            ("AIRFLOW_VAR_ONLY_IN_ENV", "s3cr3t-from-env-1".to_owned()),
        ],
        ErrorPolicy::FallThrough,
    )
    .await
    .unwrap();
    let lookup = secrets.variable_lookup("only_in_env").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "s3cr3t-from-env-1");
    assert_eq!(lookup.found_in, Some("EnvironmentVariablesBackend"));
    assert!(lookup.failures.is_empty());
    logs::capture().assert_free_of(&["s3cr3t-from-env-1"]);
}

#[tokio::test]
async fn the_legacy_class_path_and_per_key_overrides_work() {
    let server = MockServer::start().await;
    mount(&server, "custom_k", found("custom_k", "s3cr3t-custom-v")).await;
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
    assert_eq!(
        secrets.variable("k").await.unwrap().unwrap().expose(),
        "s3cr3t-custom-v"
    );
    logs::capture().assert_free_of(&["s3cr3t-custom-v"]);
}

#[tokio::test]
async fn an_invalid_prefix_fails_at_construction_with_airflows_message() {
    logs::capture();
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
            ("AIRFLOW_VAR_K", "s3cr3t-env-k".to_owned()),
        ]
    };
    // Airflow: the backend returns None and the chain goes on.
    let secrets = secrets_from_env(vars(json!({})), ErrorPolicy::FallThrough)
        .await
        .unwrap();
    let lookup = secrets.variable_lookup("k").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "s3cr3t-env-k");
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
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("s3cr3t-env-k"), "{text}");
    }
    logs::capture().assert_free_of(&["s3cr3t-env-k"]);
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
    mount(
        &server,
        "airflow-variables-prod_db",
        found("airflow-variables-prod_db", "s3cr3t-prod-db"),
    )
    .await;
    mount(
        &server,
        "airflow-variables-PROD_db",
        not_found("airflow-variables-PROD_db"),
    )
    .await;
    let secrets = secrets_from_env(
        vec![
            ("AIRFLOW__SECRETS__BACKEND", CLASS_PATH.to_owned()),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                kwargs_json(
                    &server,
                    json!({"variables_lookup_pattern": "^prod_", "connections_lookup_pattern": "aws"}),
                ),
            ),
            // Per-key override, as a string.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__CONFIG_LOOKUP_PATTERN",
                "^core__".to_owned(),
            ),
            ("AIRFLOW_VAR_DEV_DB", "s3cr3t-dev-from-env".to_owned()),
        ],
        ErrorPolicy::Strict,
    )
    .await
    .unwrap();
    assert_eq!(
        secrets.variable("PROD_db").await.unwrap(),
        None,
        "case-insensitive match, but the secret id keeps the key's case"
    );
    assert_eq!(
        secrets.variable("prod_db").await.unwrap().unwrap().expose(),
        "s3cr3t-prod-db"
    );
    let lookup = secrets.variable_lookup("dev_db").await.unwrap();
    assert_eq!(lookup.value.unwrap().expose(), "s3cr3t-dev-from-env");
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

    let err = Secrets::builder()
        .backend_with_json(
            CLASS_PATH,
            r#"{"project_id": "p", "anonymous_credentials": true, "variables_lookup_pattern": "(?P<x"}"#,
        )
        .unwrap()
        .build()
        .await
        .unwrap_err();
    let Error::InvalidKwarg { kwarg, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(kwarg, "variables_lookup_pattern");
}
