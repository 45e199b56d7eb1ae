//! From the SDK's `GetParameter` errors to the lookup's answer: `ParameterNotFound` (the only "not
//! found" Airflow knows) is `Ok(None)`; every other failure is classified by the shared AWS session
//! crate ([`airflow_secrets_aws_session::classify`]).

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::{Error, SecretValue};
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;

use crate::{BACKEND, SERVICE};

/// `Ok(None)` for `ParameterNotFound`, an [`Error`] for the rest. `name` is the parameter read;
/// `credentials` says where the credentials come from (for authentication errors).
pub(crate) fn classify(
    err: SdkError<GetParameterError, HttpResponse>,
    ctx: &LookupContext,
    name: &str,
    credentials: &str,
) -> Result<Option<SecretValue>, Error> {
    if let SdkError::ServiceError(service) = &err
        && service.err().is_parameter_not_found()
    {
        tracing::debug!(
            backend = BACKEND,
            parameter = name,
            "Parameter {name} not found."
        );
        return Ok(None);
    }
    Err(airflow_secrets_aws_session::classify(
        &err,
        ctx,
        SERVICE,
        credentials,
    ))
}
