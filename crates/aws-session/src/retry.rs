//! Which failures the SDK's retry loop retries: transient ones only (connect errors, timeouts, AWS
//! throttling codes, the statuses of the crate's [`TransientStatuses`] rule — [`crate::TRANSIENT`]),
//! never another 4xx, nor a response that arrived whole but cannot be understood, nor one whose body is
//! larger than [`crate::MAX_RESPONSE_BYTES`].
//!
//! The SDK's standard classifiers retry 500/502/503/504, the AWS throttling and transient error codes,
//! timeouts and I/O errors — but not a bare 429 nor the other 5xx statuses, and they retry a *complete*
//! success response that fails to parse as if it were a network fault. [`TransientOnly`] runs after them
//! and has the last word, so the status rule is the kernel's. Back-off and jitter stay the SDK's
//! (exponential from 1 s, capped at 20 s, full jitter: botocore's); the attempt bound stays
//! `config_kwargs.retries`.

use airflow_secrets_core::provider::retry::TransientStatuses;
use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use std::error::Error as StdError;
use std::fmt;
use std::marker::PhantomData;

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Error codes the SDK's clock-skew classifier may retry (`aws_runtime::service_clock_skew`, private
/// there). It retries them only when the response's `Date` shows the local clock off by more than four
/// minutes, after correcting its offset — a re-signed request, not the same one again — so that
/// decision is left to it.
const CLOCK_SKEW_CODES: &[&str] = &[
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "RequestTimeTooSkewed",
    "AccessDeniedException",
];

/// `true` for AWS error codes that mean throttling (AWS sends most with HTTP 400: its form of a 429).
pub(crate) fn is_throttling_code(code: &str) -> bool {
    THROTTLING_ERRORS.contains(&code)
}

/// `true` for AWS error codes that mean a transient failure (`RequestTimeout`, ...).
pub(crate) fn is_transient_code(code: &str) -> bool {
    TRANSIENT_ERRORS.contains(&code)
}

/// `true` when the response's body could not be read at all (the connection broke mid-response): the
/// SDK leaves the body "taken" then, whereas a body that was read is kept as bytes.
pub(crate) fn body_unread(response: &HttpResponse) -> bool {
    response.body().bytes().is_none()
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Throttling,
    Transient,
    /// A possible clock-skew error: the SDK's skew classifier decides.
    LeaveToSdk,
    Never,
}

fn verdict<E: StdError + ProvideErrorMetadata + Send + Sync + 'static>(
    ctx: &InterceptorContext,
    statuses: &TransientStatuses,
) -> Option<Verdict> {
    let Some(Err(error)) = ctx.output_or_error() else {
        return None;
    };
    // A response body over the cap (a connector error when announced, a response error when streamed):
    // the same endpoint would send it again.
    if crate::body_limit::is_body_too_large(error) {
        return Some(Verdict::Never);
    }
    if error.is_timeout_error() {
        return Some(Verdict::Transient);
    }
    if let Some(connector) = error.as_connector_error() {
        // I/O (refused, reset, DNS) and timeouts; `other` with a kind is hyper's "incomplete message".
        let transient =
            connector.is_io() || connector.is_timeout() || connector.as_other().is_some();
        return Some(if transient {
            Verdict::Transient
        } else {
            Verdict::Never
        });
    }
    if let Some(operation) = error.as_operation_error() {
        let code = operation.downcast_ref::<E>().and_then(|e| e.code());
        let status = ctx.response().map(|r| r.status().as_u16());
        return Some(match (code, status) {
            (Some(code), _) if is_throttling_code(code) => Verdict::Throttling,
            (_, Some(429)) => Verdict::Throttling,
            (Some(code), _) if is_transient_code(code) => Verdict::Transient,
            (_, Some(status)) if statuses.is_transient(status) => Verdict::Transient,
            (Some(code), _) if CLOCK_SKEW_CODES.contains(&code) => Verdict::LeaveToSdk,
            _ => Verdict::Never,
        });
    }
    // A response that could not be understood: a body cut off mid-way, an error body that is not JSON
    // (the SDK reports these as "response" or "other" errors). Transient when the status says so or
    // the body never arrived whole.
    if let Some(response) = ctx.response() {
        let transient = statuses.is_transient(response.status().as_u16()) || body_unread(response);
        return Some(if transient {
            Verdict::Transient
        } else {
            Verdict::Never
        });
    }
    // Request construction, credentials and interceptor failures: retrying the same thing cannot help.
    Some(Verdict::Never)
}

/// The last retry classifier of a backend's one operation, whose error type is `E` (e.g.
/// `GetParameterError`): transient failures only, with `statuses` as the rule for HTTP statuses. Set it
/// per operation (`config_override(...retry_classifier(...))`), so that it also holds for a client
/// given to a backend's builder.
pub struct TransientOnly<E> {
    statuses: TransientStatuses,
    operation_error: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for TransientOnly<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransientOnly")
            .field("statuses", &self.statuses)
            .finish()
    }
}

impl<E> TransientOnly<E> {
    /// The classifier, with the crate's status rule.
    pub fn new(statuses: TransientStatuses) -> TransientOnly<E> {
        TransientOnly {
            statuses,
            operation_error: PhantomData,
        }
    }
}

impl<E: StdError + ProvideErrorMetadata + Send + Sync + 'static> ClassifyRetry
    for TransientOnly<E>
{
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        self.classify_retry_v2(ctx, &RetryAction::NoActionIndicated)
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        let already_retrying = previous.should_retry();
        match verdict::<E>(ctx, &self.statuses) {
            None | Some(Verdict::LeaveToSdk) => RetryAction::NoActionIndicated,
            // Keep an earlier verdict: it may carry the server's `x-amz-retry-after`.
            Some(Verdict::Throttling | Verdict::Transient) if already_retrying => {
                RetryAction::NoActionIndicated
            }
            Some(Verdict::Throttling) => RetryAction::throttling_error(),
            Some(Verdict::Transient) => RetryAction::transient_error(),
            Some(Verdict::Never) => RetryAction::RetryForbidden,
        }
    }

    fn name(&self) -> &'static str {
        "airflow-secrets: transient failures only"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // Runs after every SDK classifier, so its verdict is the final one.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_codes_follow_the_sdk_lists() {
        assert!(is_throttling_code("ThrottlingException"));
        assert!(is_throttling_code("TooManyRequestsException"));
        assert!(is_transient_code("RequestTimeout"));
        for code in [
            "ValidationException",
            "ParameterNotFound",
            "AccessDeniedException",
            "InternalServerError",
        ] {
            assert!(
                !is_throttling_code(code) && !is_transient_code(code),
                "{code}"
            );
        }
    }

    #[test]
    fn runs_after_the_sdk_classifiers() {
        let mine = TransientOnly::<aws_smithy_types::error::ErrorMetadata>::new(
            TransientStatuses::DEFAULT,
        )
        .priority();
        for sdk in [
            RetryClassifierPriority::http_status_code_classifier(),
            RetryClassifierPriority::modeled_as_retryable_classifier(),
            RetryClassifierPriority::transient_error_classifier(),
        ] {
            assert!(mine > sdk);
        }
    }
}
