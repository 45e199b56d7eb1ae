//! Masking kwargs for display (`airflow-secrets check`), with Airflow's sensitive-field rule.

use airflow_secrets_core::kwargs::Kwargs;
use serde_json::Value;

/// Airflow's `DEFAULT_SENSITIVE_FIELDS`: a key is sensitive when its lower-cased name contains one of
/// these. `secret_id`, `client_secret`, `gcp_keyfile_dict`, `token_path`... all match.
pub const SENSITIVE_FIELD_PARTS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
    "credential",
];

/// The replacement shown for a masked value.
pub const MASK: &str = "***";

/// `true` when a kwarg with this name holds a secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_lowercase();
    SENSITIVE_FIELD_PARTS.iter().any(|part| key.contains(part))
}

/// A copy of `kwargs` with every sensitive value (at any depth) replaced by `"***"`.
pub fn redact_kwargs(kwargs: &Kwargs) -> Kwargs {
    kwargs
        .iter()
        .map(|(k, v)| {
            let v = if is_sensitive_key(k) && !v.is_null() {
                Value::String(MASK.into())
            } else if let Value::Object(inner) = v {
                Value::Object(redact_kwargs(inner))
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_sensitive_values_at_any_depth() {
        let kwargs = json!({
            "url": "http://127.0.0.1:8200", "role_id": "r", "secret_id": "s", "token": "t",
            "gcp_keyfile_dict": {"private_key": "k"}, "connections_path": null,
            "assume_role_kwargs": {"RoleSessionName": "x", "ExternalId": "e", "SecretThing": "z"},
            "client_secret": "c", "password": "p",
        });
        let masked = redact_kwargs(kwargs.as_object().unwrap());
        assert_eq!(
            Value::Object(masked),
            json!({
                "url": "http://127.0.0.1:8200", "role_id": "r", "secret_id": "***", "token": "***",
                "gcp_keyfile_dict": "***", "connections_path": null,
                "assume_role_kwargs": {"RoleSessionName": "x", "ExternalId": "e", "SecretThing": "***"},
                "client_secret": "***", "password": "***",
            })
        );
    }
}
