//! A fake Azure Key Vault: the 401 challenge, `GET /secrets/{name}/?api-version=…`, and the service's real
//! response and error bodies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::server::{Handler, Recorded, Reply};

/// The API version the Rust SDK (azure_security_keyvault_secrets 1.0) sends.
pub const API_VERSION: &str = "2025-07-01";

/// The tenant named in the fake's challenge.
pub const CHALLENGE_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Decides the answer for one secret; gets how many authorized requests for that name came before.
pub type SecretOverride = Arc<dyn Fn(usize) -> Option<Reply> + Send + Sync>;

/// A fake vault holding secrets, expecting one bearer token.
pub struct FakeKeyVault {
    token: String,
    secrets: Mutex<HashMap<String, String>>,
    overrides: Mutex<HashMap<String, SecretOverride>>,
    hits: Mutex<HashMap<String, usize>>,
}

impl FakeKeyVault {
    /// A vault that accepts `Authorization: Bearer <token>`.
    pub fn new(token: &str) -> Arc<FakeKeyVault> {
        Arc::new(FakeKeyVault {
            token: token.to_owned(),
            secrets: Mutex::default(),
            overrides: Mutex::default(),
            hits: Mutex::default(),
        })
    }

    /// Stores a secret (names are case-insensitive, as in Key Vault).
    pub fn put(&self, name: &str, value: &str) -> &Self {
        self.secrets
            .lock()
            .unwrap()
            .insert(name.to_ascii_lowercase(), value.to_owned());
        self
    }

    /// Answers requests for `name` with `decide(n)` (n = earlier authorized requests for it); `None` falls back
    /// to the stored secrets.
    pub fn override_secret(
        &self,
        name: &str,
        decide: impl Fn(usize) -> Option<Reply> + Send + Sync + 'static,
    ) -> &Self {
        self.overrides
            .lock()
            .unwrap()
            .insert(name.to_ascii_lowercase(), Arc::new(decide));
        self
    }

    /// Always answers `reply` for `name`.
    pub fn always(&self, name: &str, reply: Reply) -> &Self {
        self.override_secret(name, move |_| Some(reply.clone()))
    }

