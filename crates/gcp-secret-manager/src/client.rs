//! The Secret Manager client: built once per backend, on the first lookup, with a bounded request
//! policy (the SDK's own retry loop is switched off; [`RequestPolicy`] retries with `backon`).

use std::time::Duration;

use backon::ExponentialBuilder;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_secretmanager_v1::client::SecretManagerService;

use crate::auth::{BuildError, CredentialPlan};

/// The public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://secretmanager.googleapis.com";

/// Timeout and retry settings of every lookup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestPolicy {
    /// Limit of one attempt (credentials and HTTP exchange).
    pub timeout: Duration,
    /// Attempts per lookup, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; doubled on each retry, with jitter.
    pub initial_backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
}

impl RequestPolicy {
    /// The backoff schedule: `max_attempts - 1` retries.
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
    }
}

/// Why the client could not be built.
#[derive(Debug)]
pub(crate) enum ClientError {
    /// The credentials could not be built (bad key, unreadable ADC file, ...).
    Credentials(BuildError),
    /// The SDK refused the configuration (endpoint, TLS setup).
    Client(String),
}

/// Builds the client. Must run inside the runtime that will use it (the credentials start a token
/// refresh task on it).
pub(crate) async fn build(
    plan: &CredentialPlan,
    endpoint: &str,
    policy: &RequestPolicy,
) -> Result<SecretManagerService, ClientError> {
    let credentials = plan.build().map_err(ClientError::Credentials)?;
    SecretManagerService::builder()
        .with_endpoint(endpoint)
        .with_credentials(credentials)
        // Our loop retries (bounded, with attempt counts); the SDK's default would retry a refused
        // connection for about 60 s on every call.
        .with_retry_policy(NeverRetry)
        // A backstop only: the backend bounds each attempt (credentials included) with `policy.timeout`.
        .with_attempt_timeout(policy.timeout + Duration::from_secs(1))
        .build()
        .await
        .map_err(|e| ClientError::Client(e.to_string()))
}
