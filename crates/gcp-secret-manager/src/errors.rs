//! From a failed `AccessSecretVersion` call to Airflow's answer: `None` (with its log line) or an
//! [`Error`] carrying the backend, kind, key, resource name and attempt count.

use std::error::Error as _;
use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretKind, error_chain};
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::error::{CredentialsError, Error as SdkError};

use crate::BACKEND;
use crate::auth::Source;

/// The construction error for `kwarg` (never echoing its value).
pub(crate) fn invalid(kwarg: &str, problem: impl Into<String>) -> Error {
    Error::InvalidKwarg {
        backend: BACKEND,
        kwarg: kwarg.to_owned(),
        problem: problem.into(),
    }
}

/// One failed attempt.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The SDK's error (service status, transport, credentials, decoding).
    Sdk(SdkError),
    /// The whole attempt (credentials included) took longer than `timeout_seconds`.
    TimedOut(Duration),
}

impl Failure {
    /// Whether another attempt may help: HTTP 429 and every 5xx (with or without a Google error body:
    /// the rule every provider of this workspace follows), the `UNAVAILABLE` and `RESOURCE_EXHAUSTED`
    /// statuses (what Google's own client libraries retry for this call), connection failures, timeouts,
    /// and credential errors the auth library marks transient. Never another 4xx.
    pub(crate) fn is_transient(&self) -> bool {
        let e = match self {
            Failure::TimedOut(_) => return true,
            Failure::Sdk(e) => e,
        };
        if e.is_timeout() || e.is_connect() || e.is_io() {
            return true;
        }
        if e.is_authentication() {
            return credentials_error(e).is_some_and(CredentialsError::is_transient);
        }
        if e.http_status_code().is_some_and(is_transient_http) {
            return true;
        }
        e.status()
            .is_some_and(|s| matches!(s.code, Code::Unavailable | Code::ResourceExhausted))
    }
}

/// 429 Too Many Requests and the 5xx family.
fn is_transient_http(code: u16) -> bool {
    code == 429 || (500..600).contains(&code)
}

fn credentials_error(e: &SdkError) -> Option<&CredentialsError> {
    e.source()
        .and_then(|s| s.downcast_ref::<CredentialsError>())
}

/// What a lookup that did not return a payload means.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// `NOT_FOUND`: Airflow returns `None` (debug log).
    NotFound(String),
    /// `PERMISSION_DENIED`: Airflow returns `None` with an error log (or an error in strict mode).
    PermissionDenied(String),
    /// `INVALID_ARGUMENT` (e.g. a `.` in the id): Airflow returns `None` with an error log.
    InvalidArgument(String),
    /// Everything else propagates.
    Failed(Error),
}

/// The lookup being classified.
pub(crate) struct Context<'a> {
    pub kind: SecretKind,
    pub key: &'a str,
    /// `projects/P/secrets/S/versions/latest`.
    pub name: &'a str,
    /// The endpoint requests go to.
    pub endpoint: &'a str,
    /// The credential source (described only in authentication errors).
    pub credentials: &'a Source,
    /// When the lookup started (`Unavailable` reports the time since, back-off included).
    pub started: Instant,
}

impl Context<'_> {
    /// `Unavailable` after `attempts` requests, with the time the whole lookup took.
    pub(crate) fn unavailable(&self, attempts: u32, problem: String) -> Error {
        Error::Unavailable {
            backend: BACKEND,
            kind: self.kind,
            key: self.key.to_owned(),
            location: format!("{} at {}", self.name, self.endpoint),
            attempts,
            elapsed: self.started.elapsed(),
            problem,
        }
    }

    fn rejected(&self, problem: String) -> Error {
        Error::Rejected {
            backend: BACKEND,
            kind: self.kind,
            key: self.key.to_owned(),
            location: self.name.to_owned(),
            problem,
        }
    }

    fn authentication(&self, problem: String) -> Error {
        Error::Authentication {
            backend: BACKEND,
            location: format!(
                "{} for {} at {}",
                self.credentials.describe(),
                self.name,
                self.endpoint
            ),
            problem,
        }
    }
}

