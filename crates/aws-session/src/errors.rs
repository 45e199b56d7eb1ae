//! From the SDK's errors of a backend's one operation to airflow-secrets' [`Error`], built by the
//! lookup's [`LookupContext`] (the name read, how many attempts the retry policy made and how long the
//! lookup took), with the AWS error code, message and request id. Each backend first picks out the
//! answers that mean "not found" to Airflow (`ParameterNotFound`, `ResourceNotFoundException`, ...);
//! everything else is classified here, the same way for every AWS backend.

use std::error::Error as StdError;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, error_chain};
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::{Service, TRANSIENT, body_limit, retry};

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

/// The [`Error`] for a failed request of `service`'s operation (after its retries): denied, an
/// authentication failure, unavailable (transient, already retried), a response too large or not in the
/// API's shape, or rejected. `credentials` says where the credentials come from, e.g. "static keys from
/// the kwargs, then AssumeRole `arn:...`" (for authentication errors).
pub fn classify<E: StdError + ProvideErrorMetadata + Send + Sync + 'static>(
    err: &SdkError<E, HttpResponse>,
    ctx: &LookupContext,
    service: Service,
    credentials: &str,
) -> Error {
    let authentication =
        |problem: String| ctx.authentication(login(ctx, service, credentials), problem);
    // The error and its causes, as `std::error::Error`.
    let chain: &(dyn StdError + 'static) = err;
    match err {
        SdkError::ServiceError(service_error) => {
            let e = service_error.err();
            let raw = service_error.raw();
            let status = raw.status().as_u16();
            // An error body in the Query protocol's XML (an IAM layer, a proxy, moto's auth) where the
            // service speaks JSON: the SDK finds no code in it, so read `<Code>`/`<Message>` here.
            let xml = || raw.body().bytes().and_then(xml_error);
            let (code, message) = match (e.code(), e.message()) {
                (Some(code), message) => (code.to_owned(), message.map(str::to_owned)),
                (None, _) => match xml() {
                    Some((code, message)) => (code, message),
                    None => (String::new(), e.message().map(str::to_owned)),
                },
            };
            let code = code.as_str();
            let mut problem = format!(
                "{}: {}",
                if code.is_empty() {
                    "(no error code)"
                } else {
                    code
                },
                message.as_deref().unwrap_or("(no message)")
            );
            problem.push_str(&format!(" (HTTP {status}"));
            if let Some(id) = e.meta().extra("aws_request_id") {
                problem.push_str(&format!(", request id {id}"));
            }
            problem.push(')');
            if matches!(code, "AccessDeniedException" | "AccessDenied")
                || (code.is_empty() && status == 403)
            {
                ctx.denied(problem)
            } else if AUTH_CODES.contains(&code) || (code.is_empty() && status == 401) {
                authentication(problem)
            } else if retry::is_throttling_code(code)
                || retry::is_transient_code(code)
                || TRANSIENT.is_transient(status)
            {
                // The same rule as the retry classifier: these were retried before reaching us.
                ctx.unavailable(problem)
            } else if (200..300).contains(&status) {
                // A success status whose body the SDK could not read as the operation's output.
                ctx.malformed(format!(
                    "a success answer not in the API's shape (HTTP {status}, no error code)"
                ))
            } else {
                ctx.rejected(problem)
            }
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
            if has_credentials_error(chain) =>
        {
            authentication(format!("no usable AWS credentials: {}", shown_chain(chain)))
        }
        // A response larger than an AWS answer may be (see `body_limit`): not transient, never retried.
        _ if body_limit::is_body_too_large(chain) => ctx.rejected(shown_chain(chain)),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            ctx.unavailable(shown_chain(chain))
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status();
            let problem = format!("unreadable HTTP {status} response: {}", shown_chain(chain));
            // A body cut off mid-way is a transport failure (retried); a whole body that does not
            // parse is not: a success answer not in the API's shape is malformed, anything else
            // rejected. (The error chain names what did not parse, never the body.)
            if TRANSIENT.is_transient(status.as_u16()) || retry::body_unread(r.raw()) {
                ctx.unavailable(problem)
            } else if status.is_success() {
                ctx.malformed(problem)
            } else {
                ctx.rejected(problem)
            }
        }
        _ => ctx.rejected(format!(
            "the request could not be built (check region_name and endpoint_url): {}",
            shown_chain(chain)
        )),
    }
}

/// The `<Code>` and `<Message>` of an XML error body (`<ErrorResponse><Error><Code>...`), if it is
/// one. Only the first of each is read; the body is at most [`crate::MAX_RESPONSE_BYTES`].
fn xml_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.trim_start().starts_with('<') {
        return None;
    }
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(text[start..end].trim().to_owned())
    };
    let code = element("Code")
        .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.'))?;
    Some((code, element("Message")))
}

/// Where the lookup logged in, for [`Error::Authentication`]: the credential source and the request.
pub fn login(ctx: &LookupContext, service: Service, credentials: &str) -> String {
    format!("{credentials}; {} of {}", service.operation, ctx.location())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_error_bodies_give_their_code_and_message() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: u is not authorized</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"#;
        assert_eq!(
            xml_error(body),
            Some((
                "AccessDenied".to_owned(),
                Some("User: u is not authorized".to_owned())
            ))
        );
        assert_eq!(xml_error(br#"{"__type": "X"}"#), None);
        assert_eq!(xml_error(b"<html>oops</html>"), None);
        assert_eq!(xml_error(b"<Error><Code>not a code!</Code></Error>"), None);
        assert_eq!(
            xml_error(b"<Error><Code>Throttling</Code></Error>"),
            Some(("Throttling".to_owned(), None))
        );
        assert_eq!(xml_error(&[0xff, 0xfe]), None);
    }
}
