//! The project implied by the credentials, found without the network.

use std::path::PathBuf;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use serde_json::Value;

use airflow_secrets_core::provider::env::EnvSnapshot;

use crate::BACKEND;

/// The environment variables this crate reads itself, captured once when the backend is built
/// ([`EnvSnapshot::capture`]): only to find the project of application-default credentials when
/// `project_id` is not given (`GOOGLE_CLOUD_PROJECT`, `GCLOUD_PROJECT`, then the project of the
/// credentials file at `GOOGLE_APPLICATION_CREDENTIALS` or `$HOME/.config/gcloud/...`). An empty value
/// counts as unset. The Google auth library reads its own variables (`GOOGLE_APPLICATION_CREDENTIALS`,
/// ...) when it builds application-default credentials on the first lookup. `GCE_METADATA_HOST`: the
/// metadata server asked for the project when nothing else names one (google-cloud-auth reads it too,
/// from the process environment, for the token).
pub const HONOURED: &[&str] = &[
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "HOME",
    "GCE_METADATA_HOST",
];

/// Airflow's `_get_project_id_from_service_account_email`: `email.split("@")[1].split(".")[0]`.
pub(crate) fn project_from_service_account_email(email: &str) -> Result<String, Error> {
    match email.split_once('@') {
        Some((_, domain)) => Ok(domain.split('.').next().unwrap_or_default().to_owned()),
        None => Err(invalid_kwarg(
            BACKEND,
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
pub(crate) fn adc_project(env: &EnvSnapshot) -> Option<String> {
    let from_env = ["GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"]
        .into_iter()
        .find_map(|name| env.get(name))
        .map(str::to_owned);
    if from_env.is_some() {
        return from_env;
    }
    let path = match env.get("GOOGLE_APPLICATION_CREDENTIALS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env.get("HOME")?)
            .join(".config/gcloud/application_default_credentials.json"),
    };
    let config: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    match config.get("type").and_then(Value::as_str)? {
        "service_account" => string_field(&config, "project_id"),
        "external_account" => external_account_project(&config),
        _ => None,
    }
}

/// The non-empty string `field` of a JSON object.
pub(super) fn string_field(key: &Value, field: &str) -> Option<String> {
    key.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
