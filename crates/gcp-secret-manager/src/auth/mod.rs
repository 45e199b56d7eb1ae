//! Credentials: which source the kwargs select, the project it implies, and building the SDK's
//! [`Credentials`] from it.
//!
//! Everything that can be checked without the network is checked at construction (files read, JSON
//! parsed, required fields present, the project resolved). The SDK credentials themselves are built on
//! the first lookup: google-cloud-auth starts a token-refresh task as soon as they are built, which
//! needs the caller's tokio runtime and, for every source but a service-account key, the network.

mod keys;
pub(crate) mod metadata;
mod project;
mod source;

use std::fmt;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::redact;
use google_cloud_auth::credentials::{
    self, Credentials, anonymous, external_account, impersonated, service_account, user_account,
};
use serde_json::Value;

use crate::BACKEND;
use crate::kwargs::CloudSecretManagerKwargs;
use keys::{credential_config, json_object, service_account_from_path, service_account_key};
pub use project::HONOURED;
use project::{adc_project, project_from_service_account_email, string_field};
pub(crate) use source::Source;

/// The scope Airflow (and Google's client libraries) use when none is given.
pub const DEFAULT_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// `impersonation_chain`, split as Airflow's `_get_target_principal_and_delegates` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Impersonation {
    /// The account impersonated (the last of the chain).
    pub target_principal: String,
    /// The accounts before it.
    pub delegates: Vec<String>,
}

/// Everything needed to build the SDK credentials later.
#[derive(Debug, Clone)]
pub(crate) struct CredentialPlan {
    pub source: Source,
    pub scopes: Vec<String>,
    pub impersonation: Option<Impersonation>,
}

/// Picks the credential source and the project it implies, as Airflow's
/// `get_credentials_and_project_id` does, without touching the network.
///
/// Returns the plan and the credentials' project (`None` when the source does not name one).
pub(crate) fn plan(
    kwargs: &CloudSecretManagerKwargs,
    env: &EnvSnapshot,
) -> Result<(CredentialPlan, Option<String>), Error> {
    let keyfile_dict = kwargs.gcp_keyfile_dict.as_ref().filter(|v| is_truthy(v));
    let key_path = kwargs.gcp_key_path.as_deref().filter(|p| !p.is_empty());
    let config_file = kwargs
        .gcp_credential_config_file
        .as_ref()
        .filter(|v| is_truthy(v));

    // Airflow's _CredentialProvider refuses more than one credential option (AirflowException, which the
    // backend does not catch); `anonymous_credentials` plays the role of its `is_anonymous`.
    let given: Vec<&str> = [
        ("gcp_key_path", key_path.is_some()),
        ("gcp_keyfile_dict", keyfile_dict.is_some()),
        ("gcp_credential_config_file", config_file.is_some()),
        ("anonymous_credentials", kwargs.anonymous_credentials),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if given.len() > 1 {
        return Err(invalid_kwarg(
            BACKEND,
            given.join(", "),
            format!(
                "`gcp_keyfile_dict`, `gcp_key_path`, `gcp_credential_config_file` and `anonymous_credentials` \
                 are mutually exclusive (as in Airflow); received: {}. Please provide only one value",
                given.join(", ")
            ),
        ));
    }

    let (source, mut project) = if let Some(path) = key_path {
        let key = service_account_from_path(path)?;
        let project = string_field(&key, "project_id");
        (
            Source::ServiceAccount {
                key,
                from: "gcp_key_path",
            },
            project,
        )
    } else if let Some(dict) = keyfile_dict {
        let key = service_account_key(json_object(dict, "gcp_keyfile_dict")?, "gcp_keyfile_dict")?;
        let project = string_field(&key, "project_id");
        (
            Source::ServiceAccount {
                key,
                from: "gcp_keyfile_dict",
            },
            project,
        )
    } else if let Some(config) = config_file {
        credential_config(config)?
    } else if kwargs.anonymous_credentials {
        (Source::Anonymous, None)
    } else {
        (Source::ApplicationDefault, None)
    };

    let impersonation = match kwargs.impersonation_chain.as_deref() {
        None | Some([]) => None,
        Some(chain) => {
            if kwargs.anonymous_credentials {
                return Err(invalid_kwarg(
                    BACKEND,
                    "impersonation_chain",
                    "cannot impersonate a service account with `anonymous_credentials`",
                ));
            }
            let (target, delegates) = chain.split_last().expect("chain is not empty");
            Some(Impersonation {
                target_principal: target.clone(),
                delegates: delegates.to_vec(),
            })
        }
    };
    if let Some(imp) = &impersonation {
        // Airflow: project_id = _get_project_id_from_service_account_email(target_principal).
        project = Some(project_from_service_account_email(&imp.target_principal)?)
            .filter(|p| !p.is_empty());
    }

    let needs_project = kwargs.project_id.as_deref().is_none_or(str::is_empty);
    if matches!(source, Source::ApplicationDefault) && project.is_none() && needs_project {
        project = adc_project(env);
    }

    let scopes = parse_scopes(kwargs.gcp_scopes.as_deref());
    Ok((
        CredentialPlan {
            source,
            scopes,
            impersonation,
        },
        project,
    ))
}

/// Python truthiness of a kwarg value: `""`, `{}`, `[]`, `false` and `null` count as "not given".
fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(_) => true,
    }
}

