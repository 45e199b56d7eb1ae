//! `assume_role_method = "assume_role_with_web_identity"`: Airflow's
//! `_get_web_identity_credential_fetcher` with the `file` federation — botocore's
//! `AssumeRoleWithWebIdentityCredentialFetcher`: the token file read at every refresh, exchanged at STS
//! (`service_config.sts.endpoint_url`, else the regional endpoint) for the role's credentials. The
//! request is unsigned: no base credentials are needed.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use airflow_secrets_core::error_chain;
use airflow_secrets_core::provider::files::{MAX_CREDENTIAL_FILE_BYTES, read_text_bounded};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, future};
use aws_sdk_sts::types::PolicyDescriptorType;

/// The role's credentials, fetched from STS with the web identity token of `token_file`.
pub(crate) struct WebIdentityCredentials {
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) role_arn: String,
    pub(crate) session_name: String,
    pub(crate) token_file: PathBuf,
    pub(crate) duration: Option<Duration>,
    pub(crate) policy: Option<String>,
    pub(crate) policy_arns: Vec<String>,
}

/// The role and the file only: the token, the session policy and STS's answer are never shown.
impl fmt::Debug for WebIdentityCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityCredentials")
            .field("role_arn", &self.role_arn)
            .field("token_file", &self.token_file)
            .finish_non_exhaustive()
    }
}

impl WebIdentityCredentials {
    async fn fetch(&self) -> provider::Result {
        let failed = |problem: String| {
            CredentialsError::provider_error(format!(
                "STS AssumeRoleWithWebIdentity of `{}` failed: {problem}",
                self.role_arn
            ))
        };
        // botocore's FileWebIdentityTokenLoader reads the file as it is (no strip); here bounded: a
        // regular file of at most 1 MiB.
        let token =
            read_text_bounded(&self.token_file, MAX_CREDENTIAL_FILE_BYTES).map_err(|e| {
                failed(format!(
                    "cannot read the web identity token file `{}`: {e}",
                    self.token_file.display()
                ))
            })?;
        let policy_arns: Vec<PolicyDescriptorType> = self
            .policy_arns
            .iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect();
        let answer = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .web_identity_token(token)
            .set_duration_seconds(self.duration.map(|d| d.as_secs() as i32))
            .set_policy(self.policy.clone())
            .set_policy_arns((!policy_arns.is_empty()).then_some(policy_arns))
            .send()
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        let c = answer
            .credentials
            .ok_or_else(|| failed("the answer holds no credentials".into()))?;
        let expiry = SystemTime::try_from(c.expiration).ok();
        Ok(Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            expiry,
            "AssumeRoleWithWebIdentity",
        ))
    }
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.fetch())
    }
}
