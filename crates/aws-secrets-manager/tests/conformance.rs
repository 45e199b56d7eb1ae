//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock Secrets
//! Manager speaking its JSON protocol: every read is `POST /` with `X-Amz-Target:
//! secretsmanager.GetSecretValue` and the secret name in the JSON body (`{"SecretId":
//! "airflow/variables/<key>"}`), signed with static keys from the kwargs (the secret access key is never
//! sent; the access key id is in every `Authorization` header). Default prefixes; the SDK's standard
//! retry policy (3 attempts, back-off with full jitter from 1 s: at most 3 s in all).

use std::sync::Arc;

use airflow_secrets_aws_secrets_manager::SecretsManagerBackend;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::conformance::{Answer, Fixture};
use airflow_secrets_testkit::moto::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, kwargs};
use airflow_secrets_testkit::received;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const JSON_11: &str = "application/x-amz-json-1.1";
const TARGET: &str = "secretsmanager.GetSecretValue";

/// A response with Secrets Manager's JSON content type.
fn json_11(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("content-type", JSON_11)
}

/// A Secrets Manager error answer: its code in `__type`, with HTTP 400 for modelled and IAM errors
/// (a 5xx for its own faults).
fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_11(status)
        .insert_header("x-amzn-requestid", "conformance-req")
        .set_body_json(json!({"__type": code, "message": message}))
}

/// The secret name a `GetSecretValue` request asks for (from its JSON body), if it is one.
fn read_name(request: &Request) -> Option<String> {
    let target = request.headers.get("x-amz-target")?.to_str().ok()?;
    if request.method.as_str() != "POST" || target != TARGET {
        return None;
    }
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    body.get("SecretId")?.as_str().map(str::to_owned)
}

/// Matches the `GetSecretValue` requests for one secret name (compared after JSON decoding, so keys
/// with control characters or backslashes match whatever escapes the SDK chose).
struct ReadOf(String);

impl Match for ReadOf {
    fn matches(&self, request: &Request) -> bool {
        read_name(request).as_deref() == Some(self.0.as_str())
    }
}

/// A wiremock Secrets Manager.
pub struct SecretsManagerFixture {
    server: MockServer,
}

impl SecretsManagerFixture {
    pub async fn start() -> SecretsManagerFixture {
        let server = MockServer::start().await;
        // Any other request is "not found" (an unmatched request would make wiremock log it, signature
        // headers included).
        Mock::given(method("POST"))
            .respond_with(aws_error(400, "ResourceNotFoundException", "not found"))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        SecretsManagerFixture { server }
    }

    fn prefix(kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections",
            SecretKind::Variable => "variables",
            SecretKind::Config => "config",
        }
    }

    /// The secret name read for `kind`/`key` with the default prefixes.
    fn name(kind: SecretKind, key: &str) -> String {
        format!("airflow/{}/{key}", Self::prefix(kind))
    }
}

#[airflow_secrets_core::async_trait]
impl Fixture for SecretsManagerFixture {
    /// Every response body goes through the shared AWS session's capped http client.
    const BODY_CAP: Option<u64> = Some(airflow_secrets_aws_secrets_manager::MAX_RESPONSE_BYTES);

    fn secrets(&self) -> Vec<String> {
        vec![SECRET_ACCESS_KEY.to_owned()]
    }

    fn credentials(&self) -> Vec<String> {
        // The secret key must never be sent anywhere; the key id shows a signed request.
        vec![ACCESS_KEY_ID.to_owned(), SECRET_ACCESS_KEY.to_owned()]
    }

    async fn backend(&self, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        self.backend_at(&self.server.uri(), kwargs).await
    }

    async fn backend_at(&self, url: &str, extra: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        let backend = SecretsManagerBackend::from_kwargs(&kwargs(url, extra))?;
        Ok(Arc::new(backend))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let name = Self::name(kind, key);
        let response = match answer {
            Answer::Found(value) => json_11(200).set_body_json(json!({
                "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"),
                "Name": name, "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                "SecretString": value, "VersionStages": ["AWSCURRENT"], "CreatedDate": 1.7e9,
            })),
            Answer::NotFound => aws_error(
                400,
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            ),
            // IAM's denial as Secrets Manager sends it: HTTP 400, `AccessDeniedException`.
            Answer::Denied => aws_error(
                400,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/airflow is not authorized to perform: \
                 secretsmanager:GetSecretValue",
            ),
            Answer::Transient => aws_error(503, "ServiceUnavailable", "Service Unavailable"),
            // `SecretString` must be a string: an object is not the API's shape.
            Answer::Malformed(planted) => {
                json_11(200).set_body_json(json!({ "Name": name, "SecretString": {"v": planted} }))
            }
        };
        let mock = Mock::given(ReadOf(name)).respond_with(response);
        match times {
            Some(n) => mock.up_to_n_times(n).mount(&self.server).await,
            None => mock.mount(&self.server).await,
        }
    }

    async fn reads(&self, kind: SecretKind, key: &str) -> usize {
        let want = Self::name(kind, key);
        received::count(&self.server, |r| {
            read_name(r).as_deref() == Some(want.as_str())
        })
        .await
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
        // botocore's `read_timeout`; the crate bounds each whole attempt (body included) by it too.
        json!({ "config_kwargs": { "connect_timeout": 2, "read_timeout": 2 } })
    }

    fn location(&self, kind: SecretKind, key: &str) -> String {
        Self::name(kind, key)
    }

    fn allowed_paths(&self, _kind: SecretKind) -> Vec<String> {
        // Secrets Manager reads carry the name in the JSON body, never in the URL path.
        vec!["/".to_owned()]
    }
}

mod conformance {
    use super::SecretsManagerFixture;

    airflow_secrets_testkit::conformance_tests!(SecretsManagerFixture::start());
}
