//! The project implied by the credentials, found without the network.

use std::path::PathBuf;

use airflow_secrets_core::Error;
use serde_json::Value;

use super::EnvLookup;
use super::keys::string_field;
use crate::errors::invalid;

/// Airflow's `_get_project_id_from_service_account_email`: `email.split("@")[1].split(".")[0]`.
pub(crate) fn project_from_service_account_email(email: &str) -> Result<String, Error> {
    match email.split_once('@') {
        Some((_, domain)) => Ok(domain.split('.').next().unwrap_or_default().to_owned()),
        None => Err(invalid(
            "impersonation_chain",
            format!("Could not extract project_id from service account's email: {email}."),
        )),
    }
}

/// The project of an external-account configuration, as google-auth's `project_number`: the component
/// after `projects` in the audience (`//iam.googleapis.com/projects/123/locations/global/...`), else
/// `workforce_pool_user_project`.
///
/// google-auth then asks Cloud Resource Manager for the project *id* of that number; we use the number
/// itself, which Secret Manager accepts in resource names, so construction stays off the network.
pub(crate) fn external_account_project(config: &Value) -> Option<String> {
    let audience = config
        .get("audience")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let components: Vec<&str> = audience.split('/').collect();
    components
        .iter()
        .position(|c| *c == "projects")
        .and_then(|i| components.get(i + 1))
        .filter(|n| !n.is_empty())
        .map(|n| (*n).to_owned())
        .or_else(|| string_field(config, "workforce_pool_user_project"))
}

/// The project `google.auth.default()` would report, from what is readable without the network:
/// `GOOGLE_CLOUD_PROJECT` / `GCLOUD_PROJECT`, else the ADC file's own project (a service-account key's
/// `project_id`, an external account's project number). The metadata server is not asked.
pub(crate) fn adc_project(env: EnvLookup<'_>) -> Option<String> {
    let from_env = ["GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"]
        .into_iter()
        .find_map(|name| env(name).filter(|v| !v.is_empty()));
    if from_env.is_some() {
        return from_env;
    }
    let path = match env("GOOGLE_APPLICATION_CREDENTIALS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            PathBuf::from(env("HOME")?).join(".config/gcloud/application_default_credentials.json")
        }
    };
    let config: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    match config.get("type").and_then(Value::as_str)? {
        "service_account" => string_field(&config, "project_id"),
        "external_account" => external_account_project(&config),
        _ => None,
    }
}
