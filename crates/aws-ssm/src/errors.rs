//! From the SDK's `GetParameter` errors to airflow-secrets' [`Error`], with the context users need:
//! the parameter name, the AWS error code and message, how many attempts the retry policy made and how
//! long the lookup took.

use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use airflow_secrets_core::{Error, SecretKind, error_chain};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ssm::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ssm::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_ssm::operation::get_parameter::GetParameterError;

use crate::BACKEND;
use crate::retry;

/// Counts the attempts of one operation (the SDK retries inside `send()` and does not report how often).
#[derive(Debug, Clone, Default)]
pub(crate) struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "airflow-secrets attempt counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// What a lookup was about, for the error message.
pub(crate) struct Lookup<'a> {
    pub(crate) kind: SecretKind,
    pub(crate) key: &'a str,
    /// The parameter name sent.
    pub(crate) name: &'a str,
    pub(crate) attempts: u32,
    /// Since the lookup started: every attempt and back-off included.
    pub(crate) elapsed: Duration,
    /// Where the credentials come from, e.g. "static keys from the kwargs, then AssumeRole `arn:...`".
    pub(crate) credentials: &'a str,
}

/// AWS error codes that mean "the credentials are wrong or expired" rather than "not allowed".
const AUTH_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredTokenException",
    "ExpiredToken",
    "AuthFailure",
];

/// `Ok(None)` for `ParameterNotFound` (the only "not found" Airflow knows), an [`Error`] for the rest.
pub(crate) fn classify(
    err: SdkError<GetParameterError, HttpResponse>,
    lookup: &Lookup<'_>,
) -> Result<Option<airflow_secrets_core::SecretValue>, Error> {
    let location = format!("parameter `{}`", lookup.name);
    let unavailable = |problem: String| Error::Unavailable {
        backend: BACKEND,
        kind: lookup.kind,
        key: lookup.key.to_owned(),
        location: location.clone(),
        attempts: lookup.attempts.max(1),
        elapsed: lookup.elapsed,
        problem,
    };
    let rejected = |problem: String| Error::Rejected {
        backend: BACKEND,
        kind: lookup.kind,
        key: lookup.key.to_owned(),
        location: location.clone(),
        problem,
    };
    let authentication = |problem: String| Error::Authentication {
        backend: BACKEND,
        location: format!("{}; GetParameter of {location}", lookup.credentials),
        problem,
    };
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            if e.is_parameter_not_found() {
                tracing::debug!(
                    backend = BACKEND,
                    parameter = lookup.name,
                    "Parameter {} not found.",
                    lookup.name
                );
                return Ok(None);
            }
            let status = service.raw().status().as_u16();
            let code = e.code().unwrap_or("(no error code)");
            let mut problem = format!("{code}: {}", e.message().unwrap_or("(no message)"));
            problem.push_str(&format!(" (HTTP {status}"));
            if let Some(id) = e.meta().extra("aws_request_id") {
                problem.push_str(&format!(", request id {id}"));
            }
            problem.push(')');
            if matches!(code, "AccessDeniedException" | "AccessDenied") {
                Err(Error::PermissionDenied {
                    backend: BACKEND,
                    kind: lookup.kind,
                    key: lookup.key.to_owned(),
                    location,
                    problem,
                })
            } else if AUTH_CODES.contains(&code) {
                Err(authentication(problem))
            } else if retry::is_throttling_code(code)
                || retry::is_transient_code(code)
                || retry::is_transient_status(status)
            {
                // The same rule as the retry classifier: these were retried before reaching us.
                Err(unavailable(problem))
            } else {
                Err(rejected(problem))
            }
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
            if has_credentials_error(&err) =>
        {
            Err(authentication(format!(
                "no usable AWS credentials: {}",
                error_chain(&err)
            )))
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            Err(unavailable(error_chain(&err)))
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status();
            let problem = format!("unreadable HTTP {status} response: {}", error_chain(&err));
            // A body cut off mid-way is a transport failure (retried); a whole body that does not
            // parse is not.
            if retry::is_transient_status(status.as_u16()) || retry::body_unread(r.raw()) {
                Err(unavailable(problem))
            } else {
                Err(rejected(problem))
            }
        }
        _ => Err(rejected(format!(
            "the request could not be built (check region_name and endpoint_url): {}",
            error_chain(&err)
        ))),
    }
}

/// `true` when a credentials provider failed (identity resolution happens inside the request and
/// surfaces as a dispatch or construction failure whose source chain holds the provider's error).
fn has_credentials_error(err: &(dyn StdError + 'static)) -> bool {
    std::iter::successors(Some(err), |&e| e.source())
        .any(|e| e.downcast_ref::<CredentialsError>().is_some())
}
