//! [`LookupContext`]: what every error of one lookup reports — backend, kind, key, the location read,
//! how many requests were made and for how long — so that each provider builds its errors the same way.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{Error, SecretKind};

/// One lookup in flight. Created when the lookup starts (so `elapsed` covers logins, retries and
/// back-off); [`attempt`](Self::attempt) counts each request sent for it.
#[derive(Debug)]
pub struct LookupContext {
    backend: &'static str,
    kind: SecretKind,
    key: String,
    location: String,
    started: Instant,
    attempts: AtomicU32,
}

impl LookupContext {
    /// A lookup of `kind` `key` by `backend`, reading `location` (the path, name or URL shown in errors;
    /// never a credential).
    pub fn new(
        backend: &'static str,
        kind: SecretKind,
        key: &str,
        location: impl Into<String>,
    ) -> LookupContext {
        LookupContext {
            backend,
            kind,
            key: key.to_owned(),
            location: location.into(),
            started: Instant::now(),
            attempts: AtomicU32::new(0),
        }
    }

    /// The backend's name.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// The kind looked up.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The key looked up.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The location shown in errors.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Counts one request sent for this lookup; returns the count so far.
    pub fn attempt(&self) -> u32 {
        self.attempts.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Records that request number `n` of this lookup is being sent, for counters that number their
    /// tries rather than see each one (an SDK's retry loop may send its first try twice): the count is
    /// raised to `n`, never lowered.
    pub fn attempt_number(&self, n: u32) {
        self.attempts.fetch_max(n, Ordering::Relaxed);
    }

    /// Requests sent so far (at least 1 once anything was tried, for error reports).
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed).max(1)
    }

    /// Time since the lookup started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// [`Error::Unavailable`]: the store could not be reached or did not answer in time.
    pub fn unavailable(&self, problem: impl Into<String>) -> Error {
        Error::Unavailable {
            backend: self.backend,
            kind: self.kind,
            key: self.key.clone(),
            location: self.location.clone(),
            attempts: self.attempts(),
            elapsed: self.elapsed(),
            problem: problem.into(),
        }
    }

    /// [`Error::PermissionDenied`]: the identity in use may not read this location.
    pub fn denied(&self, problem: impl Into<String>) -> Error {
        Error::PermissionDenied {
            backend: self.backend,
            kind: self.kind,
            key: self.key.clone(),
            location: self.location.clone(),
            problem: problem.into(),
        }
    }

    /// [`Error::Rejected`]: the store refused the request (or it was refused before sending).
    pub fn rejected(&self, problem: impl Into<String>) -> Error {
        Error::Rejected {
            backend: self.backend,
            kind: self.kind,
            key: self.key.clone(),
            location: self.location.clone(),
            problem: problem.into(),
        }
    }

    /// [`Error::MalformedSecret`]: the answer is not the API's shape (never quote it in `problem`).
    pub fn malformed(&self, problem: impl Into<String>) -> Error {
        Error::MalformedSecret {
            backend: self.backend,
            kind: self.kind,
            key: self.key.clone(),
            problem: problem.into(),
        }
    }

    /// [`Error::Authentication`]: logging in (at `login`, e.g. the login URL) failed.
    pub fn authentication(&self, login: impl Into<String>, problem: impl Into<String>) -> Error {
        Error::Authentication {
            backend: self.backend,
            location: login.into(),
            problem: problem.into(),
        }
    }
}

/// [`Error::InvalidKwarg`]: the one constructor of a kwarg error, for every provider.
pub fn invalid_kwarg(
    backend: &'static str,
    kwarg: impl Into<String>,
    problem: impl Into<String>,
) -> Error {
    Error::InvalidKwarg {
        backend,
        kwarg: kwarg.into(),
        problem: problem.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_attempts_are_recorded_as_a_maximum() {
        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "x");
        ctx.attempt_number(1);
        ctx.attempt_number(1);
        assert_eq!(ctx.attempts(), 1);
        ctx.attempt_number(3);
        ctx.attempt_number(2);
        assert_eq!(ctx.attempts(), 3);
    }

    #[test]
    fn errors_carry_the_context() {
        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "/v1/x/k");
        assert_eq!(ctx.attempts(), 1);
        ctx.attempt();
        ctx.attempt();
        ctx.attempt();
        let text = ctx.unavailable("refused").to_string();
        assert!(
            text.contains("variable `k` at /v1/x/k (3 attempt(s) in"),
            "{text}"
        );
        assert!(ctx.denied("no").to_string().contains("at /v1/x/k"));
        assert!(
            ctx.rejected("bad")
                .to_string()
                .contains("was rejected: bad")
        );
        assert!(matches!(ctx.malformed("shape"), Error::MalformedSecret { key, .. } if key == "k"));
        assert!(
            ctx.authentication("approle login at /v1/auth", "denied")
                .to_string()
                .contains("approle login at /v1/auth")
        );
        assert!(
            invalid_kwarg("B", "timeout", "negative")
                .to_string()
                .contains("B: kwarg `timeout`: negative")
        );
    }
}
