//! From a failed `AccessSecretVersion` call to Airflow's answer: `None` (with its log line) or an
//! [`Error`] built by the lookup's [`LookupContext`] (backend, kind, key, resource name, attempts,
//! elapsed time).

use std::error::Error as _;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, error_chain};
use google_cloud_gax::error::Error as SdkError;
use google_cloud_gax::error::rpc::Code;

use crate::client::{Failure, TRANSIENT_STATUSES, credentials_error};

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

/// Where a lookup was sent, for the errors that name it besides the resource name.
pub(crate) struct Target<'a> {
    /// The endpoint requests go to (`Unavailable` names it).
    pub endpoint: &'a str,
    /// The credential source's description (authentication errors name it).
    pub credentials: &'a str,
}

impl Target<'_> {
    /// `Unavailable`, located at `{name} at {endpoint}` (the kernel's context holds the name only).
    pub(crate) fn unavailable(&self, ctx: &LookupContext, problem: impl Into<String>) -> Error {
        let mut error = ctx.unavailable(problem);
        if let Error::Unavailable { location, .. } = &mut error {
            *location = format!("{location} at {}", self.endpoint);
        }
        error
    }

    /// `Authentication`, located at `{credentials} for {name} at {endpoint}`.
    fn authentication(&self, ctx: &LookupContext, problem: impl Into<String>) -> Error {
        ctx.authentication(
            format!(
                "{} for {} at {}",
                self.credentials,
                ctx.location(),
                self.endpoint
            ),
            problem,
        )
    }
}

/// Maps the last failure of a lookup (the attempts made are counted in `ctx`) to Airflow's answer.
pub(crate) fn classify(failure: Failure, ctx: &LookupContext, target: &Target<'_>) -> Outcome {
    let e = match failure {
        Failure::TimedOut(limit) => {
            return Outcome::Failed(target.unavailable(
                ctx,
                format!(
                    "no answer within {:.3} s (timeout_seconds)",
                    limit.as_secs_f64()
                ),
            ));
        }
        Failure::Panicked => {
            return Outcome::Failed(target.authentication(
                ctx,
                "the Google Cloud client library panicked during the request, typically on a token \
                 server's answer it cannot handle (such as a metadata-server token whose expires_in is too \
                 large to add to the current time); no token or secret was obtained. The client is rebuilt \
                 for the next lookup; check the metadata server (GCE_METADATA_HOST) or token endpoint",
            ));
        }
        Failure::Sdk(e) => e,
    };
    let transient_http = e
        .http_status_code()
        .filter(|s| TRANSIENT_STATUSES.is_transient(*s));
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
            Code::Unauthenticated => Outcome::Failed(target.authentication(ctx, described)),
            // Transient (retried, see `Failure::is_transient`): reported as unavailable.
            Code::Unavailable | Code::ResourceExhausted => {
                Outcome::Failed(target.unavailable(ctx, described))
            }
            _ if transient_http.is_some() => Outcome::Failed(target.unavailable(ctx, described)),
            _ => Outcome::Failed(ctx.rejected(described)),
        };
    }
    if e.is_authentication() {
        let problem = credentials_error(&e).map_or_else(|| e.to_string(), ToString::to_string);
        return Outcome::Failed(target.authentication(ctx, problem));
    }
    if e.is_binding() {
        // The name does not fit `projects/*/secrets/*/versions/*` (e.g. a `/` in the key): the request
        // cannot be sent, and Secret Manager would refuse the id as an invalid argument.
        return Outcome::InvalidArgument(
            "the secret id is not a valid resource name segment".into(),
        );
    }
    if e.is_timeout() || e.is_connect() || e.is_io() {
        return Outcome::Failed(target.unavailable(ctx, error_chain(&e)));
    }
    if e.is_deserialization() {
        // Only a success body is decoded (an error body that is not a Google status is an HTTP
        // error): the store answered, but not in the API's shape, as for any provider's malformed
        // answer. serde messages may quote response content; keep only what was expected.
        let text = e.source().map(ToString::to_string).unwrap_or_default();
        let shown = match redact::serde_message(&text) {
            m if m.is_empty() => "expected a Secret Manager response".to_owned(),
            m => m,
        };
        return Outcome::Failed(ctx.malformed(format!(
            "the response could not be decoded ({shown}) (version {})",
            ctx.location()
        )));
    }
    match e.http_status_code() {
        Some(401) => Outcome::Failed(
            target.authentication(ctx, format!("HTTP 401 without a Google error body: {e}")),
        ),
        Some(code) if transient_http.is_some() => Outcome::Failed(
            target.unavailable(ctx, format!("HTTP {code} without a Google error body")),
        ),
        Some(code) => {
            Outcome::Failed(ctx.rejected(format!("HTTP {code} without a Google error body")))
        }
        None => Outcome::Failed(ctx.rejected(error_chain(&e))),
    }
}

