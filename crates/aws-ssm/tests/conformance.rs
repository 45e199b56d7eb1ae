//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against a wiremock SSM
//! speaking its JSON protocol: every read is `POST /` with `X-Amz-Target: AmazonSSM.GetParameter` and the
//! parameter name in the JSON body (`{"Name": "/airflow/variables/<key>", "WithDecryption": true}`), signed
//! with static keys from the kwargs (the secret access key is never sent; the access key id is in every
//! `Authorization` header). Default prefixes; the SDK's standard retry policy (3 attempts, back-off with
//! full jitter from 1 s: at most 3 s in all, there being no back-off kwarg in botocore's `Config`).

mod common;

use std::sync::Arc;

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::conformance::{Answer, Fixture};
use airflow_secrets_testkit::received;
use common::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, kwargs};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const JSON_11: &str = "application/x-amz-json-1.1";
const TARGET: &str = "AmazonSSM.GetParameter";

/// A response with SSM's JSON content type.
fn json_11(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("content-type", JSON_11)
}

/// An SSM error answer: SSM sends every modelled and IAM error with HTTP 400 and its code in `__type`
/// (a 5xx for its own faults).
fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_11(status)
        .insert_header("x-amzn-requestid", "conformance-req")
        .set_body_json(json!({"__type": code, "message": message}))
}

/// The parameter name a `GetParameter` request asks for (from its JSON body), if it is one.
fn read_name(request: &Request) -> Option<String> {
    let target = request.headers.get("x-amz-target")?.to_str().ok()?;
    if request.method.as_str() != "POST" || target != TARGET {
        return None;
    }
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    body.get("Name")?.as_str().map(str::to_owned)
}

/// Matches the `GetParameter` requests for one parameter name (compared after JSON decoding, so keys
/// with control characters or backslashes match whatever escapes the SDK chose).
struct ReadOf(String);

impl Match for ReadOf {
    fn matches(&self, request: &Request) -> bool {
        read_name(request).as_deref() == Some(self.0.as_str())
    }
}

/// A wiremock SSM.
pub struct SsmFixture {
    server: MockServer,
}

impl SsmFixture {
    pub async fn start() -> SsmFixture {
        let server = MockServer::start().await;
        // Any other request is "not found" (an unmatched request would make wiremock log it, signature
        // headers included).
        Mock::given(method("POST"))
            .respond_with(aws_error(400, "ParameterNotFound", "not found"))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        SsmFixture { server }
    }

    fn prefix(kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections",
            SecretKind::Variable => "variables",
            SecretKind::Config => "config",
        }
    }

    /// The parameter name read for `kind`/`key` with the default prefixes.
    fn name(kind: SecretKind, key: &str) -> String {
        format!("/airflow/{}/{key}", Self::prefix(kind))
    }
}

#[airflow_secrets_core::async_trait]
impl Fixture for SsmFixture {
    /// Every response body goes through the crate's capped http client (`src/body_limit.rs`).
    const BODY_CAP: Option<u64> = Some(airflow_secrets_aws_ssm::MAX_RESPONSE_BYTES);

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
        let backend = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(url, extra))?;
        Ok(Arc::new(backend))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let name = Self::name(kind, key);
        let response = match answer {
            Answer::Found(value) => json_11(200).set_body_json(json!({
                "Parameter": {
                    "Name": name, "Type": "SecureString", "Value": value, "Version": 1,
                    "LastModifiedDate": 1.7e9, "DataType": "text",
                    "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
                }
            })),
            Answer::NotFound => aws_error(
                400,
                "ParameterNotFound",
                &format!("Parameter {name} not found."),
            ),
            // IAM's denial as SSM sends it: HTTP 400, `AccessDeniedException`.
            Answer::Denied => aws_error(
                400,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/airflow is not authorized to perform: \
                 ssm:GetParameter",
            ),
            Answer::Transient => aws_error(503, "ServiceUnavailable", "Service Unavailable"),
            // `Parameter` must be an object: a plain string is not the API's shape.
            Answer::Malformed(planted) => {
                json_11(200).set_body_json(json!({ "Parameter": planted }))
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
        // SSM reads carry the name in the JSON body, never in the URL path.
        vec!["/".to_owned()]
    }
}

mod conformance {
    use super::SsmFixture;

    airflow_secrets_testkit::conformance_tests!(SsmFixture::start());
}
