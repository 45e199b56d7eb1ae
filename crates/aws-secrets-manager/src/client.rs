//! The one Secrets Manager client of a backend, built from its AWS session on the first lookup, and
//! the `GetSecretValue` call with its retry glue (the status rule, the attempt count).
//!
//! Mirrors Airflow's `session.client("secretsmanager", region_name, verify, endpoint_url)`: the session
//! (region, timeouts, retries, credentials) comes from `airflow-secrets-aws-session`; `endpoint_url` and
//! `verify` apply to the Secrets Manager client only.

use std::sync::Arc;

use airflow_secrets_aws_session::{CountAttempts, SessionConfig, TRANSIENT, TransientOnly};
use airflow_secrets_core::provider::context::LookupContext;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::{
    GetSecretValueError, GetSecretValueOutput,
};

/// The Secrets Manager client: the session's settings and credentials, the kwargs' endpoint and CA
/// bundle.
pub(crate) async fn build(session: SessionConfig) -> aws_sdk_secretsmanager::Client {
    let sdk = session.sdk_config().await;
    let mut config = aws_sdk_secretsmanager::config::Builder::from(&sdk);
    if let Some(url) = session.endpoint_url() {
        config = config.endpoint_url(url);
    }
    if let Some(http) = session.service_http_client() {
        config = config.http_client(http);
    }
    aws_sdk_secretsmanager::Client::from_conf(config.build())
}

/// `GetSecretValue(SecretId=name)`, Airflow's one call (the `AWSCURRENT` version). The SDK's own loop
/// retries (as boto3's does), with [`TransientOnly`] having the last word on what is retried; every
/// attempt is counted in `ctx`.
pub(crate) async fn get_secret_value(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    ctx: &Arc<LookupContext>,
) -> Result<GetSecretValueOutput, SdkError<GetSecretValueError, HttpResponse>> {
    client
        .get_secret_value()
        .secret_id(name)
        .customize()
        .interceptor(CountAttempts(ctx.clone()))
        // Per operation rather than on the client, so that it also holds for a client given to the
        // builder.
        .config_override(
            aws_sdk_secretsmanager::Config::builder().retry_classifier(TransientOnly::<
                GetSecretValueError,
            >::new(
                TRANSIENT
            )),
        )
        .send()
        .await
}
