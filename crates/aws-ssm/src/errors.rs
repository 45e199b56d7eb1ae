//! From the SDK's `GetParameter` errors to airflow-secrets' [`Error`], built by the lookup's
//! [`LookupContext`] (the parameter name, how many attempts the retry policy made and how long the
//! lookup took), with the AWS error code, message and request id.

use std::error::Error as StdError;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, SecretValue, error_chain};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ssm::operation::get_parameter::GetParameterError;

use crate::BACKEND;
use crate::{body_limit, client, retry};

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
/// `name` is the parameter read; `credentials` says where the credentials come from, e.g. "static keys
/// from the kwargs, then AssumeRole `arn:...`" (for authentication errors).
pub(crate) fn classify(
    err: SdkError<GetParameterError, HttpResponse>,
    ctx: &LookupContext,
    name: &str,
    credentials: &str,
) -> Result<Option<SecretValue>, Error> {
    let authentication = |problem: String| ctx.authentication(login(ctx, credentials), problem);
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            if e.is_parameter_not_found() {
                tracing::debug!(
                    backend = BACKEND,
                    parameter = name,
                    "Parameter {name} not found."
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
                Err(ctx.denied(problem))
            } else if AUTH_CODES.contains(&code) {
                Err(authentication(problem))
            } else if retry::is_throttling_code(code)
                || retry::is_transient_code(code)
                || client::TRANSIENT.is_transient(status)
            {
                // The same rule as the retry classifier: these were retried before reaching us.
                Err(ctx.unavailable(problem))
            } else {
                Err(ctx.rejected(problem))
            }
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
            if has_credentials_error(&err) =>
        {
            Err(authentication(format!(
                "no usable AWS credentials: {}",
                shown_chain(&err)
            )))
        }
        // A response larger than an SSM answer may be (see `body_limit`): not transient, never retried.
        _ if body_limit::is_body_too_large(&err) => Err(ctx.rejected(shown_chain(&err))),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            Err(ctx.unavailable(shown_chain(&err)))
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status();
            let problem = format!("unreadable HTTP {status} response: {}", shown_chain(&err));
            // A body cut off mid-way is a transport failure (retried); a whole body that does not
            // parse is not: a success answer not in the API's shape is malformed, anything else
            // rejected. (The error chain names what did not parse, never the body.)
            if client::TRANSIENT.is_transient(status.as_u16()) || retry::body_unread(r.raw()) {
                Err(ctx.unavailable(problem))
            } else if status.is_success() {
                Err(ctx.malformed(problem))
            } else {
                Err(ctx.rejected(problem))
            }
        }
        _ => Err(ctx.rejected(format!(
            "the request could not be built (check region_name and endpoint_url): {}",
            shown_chain(&err)
        ))),
    }
}

/// Where the lookup logged in, for [`Error::Authentication`]: the credential source and the request.
pub(crate) fn login(ctx: &LookupContext, credentials: &str) -> String {
    format!("{credentials}; GetParameter of {}", ctx.location())
}

/// `true` when a credentials provider failed (identity resolution happens inside the request and
/// surfaces as a dispatch or construction failure whose source chain holds the provider's error).
fn has_credentials_error(err: &(dyn StdError + 'static)) -> bool {
    std::iter::successors(Some(err), |&e| e.source())
        .any(|e| e.downcast_ref::<CredentialsError>().is_some())
}

/// The error's causes, with the userinfo of any URL in them masked (an SDK message may quote the
/// endpoint, and `endpoint_url` may carry `user:password@`).
fn shown_chain(err: &(dyn StdError + 'static)) -> String {
    redact::urls_in_text(&error_chain(err)).into_owned()
}
