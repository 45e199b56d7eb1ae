//! The SDK client: building the [`SecretClient`] (once per backend), the HTTP options shared by Key Vault and
//! token requests (TLS trust from `connection_verify`, timeouts, retries), the retry policy and the count of
//! the tries of each request.
//!
//! The SDK's retry loop does the retrying (which failures, `Retry-After` parsing, counting); this module gives
//! it the kernel's transient-status rule ([`TRANSIENT`]) and back-off schedule ([`Backoff`]). The SDK's own
//! exponential policy adds at most 256 ms of jitter (none at its cap, so clients throttled together retry
//! together) and waits as long as any `Retry-After` says, which could park a lookup for hours; ours spreads
//! every delay over half its length and caps `Retry-After` at `retry_backoff_max`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::retry::{Backoff, TransientStatuses};
use azure_core::credentials::TokenCredential;
use azure_core::http::headers::{RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use azure_core::http::policies::{
    Policy, PolicyResult, RetryHeaders, RetryPolicy, RetryPolicyCount,
};
use azure_core::http::{ClientOptions, Context, Request, StatusCode, Transport};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};

/// The statuses worth retrying: 408 (the server timed out waiting for the request), 429 (throttled) and 5xx
/// except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which never change on a retry. This is
/// Python azure-core's list (its `RetryPolicy`, which Airflow's `SecretClient` uses), so it differs from the
/// kernel's default (429 + every 5xx): 408 is added, 501 and 505 are removed. Every other 4xx is final.
pub(crate) const TRANSIENT: TransientStatuses = TransientStatuses::new(&[408], &[501, 505]);

/// The transient statuses as the SDK's retry loop wants them.
pub(crate) fn transient_statuses() -> Vec<StatusCode> {
    (400..=599)
        .filter(|s| TRANSIENT.is_transient(*s))
        .map(StatusCode::from)
        .collect()
}

/// A per-try policy recording `1 + retries` as the attempts of the call's [`LookupContext`] (put in the call's
/// context as an `Arc`). It runs after the SDK's authorization policy, so the unauthenticated request that
/// fetches Key Vault's challenge belongs to the first try.
#[derive(Debug)]
struct TryCounter;

#[async_trait::async_trait]
impl Policy for TryCounter {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        if let Some(lookup) = ctx.value::<Arc<LookupContext>>() {
            let this_try = ctx.value::<RetryPolicyCount>().map_or(0, |c| **c) + 1;
            // The SDK may send the first try twice (the challenge): tries are numbered, not counted.
            lookup.attempt_number(this_try);
        }
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// The Key Vault client over `transport` (shared with token requests), with the bounded retry policy, the
/// try counter and `credential`.
pub(crate) fn secret_client(
    vault_url: &str,
    api_version: Option<&str>,
    verify_challenge_resource: bool,
    http: &HttpOptions,
    transport: &Transport,
    credential: Arc<dyn TokenCredential>,
) -> azure_core::Result<SecretClient> {
    let mut client_options = http.client_options(transport);
    client_options.per_try_policies.push(Arc::new(TryCounter));
    let mut options = SecretClientOptions {
        client_options,
        verify_challenge_resource: Some(verify_challenge_resource),
        ..SecretClientOptions::default()
    };
    if let Some(version) = api_version {
        options.api_version = version.to_owned();
    }
    SecretClient::new(vault_url, credential, Some(options))
}

/// How server certificates are checked: Python's `connection_verify` SecretClient kwarg.
#[derive(Clone, Default)]
pub enum TlsVerify {
    /// Verify against the platform's trust store (the default, `connection_verify: true`).
    #[default]
    System,
    /// Trust only the certificates of this PEM bundle (`connection_verify: "/path/ca.pem"`), as Python's
    /// `requests` does with `verify=<path>`. Applied to Key Vault **and** token requests.
    CaBundle {
        /// Where the bundle was read from (for messages).
        path: PathBuf,
        /// The parsed certificates.
        certificates: Vec<reqwest::Certificate>,
    },
    /// Do not verify certificates at all (`connection_verify: false`). Insecure; for debugging only.
    Disabled,
}

impl TlsVerify {
    /// Reads and parses a PEM bundle. The error names the path and the problem, never the file's content.
    pub fn ca_bundle(path: impl Into<PathBuf>) -> Result<Self, String> {
        let path = path.into();
        let pem = std::fs::read(&path)
            .map_err(|e| format!("cannot read the CA bundle `{}`: {e}", path.display()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "the CA bundle `{}` is not a PEM certificate bundle: {e}",
                path.display()
            )
        })?;
        if certificates.is_empty() {
            return Err(format!(
                "the CA bundle `{}` holds no PEM certificate",
                path.display()
            ));
        }
        Ok(TlsVerify::CaBundle { path, certificates })
    }
}

impl fmt::Debug for TlsVerify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsVerify::System => f.write_str("System"),
            TlsVerify::CaBundle { path, certificates } => f
                .debug_struct("CaBundle")
                .field("path", path)
                .field("certificates", &certificates.len())
                .finish(),
            TlsVerify::Disabled => f.write_str("Disabled"),
        }
    }
}

