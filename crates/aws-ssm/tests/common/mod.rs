//! Shared by the mock and moto suites.
#![allow(dead_code)] // each suite uses a different subset

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_aws_ssm::aws_sdk_ssm;
use airflow_secrets_aws_ssm::aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use airflow_secrets_aws_ssm::aws_sdk_ssm::types::ParameterType;
use airflow_secrets_core::kwargs::Kwargs;
use serde_json::Value;
use tracing::instrument::WithSubscriber;

#[path = "../support/moto_server.rs"]
mod moto_server;
pub use moto_server::*;

/// An SDK client for seeding, with static credentials (moto's default account) or the given ones.
pub fn seed_client(endpoint: &str, credentials: Option<Credentials>) -> aws_sdk_ssm::Client {
    let credentials = credentials
        .unwrap_or_else(|| Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "test"));
    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .build();
    aws_sdk_ssm::Client::from_conf(config)
}

/// `PutParameter` (String or SecureString) through the SDK.
pub async fn put(client: &aws_sdk_ssm::Client, name: &str, value: &str, secure: bool) {
    let kind = if secure {
        ParameterType::SecureString
    } else {
        ParameterType::String
    };
    let request = client
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send();
    quietly(request).await.unwrap_or_else(|e| {
        panic!(
            "seeding {name}: {}",
            aws_sdk_ssm::error::DisplayErrorContext(&e)
        )
    });
}

/// Runs test *setup* (seeding through the SDK) with logging off: the SDK's TRACE log of a
/// `PutParameter` request shows its body, i.e. the value being stored, which would trip the suites'
/// leak checks on the setup's own log line. The lookups under test are never run through this.
pub async fn quietly<F: std::future::Future>(setup: F) -> F::Output {
    setup
        .with_subscriber(tracing::subscriber::NoSubscriber::default())
        .await
}

/// Panics if any of `secrets` appears in the `Display` or `Debug` of `err`.
pub fn assert_error_clean<E: std::fmt::Display + std::fmt::Debug>(err: &E, secrets: &[&str]) {
    let shown = format!("{err}\n{err:?}");
    for secret in secrets {
        assert!(
            !shown.contains(secret),
            "a secret leaked into an error: {shown}"
        );
    }
}

/// Kwargs pointing at `endpoint` with static credentials, merged with `extra`.
pub fn kwargs(endpoint: &str, extra: Value) -> Kwargs {
    let mut k: Kwargs = serde_json::from_value(serde_json::json!({
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    }))
    .unwrap();
    k.extend(
        extra
            .as_object()
            .expect("extra kwargs are an object")
            .clone(),
    );
    k
}

pub fn backend(endpoint: &str, extra: Value) -> SystemsManagerParameterStoreBackend {
    SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(endpoint, extra))
        .expect("valid kwargs")
}
