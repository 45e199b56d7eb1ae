//! The retry schedule of every request the backend sends (Key Vault and token endpoints).
//!
//! The SDK's retry loop does the work (which failures are retried, `Retry-After` parsing, counting); this
//! module only decides how long to wait. The SDK's own exponential policy adds at most 256 ms of jitter (none
//! at its cap, so clients throttled together retry together) and waits as long as any `Retry-After` says,
//! which could park a lookup for hours; ours spreads every delay over half its length and caps
//! `Retry-After` at `retry_backoff_max`.

use std::time::Duration;

use azure_core::http::StatusCode;
use azure_core::http::headers::{RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use azure_core::http::policies::{RetryHeaders, RetryPolicy};

use crate::transport::RetrySettings;

/// `true` for the statuses worth retrying: 408 (the server timed out waiting for the request), 429 (throttled)
/// and 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which never change on a retry.
/// Python azure-core's list, minus the non-HTTP codes above 599. Every other 4xx is final.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429) || ((500..=599).contains(&status) && !matches!(status, 501 | 505))
}

/// The transient statuses as the SDK's retry loop wants them.
pub(crate) fn transient_statuses() -> Vec<StatusCode> {
    (400..=599)
        .filter(|s| is_transient_status(*s))
        .map(StatusCode::from)
        .collect()
}

impl RetrySettings {
    /// The back-off before retry number `retry` (1 for the first retry): a uniformly random time between half
    /// and all of `min(backoff_factor × 2^(retry − 1), backoff_max)` ("equal jitter": exponential growth is
    /// kept, and clients that failed together spread out).
    pub fn delay(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let full = self
            .backoff_factor
            .saturating_mul(1u32 << exponent)
            .min(self.backoff_max);
        full / 2 + full.mul_f64(fastrand::f64() / 2.0)
    }
}

/// [`RetrySettings`] as an SDK retry policy.
#[derive(Debug)]
pub(crate) struct JitteredBackoff {
    settings: RetrySettings,
    statuses: Vec<StatusCode>,
    headers: RetryHeaders,
}

impl JitteredBackoff {
    /// Retries `statuses` (and transport errors, which the SDK's loop always retries) `settings.total` times.
    pub(crate) fn new(settings: RetrySettings, statuses: Vec<StatusCode>) -> Self {
        JitteredBackoff {
            settings,
            statuses,
            headers: RetryHeaders {
                // Azure's headers, most precise first, as the SDK's pipeline lists them.
                retry_headers: vec![X_MS_RETRY_AFTER_MS, RETRY_AFTER_MS, RETRY_AFTER],
            },
        }
    }
}

#[async_trait::async_trait]
impl RetryPolicy for JitteredBackoff {
    fn is_expired(&self, _since_first_try: azure_core::time::Duration, retries: u32) -> bool {
        // The count bounds retries; the lookup's `timeout` bounds the time.
        retries >= self.settings.total
    }

    fn retry_headers(&self) -> Option<&RetryHeaders> {
        Some(&self.headers)
    }

    fn retry_status_codes(&self) -> &[StatusCode] {
        &self.statuses
    }

    fn sleep_duration(&self, retry: u32) -> azure_core::time::Duration {
        to_sdk_duration(self.settings.delay(retry))
    }

    async fn wait(&self, retry: u32, retry_after: Option<azure_core::time::Duration>) {
        let mut delay = self.settings.delay(retry);
        // The SDK reads Retry-After only on 429 and 503. Honoured, but never beyond `retry_backoff_max`.
        if let Some(after) = retry_after.and_then(|d| Duration::try_from(d).ok()) {
            delay = delay.max(after.min(self.settings.backoff_max));
        }
        tokio::time::sleep(delay).await;
    }
}

fn to_sdk_duration(d: Duration) -> azure_core::time::Duration {
    azure_core::time::Duration::try_from(d).unwrap_or(azure_core::time::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_statuses_are_408_429_and_most_5xx() {
        for s in [408, 429, 500, 502, 503, 504, 507, 599] {
            assert!(is_transient_status(s), "{s}");
        }
        for s in [
            200, 301, 400, 401, 403, 404, 409, 412, 413, 451, 501, 505, 600,
        ] {
            assert!(!is_transient_status(s), "{s}");
        }
        assert_eq!(transient_statuses().len(), 2 + 100 - 2);
    }

    #[test]
    fn delays_grow_exponentially_with_jitter_and_are_capped() {
        let settings = RetrySettings {
            total: 10,
            backoff_factor: Duration::from_millis(800),
            backoff_max: Duration::from_secs(5),
        };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            for (retry, full) in [(1, 800), (2, 1600), (3, 3200), (4, 5000), (30, 5000)] {
                let d = settings.delay(retry);
                let full = Duration::from_millis(full);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
                seen.insert(d);
            }
        }
        assert!(seen.len() > 100, "jittered: {} distinct delays", seen.len());
        let none = RetrySettings {
            backoff_factor: Duration::ZERO,
            ..settings
        };
        assert_eq!(none.delay(3), Duration::ZERO);
    }
}
