//! What went wrong talking to Vault, independent of the lookup, how it is retried, and how it becomes
//! the core [`Error`].
//!
//! The calls made through vaultrs (logins, `renew-self`, `lookup-self`) fail with its `ClientError`,
//! which has two shapes for a status (DESIGN.md): `APIError` when Vault sends `{"errors": [...]}`, and
//! `RestClientError(ServerResponseError)` for any other body. Both become [`Failure::Status`] here (KV
//! reads do not go through vaultrs: src/read.rs maps their answers itself). Response bodies are never
//! copied into a message: only Vault's own `errors` strings are.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use airflow_secrets_core::{Error, SecretKind, error_chain as chain};
use backon::Retryable;
use vaultrs::error::ClientError;

use crate::config::RetryConfig;
use crate::kwargs::BACKEND;

/// A failed exchange with Vault.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// Vault answered with an error status; `errors` is Vault's `errors` list when it sent one.
    Status { code: u16, errors: Vec<String> },
    /// No answer: refused, reset, DNS, TLS, or a timeout.
    Transport { timeout: bool, message: String },
    /// A 2xx answer that is not what the API documents.
    BadResponse(String),
    /// A local problem before anything was sent (unreadable token file, bad key, ...).
    Local(String),
}

impl Failure {
    /// A transport failure (refused, reset, DNS, TLS, timeout) from a reqwest error, or from an error
    /// wrapping one.
    pub fn transport(e: &(dyn StdError + 'static)) -> Failure {
        Failure::Transport {
            timeout: e
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout),
            message: chain(e),
        }
    }

    /// Vault could not answer: no answer at all (timeouts included), or 412 (in Airflow's
    /// `status_forcelist`: a performance standby that has not caught up yet), 429 or any 5xx. Reported
    /// as `Error::Unavailable`, for reads and logins alike.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Failure::Status { code, .. } => *code == 412 || *code == 429 || *code >= 500,
            Failure::Transport { .. } => true,
            _ => false,
        }
    }

    /// A failure worth another attempt, for reads and logins alike: an [unavailable](Self::is_unavailable)
    /// Vault, but not a timeout: each attempt already waited the whole `timeout`, so retrying would
    /// multiply the worst-case latency. Never another 4xx: the answer would be the same.
    ///
    /// Retrying a login is safe even when the first attempt may have been processed (a 500 after the
    /// token was issued): the worst case, a `secret_id` whose last use was consumed, fails the retry
    /// with the error the lookup would have failed with anyway.
    pub fn is_transient(&self) -> bool {
        self.is_unavailable() && !matches!(self, Failure::Transport { timeout: true, .. })
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The core error for a failed read of `kind` `key` at `location` after `attempts` requests, in a
    /// lookup that has taken `elapsed` so far.
    pub fn into_lookup_error(
        self,
        kind: SecretKind,
        key: &str,
        location: &str,
        attempts: u32,
        elapsed: Duration,
    ) -> Error {
        let key = key.to_owned();
        let location = location.to_owned();
        let problem = self.to_string();
        match self {
            Failure::Status { code: 403, .. } => Error::PermissionDenied {
                backend: BACKEND,
                kind,
                key,
                location,
                problem,
            },
            Failure::Status { code: 401, .. } => Error::Authentication {
                backend: BACKEND,
                location: format!("reading {location}"),
                problem,
            },
            _ if self.is_unavailable() => Error::Unavailable {
                backend: BACKEND,
                kind,
                key,
                location,
                attempts,
                elapsed,
                problem,
            },
            Failure::BadResponse(_) => Error::MalformedSecret {
                backend: BACKEND,
                kind,
                key,
                problem: format!("unexpected response from {location}: {problem}"),
            },
            // Any other status (400, 405, ...) and a local problem (transport failures are unavailable).
            _ => Error::Rejected {
                backend: BACKEND,
                kind,
                key,
                location,
                problem,
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { code, errors } if errors.is_empty() => {
                write!(f, "HTTP {code} ({})", status_name(*code))
            }
            Failure::Status { code, errors } => {
                write!(
                    f,
                    "HTTP {code} ({}): {}",
                    status_name(*code),
                    errors.join("; ")
                )
            }
            Failure::Transport {
                timeout: true,
                message,
                ..
            } => write!(f, "timed out: {message}"),
            Failure::Transport { message, .. } => f.write_str(message),
            Failure::BadResponse(m) | Failure::Local(m) => f.write_str(m),
        }
    }
}

/// hvac's exception class for a status (`VaultError.from_status`), which Airflow users see in logs.
fn status_name(code: u16) -> &'static str {
    match code {
        400 => "InvalidRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "InvalidPath",
        412 => "PreconditionFailed",
        429 => "RateLimitExceeded",
        500 => "InternalServerError",
        501 => "VaultNotInitialized",
        502 => "BadGateway",
        503 => "VaultDown",
        _ => "UnexpectedError",
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::APIError { code, errors } => Failure::Status { code, errors },
            ClientError::RestClientError { source } => from_rest(source),
            ClientError::ResponseEmptyError => {
                Failure::BadResponse("the response was empty".into())
            }
            ClientError::ResponseDataEmptyError => {
                Failure::BadResponse("the response has no `data`".into())
            }
            ClientError::JsonParseError { source } => {
                Failure::BadResponse(redact_serde(&source.to_string()))
            }
            other => Failure::Local(other.to_string()),
        }
    }
}

