//! A wiremock AWS service speaking the AWS JSON 1.1 protocol (SSM, Secrets Manager), as the conformance
//! suite's [`Fixture`]: every read is `POST /` with `X-Amz-Target: <service>.<Operation>` and the name
//! in the JSON body, signed with the suites' static keys (the secret access key is never sent; the
//! access key id is in every `Authorization` header). An AWS backend's suite describes its service in
//! an [`AwsJsonStore`] and runs `conformance_tests!(AwsJsonFixture::start(STORE))`.

use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::conformance::{Answer, Fixture};
use crate::moto::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, kwargs};
use crate::received;

/// The response-body cap of the AWS backends (their `MAX_RESPONSE_BYTES`, which each suite asserts is
/// this): 1 MiB.
pub const BODY_CAP: u64 = 1 << 20;

/// What differs between two AWS JSON services, for [`AwsJsonFixture`].
#[derive(Clone, Copy)]
pub struct AwsJsonStore {
    /// The read's `X-Amz-Target` (`AmazonSSM.GetParameter`).
    pub target: &'static str,
    /// The request body's field holding the name read (`Name`, `SecretId`).
    pub name_field: &'static str,
    /// The service's "no such name" error code (`ParameterNotFound`).
    pub not_found: &'static str,
    /// The read's IAM action, for the denial message (`ssm:GetParameter`).
    pub action: &'static str,
    /// The name read for `kind`/`key` with the backend's default prefixes.
    pub name: fn(SecretKind, &str) -> String,
    /// The success answer of a read of `name` holding `value`.
    pub found: fn(&str, &str) -> Value,
    /// A success answer for `name` that is not the API's shape and holds `planted`.
    pub malformed: fn(&str, &str) -> Value,
    /// The backend, from Airflow's kwargs.
    pub backend: fn(&Kwargs) -> Result<Arc<dyn SecretsBackend>, Error>,
}

/// A response with the AWS JSON 1.1 content type.
pub fn json_11(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("content-type", "application/x-amz-json-1.1")
}

/// An AWS JSON error answer: the code in `__type` (modelled and IAM errors come with HTTP 400, the
/// service's own faults with a 5xx).
pub fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_11(status)
        .insert_header("x-amzn-requestid", "conformance-req")
        .set_body_json(json!({"__type": code, "message": message}))
}

/// The name a read request of `store` asks for (from its JSON body), if it is one.
fn read_name(store: &AwsJsonStore, request: &Request) -> Option<String> {
    let target = request.headers.get("x-amz-target")?.to_str().ok()?;
    if request.method.as_str() != "POST" || target != store.target {
        return None;
    }
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    body.get(store.name_field)?.as_str().map(str::to_owned)
}

/// Matches the read requests for one name (compared after JSON decoding, so keys with control
/// characters or backslashes match whatever escapes the SDK chose).
struct ReadOf(AwsJsonStore, String);

impl Match for ReadOf {
    fn matches(&self, request: &Request) -> bool {
        read_name(&self.0, request).as_deref() == Some(self.1.as_str())
    }
}

/// A wiremock AWS JSON service, as the conformance suite's fixture.
pub struct AwsJsonFixture {
    store: AwsJsonStore,
    server: MockServer,
}

impl AwsJsonFixture {
    /// Starts the mock service; any request it was not told about is "not found".
    pub async fn start(store: AwsJsonStore) -> AwsJsonFixture {
        let server = MockServer::start().await;
        // An unmatched request would make wiremock log it, signature headers included.
        Mock::given(method("POST"))
            .respond_with(aws_error(400, store.not_found, "not found"))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        AwsJsonFixture { store, server }
    }
}

#[async_trait::async_trait]
impl Fixture for AwsJsonFixture {
    /// Every response body goes through the AWS session's capped http client.
    const BODY_CAP: Option<u64> = Some(BODY_CAP);

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
        (self.store.backend)(&kwargs(url, extra))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let name = (self.store.name)(kind, key);
        let response = match answer {
            Answer::Found(value) => json_11(200).set_body_json((self.store.found)(&name, &value)),
            Answer::NotFound => aws_error(400, self.store.not_found, "not found"),
            // IAM's denial as these services send it: HTTP 400, `AccessDeniedException`.
            Answer::Denied => aws_error(
                400,
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:iam::123456789012:user/airflow is not authorized to perform: {}",
                    self.store.action
                ),
            ),
            Answer::Transient => aws_error(503, "ServiceUnavailable", "Service Unavailable"),
            Answer::Malformed(planted) => {
                json_11(200).set_body_json((self.store.malformed)(&name, &planted))
            }
        };
        let mock = Mock::given(ReadOf(self.store, name)).respond_with(response);
        match times {
            Some(n) => mock.up_to_n_times(n).mount(&self.server).await,
            None => mock.mount(&self.server).await,
        }
    }

    async fn reads(&self, kind: SecretKind, key: &str) -> usize {
        let want = (self.store.name)(kind, key);
        received::count(&self.server, |r| {
            read_name(&self.store, r).as_deref() == Some(want.as_str())
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
        // botocore's `read_timeout`; the AWS session bounds each whole attempt (body included) by it.
        json!({ "config_kwargs": { "connect_timeout": 2, "read_timeout": 2 } })
    }

    fn location(&self, kind: SecretKind, key: &str) -> String {
        (self.store.name)(kind, key)
    }

    fn allowed_paths(&self, _kind: SecretKind) -> Vec<String> {
        // The name travels in the JSON body, never in the URL path.
        vec!["/".to_owned()]
    }
}
