//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock Vault:
//! token auth (one `lookup-self`), KV v2 at the default mount and paths.

use std::sync::Arc;

use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::conformance::{Answer, Fixture};
use airflow_secrets_testkit::received;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{TOKEN, backend, lookup_self_response, merge, vault_error};
use crate::responses::kv2;

/// A wiremock Vault that knows the suite's token.
pub struct VaultFixture {
    server: MockServer,
}

impl VaultFixture {
    pub async fn start() -> VaultFixture {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/auth/token/lookup-self"))
            .respond_with(lookup_self_response(0, false))
            .mount(&server)
            .await;
        // Any other read is "not found" (an unmatched request would make wiremock log it, token
        // header included, at DEBUG).
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errors": []})))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        VaultFixture { server }
    }

    fn read_path(kind: SecretKind, key: &str) -> String {
        format!("/v1/secret/data/{}/{key}", Self::prefix(kind))
    }

    fn prefix(kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections",
            SecretKind::Variable => "variables",
            SecretKind::Config => "config",
        }
    }

    fn kwargs(url: &str, extra: Value) -> serde_json::Map<String, Value> {
        let base = json!({
            "url": url, "auth_type": "token", "token": TOKEN,
            "max_retries": 3, "retry_backoff_factor": 0.01,
        });
        merge(base, extra)
    }
}

#[async_trait::async_trait]
impl Fixture for VaultFixture {
    const BODY_CAP: Option<u64> = Some(airflow_secrets_vault::MAX_RESPONSE_BYTES as u64);

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
        Ok(Arc::new(backend(&Self::kwargs(url, kwargs))))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let response = match answer {
            Answer::Found(value) => kv2(json!({ "value": value })),
            Answer::NotFound => ResponseTemplate::new(404).set_body_json(json!({"errors": []})),
            Answer::Denied => vault_error(403, &["permission denied"]),
            Answer::Transient => vault_error(503, &["Vault is sealed"]),
            Answer::Malformed(planted) => {
                ResponseTemplate::new(200).set_body_json(json!({ "data": planted }))
            }
        };
        let mock = Mock::given(method("GET"))
            .and(path(Self::read_path(kind, key)))
            .respond_with(response);
        match times {
            Some(n) => mock.up_to_n_times(n).mount(&self.server).await,
            None => mock.mount(&self.server).await,
        }
    }

    async fn reads(&self, kind: SecretKind, key: &str) -> usize {
        let want = Self::read_path(kind, key);
        received::gets_of(&self.server, &want).await
    }

    async fn request_paths(&self) -> Vec<String> {
        received::request_paths(&self.server).await
    }

    fn prefix_kwarg(&self, kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections_path",
            SecretKind::Variable => "variables_path",
            SecretKind::Config => "config_path",
        }
    }

    fn short_deadline(&self) -> Value {
        json!({ "timeout": [1, 1] })
    }

    fn location(&self, kind: SecretKind, key: &str) -> String {
        Self::read_path(kind, key)
    }

    fn allowed_paths(&self, kind: SecretKind) -> Vec<String> {
        vec![
            "/v1/auth/token/lookup-self".to_owned(),
            format!("/v1/secret/data/{}/", Self::prefix(kind)),
        ]
    }
}

airflow_secrets_testkit::conformance_tests!(VaultFixture::start());