fn from_rest(e: rustify::errors::ClientError) -> Failure {
    use rustify::errors::ClientError as R;
    match e {
        // The body is not Vault's `{"errors": [...]}` (a soft-deleted KV v2 version, a proxy's page):
        // keep the status only, the body may hold anything.
        R::ServerResponseError { code, .. } => Failure::Status {
            code,
            errors: Vec::new(),
        },
        R::RequestError { source, .. } | R::ResponseError { source } => {
            Failure::transport(source.as_ref())
        }
        // `content` holds the body (maybe a secret): only serde's message, redacted, is kept.
        R::ResponseParseError { source, .. } => {
            Failure::BadResponse(redact_serde(&source.to_string()))
        }
        R::ResponseConversionError { .. } => {
            Failure::BadResponse("the response is not UTF-8".into())
        }
        other => Failure::Local(other.to_string()),
    }
}

/// Runs `op` until it succeeds, fails with a failure that is not [transient](Failure::is_transient), or
/// `retry` is spent, sleeping the jittered exponential back-off in between; a failure comes with the
/// number of requests made. `what` (`read`, `login`) names the request in the debug event of a retry.
pub(crate) async fn with_retries<T, Fut>(
    retry: &RetryConfig,
    what: &str,
    mut op: impl FnMut() -> Fut,
) -> Result<T, (Failure, u32)>
where
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut attempts = 0u32;
    let result = (|| {
        attempts += 1;
        op()
    })
    .retry(retry.backoff())
    .when(Failure::is_transient)
    .notify(|failure, delay| {
        tracing::debug!(backend = BACKEND, %failure, ?delay, "retrying the Vault {what}");
    })
    .await;
    result.map_err(|failure| (failure, attempts))
}

/// serde_json messages may quote a value from the body (`invalid type: string "..."`): keep the
/// expectation and the position only.
fn redact_serde(message: &str) -> String {
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let position = message
            .rfind(" at line ")
            .map(|i| &message[i..])
            .unwrap_or("");
        match message.split_once(", expected ") {
            Some((_, rest)) => {
                let expected = rest.split(" at line ").next().unwrap_or(rest);
                format!("a field has the wrong type (expected {expected}){position}")
            }
            None => format!("a field has the wrong type{position}"),
        }
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_quoted_values() {
        let m = redact_serde("invalid type: string \"hunter2\", expected u64 at line 1 column 20");
        assert_eq!(
            m,
            "a field has the wrong type (expected u64) at line 1 column 20"
        );
        assert_eq!(
            redact_serde("missing field `auth` at line 1 column 2"),
            "missing field `auth` at line 1 column 2"
        );
    }

    #[test]
    fn retry_classes() {
        let status = |code| Failure::Status {
            code,
            errors: vec![],
        };
        for code in [412, 429, 500, 501, 502, 503, 504, 599] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 405, 409, 422] {
            assert!(!status(code).is_transient(), "{code}");
        }
        let transport = |timeout| Failure::Transport {
            timeout,
            message: String::new(),
        };
        assert!(transport(false).is_transient(), "refused or reset");
        assert!(!transport(true).is_transient(), "connect or read timeout");
        assert!(!Failure::Local("x".into()).is_transient());
        assert!(!Failure::BadResponse("x".into()).is_transient());
    }
}
