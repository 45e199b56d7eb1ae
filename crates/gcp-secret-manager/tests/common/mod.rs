//! Shared pieces of the mock suite: a wiremock server speaking Secret Manager's REST wire format, test
//! credentials that send a known bearer token, and a tracing capture.
//!
//! Every backend built here gets explicit credentials (a fixed token, a generated service-account key or
//! anonymous), so no test ever falls back to application-default credentials, which would probe the
//! GCE metadata server.
//!
//! Leak checks: every backend built by [`backend`] installs the binary-wide TRACE capture
//! (`airflow_secrets_testkit::logs::capture`), and [`Logs::capture`] tees its per-test lines into it,
//! so SDK, hyper and reqwest events at TRACE are all recorded; tests end with
//! [`assert_no_leak`] over the secrets they handled.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use airflow_secrets_core::{Error, SecretValue, SecretsBackend};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use airflow_secrets_gcp_secret_manager::google_cloud_auth::credentials::{
    CacheableResource, Credentials, CredentialsProvider, EntityTag,
};
use airflow_secrets_gcp_secret_manager::google_cloud_auth::errors::CredentialsError;
use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate, Times};

/// The project every test reads from.
pub const PROJECT: &str = "test-project";
/// The bearer token the test credentials send (distinctive, so that finding it in a log is a real leak).
pub const TOKEN: &str = "ya29.test-bearer-token-4f9c2e";

/// Credentials that always send `authorization: Bearer test-token`.
#[derive(Debug)]
pub struct StaticToken;

impl CredentialsProvider for StaticToken {
    async fn headers(
        &self,
        _extensions: http::Extensions,
    ) -> Result<CacheableResource<http::HeaderMap>, CredentialsError> {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(&format!("Bearer {TOKEN}")).unwrap(),
        );
        Ok(CacheableResource::New {
            entity_tag: EntityTag::new(),
            data: headers,
        })
    }

    async fn universe_domain(&self) -> Option<String> {
        None
    }
}

/// The test credentials.
pub fn static_token() -> Credentials {
    Credentials::from(StaticToken)
}

/// The REST path of `AccessSecretVersion` for `projects/test-project/secrets/{secret_id}/versions/latest`.
pub fn access_path(secret_id: &str) -> String {
    format!("/v1/projects/{PROJECT}/secrets/{secret_id}/versions/latest:access")
}

