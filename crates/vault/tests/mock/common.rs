//! Shared helpers: kwargs against a wiremock server, and Vault's real response shapes (copied from an
//! OpenBao 2.x dev server).

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_vault::{VaultBackend, VaultEnv};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The token the `token` auth of [`token_kwargs`] uses.
pub const TOKEN: &str = "s.mockRootToken";

/// `{"url": <server>}` merged with `extra`.
pub fn kwargs(server: &MockServer, extra: Value) -> Kwargs {
    let mut map = json!({ "url": server.uri() }).as_object().unwrap().clone();
    map.extend(
        extra
            .as_object()
            .expect("extra kwargs are an object")
            .clone(),
    );
    map
}

/// Token auth with [`TOKEN`], merged with `extra`.
pub fn token_kwargs(server: &MockServer, extra: Value) -> Kwargs {
    let mut map = kwargs(server, json!({ "auth_type": "token", "token": TOKEN }));
    map.extend(extra.as_object().unwrap().clone());
    map
}

/// Builds the backend with an empty environment (nothing leaks in from the test process).
pub fn backend(kwargs: &Kwargs) -> VaultBackend {
    VaultBackend::from_kwargs_with_env(kwargs, &VaultEnv::empty()).expect("valid kwargs")
}

fn envelope(data: Value, auth: Value, lease_duration: u64) -> Value {
    json!({
        "request_id": "2584b4af-3c00-aea3-24b5-73ed60ec45ae",
        "lease_id": "",
        "renewable": false,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
    })
}

/// A KV v2 read answering `data`.
pub fn kv2(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        json!({
            "data": data,
            "metadata": {
                "created_time": "2026-11-25T19:33:16.415958807Z",
                "custom_metadata": null,
                "deletion_time": "",
                "destroyed": false,
                "version": 1
            }
        }),
        Value::Null,
        0,
    ))
}

/// A KV v1 read answering `data`.
pub fn kv1(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(data, Value::Null, 2764800))
}

/// The 404 of a soft-deleted KV v2 version: metadata, no `errors`.
pub fn kv2_deleted() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(envelope(
        json!({
            "data": null,
            "metadata": {
                "created_time": "2026-11-25T19:33:16.415958807Z",
                "custom_metadata": null,
                "deletion_time": "2026-11-25T19:33:16.569224053Z",
                "destroyed": false,
                "version": 1
            }
        }),
        Value::Null,
        0,
    ))
}

/// Vault's error shape.
pub fn vault_error(status: u16, errors: &[&str]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "errors": errors }))
}

/// A login (or renew-self) answer issuing `token`.
pub fn auth_response(token: &str, lease_duration: u64, renewable: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        Value::Null,
        json!({
            "client_token": token,
            "accessor": "Ny04pqLWmOLfRBTRNy7J0nuQ",
            "policies": ["default", "p"],
            "token_policies": ["default", "p"],
            "metadata": { "role_name": "r" },
            "lease_duration": lease_duration,
            "renewable": renewable,
            "entity_id": "0bfae91e-f7f9-4f77-e944-cc848fd29c7c",
            "token_type": "service",
            "orphan": true,
            "mfa_requirement": null,
            "num_uses": 0
        }),
        0,
    ))
}

/// `auth/token/lookup-self` for a token with `ttl` seconds left (0: never expires).
pub fn lookup_self_response(ttl: u64, renewable: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(envelope(
        json!({
            "accessor": "Ny04pqLWmOLfRBTRNy7J0nuQ",
            "creation_ttl": ttl,
            "display_name": "token",
            "entity_id": "",
            "expire_time": null,
            "explicit_max_ttl": 0,
            "id": TOKEN,
            "meta": null,
            "num_uses": 0,
            "orphan": true,
            "path": "auth/token/create",
            "policies": ["root"],
            "renewable": renewable,
            "ttl": ttl,
            "type": "service"
        }),
        Value::Null,
        0,
    ))
}

/// Mounts the lookup-self that token auth sends once per token (a non-expiring token).
pub async fn mount_lookup_self(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/v1/auth/token/lookup-self"))
        .and(header("X-Vault-Token", token))
        .respond_with(lookup_self_response(0, false))
        .mount(server)
        .await;
}

/// Every request the server saw, as `METHOD path`.
pub async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}
