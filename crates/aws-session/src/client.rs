//! The SDK session of a backend, built from its validated [`SessionConfig`] on the first lookup, and the
//! glue every request of the backend's operation carries (the status rule, the attempt count).
//!
//! Mirrors Airflow's `SessionFactory` + `session.client(service, region_name, verify, endpoint_url)`: the
//! session's settings here (region, timeouts, retries), its credentials in `auth`; `endpoint_url` and
//! `verify` apply to the service client only (the backend builds that client from the session:
//! [`SessionConfig::sdk_config`], [`SessionConfig::endpoint_url`], [`SessionConfig::service_http_client`]).

use std::sync::Arc;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::retry::TransientStatuses;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::config::SessionConfig;
use crate::{auth, body_limit};

/// The HTTP statuses retried (then reported as `Unavailable`): the kernel's rule, 429 and every 5xx.
///
/// botocore's is narrower — legacy mode (Airflow's default) retries 429, 500, 502, 503, 504 and 509;
/// standard mode 500, 502, 503 and 504 (a 429 only with a throttling error code) — and so is the Rust
/// SDK's (500, 502, 503, 504). The AWS backends keep the workspace's rule on purpose: a proxy's bare 429
/// or a 501/507 from a load balancer is just as transient, and the extra statuses only add attempts
/// within the same `config_kwargs.retries` bound. AWS throttling and transient error codes (sent with
/// HTTP 400) are retried as well ([`crate::TransientOnly`]).
pub const TRANSIENT: TransientStatuses = TransientStatuses::DEFAULT;

impl SessionConfig {
    /// The session (Airflow's "basic session", then the assumed role's if `role_arn` is set): region,
    /// timeouts, retries and credentials. Every request made with it — the service's, STS's, the
    /// credential providers' of the default chain — goes through an http client whose response bodies
    /// are capped at [`crate::MAX_RESPONSE_BYTES`] (the SDK would otherwise read any body whole).
    pub async fn sdk_config(&self) -> SdkConfig {
        let http = body_limit::default_client();
        let sdk = auth::base_config(self, loader(self, &http), http).await;
        match &self.assume_role {
            Some(role) => auth::assume_role(sdk, role).await,
            None => sdk,
        }
    }

    /// The https client of the service client when `verify` names a CA bundle (trusting exactly its
    /// certificates, bodies capped), else `None` (the session's client).
    pub fn service_http_client(&self) -> Option<SharedHttpClient> {
        self.ca_bundle.as_ref().map(|bundle| bundle.https_client())
    }

    /// `Err(problem)` when a file the SDK is about to read for credentials (profile files, token files)
    /// is not a regular file or is too large. Call it before the first [`sdk_config`](Self::sdk_config):
    /// the SDK reads those files itself, unbounded and blocking.
    pub fn check_files(&self) -> Result<(), String> {
        auth::profile_files::check(self)
    }
}

/// Counts each attempt of one operation in its lookup's context (the SDK retries inside `send()` and
/// does not report how often). Add it per operation: `.customize().interceptor(CountAttempts(ctx))`.
#[derive(Debug)]
pub struct CountAttempts(pub Arc<LookupContext>);

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

/// The session's loader: region, retries, timeouts, profile; no credentials yet (see `auth`).
fn loader(s: &SessionConfig, http: &SharedHttpClient) -> ConfigLoader {
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
