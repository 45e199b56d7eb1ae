//! [`Source`]: where the credentials come from (the lowest module of `auth`: it imports none of the
//! others).

use std::fmt;

use google_cloud_auth::credentials::Credentials;
use serde_json::Value;

/// Where the credentials come from.
#[derive(Clone)]
pub(crate) enum Source {
    /// `gcp_keyfile_dict`, `gcp_key_path`, or a `service_account` credential configuration.
    ServiceAccount { key: Value, from: &'static str },
    /// A workload / workforce identity federation configuration (`type: external_account`).
    ExternalAccount(Value),
    /// A user's refresh token (`type: authorized_user`, what `gcloud auth application-default login`
    /// writes).
    AuthorizedUser(Value),
    /// `type: impersonated_service_account` (what `gcloud auth application-default login
    /// --impersonate-service-account` writes).
    ImpersonatedServiceAccount(Value),
    /// The `anonymous_credentials` extension: no `Authorization` header.
    Anonymous,
    /// Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's well-known file, then
    /// the metadata server.
    ApplicationDefault,
    /// Credentials given in code ([`CloudSecretManagerBackend::with_credentials`](crate::CloudSecretManagerBackend::with_credentials)).
    Custom(Credentials),
}

impl Source {
    /// A short description for logs and errors (never key material).
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::ServiceAccount { from, .. } => format!("service-account key ({from})"),
            Source::ExternalAccount(_) => "external account (workload identity federation)".into(),
            Source::AuthorizedUser(_) => "authorized user".into(),
            Source::ImpersonatedServiceAccount(_) => {
                "impersonated service account configuration".into()
            }
            Source::Anonymous => "anonymous".into(),
            Source::ApplicationDefault => "application default credentials".into(),
            Source::Custom(_) => "credentials given in code".into(),
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
