//! The KV read: `GET /v1/{mount}/{path}` (v1) or `/v1/{mount}/data/{path}` (v2), sent on the backend's
//! shared reqwest client with hvac's headers and hvac's URL quoting.
//!
//! Why not `vaultrs::kv2::read`: measured, vaultrs (with rustify) emits three ERROR-level tracing events
//! for every 404, i.e. for every key that is simply not in Vault — the common case in Airflow's lookup
//! chain, where variables kept in `AIRFLOW_VAR_*` are asked of Vault first. It also quotes paths
//! differently from hvac and appends an empty `?` to KV v2 reads. Logins and token renewal, whose
//! failures are real errors, still go through vaultrs.

use airflow_secrets_core::connection::pyurl;
use serde_json::Value;

use crate::client::Transport;
use crate::config::KvVersion;
use crate::failure::Failure;
use crate::paths::SecretLocation;

/// The URL hvac requests for `location`: the API path quoted with Python's `quote(s)` (`safe="/"`:
/// everything but `A-Za-z0-9_.-~/` is escaped).
pub(crate) fn read_url(
    transport: &Transport,
    version: KvVersion,
    location: &SecretLocation,
) -> String {
    transport.api_url(&pyurl::quote(&location.api_path(version), "/"))
}

/// Reads the secret's data; `Ok(None)` for a 404 (absent, or a soft-deleted KV v2 version) and for KV
/// v2 data that is `null`.
pub(crate) async fn kv_get(
    transport: &Transport,
    token: &str,
    url: &str,
    version: KvVersion,
) -> Result<Option<Value>, Failure> {
    let response = transport
        .request(reqwest::Method::GET, url, token)
        .send()
        .await
        .map_err(|e| Failure::transport(&e))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| Failure::transport(&e))?;
    match status {
        200..=299 => {
            // The body may hold the secret: a parse failure reports the shape, never the content.
            let json: Value = serde_json::from_slice(&body)
                .map_err(|_| Failure::BadResponse("the response is not JSON".into()))?;
            let data = match (version, json.get("data")) {
                (_, None | Some(Value::Null)) => return Ok(None),
                (KvVersion::V1, Some(data)) => data,
                (KvVersion::V2, Some(outer)) => match outer.get("data") {
                    None => {
                        return Err(Failure::BadResponse(
                            "a KV v2 response without `data.data`".into(),
                        ));
                    }
                    Some(inner) => inner,
                },
            };
            Ok(Some(data.clone()))
        }
        404 => Ok(None),
        code => Err(Failure::Status {
            code,
            errors: vault_errors(&body),
        }),
    }
}

/// Vault's `{"errors": [...]}` messages; empty when the body is anything else (a proxy's page, the
/// metadata of a deleted version), which is never quoted.
pub(crate) fn vault_errors(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_array).cloned())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TokenSource, VaultAuth, VaultConfig};

    #[test]
    fn urls_are_quoted_like_hvac() {
        let config = VaultConfig::new(
            "http://vault:8200/",
            VaultAuth::Token(TokenSource::Literal("t".into())),
        );
        let transport = Transport::new(&config).unwrap();
        let loc =
            SecretLocation::new(Some("secret"), "variables", "a b:c@d?e#f%g~h.i-j_k/é").unwrap();
        assert_eq!(
            read_url(&transport, KvVersion::V2, &loc),
            "http://vault:8200/v1/secret/data/variables/a%20b%3Ac%40d%3Fe%23f%25g~h.i-j_k/%C3%A9"
        );
    }

    #[test]
    fn vault_errors_are_read_only_from_vaults_shape() {
        assert_eq!(
            vault_errors(br#"{"errors":["permission denied"]}"#),
            ["permission denied"]
        );
        assert!(vault_errors(b"<html>secret</html>").is_empty());
        assert!(vault_errors(br#"{"data":{"data":null}}"#).is_empty());
    }
}
