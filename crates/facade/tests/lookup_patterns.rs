//! `*_lookup_pattern` kwargs through Airflow's configuration strings, with Python `re` semantics:
//! Amazon MWAA's documented default `{"connections_lookup_pattern": "^(?!aws_default$).*$"}` (a
//! negative look-ahead) builds and routes `aws_default` past the secrets backend.
#![cfg(all(feature = "aws-ssm", feature = "vault"))]

mod common;

use airflow_secrets::{Error, ErrorPolicy, Secrets};
use airflow_secrets_testkit::moto::{kwargs, seed_with_boto3, start_moto};
use common::airflow_config;
use serde_json::{Value, json};

const SSM: &str =
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";
const VAULT: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
const MWAA_PATTERN: &str = "^(?!aws_default$).*$";

#[tokio::test]
async fn mwaa_default_pattern_from_a_per_key_override_reads_aws_default_from_the_environment() {
    let moto = start_moto();
    seed_with_boto3(
        &moto.url(),
        &[
            ("/airflow/connections/aws_default", "aws://from-ssm", true),
            (
                "/airflow/connections/my_conn",
                "postgres://db.example.com",
                true,
            ),
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let config = airflow_config(
        SSM,
        &Value::Object(kwargs(&moto.url(), json!({}))),
        home.path(),
        &[
            // Airflow 3.2+'s per-key override: the raw string wins over the JSON.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__CONNECTIONS_LOOKUP_PATTERN",
                MWAA_PATTERN,
            ),
            ("AIRFLOW_CONN_AWS_DEFAULT", "aws://from-env"),
        ],
    );
    let secrets = Secrets::builder()
        .config(config)
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();

    let aws = secrets.connection_lookup("aws_default").await.unwrap();
    assert_eq!(aws.found_in, Some("EnvironmentVariablesBackend"));
    assert_eq!(aws.value.unwrap().host.as_deref(), Some("from-env"));
    // Case-insensitive, as Python's re.IGNORECASE: `AWS_DEFAULT` is excluded too.
    let upper = secrets.connection_lookup("AWS_DEFAULT").await.unwrap();
    assert_ne!(upper.found_in, Some("SystemsManagerParameterStoreBackend"));

    let mine = secrets.connection_lookup("my_conn").await.unwrap();
    assert_eq!(mine.found_in, Some("SystemsManagerParameterStoreBackend"));
    assert_eq!(mine.value.unwrap().host.as_deref(), Some("db.example.com"));
}

#[tokio::test]
async fn mwaa_default_pattern_builds_a_vault_backend_that_never_asks_for_aws_default() {
    let home = tempfile::tempdir().unwrap();
    // A closed local port: any request would fail, and `Strict` would return that failure.
    let kwargs = json!({
        "url": "http://127.0.0.1:9", "token": "t0ken-never-sent",
        "connections_lookup_pattern": MWAA_PATTERN,
    });
    let secrets = Secrets::builder()
        .config(airflow_config(VAULT, &kwargs, home.path(), &[]))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    let lookup = secrets.connection_lookup("aws_default").await.unwrap();
    assert!(
        lookup.value.is_none() && lookup.failures.is_empty(),
        "{lookup:?}"
    );
    // Any other conn id is looked up (and fails here: nothing listens).
    assert!(secrets.connection_lookup("my_conn").await.is_err());
}

#[tokio::test]
async fn a_pattern_that_backtracks_past_the_limit_is_an_error_naming_the_kwarg() {
    let home = tempfile::tempdir().unwrap();
    let kwargs = json!({
        "url": "http://127.0.0.1:9", "token": "t0ken-never-sent",
        "variables_lookup_pattern": "^(a|aa)+\\1$",
    });
    let secrets = Secrets::builder()
        .config(airflow_config(VAULT, &kwargs, home.path(), &[]))
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await
        .unwrap();
    let key = format!("{}!", "a".repeat(3_000));
    let started = std::time::Instant::now();
    let err = secrets.variable(&key).await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("kwarg `variables_lookup_pattern`") && text.contains("simplify the pattern"),
        "{text}"
    );
}

#[tokio::test]
async fn an_invalid_pattern_is_refused_at_construction_naming_the_kwarg() {
    let home = tempfile::tempdir().unwrap();
    let kwargs =
        json!({"url": "http://127.0.0.1:9", "token": "t", "connections_lookup_pattern": "(?P<n>a"});
    let err = Secrets::builder()
        .config(airflow_config(VAULT, &kwargs, home.path(), &[]))
        .build()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("kwarg `connections_lookup_pattern`: not a valid regular expression"),
        "{text}"
    );
}
