//! Reading and checking credential files and JSON: service-account keys and credential configurations.

use std::path::Path;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use serde_json::{Map, Value};

use super::project::{external_account_project, string_field};
use super::source::Source;

use crate::BACKEND;

/// A JSON object given as an object or as a string holding one.
pub(super) fn json_object(value: &Value, kwarg: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        Value::String(text) => parse_object(text, kwarg, "its value"),
        _ => Err(invalid_kwarg(
            BACKEND,
            kwarg,
            "expected a JSON object or a string holding one",
        )),
    }
}

fn parse_object(text: &str, kwarg: &str, what: &str) -> Result<Map<String, Value>, Error> {
    // serde_json's syntax errors give a position, never the input.
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_kwarg(
            BACKEND,
            kwarg,
            format!("{what} must be a JSON object"),
        )),
        Err(e) => Err(invalid_kwarg(
            BACKEND,
            kwarg,
            format!("{what} is not valid JSON: {e}"),
        )),
    }
}

/// Checks a service-account key and normalises it: escaped `\n` in `private_key` become newlines (Airflow
/// does this for `gcp_keyfile_dict`, because keys pasted into JSON strings often arrive escaped twice).
pub(super) fn service_account_key(
    mut key: Map<String, Value>,
    kwarg: &str,
) -> Result<Value, Error> {
    let missing: Vec<&str> = [
        "client_email",
        "private_key",
        "private_key_id",
        "project_id",
    ]
    .into_iter()
    .filter(|f| !key.get(*f).is_some_and(Value::is_string))
    .collect();
    if !missing.is_empty() {
        return Err(invalid_kwarg(
            BACKEND,
            kwarg,
            format!(
                "the service-account key lacks the string field(s) {}; use a JSON key created with \
                 `gcloud iam service-accounts keys create`",
                missing
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(Value::String(pem)) = key.get_mut("private_key")
        && pem.contains("\\n")
    {
        *pem = pem.replace("\\n", "\n");
    }
    Ok(Value::Object(key))
}

/// Airflow's `_get_credentials_using_key_path`: `.p12` is refused, anything but `.json` too.
pub(super) fn service_account_from_path(path: &str) -> Result<Value, Error> {
    if path.ends_with(".p12") {
        return Err(invalid_kwarg(
            BACKEND,
            "gcp_key_path",
            "Legacy P12 key file are not supported, use a JSON key file.",
        ));
    }
    if !path.ends_with(".json") {
        return Err(invalid_kwarg(
            BACKEND,
            "gcp_key_path",
            format!("Unrecognised extension for key file `{path}` (expected .json)."),
        ));
    }
    let text = read(Path::new(path), "gcp_key_path")?;
    let key = parse_object(&text, "gcp_key_path", &format!("the key file `{path}`"))?;
    service_account_key(key, "gcp_key_path")
}

fn read(path: &Path, kwarg: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| {
        invalid_kwarg(
            BACKEND,
            kwarg,
            format!("cannot read `{}`: {e}", path.display()),
        )
    })
}

/// `gcp_credential_config_file`: a path to an existing file, else JSON text, or a JSON object (Airflow
/// accepts all three), dispatched on its `type` as `google.auth.load_credentials_from_file` does.
pub(super) fn credential_config(value: &Value) -> Result<(Source, Option<String>), Error> {
    const KWARG: &str = "gcp_credential_config_file";
    let config = match value {
        Value::Object(map) => map.clone(),
        Value::String(text) if Path::new(text).is_file() => {
            let contents = read(Path::new(text), KWARG)?;
            parse_object(&contents, KWARG, &format!("the file `{text}`"))?
        }
        Value::String(text) => {
            parse_object(text, KWARG, "the value (neither an existing file nor JSON)")?
        }
        _ => {
            return Err(invalid_kwarg(
                BACKEND,
                KWARG,
                "expected a file path, JSON text or a JSON object",
            ));
        }
    };
    let kind = config
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match kind.as_str() {
        "service_account" => {
            let key = service_account_key(config, KWARG)?;
            let project = string_field(&key, "project_id");
            Ok((Source::ServiceAccount { key, from: KWARG }, project))
        }
        "external_account" => {
            if !config.get("audience").is_some_and(Value::is_string) {
                return Err(invalid_kwarg(
                    BACKEND,
                    KWARG,
                    "the external_account configuration lacks the string field `audience`",
                ));
            }
            let config = Value::Object(config);
            let project = external_account_project(&config);
            Ok((Source::ExternalAccount(config), project))
        }
        "authorized_user" => Ok((Source::AuthorizedUser(Value::Object(config)), None)),
        "impersonated_service_account" => Ok((
            Source::ImpersonatedServiceAccount(Value::Object(config)),
            None,
        )),
        "" => Err(invalid_kwarg(
            BACKEND,
            KWARG,
            "the credential configuration has no `type` field",
        )),
        other => Err(invalid_kwarg(
            BACKEND,
            KWARG,
            format!(
                "unsupported credential type `{other}`; expected external_account, service_account, \
                 authorized_user or impersonated_service_account"
            ),
        )),
    }
}
