//! The GCE metadata server as a local mock, for the suites that run a program with
//! `GCE_METADATA_HOST=127.0.0.1:<port>`: the project id and the default service account's token, each
//! answered only to requests carrying `Metadata-Flavor: Google` (as the real server), with that header
//! on the answer.

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The path of the project id.
pub const PROJECT_ID_PATH: &str = "/computeMetadata/v1/project/project-id";
/// The path of the default service account's access token.
pub const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

fn google(response: ResponseTemplate) -> ResponseTemplate {
    response.insert_header("Metadata-Flavor", "Google")
}

/// Mounts the project id `project` and the access token `access_token`; any other request, or one
/// without `Metadata-Flavor: Google`, gets 404 / 403.
pub async fn mount(server: &MockServer, project: &str, access_token: &str) {
    Mock::given(method("GET"))
        .and(path(PROJECT_ID_PATH))
        .and(header("metadata-flavor", "Google"))
        .respond_with(google(ResponseTemplate::new(200).set_body_string(project)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(TOKEN_PATH))
        .and(header("metadata-flavor", "Google"))
        .respond_with(google(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": access_token, "expires_in": 3599, "token_type": "Bearer"
        }))))
        .mount(server)
        .await;
    // The real server refuses a request without the header.
    Mock::given(method("GET"))
        .respond_with(google(ResponseTemplate::new(403)))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// The path of the default service account's description (google-auth reads its `email`).
pub const ACCOUNT_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/";

/// Mounts the default service account's description, naming `email` (google-auth's
/// `?recursive=true` read), for clients that need the account itself (Vault's gcp login).
pub async fn mount_account(server: &MockServer, email: &str) {
    Mock::given(method("GET"))
        .and(path(ACCOUNT_PATH))
        .and(header("metadata-flavor", "Google"))
        .respond_with(google(ResponseTemplate::new(200).set_body_json(json!({
            "aliases": ["default"], "email": email,
            "scopes": ["https://www.googleapis.com/auth/cloud-platform"]
        }))))
        .mount(server)
        .await;
}
