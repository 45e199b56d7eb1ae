//! The Secret Manager client: built once per backend, on the first lookup, with the SDK's own retry loop
//! switched off; [`read`] makes the bounded attempts of one lookup (the kernel's
//! [`retry`](airflow_secrets_core::provider::retry::retry) with [`RequestPolicy::backoff`]).

use std::error::Error as _;
use std::time::Duration;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::retry::{self, Backoff, TransientStatuses};
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::error::{CredentialsError, Error as SdkError};
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::AccessSecretVersionResponse;

use crate::BACKEND;
use crate::auth::{BuildError, CredentialPlan};

/// The public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://secretmanager.googleapis.com";

/// The HTTP statuses retried: the workspace's rule (429 and every 5xx, with or without a Google error
/// body) unchanged. Google's client libraries retry this call on `UNAVAILABLE` and `RESOURCE_EXHAUSTED`
/// (503, 429), which the rule covers; [`Failure::is_transient`] adds those two statuses by code.
pub(crate) const TRANSIENT_STATUSES: TransientStatuses = TransientStatuses::DEFAULT;

/// Timeout and retry settings of every lookup.
///
/// The delay before retry `n` (1-based) is random in `[b/2, b)`, where
/// `b = min(initial_backoff × 2^(n-1), max_backoff)` ("equal jitter", the kernel's
/// [`Backoff`]): never longer than `max_backoff`, never shorter than half the nominal delay, and spread
/// so that clients failing together do not retry together.
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
    /// The back-off schedule (the kernel's equal-jitter [`Backoff`]).
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff::new(self.initial_backoff, self.max_backoff)
    }

    /// Retries after the first attempt.
    pub(crate) fn retries(&self) -> u32 {
        self.max_attempts.saturating_sub(1)
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
        let backoff = self.backoff();
        (1..=self.retries()).map(move |n| backoff.nominal(n))
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
        // A backstop only: `read` bounds each attempt (credentials included) with `policy.timeout`.
        .with_attempt_timeout(policy.timeout + Duration::from_secs(1))
        .build()
        .await
        .map_err(|e| ClientError::Client(e.to_string()))
}

/// One failed attempt.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The SDK's error (service status, transport, credentials, decoding).
    Sdk(SdkError),
    /// The whole attempt (credentials included) took longer than `timeout_seconds`.
    TimedOut(Duration),
    /// The SDK panicked during the call (caught; never retried).
    Panicked,
}

impl Failure {
    /// Whether another attempt may help: the [`TRANSIENT_STATUSES`] (HTTP 429 and every 5xx, with or
    /// without a Google error body), the `UNAVAILABLE` and `RESOURCE_EXHAUSTED` statuses (what Google's
    /// own client libraries retry for this call), connection failures, timeouts, and credential errors
    /// the auth library marks transient. Never another 4xx.
    pub(crate) fn is_transient(&self) -> bool {
        let e = match self {
            Failure::TimedOut(_) => return true,
            Failure::Panicked => return false,
            Failure::Sdk(e) => e,
        };
        if e.is_timeout() || e.is_connect() || e.is_io() {
            return true;
        }
        if e.is_authentication() {
            return credentials_error(e).is_some_and(CredentialsError::is_transient);
        }
        if e.http_status_code()
            .is_some_and(|s| TRANSIENT_STATUSES.is_transient(s))
        {
            return true;
        }
        e.status()
            .is_some_and(|s| matches!(s.code, Code::Unavailable | Code::ResourceExhausted))
    }

    /// A one-line description for the retry log.
    fn summary(&self) -> String {
        match self {
            Failure::TimedOut(limit) => format!("timed out after {limit:?}"),
            Failure::Sdk(e) => e.to_string(),
            Failure::Panicked => "the client library panicked".into(),
        }
    }
}