/// The exact request the SDK sends: `GET /v1/projects/P/secrets/S/versions/latest:access` with the
/// `$alt=json;enum-encoding=int` query and the bearer token. (The SDK sends `Host` without the port, so
/// nothing here matches on the host.)
pub fn access(secret_id: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(access_path(secret_id)))
        .and(query_param("$alt", "json;enum-encoding=int"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

/// Mounts [`access`]`(secret_id)` on `server`, answering `response` and expecting `requests` requests: a
/// count, or `..` for any number (checked when `server` drops).
pub async fn serve(
    server: &MockServer,
    secret_id: &str,
    response: ResponseTemplate,
    requests: impl Into<Times>,
) {
    access(secret_id)
        .respond_with(response)
        .expect(requests)
        .mount(server)
        .await;
}

/// [`serve`] with the 200 answer holding `value` ([`found`]) for `secret_id`.
pub async fn serve_value(
    server: &MockServer,
    secret_id: &str,
    value: &str,
    requests: impl Into<Times>,
) {
    serve(server, secret_id, found(secret_id, value), requests).await;
}

/// Mounts a catch-all `GET` on `server`, whatever the secret, answering `response` and expecting
/// `requests` requests (checked when `server` drops).
pub async fn serve_any_secret(
    server: &MockServer,
    response: ResponseTemplate,
    requests: impl Into<Times>,
) {
    Mock::given(method("GET"))
        .respond_with(response)
        .expect(requests)
        .mount(server)
        .await;
}

/// For lookups that must send nothing: any request reaching `server` fails the test when it drops.
pub async fn forbid_requests(server: &MockServer) {
    serve_any_secret(server, ResponseTemplate::new(500), 0).await;
}

/// Secret Manager's 200 body: the version's full name (project *number*, real version), the payload in
/// base64 and its CRC32C as a decimal string (proto3 JSON encodes int64 as a string).
pub fn payload_body(secret_id: &str, data: &[u8]) -> Value {
    json!({
        "name": format!("projects/123456789012/secrets/{secret_id}/versions/3"),
        "payload": {
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "dataCrc32c": crc32c::crc32c(data).to_string(),
        }
    })
}

/// A 200 answer holding `value`.
pub fn found(secret_id: &str, value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(payload_body(secret_id, value.as_bytes()))
}

/// Google's JSON error body, as Secret Manager sends it.
pub fn google_error(http: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http).set_body_json(json!({
        "error": {"code": http, "message": message, "status": status}
    }))
}

/// Secret Manager's 404 for a missing secret.
pub fn not_found(secret_id: &str) -> ResponseTemplate {
    google_error(
        404,
        "NOT_FOUND",
        &format!("Secret [projects/{PROJECT}/secrets/{secret_id}] not found or has no versions."),
    )
}

/// Secret Manager's 403.
pub fn permission_denied(secret_id: &str) -> ResponseTemplate {
    google_error(
        403,
        "PERMISSION_DENIED",
        &format!(
            "Permission 'secretmanager.versions.access' denied for resource \
             'projects/{PROJECT}/secrets/{secret_id}/versions/latest' (or it may not exist)."
        ),
    )
}

/// Kwargs pointing at the mock, with fast retries; `extra` is merged over them.
pub fn kwargs(server: &MockServer, extra: Value) -> serde_json::Map<String, Value> {
    let mut kwargs = json!({
        "project_id": PROJECT,
        "endpoint": server.uri(),
        "max_attempts": 3,
        "retry_initial_backoff_seconds": 0.01,
        "retry_max_backoff_seconds": 0.05,
        "timeout_seconds": 10,
    });
    for (k, v) in extra.as_object().expect("extra kwargs are an object") {
        kwargs[k] = v.clone();
    }
    kwargs.as_object().unwrap().clone()
}

/// A backend on the mock with the static-token credentials. Installs the TRACE capture.
pub fn backend(server: &MockServer, extra: Value) -> CloudSecretManagerBackend {
    airflow_secrets_testkit::logs::capture();
    CloudSecretManagerBackend::from_kwargs(&kwargs(server, extra))
        .expect("valid kwargs")
        .with_credentials(static_token())
}

/// The value of variable `key` read by a fresh [`backend`] on `server` (kwargs `extra`); panics if the
/// lookup fails or finds nothing.
pub async fn variable(server: &MockServer, extra: Value, key: &str) -> SecretValue {
    backend(server, extra)
        .get_variable(key)
        .await
        .expect("the lookup succeeds")
        .expect("the variable exists")
}

/// The error that reading variable `key` with a fresh [`backend`] on `server` (kwargs `extra`) fails
/// with; panics if the lookup succeeds.
pub async fn variable_error(server: &MockServer, extra: Value, key: &str) -> Error {
    backend(server, extra)
        .get_variable(key)
        .await
        .expect_err("the lookup fails")
}

/// Checks that none of `secrets` (plus the test token) is in the binary-wide TRACE capture, nor in the
/// `Display`/`Debug` of `errors`.
pub fn assert_no_leak(errors: &[&Error], secrets: &[&str]) {
    let mut all = secrets.to_vec();
    all.push(TOKEN);
    airflow_secrets_testkit::logs::capture().assert_free_of(&all);
    for err in errors {
        for text in [err.to_string(), format!("{err:?}")] {
            for secret in &all {
                assert!(!text.contains(secret), "an error shows a secret: {text}");
            }
        }
    }
}

/// Captured tracing output of the current thread (the tests run on tokio's current-thread runtime),
/// also copied into the binary-wide TRACE capture so that the leak checks see it.
pub struct Logs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Logs {
    /// Starts capturing every level.
    pub fn capture() -> Logs {
        let global = airflow_secrets_testkit::logs::capture();
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = SharedWriter(buffer.clone(), global);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        Logs {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }

    /// The lines at `level` (`ERROR`, `DEBUG`, ...).
    pub fn lines_at(&self, level: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(&format!(" {level} ")))
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Clone)]
struct SharedWriter(Arc<Mutex<Vec<u8>>>, airflow_secrets_testkit::logs::Logs);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use tracing_subscriber::fmt::MakeWriter as _;
        self.0.lock().unwrap().extend_from_slice(buf);
        self.1.make_writer().write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