/// Airflow's answer to `outcome` for the secret `secret_id` (as shown in the log lines): `None` with
/// Airflow's log line, or the error (`PERMISSION_DENIED` is one with `raise_on_permission_denied`).
pub(crate) fn answer<T>(
    outcome: Outcome,
    ctx: &LookupContext,
    secret_id: &str,
    raise_on_permission_denied: bool,
) -> Result<Option<T>, Error> {
    match outcome {
        Outcome::NotFound(message) => {
            tracing::debug!(
                backend = ctx.backend(),
                secret_id,
                server_message = %message,
                "Google Cloud API Call Error (NotFound): Secret ID {secret_id} not found."
            );
            Ok(None)
        }
        Outcome::PermissionDenied(message) if raise_on_permission_denied => Err(ctx.denied(format!(
            "PERMISSION_DENIED: {message} (the identity needs the 'secretmanager.versions.access' \
             permission on the secret; Secret Manager also answers this for a secret that does not exist)"
        ))),
        Outcome::PermissionDenied(message) => {
            tracing::error!(
                backend = ctx.backend(),
                secret_id,
                server_message = %message,
                "Google Cloud API Call Error (PermissionDenied): No access for Secret ID {secret_id}. \
                 Did you add 'secretmanager.versions.access' permission?"
            );
            Ok(None)
        }
        Outcome::InvalidArgument(message) => {
            tracing::error!(
                backend = ctx.backend(),
                secret_id,
                server_message = %message,
                "Google Cloud API Call Error (InvalidArgument): Invalid secret ID {secret_id}. \
                 Only ASCII alphabets (a-Z), numbers (0-9), dashes (-), and underscores (_) are allowed \
                 in the secret ID."
            );
            Ok(None)
        }
        Outcome::Failed(error) => Err(error),
    }
}

fn http_label(e: &SdkError) -> String {
    e.http_status_code()
        .map_or_else(|| "-".to_owned(), |c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::SecretKind;
    use google_cloud_gax::error::CredentialsError;
    use google_cloud_gax::error::rpc::Status;

    const TARGET: Target<'static> = Target {
        endpoint: "http://127.0.0.1:1",
        credentials: "anonymous",
    };

    /// A lookup context after `attempts` attempts.
    fn ctx(attempts: u32) -> LookupContext {
        let ctx = LookupContext::new(
            crate::BACKEND,
            SecretKind::Variable,
            "k",
            "projects/P/secrets/airflow-variables-k/versions/latest",
        );
        for _ in 0..attempts {
            ctx.attempt();
        }
        ctx
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
            classify(service(Code::NotFound, 404), &ctx(1), &TARGET),
            Outcome::NotFound(_)
        ));
        assert!(matches!(
            classify(service(Code::PermissionDenied, 403), &ctx(1), &TARGET),
            Outcome::PermissionDenied(_)
        ));
        assert!(matches!(
            classify(service(Code::InvalidArgument, 400), &ctx(1), &TARGET),
            Outcome::InvalidArgument(_)
        ));
        let Outcome::Failed(Error::Unavailable {
            attempts,
            problem,
            location,
            ..
        }) = classify(service(Code::Unavailable, 503), &ctx(3), &TARGET)
        else {
            panic!()
        };
        assert_eq!(attempts, 3);
        assert_eq!(problem, "UNAVAILABLE (HTTP 503): msg");
        assert_eq!(
            location,
            "projects/P/secrets/airflow-variables-k/versions/latest at http://127.0.0.1:1"
        );
        assert!(matches!(
            classify(service(Code::Unauthenticated, 401), &ctx(1), &TARGET),
            Outcome::Failed(Error::Authentication { .. })
        ));
        // 5xx is transient whatever the Google status: retried, then unavailable.
        assert!(matches!(
            classify(service(Code::Internal, 500), &ctx(3), &TARGET),
            Outcome::Failed(Error::Unavailable { attempts: 3, .. })
        ));
        assert!(matches!(
            classify(service(Code::FailedPrecondition, 400), &ctx(1), &TARGET),
            Outcome::Failed(Error::Rejected { .. })
        ));
    }

    #[test]
    fn credential_failures_are_authentication_errors() {
        let auth = |transient| {
            Failure::Sdk(SdkError::authentication(CredentialsError::from_msg(
                transient,
                "token endpoint said no",
            )))
        };
        let Outcome::Failed(Error::Authentication {
            problem, location, ..
        }) = classify(auth(false), &ctx(1), &TARGET)
        else {
            panic!()
        };
        assert!(problem.contains("token endpoint said no"), "{problem}");
        assert_eq!(
            location,
            "anonymous for projects/P/secrets/airflow-variables-k/versions/latest at http://127.0.0.1:1"
        );
    }
}
