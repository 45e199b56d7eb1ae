//! Shared by this crate's suites: seeding through the SDK and the backend for an endpoint. The moto
//! server, the static credentials and the kwargs come from the testkit's `moto` module.
#![allow(dead_code)] // each suite uses a different subset

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_aws_ssm::aws_sdk_ssm;
use airflow_secrets_aws_ssm::aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use airflow_secrets_aws_ssm::aws_sdk_ssm::types::ParameterType;
use serde_json::Value;
use tracing::instrument::WithSubscriber;

#[allow(unused_imports)] // not every suite checks errors
pub use airflow_secrets_testkit::leak_check::assert_error_clean;
pub use airflow_secrets_testkit::moto::*;

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

pub fn backend(endpoint: &str, extra: Value) -> SystemsManagerParameterStoreBackend {
    SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(endpoint, extra))
        .expect("valid kwargs")
}
