//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock Secret
//! Manager: the REST `AccessSecretVersion` request of [`common::access`] (path, `$alt` query, bearer
//! token), Airflow's default prefixes and separator, static-token credentials.

mod common;

use std::sync::Arc;

use airflow_secrets_core::{Error, SecretKind, SecretsBackend, async_trait};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use airflow_secrets_testkit::conformance::{Answer, Fixture};
use airflow_secrets_testkit::received;
use common::{PROJECT, TOKEN, access, access_path, found, google_error, not_found, static_token};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A wiremock Secret Manager.
pub struct GcpFixture {
    server: MockServer,
}

impl GcpFixture {
    pub async fn start() -> GcpFixture {
        let server = MockServer::start().await;
        // Any other request is "not found" (an unmatched request would make wiremock log it, bearer
        // token included).
        Mock::given(any())
            .respond_with(not_found("other"))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        GcpFixture { server }
    }

    fn prefix(kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "airflow-connections",
            SecretKind::Variable => "airflow-variables",
            SecretKind::Config => "airflow-config",
        }
    }

    /// Airflow's `prefix + "-" + key`.
    fn secret_id(kind: SecretKind, key: &str) -> String {
        format!("{}-{key}", Self::prefix(kind))
    }

    /// The fixture's kwargs (fast retries, three attempts, strict denials) with `extra` over them.
    fn kwargs(url: &str, extra: Value) -> serde_json::Map<String, Value> {
        let mut kwargs = json!({
            "project_id": PROJECT,
            "endpoint": url,
            "max_attempts": 3,
            "retry_initial_backoff_seconds": 0.01,
            "retry_max_backoff_seconds": 0.05,
            "timeout_seconds": 10,
            // Airflow answers a denial with `None`; the suite's promise is the strict mode's error.
            "raise_on_permission_denied": true,
        });
        for (k, v) in extra.as_object().expect("extra kwargs are an object") {
            kwargs[k] = v.clone();
        }
        kwargs.as_object().expect("an object").clone()
    }
}

#[async_trait]
impl Fixture for GcpFixture {
    // The Google SDK reads whole response bodies with an HTTP client it builds itself and accepts no
    // body limit (README, "Response size — not capped"): only the lookup's end with an error is checked.
    const BODY_CAP: Option<u64> = None;

    fn secrets(&self) -> Vec<String> {
        vec![TOKEN.to_owned()]
    }

    fn credentials(&self) -> Vec<String> {
        vec![TOKEN.to_owned()]
    }

    async fn backend(&self, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        self.backend_at(&self.server.uri(), kwargs).await
    }

    async fn backend_at(&self, url: &str, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        airflow_secrets_testkit::logs::capture();
        let backend = CloudSecretManagerBackend::from_kwargs(&Self::kwargs(url, kwargs))?
            .with_credentials(static_token());
        Ok(Arc::new(backend))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let id = Self::secret_id(kind, key);
        let response = match answer {
            Answer::Found(value) => found(&id, &value),
            Answer::NotFound => not_found(&id),
            Answer::Denied => common::permission_denied(&id),
            Answer::Transient => google_error(503, "UNAVAILABLE", "The service is unavailable."),
            // `payload.data` must be base64 bytes: a plain string is not the API's shape.
            Answer::Malformed(planted) => {
                ResponseTemplate::new(200).set_body_json(json!({ "payload": { "data": planted } }))
            }
        };
        let mock = access(&id).respond_with(response);
        match times {
            Some(n) => mock.up_to_n_times(n).mount(&self.server).await,
            None => mock.mount(&self.server).await,
        }
    }

    async fn reads(&self, kind: SecretKind, key: &str) -> usize {
        let want = access_path(&Self::secret_id(kind, key));
        received::gets_of(&self.server, &want).await
    }

    async fn request_paths(&self) -> Vec<String> {
        received::request_paths(&self.server).await
    }

    fn prefix_kwarg(&self, kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections_prefix",
            SecretKind::Variable => "variables_prefix",
            SecretKind::Config => "config_prefix",
        }
    }

    fn short_deadline(&self) -> Value {
        json!({ "timeout_seconds": 2 })
    }

    fn location(&self, kind: SecretKind, key: &str) -> String {
        format!(
            "projects/{PROJECT}/secrets/{}/versions/latest",
            Self::secret_id(kind, key)
        )
    }

    fn allowed_paths(&self, kind: SecretKind) -> Vec<String> {
        vec![format!(
            "/v1/projects/{PROJECT}/secrets/{}-",
            Self::prefix(kind)
        )]
    }
}

mod conformance {
    use super::GcpFixture;

    airflow_secrets_testkit::conformance_tests!(GcpFixture::start());
}