/// Maps the last failure of a lookup (after `attempts` requests) to Airflow's answer.
pub(crate) fn classify(failure: Failure, ctx: &Context<'_>, attempts: u32) -> Outcome {
    let e = match failure {
        Failure::TimedOut(limit) => {
            return Outcome::Failed(ctx.unavailable(
                attempts,
                format!(
                    "no answer within {:.3} s (timeout_seconds)",
                    limit.as_secs_f64()
                ),
            ));
        }
        Failure::Sdk(e) => e,
    };
    if let Some(status) = e.status() {
        let described = format!(
            "{} (HTTP {}): {}",
            status.code,
            http_label(&e),
            status.message
        );
        return match status.code {
            Code::NotFound => Outcome::NotFound(status.message.clone()),
            Code::PermissionDenied => Outcome::PermissionDenied(status.message.clone()),
            Code::InvalidArgument => Outcome::InvalidArgument(status.message.clone()),
            Code::Unauthenticated => Outcome::Failed(ctx.authentication(described)),
            // Transient (retried, see `Failure::is_transient`): reported as unavailable.
            Code::Unavailable | Code::ResourceExhausted => {
                Outcome::Failed(ctx.unavailable(attempts, described))
            }
            _ if e.http_status_code().is_some_and(is_transient_http) => {
                Outcome::Failed(ctx.unavailable(attempts, described))
            }
            _ => Outcome::Failed(ctx.rejected(described)),
        };
    }
    if e.is_authentication() {
        let problem = credentials_error(&e).map_or_else(|| e.to_string(), ToString::to_string);
        return Outcome::Failed(ctx.authentication(problem));
    }
    if e.is_binding() {
        // The name does not fit `projects/*/secrets/*/versions/*` (e.g. a `/` in the key): the request
        // cannot be sent, and Secret Manager would refuse the id as an invalid argument.
        return Outcome::InvalidArgument(
            "the secret id is not a valid resource name segment".into(),
        );
    }
    if e.is_timeout() || e.is_connect() || e.is_io() {
        return Outcome::Failed(ctx.unavailable(attempts, error_chain(&e)));
    }
    if e.is_deserialization() {
        // serde messages may quote response content; keep only what was expected.
        let text = e.source().map(ToString::to_string).unwrap_or_default();
        let expected = text
            .split_once(", expected ")
            .map_or("a Secret Manager response", |(_, x)| x);
        return Outcome::Failed(ctx.rejected(format!(
            "the response could not be decoded (expected {expected})"
        )));
    }
    match e.http_status_code() {
        Some(401) => Outcome::Failed(
            ctx.authentication(format!("HTTP 401 without a Google error body: {e}")),
        ),
        Some(code) if is_transient_http(code) => Outcome::Failed(
            ctx.unavailable(attempts, format!("HTTP {code} without a Google error body")),
        ),
        Some(code) => {
            Outcome::Failed(ctx.rejected(format!("HTTP {code} without a Google error body")))
        }
        None => Outcome::Failed(ctx.rejected(error_chain(&e))),
    }
}

fn http_label(e: &SdkError) -> String {
    e.http_status_code()
        .map_or_else(|| "-".to_owned(), |c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use google_cloud_gax::error::rpc::Status;

    fn ctx() -> Context<'static> {
        Context {
            kind: SecretKind::Variable,
            key: "k",
            name: "projects/P/secrets/airflow-variables-k/versions/latest",
            endpoint: "http://127.0.0.1:1",
            credentials: &Source::Anonymous,
            started: Instant::now(),
        }
    }

    fn service(code: Code, http: u16) -> Failure {
        let status = Status::default().set_code(code).set_message("msg");
        Failure::Sdk(SdkError::service_with_http_metadata(
            status,
            Some(http),
            None,
        ))
    }

    #[test]
    fn status_codes_map_as_in_airflow() {
        assert!(matches!(
            classify(service(Code::NotFound, 404), &ctx(), 1),
            Outcome::NotFound(_)
        ));
        assert!(matches!(
            classify(service(Code::PermissionDenied, 403), &ctx(), 1),
            Outcome::PermissionDenied(_)
        ));
        assert!(matches!(
            classify(service(Code::InvalidArgument, 400), &ctx(), 1),
            Outcome::InvalidArgument(_)
        ));
        let Outcome::Failed(Error::Unavailable {
            attempts, problem, ..
        }) = classify(service(Code::Unavailable, 503), &ctx(), 3)
        else {
            panic!()
        };
        assert_eq!(attempts, 3);
        assert_eq!(problem, "UNAVAILABLE (HTTP 503): msg");
        assert!(matches!(
            classify(service(Code::Unauthenticated, 401), &ctx(), 1),
            Outcome::Failed(Error::Authentication { .. })
        ));
        // 5xx is transient whatever the Google status: retried, then unavailable.
        assert!(matches!(
            classify(service(Code::Internal, 500), &ctx(), 3),
            Outcome::Failed(Error::Unavailable { attempts: 3, .. })
        ));
        assert!(matches!(
            classify(service(Code::FailedPrecondition, 400), &ctx(), 1),
            Outcome::Failed(Error::Rejected { .. })
        ));
    }

    #[test]
    fn transient_failures() {
        assert!(service(Code::Unavailable, 503).is_transient());
        assert!(service(Code::ResourceExhausted, 429).is_transient());
        assert!(!service(Code::NotFound, 404).is_transient());
        assert!(service(Code::Internal, 500).is_transient());
        assert!(service(Code::DeadlineExceeded, 504).is_transient());
        for (code, http) in [
            (Code::InvalidArgument, 400),
            (Code::Unauthenticated, 401),
            (Code::PermissionDenied, 403),
            (Code::FailedPrecondition, 400),
            (Code::AlreadyExists, 409),
        ] {
            assert!(!service(code, http).is_transient(), "{code:?}");
        }
        assert!(Failure::TimedOut(Duration::from_secs(1)).is_transient());
        let http = |code| {
            Failure::Sdk(SdkError::http(
                code,
                http::HeaderMap::new(),
                bytes::Bytes::new(),
            ))
        };
        assert!(http(503).is_transient() && http(429).is_transient() && http(500).is_transient());
        assert!(
            !http(404).is_transient() && !http(400).is_transient() && !http(412).is_transient()
        );
        let auth = |transient| {
            Failure::Sdk(SdkError::authentication(CredentialsError::from_msg(
                transient,
                "token endpoint said no",
            )))
        };
        assert!(auth(true).is_transient() && !auth(false).is_transient());
        let Outcome::Failed(Error::Authentication { problem, .. }) =
            classify(auth(false), &ctx(), 1)
        else {
            panic!()
        };
        assert!(problem.contains("token endpoint said no"), "{problem}");
    }
}
