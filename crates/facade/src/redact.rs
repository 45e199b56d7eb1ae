//! Masking kwargs for display (`airflow-secrets check`, `Debug` of the settings): Airflow's
//! sensitive-field rule by key name, plus URL userinfo wherever a URL appears, whatever its key.

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::redact as core_redact;
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
pub const MASK: &str = core_redact::MASK;

/// `true` when a kwarg with this name holds a secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_lowercase();
    SENSITIVE_FIELD_PARTS.iter().any(|part| key.contains(part))
}

/// A copy of `kwargs` fit to show:
///
/// * every value (at any depth) under a sensitive key is replaced by `"***"` (Airflow's rule);
/// * in every other string, the userinfo of any URL is masked (`http://***@proxy:3128`): a proxy, a
///   Vault address or an endpoint may carry `user:password@`;
/// * every value under a `proxies` key is read as a proxy URL, with or without a scheme
///   (`user:pass@proxy:3128` → `***@proxy:3128`), as requests reads it;
/// * a string holding a JSON object (object kwargs given as text, per-key overrides) is masked the
///   same way, inside.
pub fn redact_kwargs(kwargs: &Kwargs) -> Kwargs {
    redact_object(kwargs, false)
}

fn redact_object(map: &Kwargs, in_proxies: bool) -> Kwargs {
    map.iter()
        .map(|(k, v)| (k.clone(), redact_value(k, v, in_proxies)))
        .collect()
}

fn redact_value(key: &str, value: &Value, in_proxies: bool) -> Value {
    if is_sensitive_key(key) && !value.is_null() {
        return Value::String(MASK.into());
    }
    let in_proxies = in_proxies || key.eq_ignore_ascii_case("proxies");
    match value {
        Value::String(s) => Value::String(redact_string(s, in_proxies)),
        Value::Object(inner) => Value::Object(redact_object(inner, in_proxies)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| redact_value(key, item, in_proxies))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn redact_string(s: &str, proxy: bool) -> String {
    if s.trim_start().starts_with('{')
        && let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(s)
    {
        return Value::Object(redact_object(&inner, proxy)).to_string();
    }
    // requests accepts a proxy without a scheme (`user:pass@host:port`), which the URL rule misses.
    if proxy
        && !s.contains("://")
        && let Some((_, host)) = s.rsplit_once('@')
    {
        return format!("{MASK}@{host}");
    }
    core_redact::urls_in_text(s).into_owned()
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

    #[test]
    fn trust_07_url_userinfo_is_masked_whatever_the_key() {
        let kwargs = json!({
            "proxies": {"https": "http://user:ProxyPassw0rd@proxy:3128", "http": "user:ProxyPassw0rd@proxy:3128",
                        "all": "http://proxy:3128"},
            "url": "https://tok3nInUrl@vault.example.com:8200",
            "endpoint_url": "http://ak:UrlPassw0rd@127.0.0.1:5000/",
            "list": ["x", "postgres://u:ListPassw0rd@db/x"],
            "config_kwargs": "{\"proxies\": {\"https\": \"http://u:JsonStringPassw0rd@p:1\"}, \"client_secret\": \"JsonStringS3cret\"}",
            "note": "see http://a:TextPassw0rd@h/x for details",
            "mail": "me@example.com",
        });
        let masked = Value::Object(redact_kwargs(kwargs.as_object().unwrap())).to_string();
        for planted in [
            "ProxyPassw0rd",
            "tok3nInUrl",
            "UrlPassw0rd",
            "ListPassw0rd",
            "JsonStringPassw0rd",
            "JsonStringS3cret",
            "TextPassw0rd",
        ] {
            assert!(!masked.contains(planted), "{planted} in {masked}");
        }
        let masked = redact_kwargs(kwargs.as_object().unwrap());
        assert_eq!(masked["proxies"]["https"], "http://***@proxy:3128");
        assert_eq!(masked["proxies"]["http"], "***@proxy:3128");
        assert_eq!(masked["proxies"]["all"], "http://proxy:3128");
        assert_eq!(masked["url"], "https://***@vault.example.com:8200");
        assert_eq!(masked["list"], json!(["x", "postgres://***@db/x"]));
        assert_eq!(masked["mail"], "me@example.com");
    }
}