    /// How many authorized reads of secret `name` arrived (the challenge round trip, which carries no token, is
    /// not counted).
    pub fn reads(&self, name: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .get(&name.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// The server handler.
    pub fn handler(self: &Arc<Self>) -> Handler {
        let vault = self.clone();
        Arc::new(move |request| vault.answer(request))
    }

    fn answer(&self, request: &Recorded) -> Reply {
        let Some(rest) = request.path.strip_prefix("/secrets/") else {
            return with_kv_headers(Reply::json(
                400,
                json!({"error": {"code": "BadParameter", "message": "Request URL is not valid."}}),
            ));
        };
        let api_version = request.query_param("api-version").unwrap_or_default();
        if api_version != API_VERSION {
            return with_kv_headers(Reply::json(
                400,
                json!({"error": {"code": "BadParameter", "message": format!(
                    "The specified version ({api_version}) is not recognized. Consider using the latest supported version ({API_VERSION})."
                )}}),
            ));
        }
        match request.header("authorization") {
            None => return challenge("AKV10000: Request is missing a Bearer or PoP token."),
            Some(auth) if auth != format!("Bearer {}", self.token) => {
                return challenge(
                    "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://management.azure.com/.",
                );
            }
            Some(_) => {}
        }
        // `/secrets/{name}/` (latest) or `/secrets/{name}/{version}`.
        let (encoded_name, version) = rest.split_once('/').unwrap_or((rest, ""));
        let name = percent_decode(encoded_name);
        let key = name.to_ascii_lowercase();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            || name.len() > 127
        {
            return with_kv_headers(Reply::json(
                400,
                json!({"error": {"code": "BadParameter", "message": format!("The request URI contains an invalid name: {name}")}}),
            ));
        }
        let seen = {
            let mut hits = self.hits.lock().unwrap();
            let n = hits.entry(key.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let decide = self.overrides.lock().unwrap().get(&key).cloned();
        if let Some(reply) = decide.and_then(|d| d(seen)) {
            return with_kv_headers(reply);
        }
        let host = request.header("host").unwrap_or("127.0.0.1");
        match self.secrets.lock().unwrap().get(&key) {
            Some(value) if version.is_empty() || version == "0f3c2bd52ad94ae1a2c5d8f8e0ea1234" => {
                with_kv_headers(Reply::json(200, secret_bundle(host, &name, value)))
            }
            _ => with_kv_headers(not_found(&name)),
        }
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn with_kv_headers(reply: Reply) -> Reply {
    reply
        .header("cache-control", "no-cache")
        .header("x-ms-keyvault-region", "westeurope")
        .header("x-ms-keyvault-service-version", "1.9.2771.1")
        .header("x-ms-request-id", "3b3e1b5c-0000-4000-8000-000000000000")
}

/// Key Vault's 401 challenge (the SDK sends its first request without a token to get it).
pub fn challenge(message: &str) -> Reply {
    with_kv_headers(
        Reply::json(401, json!({"error": {"code": "Unauthorized", "message": message}})).header(
            "www-authenticate",
            &format!(
                "Bearer authorization=\"https://login.microsoftonline.com/{CHALLENGE_TENANT}\", resource=\"https://vault.azure.net\""
            ),
        ),
    )
}

/// The 200 body of `GET /secrets/{name}/` (a "secret bundle").
pub fn secret_bundle(host: &str, name: &str, value: &str) -> serde_json::Value {
    json!({
        "value": value,
        "id": format!("https://{host}/secrets/{name}/0f3c2bd52ad94ae1a2c5d8f8e0ea1234"),
        "attributes": {
            "enabled": true,
            "created": 1_700_000_000,
            "updated": 1_700_000_000,
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": 90
        },
        "tags": {}
    })
}

/// The 404 answer for a missing secret.
pub fn not_found(name: &str) -> Reply {
    Reply::json(
        404,
        json!({"error": {
            "code": "SecretNotFound",
            "message": format!("A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")
        }}),
    )
}

/// 403 from a vault using access policies, when the identity lacks `get` on secrets.
pub fn forbidden_access_denied(vault: &str) -> Reply {
    Reply::json(
        403,
        json!({"error": {
            "code": "Forbidden",
            "message": format!("The user, group or application 'appid=00000000-0000-0000-0000-00000000c11e;oid=11111111-2222-3333-4444-555555555555;iss=https://sts.windows.net/{CHALLENGE_TENANT}/' does not have secrets get permission on key vault '{vault};location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287"),
            "innererror": {"code": "AccessDenied"}
        }}),
    )
}

/// 403 when an Azure Policy assignment denies the operation.
pub fn forbidden_by_policy() -> Reply {
    Reply::json(
        403,
        json!({"error": {
            "code": "Forbidden",
            "message": "Operation get is not allowed by policy. Caller: appid=00000000-0000-0000-0000-00000000c11e.",
            "innererror": {"code": "ForbiddenByPolicy"}
        }}),
    )
}

/// 403 for a disabled secret.
pub fn secret_disabled() -> Reply {
    Reply::json(
        403,
        json!({"error": {
            "code": "Forbidden",
            "message": "Operation get is not allowed on a disabled secret.",
            "innererror": {"code": "SecretDisabled"}
        }}),
    )
}

/// 429 throttling, with `Retry-After` in seconds.
pub fn throttled(retry_after_secs: u32) -> Reply {
    Reply::json(
        429,
        json!({"error": {
            "code": "Throttled",
            "message": "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"
        }}),
    )
    .header("retry-after", &retry_after_secs.to_string())
}

/// 503 from an overloaded front end.
pub fn service_unavailable() -> Reply {
    Reply::json(
        503,
        json!({"error": {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable. Please retry."}}),
    )
}

/// 500 internal error.
pub fn internal_error() -> Reply {
    Reply::json(
        500,
        json!({"error": {"code": "InternalServerError", "message": "An unexpected error occurred."}}),
    )
}
