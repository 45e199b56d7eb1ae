//! What went wrong talking to Vault, independent of the lookup, and how that becomes the core [`Error`].
//!
//! vaultrs reports "not found" in two shapes (spec, DESIGN.md): `APIError { code: 404 }` when Vault
//! sends `{"errors": [...]}`, and `RestClientError(ServerResponseError { code: 404 })` for a
//! soft-deleted KV v2 version, whose 404 body is the secret's metadata. Both become
//! [`Failure::Status`] with code 404 here. Response bodies are never copied into a message: only Vault's
//! own `errors` strings are.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use airflow_secrets_core::{Error, SecretKind};
use vaultrs::error::ClientError;

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
    /// A failure worth another attempt, for reads and logins alike: 412 (in Airflow's
    /// `status_forcelist`: a performance standby that has not caught up yet), 429, any 5xx, and a
    /// connection refused, reset or dropped before the answer. Not a timeout: each attempt already
    /// waited the whole `timeout`, so retrying would multiply the worst-case latency. Never another
    /// 4xx: the answer would be the same.
    ///
    /// Retrying a login is safe even when the first attempt may have been processed (a 500 after the
    /// token was issued): the worst case, a `secret_id` whose last use was consumed, fails the retry
    /// with the error the lookup would have failed with anyway.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Status { code, .. } => *code == 412 || *code == 429 || *code >= 500,
            Failure::Transport { timeout, .. } => !*timeout,
            _ => false,
        }
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
            Failure::Status { code, .. } if code == 429 || code >= 500 || code == 412 => {
                Error::Unavailable {
                    backend: BACKEND,
                    kind,
                    key,
                    location,
                    attempts,
                    elapsed,
                    problem,
                }
            }
            Failure::Status { .. } => Error::Rejected {
                backend: BACKEND,
                kind,
                key,
                location,
                problem,
            },
            Failure::Transport { .. } => Error::Unavailable {
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
            Failure::Local(_) => Error::Rejected {
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
        R::RequestError { source, .. } => {
            let timeout = source
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout);
            Failure::Transport {
                timeout,
                message: chain(source.as_ref()),
            }
        }
        R::ResponseError { source } => Failure::Transport {
            timeout: source
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout),
            message: chain(source.as_ref()),
        },
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

/// An error and its sources, `a: b: c`, skipping repeats (reqwest repeats hyper's message).
pub(crate) fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
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
