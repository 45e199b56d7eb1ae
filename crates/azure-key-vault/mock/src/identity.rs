//! Fake token sources: Entra ID's v2 token endpoint, the App Service managed identity endpoint and IMDS.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::server::{Handler, Recorded, Reply};

/// The scope the Key Vault SDK asks tokens for.
pub const KEY_VAULT_SCOPE: &str = "https://vault.azure.net/.default";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How an application proves who it is to the fake Entra ID.
#[derive(Debug, Clone)]
pub enum ClientProof {
    /// `client_secret=<secret>`.
    Secret(String),
    /// `client_assertion=<assertion>` with the JWT-bearer assertion type (workload identity).
    Assertion(String),
}

/// A fake Entra ID tenant that knows one application and issues `token` for the Key Vault scope.
#[derive(Debug, Clone)]
pub struct FakeEntra {
    /// The tenant id in the token path.
    pub tenant: String,
    /// The application's client id.
    pub client_id: String,
    /// What the application must present.
    pub proof: ClientProof,
    /// The access token issued.
    pub token: String,
}

impl FakeEntra {
    /// The server handler for `POST /{tenant}/oauth2/v2.0/token`.
    pub fn handler(&self) -> Handler {
        let entra = self.clone();
        Arc::new(move |request| entra.answer(request))
    }

    fn answer(&self, request: &Recorded) -> Reply {
        let expected_path = format!("/{}/oauth2/v2.0/token", self.tenant);
        if request.method != "POST" || !request.path.ends_with("/oauth2/v2.0/token") {
            return Reply::json(404, json!({"error": "not_found"}));
        }
        if request.path != expected_path {
            let tenant = request
                .path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            return aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            );
        }
        if request.form_param("grant_type").as_deref() != Some("client_credentials") {
            return aad_error(
                400,
                "unsupported_grant_type",
                70003,
                "AADSTS70003: The app requested an unsupported grant type.",
            );
        }
        if request.form_param("client_id").as_deref() != Some(self.client_id.as_str()) {
            return aad_error(
                400,
                "unauthorized_client",
                700016,
                "AADSTS700016: Application with identifier was not found in the directory.",
            );
        }
        let proven = match &self.proof {
            ClientProof::Secret(secret) => {
                request.form_param("client_secret").as_deref() == Some(secret.as_str())
            }
            ClientProof::Assertion(assertion) => {
                request.form_param("client_assertion_type").as_deref()
                    == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    && request.form_param("client_assertion").as_deref() == Some(assertion.as_str())
            }
        };
        if !proven {
            return aad_error(
                401,
                "invalid_client",
                7000215,
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
            );
        }
        if request.form_param("scope").as_deref() != Some(KEY_VAULT_SCOPE) {
            return aad_error(
                400,
                "invalid_scope",
                1002012,
                "AADSTS1002012: The provided value for scope is not valid.",
            );
        }
        Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": self.token}),
        )
    }
}

fn aad_error(status: u16, error: &str, code: u32, description: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "error": error,
            "error_description": format!("{description}\r\nTrace ID: 0b1c7d0c-0000-4000-8000-000000000000\r\nCorrelation ID: 5e8f3a2b-0000-4000-8000-000000000000\r\nTimestamp: 2025-01-01 00:00:00Z"),
            "error_codes": [code],
            "timestamp": "2025-01-01 00:00:00Z",
            "trace_id": "0b1c7d0c-0000-4000-8000-000000000000",
            "correlation_id": "5e8f3a2b-0000-4000-8000-000000000000",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
        }),
    )
}

/// The App Service / Functions / Container Apps identity endpoint (`IDENTITY_ENDPOINT`, API 2019-08-01):
/// requires `X-IDENTITY-HEADER: <secret_header>`; answers `token`.
pub fn app_service_handler(secret_header: &str, token: &str) -> Handler {
    let secret_header = secret_header.to_owned();
    let token = token.to_owned();
    Arc::new(move |request: &Recorded| {
        if request.header("x-identity-header") != Some(secret_header.as_str()) {
            return Reply::json(
                401,
                json!({"statusCode": 401, "message": "Unauthorized: X-IDENTITY-HEADER mismatch"}),
            );
        }
        if request.query_param("api-version").as_deref() != Some("2019-08-01") {
            return Reply::json(
                400,
                json!({"statusCode": 400, "message": "Invalid api-version"}),
            );
        }
        let resource = request.query_param("resource").unwrap_or_default();
        Reply::json(
            200,
            json!({
                "access_token": token,
                "expires_on": (now() + 3600).to_string(),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": request.query_param("client_id").unwrap_or_else(|| "system-assigned".into())
            }),
        )
    })
}

/// The instance metadata service's token endpoint (API 2018-02-01): requires `Metadata: true`.
pub fn imds_handler(token: &str) -> Handler {
    let token = token.to_owned();
    Arc::new(move |request: &Recorded| {
        if request.path != "/metadata/identity/oauth2/token" {
            return Reply::json(404, json!({"error": "not_found"}));
        }
        if request.header("metadata") != Some("true") {
            return Reply::json(
                400,
                json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
            );
        }
        let expires_on = now() + 86399;
        Reply::json(
            200,
            json!({
                "access_token": token,
                "client_id": request.query_param("client_id").unwrap_or_else(|| "system-assigned".into()),
                "expires_in": "86399",
                "expires_on": expires_on.to_string(),
                "ext_expires_in": "86399",
                "not_before": now().to_string(),
                "resource": request.query_param("resource").unwrap_or_default(),
                "token_type": "Bearer"
            }),
        )
    })
}
