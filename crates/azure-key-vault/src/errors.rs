//! From the SDK's errors to airflow-secrets' [`Error`] variants (and `Ok(None)` for "not found").

use std::time::Instant;

use airflow_secrets_core::{Error, SecretKind, SecretValue};
use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use serde::Deserialize;

use crate::BACKEND_NAME;
use crate::retry::is_transient_status;

/// Context the SDK's retry loop adds to the errors it gives up on; it says nothing about the cause, and the
/// attempt count is in our message anyway.
const RETRY_NOISE: [&str; 2] = [
    "non-transport error occurred which will not be retried",
    "retry policy expired and the request will no longer be retried",
];

/// An error and its causes on one line, each message once, without the SDK's retry boilerplate.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    airflow_secrets_core::error_chain_without(error, |text| RETRY_NOISE.contains(&text))
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

/// What the lookup was about, for error messages.
pub(crate) struct Lookup<'a> {
    pub kind: SecretKind,
    pub key: &'a str,
    pub name: &'a str,
    pub vault_url: &'a str,
    /// The credential in use, e.g. `client secret credential (tenant …, client …)`.
    pub credential: &'a str,
    /// When the lookup started (errors report how long it took, all tries included).
    pub started: Instant,
}

impl Lookup<'_> {
    pub(crate) fn location(&self) -> String {
        format!("secret `{}` in {}", self.name, self.vault_url)
    }

    /// `Unavailable` after `attempts` tries, with the time the whole lookup took.
    pub(crate) fn unavailable(&self, attempts: u32, problem: String) -> Error {
        Error::Unavailable {
            backend: BACKEND_NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            location: self.location(),
            attempts,
            elapsed: self.started.elapsed(),
            problem,
        }
    }

    pub(crate) fn rejected(&self, problem: String) -> Error {
        Error::Rejected {
            backend: BACKEND_NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            location: self.location(),
            problem,
        }
    }

    pub(crate) fn malformed(&self, problem: String) -> Error {
        Error::MalformedSecret {
            backend: BACKEND_NAME,
            kind: self.kind,
            key: self.key.to_owned(),
            problem,
        }
    }
}

/// Maps a failed `get_secret` call. `Ok(None)` for 404, as Airflow's `ResourceNotFoundError` handling does.
/// `attempts`: the tries made (1 + retries), counted by the pipeline.
pub(crate) fn classify(
    error: azure_core::Error,
    lookup: &Lookup<'_>,
    attempts: u32,
) -> Result<Option<SecretValue>, Error> {
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
                        backend = BACKEND_NAME,
                        "Secret {} not found: {status_text}: {message}",
                        lookup.name
                    );
                    Ok(None)
                }
                StatusCode::Forbidden if inner == "SecretDisabled" => Err(lookup.rejected(format!(
                    "the secret is disabled in Key Vault ({status_text}); enable it (or its current version) to \
                     read it. Key Vault said: {message}"
                ))),
                StatusCode::Forbidden => Err(Error::PermissionDenied {
                    backend: BACKEND_NAME,
                    kind: lookup.kind,
                    key: lookup.key.to_owned(),
                    location: lookup.location(),
                    problem: format!("{status_text}: {message} (identity: {})", lookup.credential),
                }),
                StatusCode::Unauthorized => Err(Error::Authentication {
                    backend: BACKEND_NAME,
                    location: format!(
                        "bearer token from the {} for {}",
                        lookup.credential, lookup.vault_url
                    ),
                    problem: format!("Key Vault rejected the token: {status_text}: {message}"),
                }),
                // The statuses the retry policy retries: still failing after the last retry.
                _ if is_transient_status(u16::from(*status)) => {
                    Err(lookup.unavailable(attempts, format!("{status_text}: {message}")))
                }
                _ => Err(lookup.rejected(format!("{status_text}: {message}"))),
            }
        }
        ErrorKind::Io | ErrorKind::Connection => {
            Err(lookup.unavailable(attempts, error_chain(&error)))
        }
        ErrorKind::Credential => Err(Error::Authentication {
            backend: BACKEND_NAME,
            location: format!(
                "token request of the {} for {}",
                lookup.credential, lookup.vault_url
            ),
            problem: error_chain(&error),
        }),
        // Raised while handling Key Vault's authentication challenge (no scope in it, or a resource that does
        // not match the vault's domain; see `verify_challenge_resource`).
        _ => Err(Error::Authentication {
            backend: BACKEND_NAME,
            location: format!("authentication challenge from {}", lookup.vault_url),
            problem: error_chain(&error),
        }),
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
