//! What went wrong talking to Vault ([`Failure`], independent of the lookup) and how it becomes the
//! core [`Error`]: every lookup error is built by the lookup's [`LookupContext`].
//!
//! Every request is sent by src/http.rs: a non-2xx answer becomes [`Failure::Status`] with Vault's
//! `errors` when the body is Vault's `{"errors": [...]}` (none otherwise). Response bodies are never
//! copied into a message: only Vault's own `errors` strings are.

use std::error::Error as StdError;
use std::fmt;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, error_chain};
use serde_json::Value;

use crate::client::{RedirectRefused, TRANSIENT};

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
    /// A redirect that was not followed (to another origin, or too many): not transient, the server
    /// would send the same again.
    Redirect(String),
}

/// `e` and its sources as one line, with the userinfo of any URL in it masked (reqwest quotes the
/// request URL, which may carry `user:password@`).
pub(crate) fn chain(e: &(dyn StdError + 'static)) -> String {
    redact::urls_in_text(&error_chain(e)).into_owned()
}

/// The [`RedirectRefused`] somewhere in `e`'s sources.
fn refused_redirect(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(refused) = e.downcast_ref::<RedirectRefused>() {
            return Some(refused.0.clone());
        }
        next = e.source();
    }
    None
}

impl Failure {
    /// A transport failure (refused, reset, DNS, TLS, timeout) from a reqwest error, or from an error
    /// wrapping one.
    pub fn transport(e: &(dyn StdError + 'static)) -> Failure {
        if let Some(message) = refused_redirect(e) {
            return Failure::Redirect(message);
        }
        Failure::Transport {
            timeout: e
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout),
            message: chain(e),
        }
    }

    /// Vault could not answer: no answer at all (timeouts included), or a status Vault's client retries
    /// ([`TRANSIENT`]: 412, 429 and any 5xx). Reported as `Error::Unavailable`, for reads and logins
    /// alike.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Failure::Status { code, .. } => TRANSIENT.is_transient(*code),
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
            } => write!(
                f,
                "timed out (a request must be over within the connect + read `timeout`): {message}"
            ),
            Failure::Transport { message, .. } => f.write_str(message),
            Failure::BadResponse(m) | Failure::Local(m) | Failure::Redirect(m) => f.write_str(m),
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

/// The core error for a failed read in the lookup `ctx` (its location is the read URL).
pub(crate) fn read_error(ctx: &LookupContext, failure: Failure) -> Error {
    let problem = failure.to_string();
    match failure {
        Failure::Status { code: 403, .. } => ctx.denied(problem),
        Failure::Status { code: 401, .. } => {
            ctx.authentication(format!("reading {}", ctx.location()), problem)
        }
        _ if failure.is_unavailable() => ctx.unavailable(problem),
        Failure::BadResponse(_) => ctx.malformed(format!(
            "unexpected response from {}: {problem}",
            ctx.location()
        )),
        // Any other status (400, 405, ...) and a local problem (transport failures are unavailable).
        _ => ctx.rejected(problem),
    }
}

/// A failed login: `ctx` is the login's own context (its location is the login, `approle login at
/// http://…/v1/auth/approle/login`, and it counts the login's requests), `failure` why it failed.
#[derive(Debug)]
pub(crate) struct LoginError {
    pub ctx: LookupContext,
    pub failure: Failure,
}

impl LoginError {
    /// The core error: unavailable when Vault could not answer, else an authentication failure.
    pub fn into_error(self) -> Error {
        let problem = self.failure.to_string();
        if self.failure.is_unavailable() {
            self.ctx.unavailable(problem)
        } else {
            self.ctx.authentication(self.ctx.location(), problem)
        }
    }
}

/// Vault's `{"errors": [...]}` messages; empty when the body is anything else (a proxy's page, the
/// metadata of a deleted version), which is never quoted.
pub(crate) fn vault_errors(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_array).cloned())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A response body serde could not read: serde's message may quote a value from the body, so only
/// the core's redaction of it is kept (the one redaction of the workspace).
pub(crate) fn unparsable(message: &str) -> String {
    format!("unreadable response: {}", redact::serde_message(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_quoted_values() {
        let m = unparsable("invalid type: string \"hunter2\", expected u64 at line 1 column 20");
        assert_eq!(m, "unreadable response: expected u64 at line 1 column 20");
        let m = unparsable(r#"invalid type: string "a, expected b hunter2", expected u64"#);
        assert!(!m.contains("hunter2"), "{m}");
        assert_eq!(
            unparsable("missing field `auth` at line 1 column 2"),
            "unreadable response: missing field `auth` at line 1 column 2"
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

    #[test]
    fn vault_errors_are_read_only_from_vaults_shape() {
        assert_eq!(
            vault_errors(br#"{"errors":["permission denied"]}"#),
            ["permission denied"]
        );
        assert!(vault_errors(b"<html>secret</html>").is_empty());
        assert!(vault_errors(br#"{"data":{"data":null}}"#).is_empty());
    }
}
