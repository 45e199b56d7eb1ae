//! Secret Manager's REST format on a wiremock server: the request `CloudSecretManagerBackend` sends, and
//! the answers Google gives. Used by the facade's and the CLI's Secret Manager suites. Needs the
//! `wiremock` feature.

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// `AccessSecretVersion` of `projects/{project}/secrets/{secret_id}/versions/latest`, as the backend
/// sends it.
pub fn access(project: &str, secret_id: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1/projects/{project}/secrets/{secret_id}/versions/latest:access"
        )))
        .and(query_param("$alt", "json;enum-encoding=int"))
}

/// Answers every [`access`] of `secret_id` in `project` with `response`.
pub async fn mount(
    server: &MockServer,
    project: &str,
    secret_id: &str,
    response: ResponseTemplate,
) {
    access(project, secret_id)
        .respond_with(response)
        .mount(server)
        .await;
}

/// The latest version of `secret_id`, holding `value`.
pub fn found(secret_id: &str, value: &str) -> ResponseTemplate {
    use base64::Engine as _;
    ResponseTemplate::new(200).set_body_json(json!({
        "name": format!("projects/123456789012/secrets/{secret_id}/versions/1"),
        "payload": {"data": base64::engine::general_purpose::STANDARD.encode(value)}
    }))
}

/// A Google API error: HTTP status `http`, gRPC `status`, `message`.
pub fn google_error(http: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http)
        .set_body_json(json!({"error": {"code": http, "message": message, "status": status}}))
}

/// The 404 of a secret that does not exist (or has no versions).
pub fn not_found(project: &str, secret_id: &str) -> ResponseTemplate {
    google_error(
        404,
        "NOT_FOUND",
        &format!("Secret [projects/{project}/secrets/{secret_id}] not found or has no versions."),
    )
}

/// The 403 of a read the caller's IAM policy does not allow.
pub fn permission_denied(project: &str, secret_id: &str) -> ResponseTemplate {
    google_error(
        403,
        "PERMISSION_DENIED",
        &format!(
            "Permission 'secretmanager.versions.access' denied for resource \
             'projects/{project}/secrets/{secret_id}/versions/latest' (or it may not exist)."
        ),
    )
}

/// The 503 of a service that is down for the moment.
pub fn unavailable() -> ResponseTemplate {
    google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
}