/// Bounded retries of transient failures: connection errors and timeouts, and the transient statuses (Python
/// azure-core's list: 408, 429 and 5xx except 501 and 505). Every other status is final.
///
/// Mirrors the Python SDK's `retry_*` kwargs: at most `total` retries (Python's effective default for status
/// and connection errors is 3), exponential back-off from `backoff_factor` capped at `backoff_max`, with
/// jitter (see [`RetryOptions::delay`]). A `Retry-After` header on 429/503 is honoured up to `backoff_max`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryOptions {
    /// Maximum number of retries after the first attempt (`retry_total`); 0 disables retries.
    pub total: u32,
    /// Back-off before the first retry, doubled for each further retry (`retry_backoff_factor`).
    pub backoff_factor: Duration,
    /// Longest back-off, and longest `Retry-After` honoured (`retry_backoff_max`).
    pub backoff_max: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            total: 3,
            backoff_factor: Duration::from_millis(800),
            backoff_max: Duration::from_secs(120),
        }
    }
}

/// HTTP settings for every request the backend makes (Key Vault and token endpoints alike).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Certificate verification.
    pub verify: TlsVerify,
    /// Time allowed to open a connection (`connection_timeout`).
    pub connect_timeout: Duration,
    /// Time allowed between reads of a response, including the wait for its first byte (`read_timeout`).
    pub read_timeout: Duration,
    /// Retry policy.
    pub retry: RetryOptions,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            verify: TlsVerify::System,
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(60),
            retry: RetryOptions::default(),
        }
    }
}

impl HttpOptions {
    /// Builds the reqwest client the SDK sends requests with. Same settings as the SDK's own default client
    /// (no redirects), plus our trust roots and timeouts.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .redirect(reqwest::redirect::Policy::none());
        builder = match &self.verify {
            TlsVerify::System => builder,
            TlsVerify::CaBundle { certificates, .. } => {
                builder.tls_certs_only(certificates.iter().cloned())
            }
            TlsVerify::Disabled => builder.tls_danger_accept_invalid_certs(true),
        };
        builder.build()
    }

    /// The SDK's retry options for [`RetryOptions`], retrying `statuses` (and transport errors).
    pub(crate) fn retry_options(
        &self,
        statuses: Vec<StatusCode>,
    ) -> azure_core::http::RetryOptions {
        if self.retry.total == 0 {
            return azure_core::http::RetryOptions::none();
        }
        azure_core::http::RetryOptions::custom(Arc::new(JitteredBackoff::new(
            self.retry.clone(),
            statuses,
        )))
    }

    /// Client options carrying `transport` and the retry policy for transient failures.
    pub(crate) fn client_options(&self, transport: &Transport) -> ClientOptions {
        self.client_options_retrying(transport, transient_statuses())
    }

    /// Client options carrying `transport` and the retry policy, retrying `statuses` (and transport errors).
    pub(crate) fn client_options_retrying(
        &self,
        transport: &Transport,
        statuses: Vec<StatusCode>,
    ) -> ClientOptions {
        ClientOptions {
            transport: Some(transport.clone()),
            retry: self.retry_options(statuses),
            ..ClientOptions::default()
        }
    }
}

impl RetryOptions {
    /// The back-off schedule: from `backoff_factor`, doubling, capped at `backoff_max`, with equal jitter.
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.backoff_factor, self.backoff_max)
    }

    /// The back-off before retry number `retry` (1 for the first retry): [`Backoff::delay`], a uniformly random
    /// time between half and all of `min(backoff_factor × 2^(retry − 1), backoff_max)`.
    pub fn delay(&self, retry: u32) -> Duration {
        self.backoff().delay(retry)
    }
}

/// [`RetryOptions`] as an SDK retry policy: the SDK's loop decides what is retried (the given statuses, and
/// transport errors) and counts; the waits are the kernel's [`Backoff`].
#[derive(Debug)]
pub(crate) struct JitteredBackoff {
    total: u32,
    backoff: Backoff,
    backoff_max: Duration,
    statuses: Vec<StatusCode>,
    headers: RetryHeaders,
}

impl JitteredBackoff {
    /// Retries `statuses` (and transport errors, which the SDK's loop always retries) `settings.total` times.
    pub(crate) fn new(retry: RetryOptions, statuses: Vec<StatusCode>) -> Self {
        JitteredBackoff {
            total: retry.total,
            backoff: retry.backoff(),
            backoff_max: retry.backoff_max,
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
        retries >= self.total
    }

    fn retry_headers(&self) -> Option<&RetryHeaders> {
        Some(&self.headers)
    }

    fn retry_status_codes(&self) -> &[StatusCode] {
        &self.statuses
    }

    fn sleep_duration(&self, retry: u32) -> azure_core::time::Duration {
        to_sdk_duration(self.backoff.delay(retry))
    }

    async fn wait(&self, retry: u32, retry_after: Option<azure_core::time::Duration>) {
        let mut delay = self.backoff.delay(retry);
        // The SDK reads Retry-After only on 429 and 503. Honoured, but never beyond `retry_backoff_max`.
        if let Some(after) = retry_after.and_then(|d| Duration::try_from(d).ok()) {
            delay = delay.max(after.min(self.backoff_max));
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
            assert!(TRANSIENT.is_transient(s), "{s}");
        }
        for s in [
            200, 301, 400, 401, 403, 404, 409, 412, 413, 451, 501, 505, 600,
        ] {
            assert!(!TRANSIENT.is_transient(s), "{s}");
        }
        assert_eq!(transient_statuses().len(), 2 + 100 - 2);
    }

    #[test]
    fn delays_grow_exponentially_with_jitter_and_are_capped() {
        let settings = RetryOptions {
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
        let none = RetryOptions {
            backoff_factor: Duration::ZERO,
            ..settings
        };
        assert_eq!(none.delay(3), Duration::ZERO);
    }
}
