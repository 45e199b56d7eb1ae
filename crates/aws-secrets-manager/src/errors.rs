//! From the SDK's `GetSecretValue` errors to the lookup's answer. Airflow's backend answers `None` —
//! and the lookup goes on to the next backend of the chain — for five of Secrets Manager's errors, so
//! this one does too; every other failure is classified by the shared AWS session crate
//! ([`airflow_secrets_aws_session::classify`]).

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::{Error, SecretValue};
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use crate::{BACKEND, SERVICE};

/// `Ok(None)` for the errors Airflow's `_get_secret_value` catches, an [`Error`] for the rest. `name` is
/// the secret read; `credentials` says where the credentials come from (for authentication errors).
///
/// - `ResourceNotFoundException`: no such secret (or it was deleted): not found, logged at DEBUG.
/// - `InvalidRequestException` (e.g. the secret is scheduled for deletion), `InvalidParameterException`,
///   `DecryptionFailure` (KMS refused to decrypt) and `InternalServiceError` (after the retries):
///   Airflow returns `None` for these too; here they are logged at WARN, since each hides a problem an
///   operator wants to see.
pub(crate) fn classify(
    err: SdkError<GetSecretValueError, HttpResponse>,
    ctx: &LookupContext,
    name: &str,
    credentials: &str,
) -> Result<Option<SecretValue>, Error> {
    if let SdkError::ServiceError(service) = &err {
        let e = service.err();
        if e.is_resource_not_found_exception() {
            tracing::debug!(backend = BACKEND, secret = name, "Secret {name} not found.");
            return Ok(None);
        }
        if e.is_invalid_request_exception()
            || e.is_invalid_parameter_exception()
            || e.is_decryption_failure()
            || e.is_internal_service_error()
        {
            let code = e.code().unwrap_or("(no error code)");
            tracing::warn!(
                backend = BACKEND,
                secret = name,
                code,
                "GetSecretValue of {name} failed with {code}: {}; answering `not found` as Airflow does",
                e.message().unwrap_or("(no message)")
            );
            return Ok(None);
        }
    }
    Err(airflow_secrets_aws_session::classify(
        &err,
        ctx,
        SERVICE,
        credentials,
    ))
}
