//! Vault's real response shapes (copied from an OpenBao 2.x dev server), for wiremock.
//!
//! Used by the vault crate's mock suite and the facade's Vault fault and `Debug` suites. Needs the
//! `wiremock` feature.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

/// The envelope of every Vault answer.
pub fn envelope(data: Value, auth: Value, lease_duration: u64) -> Value {
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
    ResponseTemplate::new(200).set_body_json(auth_body(token, lease_duration, renewable))
}

/// The body of [`auth_response`] (for servers other than wiremock's).
pub fn auth_body(token: &str, lease_duration: u64, renewable: bool) -> Value {
    envelope(
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
    )
}