/// Airflow's `_get_scopes`: comma-separated, stripped; the cloud-platform scope when none is given.
pub(crate) fn parse_scopes(scopes: Option<&str>) -> Vec<String> {
    let parsed: Vec<String> = scopes
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if parsed.is_empty() {
        vec![DEFAULT_SCOPE.to_owned()]
    } else {
        parsed
    }
}

/// A build error of google-cloud-auth, with serde's echo of values removed.
#[derive(Debug)]
pub(crate) struct BuildError(pub String);

impl BuildError {
    fn from_sdk(e: impl fmt::Display) -> Self {
        let text = e.to_string();
        // serde messages may quote the offending value ("invalid type: string \"...\", expected ...").
        BuildError(match text.split_once("invalid type:") {
            Some((head, tail)) => format!(
                "{head}a field has the wrong type, {}",
                redact::serde_message(&format!("invalid type:{tail}"))
            ),
            None => text,
        })
    }
}

impl CredentialPlan {
    /// Builds the SDK credentials. Must run inside the tokio runtime that will use them.
    pub(crate) fn build(&self) -> Result<Credentials, BuildError> {
        let scopes = self.scopes.clone();
        let base = match &self.source {
            Source::ServiceAccount { key, .. } => service_account::Builder::new(key.clone())
                .with_access_specifier(service_account::AccessSpecifier::from_scopes(
                    scopes.clone(),
                ))
                .build(),
            Source::ExternalAccount(config) => external_account::Builder::new(config.clone())
                .with_scopes(scopes.clone())
                .build(),
            Source::AuthorizedUser(config) => user_account::Builder::new(config.clone())
                .with_scopes(scopes.clone())
                .build(),
            Source::ImpersonatedServiceAccount(config) => {
                impersonated::Builder::new(config.clone())
                    .with_scopes(scopes.clone())
                    .build()
            }
            Source::Anonymous => return Ok(anonymous::Builder::new().build()),
            Source::ApplicationDefault => credentials::Builder::default()
                .with_scopes(scopes.clone())
                .build(),
            Source::Custom(credentials) => Ok(credentials.clone()),
        }
        .map_err(BuildError::from_sdk)?;
        match &self.impersonation {
            None => Ok(base),
            Some(imp) => impersonated::Builder::from_source_credentials(base)
                .with_target_principal(imp.target_principal.clone())
                .with_delegates(imp.delegates.clone())
                .with_scopes(scopes)
                .build()
                .map_err(BuildError::from_sdk),
        }
    }
}

#[cfg(test)]
mod tests;
