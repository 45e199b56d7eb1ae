//! What went wrong talking to Vault, independent of the lookup, and how that becomes the core [`Error`].
//!
//! vaultrs reports "not found" in two shapes (spec, DESIGN.md): `APIError { code: 404 }` when Vault
//! sends `{"errors": [...]}`, and `RestClientError(ServerResponseError { code: 404 })` for a
//! soft-deleted KV v2 version, whose 404 body is the secret's metadata. Both become
//! [`Failure::Status`] with code 404 here. Response bodies are never copied into a message: only Vault's
//! own `errors` strings are.

use std::error::Error as StdError;
use std::fmt;

use airflow_secrets_core::{Error, SecretKind};
use vaultrs::error::ClientError;

use crate::kwargs::BACKEND;

/// A failed exchange with Vault.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// Vault answered with an error status; `errors` is Vault's `errors` list when it sent one.
    Status { code: u16, errors: Vec<String> },
    /// No answer: refused, reset, DNS, TLS, or a timeout.
    Transport {
        timeout: bool,
        connect: bool,
        message: String,
    },
    /// A 2xx answer that is not what the API documents.
    BadResponse(String),
    /// A local problem before anything was sent (unreadable token file, bad key, ...).
    Local(String),
}

impl Failure {
    /// Statuses and transport errors a read is retried on: Airflow's `status_forcelist=[412, 500,
    /// 502, 503]`, plus refused, reset or dropped connections (urllib3 retries connection and read
    /// errors of GETs). Timeouts are not retried: each one already took the whole `timeout`.
    pub fn is_retryable_read(&self) -> bool {
        match self {
            Failure::Status { code, .. } => matches!(code, 412 | 500 | 502 | 503),
            Failure::Transport { timeout, .. } => !*timeout,
            _ => false,
        }
    }

    /// Only refused/unreachable connections are retried for logins (POST is not in urllib3's
    /// `allowed_methods`).
    pub fn is_retryable_login(&self) -> bool {
        matches!(
            self,
            Failure::Transport {
                connect: true,
                timeout: false,
                ..
            }
        )
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The core error for a failed read of `kind` `key` at `location` after `attempts` requests.
    pub fn into_lookup_error(
        self,
        kind: SecretKind,
        key: &str,
        location: &str,
        attempts: u32,
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
            let (timeout, connect) = match source.downcast_ref::<reqwest::Error>() {
                Some(r) => (r.is_timeout(), r.is_connect()),
                None => (false, false),
            };
            Failure::Transport {
                timeout,
                connect,
                message: chain(source.as_ref()),
            }
        }
        R::ResponseError { source } => Failure::Transport {
            timeout: source
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout),
            connect: false,
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
        for code in [412, 500, 502, 503] {
            assert!(
                Failure::Status {
                    code,
                    errors: vec![]
                }
                .is_retryable_read()
            );
        }
        for code in [400, 403, 404, 429, 501, 504] {
            assert!(
                !Failure::Status {
                    code,
                    errors: vec![]
                }
                .is_retryable_read()
            );
        }
        let refused = Failure::Transport {
            timeout: false,
            connect: true,
            message: String::new(),
        };
        assert!(refused.is_retryable_read() && refused.is_retryable_login());
        let timeout = Failure::Transport {
            timeout: true,
            connect: true,
            message: String::new(),
        };
        assert!(!timeout.is_retryable_read());
    }
}
