//! Building the one SSM client of a backend from its validated [`Config`] (on the first lookup), and
//! the `GetParameter` call with its retry glue (the status rule, the attempt count).
//!
//! Mirrors Airflow's `SessionFactory` + `session.client("ssm", region_name, verify, endpoint_url)`:
//! the session's settings here (region, timeouts, retries), its credentials in [`crate::auth`];
//! `endpoint_url` and `verify` apply to the SSM client only.

use std::sync::Arc;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::retry::TransientStatuses;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_ssm::config::Region;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ssm::config::{ConfigBag, Intercept, RuntimeComponents, SharedHttpClient};
use aws_sdk_ssm::error::{BoxError, SdkError};
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};

use crate::config::Config;
use crate::retry::TransientOnly;
use crate::{auth, body_limit};

/// The HTTP statuses retried (then reported as `Unavailable`): the kernel's rule, 429 and every 5xx.
///
/// botocore's is narrower — legacy mode (Airflow's default) retries 429, 500, 502, 503, 504 and 509;
/// standard mode 500, 502, 503 and 504 (a 429 only with a throttling error code) — and so is the Rust
/// SDK's (500, 502, 503, 504). This crate keeps the workspace's rule on purpose: a proxy's bare 429 or a
/// 501/507 from a load balancer is just as transient, and the extra statuses only add attempts within
/// the same `config_kwargs.retries` bound. AWS throttling and transient error codes (sent with HTTP 400)
/// are retried as well (`retry.rs`).
pub(crate) const TRANSIENT: TransientStatuses = TransientStatuses::DEFAULT;

/// Every request of the backend — SSM, STS, the credential providers of the default chain — goes
/// through an http client whose response bodies are capped at [`crate::MAX_RESPONSE_BYTES`] (the SDK
/// would otherwise read any body whole into memory). The CA bundle of `verify`, when given, replaces
/// the client of SSM only, capped as well.
pub(crate) async fn build(s: &Config) -> aws_sdk_ssm::Client {
    let http = body_limit::default_client();
    let sdk = auth::base_config(s, loader(s, &http), http).await;
    let sdk = match &s.assume_role {
        Some(role) => auth::assume_role(sdk, role).await,
        None => sdk,
    };
    let mut ssm = aws_sdk_ssm::config::Builder::from(&sdk);
    if let Some(url) = &s.endpoint_url {
        ssm = ssm.endpoint_url(url);
    }
    if let Some(bundle) = &s.ca_bundle {
        ssm = ssm.http_client(bundle.https_client());
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
            aws_sdk_ssm::Config::builder().retry_classifier(TransientOnly::new(TRANSIENT)),
        )
        .send()
        .await
}

/// Counts each attempt of one operation in its lookup's context (the SDK retries inside `send()` and
/// does not report how often).
#[derive(Debug)]
struct CountAttempts(Arc<LookupContext>);

impl Intercept for CountAttempts {
    fn name(&self) -> &'static str {
        "airflow-secrets attempt counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempt();
        Ok(())
    }
}

/// The session's loader: region, retries, timeouts, profile; no credentials yet (see [`auth`]).
fn loader(s: &Config, http: &SharedHttpClient) -> ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(s.timeouts.clone())
        .http_client(http.clone());
    if let Some(files) = &s.profile_files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(profile) = &s.profile_name {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &s.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(retry) = &s.retry {
        loader = loader.retry_config(retry.clone());
    }
    if let Some(fips) = s.use_fips {
        loader = loader.use_fips(fips);
    }
    if let Some(dual_stack) = s.use_dual_stack {
        loader = loader.use_dual_stack(dual_stack);
    }
    loader
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_statuses_are_429_and_5xx() {
        for status in [429, 500, 501, 502, 503, 504, 507, 509, 599] {
            assert!(TRANSIENT.is_transient(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 408, 409, 412, 428, 430, 499, 600] {
            assert!(!TRANSIENT.is_transient(status), "{status}");
        }
    }
}
