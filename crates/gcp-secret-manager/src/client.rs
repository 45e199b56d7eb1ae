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
///
/// The delay before retry `n` (1-based) is random in `[b/2, b)`, where
/// `b = min(initial_backoff × 2^(n-1), max_backoff)` ("equal jitter"): never longer than `max_backoff`,
/// never shorter than half the nominal delay, and spread so that clients failing together do not retry
/// together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestPolicy {
    /// Limit of one attempt (credentials and HTTP exchange).
    pub timeout: Duration,
    /// Attempts per lookup, the first included (at least 1).
    pub max_attempts: u32,
    /// Nominal delay before the first retry; doubled on each retry, with jitter.
    pub initial_backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
}

impl RequestPolicy {
    /// The backoff schedule: `max_attempts - 1` retries.
    ///
    /// backon's jitter adds a random `[0, d)` to its delay `d` (after capping it), so it is given half
    /// the configured delays: the result is `[b/2, b)` as documented above, with `max_backoff` a true
    /// upper bound.
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff / 2)
            .with_max_delay(self.max_backoff / 2)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
    }

    /// The shortest total back-off of a lookup that makes every attempt (half the nominal delays).
    pub fn min_total_backoff(&self) -> Duration {
        self.nominal_delays().map(|d| d / 2).sum()
    }

    /// The longest total back-off of a lookup that makes every attempt (the nominal delays).
    pub fn max_total_backoff(&self) -> Duration {
        self.nominal_delays().sum()
    }

    /// `b` of each retry: `min(initial × 2^(n-1), max)`.
    fn nominal_delays(&self) -> impl Iterator<Item = Duration> + '_ {
        let retries = self.max_attempts.saturating_sub(1);
        (0..retries).map(|n| {
            let factor = 2f64.powi(n.min(62) as i32);
            Duration::try_from_secs_f64(self.initial_backoff.as_secs_f64() * factor)
                .unwrap_or(Duration::MAX)
                .min(self.max_backoff)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;

    fn policy(attempts: u32, initial_ms: u64, max_ms: u64) -> RequestPolicy {
        RequestPolicy {
            timeout: Duration::from_secs(1),
            max_attempts: attempts,
            initial_backoff: Duration::from_millis(initial_ms),
            max_backoff: Duration::from_millis(max_ms),
        }
    }

    #[test]
    fn delays_are_jittered_within_half_and_full_nominal_delay() {
        let p = policy(6, 100, 300);
        let nominal = [100, 200, 300, 300, 300].map(Duration::from_millis);
        let mut seen_distinct = false;
        for _ in 0..200 {
            let delays: Vec<Duration> = p.backoff().build().collect();
            assert_eq!(delays.len(), 5, "max_attempts - 1 retries");
            for (d, b) in delays.iter().zip(nominal) {
                assert!(*d >= b / 2 && *d <= b, "{d:?} not in [{:?}, {b:?}]", b / 2);
            }
            seen_distinct |= delays[2] != delays[3];
        }
        assert!(seen_distinct, "jitter varies the delays");
        assert_eq!(p.max_total_backoff(), Duration::from_millis(1200));
        assert_eq!(p.min_total_backoff(), Duration::from_millis(600));
    }

    #[test]
    fn one_attempt_means_no_retry() {
        let p = policy(1, 100, 300);
        assert_eq!(p.backoff().build().count(), 0);
        assert_eq!(p.max_total_backoff(), Duration::ZERO);
    }
}