/// The credentials error inside an SDK error, if any.
pub(crate) fn credentials_error(e: &SdkError) -> Option<&CredentialsError> {
    e.source()
        .and_then(|s| s.downcast_ref::<CredentialsError>())
}

/// `AccessSecretVersion` of `name` with the policy's bounded retries (each attempt counted in `ctx`).
pub(crate) async fn read(
    client: &SecretManagerService,
    name: &str,
    policy: &RequestPolicy,
    ctx: &LookupContext,
) -> Result<AccessSecretVersionResponse, Failure> {
    let timeout = policy.timeout;
    let retries = policy.retries();
    retry::retry(
        ctx,
        &policy.backoff(),
        retries,
        Failure::is_transient,
        || async move {
            // A panic inside the SDK (google-cloud-auth panics on a metadata-server token whose
            // `expires_in` overflows an `Instant`) becomes a failure instead of unwinding through the
            // caller and ending the process.
            let call = CatchUnwind(Box::pin(
                client.access_secret_version().set_name(name).send(),
            ));
            // Bounds the whole attempt, credentials included (a token endpoint can hang too).
            let result = match tokio::time::timeout(timeout, call).await {
                Ok(Ok(result)) => result.map_err(Failure::Sdk),
                Ok(Err(())) => Err(Failure::Panicked),
                Err(_) => Err(Failure::TimedOut(timeout)),
            };
            if let Err(failure) = &result
                && failure.is_transient()
                && ctx.attempts() <= retries
            {
                tracing::debug!(backend = BACKEND, name, attempt = ctx.attempts(), failure = %failure.summary(), "retrying");
            }
            result
        },
    )
    .await
}

/// Polls a future under `catch_unwind` (what tokio does for a spawned task, without moving the borrowed
/// request into one): `Err(())` if polling panicked. The panic message is not kept (it may quote data);
/// the panic hook has already printed it to standard error.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(inner).poll(cx)
        })) {
            Ok(std::task::Poll::Ready(output)) => std::task::Poll::Ready(Ok(output)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let delays: Vec<Duration> = p.backoff().schedule(p.retries()).collect();
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
        assert_eq!(p.backoff().schedule(p.retries()).count(), 0);
        assert_eq!(p.max_total_backoff(), Duration::ZERO);
    }

    #[test]
    fn transient_failures() {
        use google_cloud_gax::error::rpc::Status;
        let service = |code: Code, http: u16| {
            let status = Status::default().set_code(code).set_message("msg");
            Failure::Sdk(SdkError::service_with_http_metadata(
                status,
                Some(http),
                None,
            ))
        };
        assert!(service(Code::Unavailable, 503).is_transient());
        assert!(service(Code::ResourceExhausted, 429).is_transient());
        assert!(!service(Code::NotFound, 404).is_transient());
        assert!(service(Code::Internal, 500).is_transient());
        assert!(service(Code::DeadlineExceeded, 504).is_transient());
        for (code, http) in [
            (Code::InvalidArgument, 400),
            (Code::Unauthenticated, 401),
            (Code::PermissionDenied, 403),
            (Code::FailedPrecondition, 400),
            (Code::AlreadyExists, 409),
        ] {
            assert!(!service(code, http).is_transient(), "{code:?}");
        }
        assert!(Failure::TimedOut(Duration::from_secs(1)).is_transient());
        assert!(!Failure::Panicked.is_transient());
        let http = |code| {
            Failure::Sdk(SdkError::http(
                code,
                http::HeaderMap::new(),
                bytes::Bytes::new(),
            ))
        };
        assert!(http(503).is_transient() && http(429).is_transient() && http(500).is_transient());
        assert!(
            !http(404).is_transient() && !http(400).is_transient() && !http(412).is_transient()
        );
        let auth = |transient| {
            Failure::Sdk(SdkError::authentication(CredentialsError::from_msg(
                transient,
                "token endpoint said no",
            )))
        };
        assert!(auth(true).is_transient() && !auth(false).is_transient());
    }
}
