//! From the SDK's errors to airflow-secrets' [`Error`] variants (and `Ok(None)` for "not found").

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::{Error, SecretValue};
use azure_core::error::ErrorKind;
use azure_core::http::{Response, StatusCode};
use azure_security_keyvault_secrets::models::Secret;
use serde::Deserialize;

use crate::BACKEND;
use crate::client::TRANSIENT;
use crate::transport::is_too_large;

/// Context the SDK's retry loop adds to the errors it gives up on; it says nothing about the cause, and the
/// attempt count is in our message anyway.
const RETRY_NOISE: [&str; 2] = [
    "non-transport error occurred which will not be retried",
    "retry policy expired and the request will no longer be retried",
];

/// An error and its causes on one line, each message once, without the SDK's retry boilerplate.
/// URL userinfo is masked: a request error quotes its URL, and `IDENTITY_ENDPOINT` or a proxy may carry
/// `user:password@`.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let text = airflow_secrets_core::error_chain_without(error, |text| RETRY_NOISE.contains(&text));
    airflow_secrets_core::provider::redact::urls_in_text(&text).into_owned()
}

/// Key Vault's error body: `{"error":{"code":…,"message":…,"innererror":{"code":…}}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorDetail,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
    #[serde(rename = "innererror")]
    inner_error: Option<InnerError>,
}

#[derive(Debug, Default, Deserialize)]
struct InnerError {
    code: Option<String>,
}

/// What a lookup reads, for error messages: the secret name, the vault, and the credential in use (e.g.
/// `client secret credential (tenant …, client …)`, never a secret).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub name: &'a str,
    pub vault_url: &'a str,
    pub credential: &'a str,
}

/// The location shown in errors: `secret `{name}` in {vault_url}`.
pub(crate) fn error_location(name: &str, vault_url: &str) -> String {
    format!("secret `{name}` in {vault_url}")
}

/// Maps the answer of a `get_secret` call: the latest version's value, `None` for 404 (as Airflow's
/// `ResourceNotFoundError` handling does), else the error of `ctx` that fits.
pub(crate) fn secret_value(
    answer: azure_core::Result<Response<Secret>>,
    ctx: &LookupContext,
    target: Target<'_>,
) -> Result<Option<SecretValue>, Error> {
    let name = target.name;
    match answer {
        Ok(response) => {
            let secret = response.into_model().map_err(|e| {
                // serde messages can quote parts of the body (the secret); keep only the position.
                ctx.malformed(format!(
                    "Key Vault answered 200 for `{name}` with a body that is not a secret bundle ({})",
                    e.downcast_ref::<serde_json::Error>()
                        .map(|j| format!("JSON error at line {}, column {}", j.line(), j.column()))
                        .unwrap_or_else(|| "unreadable body".to_owned())
                ))
            })?;
            match secret.value {
                Some(value) => Ok(Some(SecretValue::new(value))),
                None => Err(ctx.malformed(format!(
                    "Key Vault returned the secret `{name}` without a `value`"
                ))),
            }
        }
        Err(error) => classify(error, ctx, target),
    }
}

/// Maps a failed `get_secret` call. `Ok(None)` for 404. The attempts (1 + retries) are in `ctx`, counted by
/// the pipeline.
fn classify(
    error: azure_core::Error,
    ctx: &LookupContext,
    target: Target<'_>,
) -> Result<Option<SecretValue>, Error> {
    let Target {
        name,
        vault_url,
        credential,
    } = target;
    // Key Vault's answer was cut off at the transport's cap: not retried, and not an outage. (A token
    // answer past the cap comes wrapped as a `Credential` error: an authentication failure, below.)
    if !matches!(error.kind(), ErrorKind::Credential) && is_too_large(&error) {
        return Err(ctx.rejected(error_chain(&error)));
    }
    match error.kind() {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => {
            let ErrorDetail {
                code,
                message,
                inner_error,
            } = raw_response
                .as_ref()
                .and_then(|r| serde_json::from_slice::<ErrorBody>(r.body().as_ref()).ok())
                .unwrap_or_default()
                .error;
            let code = code.or_else(|| error_code.clone()).unwrap_or_default();
            let inner = inner_error.and_then(|i| i.code).unwrap_or_default();
            let message = message.unwrap_or_else(|| error.to_string());
            let codes = match (code.is_empty(), inner.is_empty()) {
                (true, _) => String::new(),
                (false, true) => format!(" ({code})"),
                (false, false) => format!(" ({code}/{inner})"),
            };
            let status_text = format!("{} {}{codes}", u16::from(*status), reason(*status));
            match *status {
                StatusCode::NotFound => {
                    tracing::debug!(
                        backend = BACKEND,
                        "Secret {name} not found: {status_text}: {message}"
                    );
                    Ok(None)
                }
                StatusCode::Forbidden if inner == "SecretDisabled" => Err(ctx.rejected(format!(
                    "the secret is disabled in Key Vault ({status_text}); enable it (or its current version) to \
                     read it. Key Vault said: {message}"
                ))),
                StatusCode::Forbidden => Err(ctx.denied(format!(
                    "{status_text}: {message} (identity: {credential})"
                ))),
                StatusCode::Unauthorized => Err(ctx.authentication(
                    format!("bearer token from the {credential} for {vault_url}"),
                    format!("Key Vault rejected the token: {status_text}: {message}"),
                )),
                // The statuses the retry policy retries: still failing after the last retry.
                _ if TRANSIENT.is_transient(u16::from(*status)) => {
                    Err(ctx.unavailable(format!("{status_text}: {message}")))
                }
                _ => Err(ctx.rejected(format!("{status_text}: {message}"))),
            }
        }
        ErrorKind::Io | ErrorKind::Connection => Err(ctx.unavailable(error_chain(&error))),
        ErrorKind::Credential => Err(ctx.authentication(
            format!("token request of the {credential} for {vault_url}"),
            error_chain(&error),
        )),
        // Raised while handling Key Vault's authentication challenge (no scope in it, or a resource that does
        // not match the vault's domain; see `verify_challenge_resource`).
        _ => Err(ctx.authentication(
            format!("authentication challenge from {vault_url}"),
            error_chain(&error),
        )),
    }
}

fn reason(status: StatusCode) -> &'static str {
    match u16::from(status) {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
