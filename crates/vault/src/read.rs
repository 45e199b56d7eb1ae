//! The KV read: `GET /v1/{mount}/{path}` (v1) or `/v1/{mount}/data/{path}` (v2), sent on the backend's
//! shared reqwest client with hvac's headers and hvac's URL quoting.
//!
//! Why not a Vault client crate (vaultrs): measured, it emits three ERROR-level tracing events for
//! every 404, i.e. for every key that is simply not in Vault — the common case in Airflow's lookup
//! chain, where variables kept in `AIRFLOW_VAR_*` are asked of Vault first; it quotes paths differently
//! from hvac, appends an empty `?` to KV v2 reads, and reads whole bodies with no size limit. Every
//! request goes through src/http.rs instead.

use airflow_secrets_core::connection::pyurl;
use serde_json::Value;

use crate::client::Transport;
use crate::config::KvVersion;
use crate::errors::Failure;
use crate::http::exchange;
use crate::names::SecretLocation;

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
    // The body is read up to MAX_RESPONSE_BYTES (src/http.rs), never further.
    let answer = exchange(transport.request(reqwest::Method::GET, url, token)).await?;
    if answer.status == 404 {
        return Ok(None);
    }
    let body = answer.success_body()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TokenSource, VaultAuth, VaultConfig};
    use crate::names::location;

    #[test]
    fn urls_are_quoted_like_hvac() {
        let config = VaultConfig::new(
            "http://vault:8200/",
            VaultAuth::Token(TokenSource::Literal("t".into())),
        );
        let transport = Transport::new(&config).unwrap();
        let loc = location("variables", "a b:c@d?e#f%g~h.i-j_k/é", Some("secret")).unwrap();
        assert_eq!(
            read_url(&transport, KvVersion::V2, &loc),
            "http://vault:8200/v1/secret/data/variables/a%20b%3Ac%40d%3Fe%23f%25g~h.i-j_k/%C3%A9"
        );
    }
}
