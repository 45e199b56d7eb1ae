//! The one SSM client of a backend, built from its AWS session on the first lookup, and the
//! `GetParameter` call with its retry glue (the status rule, the attempt count).
//!
//! Mirrors Airflow's `session.client("ssm", region_name, verify, endpoint_url)`: the session (region,
//! timeouts, retries, credentials) comes from `airflow-secrets-aws-session`; `endpoint_url` and `verify`
//! apply to the SSM client only.

use std::sync::Arc;

use airflow_secrets_aws_session::{CountAttempts, SessionConfig, TRANSIENT, TransientOnly};
use airflow_secrets_core::provider::context::LookupContext;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};

/// The SSM client: the session's settings and credentials, the kwargs' endpoint and CA bundle.
pub(crate) async fn build(session: SessionConfig) -> aws_sdk_ssm::Client {
    let sdk = session.sdk_config().await;
    let mut ssm = aws_sdk_ssm::config::Builder::from(&sdk);
    if let Some(url) = session.endpoint_url() {
        ssm = ssm.endpoint_url(url);
    }
    if let Some(http) = session.service_http_client() {
        ssm = ssm.http_client(http);
    }
    aws_sdk_ssm::Client::from_conf(ssm.build())
}

/// `GetParameter(Name=name, WithDecryption=True)`, Airflow's one call. The SDK's own loop retries (as
/// boto3's does), with [`TransientOnly`] having the last word on what is retried; every attempt is
/// counted in `ctx`.
pub(crate) async fn get_parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
    ctx: &Arc<LookupContext>,
) -> Result<GetParameterOutput, SdkError<GetParameterError, HttpResponse>> {
    client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .customize()
        .interceptor(CountAttempts(ctx.clone()))
        // Per operation rather than on the client, so that it also holds for a client given to the
        // builder.
        .config_override(
            aws_sdk_ssm::Config::builder()
                .retry_classifier(TransientOnly::<GetParameterError>::new(TRANSIENT)),
        )
        .send()
        .await
}
