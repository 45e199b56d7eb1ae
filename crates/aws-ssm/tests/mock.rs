//! Mock suite (wiremock): the exact `GetParameter` request the backend sends, the SSM error bodies it must
//! understand, the retry counts, the STS `AssumeRole` exchange, and the lookups that must send nothing.

mod common;

use std::sync::{Arc, Mutex};

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const JSON_11: &str = "application/x-amz-json-1.1";
const VALUE: &str = "s3cr3t-PARAMETER-VALUE";

fn get_parameter_ok(name: &str, value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", JSON_11).set_body_json(json!({
        "Parameter": {
            "Name": name, "Type": "SecureString", "Value": value, "Version": 3,
            "LastModifiedDate": 1.7e9, "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
            "DataType": "text"
        }
    }))
}

fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", JSON_11)
        .insert_header("x-amzn-requestid", "req-1234")
        .set_body_json(json!({"__type": code, "message": message}))
}

/// Every mock below only answers SSM GetParameter requests shaped exactly like Airflow's boto3 call.
fn get_parameter(name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "AmazonSSM.GetParameter"))
        .and(header("content-type", JSON_11))
        .and(body_json(json!({"Name": name, "WithDecryption": true})))
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

#[tokio::test]
async fn sends_the_exact_get_parameter_request_signed_with_the_static_key() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/hello")
        .respond_with(get_parameter_ok("/airflow/variables/hello", VALUE))
        .expect(1)
        .mount(&server)
        .await;

    let b = backend(&server.uri(), json!({}));
    assert_eq!(
        b.get_variable("hello").await.unwrap().unwrap().expose(),
        VALUE
    );

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    let auth = sent[0]
        .headers
        .get("authorization")
        .expect("signed")
        .to_str()
        .unwrap();
    assert!(
        auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/"))
            && auth.contains("/us-east-1/ssm/aws4_request"),
        "{auth}"
    );
    assert!(!auth.contains(SECRET_ACCESS_KEY));
    assert!(sent[0].headers.get("x-amz-date").is_some());
    assert!(
        sent[0].headers.get("x-amz-security-token").is_none(),
        "no session token was configured"
    );
}

#[tokio::test]
async fn names_for_each_kind_and_prefix_are_airflows() {
    let server = MockServer::start().await;
    for name in [
        "/airflow/connections/smtp_default",
        "/custom/variables/k",
        "/cfg_key",
    ] {
        get_parameter(name)
            .respond_with(get_parameter_ok(name, "v"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let b = backend(
        &server.uri(),
        json!({"variables_prefix": "custom/variables/", "config_prefix": ""}),
    );
    assert!(b.get_conn_value("smtp_default").await.unwrap().is_some());
    assert!(b.get_variable("k").await.unwrap().is_some());
    assert!(b.get_config("cfg_key").await.unwrap().is_some());
}

#[tokio::test]
async fn parameter_not_found_is_none_after_one_request() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/missing")
        .respond_with(aws_error(
            400,
            "ParameterNotFound",
            "Parameter /airflow/variables/missing not found.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    get_parameter("/airflow/connections/missing")
        // The namespaced form of the error type is understood too.
        .respond_with(aws_error(
            400,
            "com.amazonaws.ssm#ParameterNotFound",
            "not found",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let b = backend(&server.uri(), json!({}));
    assert!(b.get_variable("missing").await.unwrap().is_none());
    assert!(b.get_connection("missing").await.unwrap().is_none());
}

#[tokio::test]
async fn access_denied_is_a_permission_error_naming_the_parameter() {
    let server = MockServer::start().await;
    let message = "User: arn:aws:iam::123456789012:user/airflow is not authorized to perform: ssm:GetParameter on \
                   resource: arn:aws:ssm:us-east-1:123456789012:parameter/airflow/variables/hello";
    get_parameter("/airflow/variables/hello")
        .respond_with(aws_error(400, "AccessDeniedException", message))
        .expect(1)
        .mount(&server)
        .await;

    let err = backend(&server.uri(), json!({}))
        .get_variable("hello")
        .await
        .unwrap_err();
    match &err {
        Error::PermissionDenied {
            kind,
            key,
            location,
            problem,
            ..
        } => {
            assert_eq!((*kind, key.as_str()), (SecretKind::Variable, "hello"));
            assert_eq!(location, "parameter `/airflow/variables/hello`");
            assert_eq!(
                problem,
                &format!("AccessDeniedException: {message} (HTTP 400, request id req-1234)")
            );
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert!(err.to_string().starts_with(
        "SystemsManagerParameterStoreBackend: permission denied reading variable `hello` at parameter `/airflow/variables/hello`: AccessDeniedException: User: arn:aws:iam"
    ), "{err}");
}

#[tokio::test]
async fn validation_and_other_client_errors_are_rejected_without_retry() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/a b")
        .respond_with(aws_error(
            400,
            "ValidationException",
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\"",
        ))
        .expect(1)
        .mount(&server)
        .await;
    get_parameter("/airflow/variables/kms")
        .respond_with(aws_error(400, "InvalidKeyId", "The key is disabled"))
        .expect(1)
        .mount(&server)
        .await;
    let b = backend(&server.uri(), json!({}));
    let err = b.get_variable("a b").await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { location, .. } if location == "parameter `/airflow/variables/a b`"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("ValidationException: Parameter name"),
        "{err}"
    );
    let err = b.get_variable("kms").await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { problem, .. } if problem.starts_with("InvalidKeyId: The key is disabled")),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_credentials_are_an_authentication_error() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/hello")
        .respond_with(aws_error(
            400,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ))
        .mount(&server)
        .await;
    let err = backend(&server.uri(), json!({}))
        .get_variable("hello")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string().contains(
            "UnrecognizedClientException: The security token included in the request is invalid."
        ),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk_then_reported_with_the_attempt_count() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/busy")
        .respond_with(aws_error(400, "ThrottlingException", "Rate exceeded"))
        .mount(&server)
        .await;

    // botocore's max_attempts counts retries: 2 retries = 3 attempts.
    let b = backend(
        &server.uri(),
        json!({"config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}}}),
    );
    let err = b.get_variable("busy").await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 3);
    match &err {
        Error::Unavailable {
            attempts,
            problem,
            location,
            ..
        } => {
            assert_eq!(*attempts, 3);
            assert_eq!(location, "parameter `/airflow/variables/busy`");
            assert!(
                problem.starts_with("ThrottlingException: Rate exceeded (HTTP 400"),
                "{problem}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(err.to_string().contains("(3 attempt(s))"), "{err}");
}

#[tokio::test]
async fn a_throttled_request_that_succeeds_on_retry_returns_the_value() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/flaky")
        .respond_with(aws_error(400, "ThrottlingException", "Rate exceeded"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    get_parameter("/airflow/variables/flaky")
        .respond_with(get_parameter_ok("/airflow/variables/flaky", VALUE))
        .mount(&server)
        .await;
    let b = backend(
        &server.uri(),
        json!({"config_kwargs": {"retries": {"total_max_attempts": 2}}}),
    );
    assert_eq!(
        b.get_variable("flaky").await.unwrap().unwrap().expose(),
        VALUE
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_and_unavailable() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/down")
        .respond_with(aws_error(500, "InternalServerError", "boom"))
        .mount(&server)
        .await;
    let b = backend(
        &server.uri(),
        json!({"config_kwargs": {"retries": {"total_max_attempts": 2}}}),
    );
    let err = b.get_variable("down").await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn lookup_pattern_miss_and_disabled_kind_send_nothing() {
    let server = MockServer::start().await;
    // Anything reaching the server fails the test when the server is dropped.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let b = backend(
        &server.uri(),
        json!({
        "variables_lookup_pattern": "^prod_", "connections_lookup_pattern": "aws", "config_prefix": null}),
    );
    assert!(b.get_variable("dev_db").await.unwrap().is_none());
    assert!(
        b.get_variable("my_prod_db").await.unwrap().is_none(),
        "re.match is anchored at the start"
    );
    assert!(b.get_conn_value("my_aws").await.unwrap().is_none());
    assert!(
        b.get_connection("postgres_default")
            .await
            .unwrap()
            .is_none()
    );
    assert!(b.get_config("sql_alchemy_conn").await.unwrap().is_none());
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn lookup_pattern_match_is_case_insensitive_and_sends_the_request() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/PROD_db")
        .respond_with(get_parameter_ok("/airflow/variables/PROD_db", "x"))
        .expect(1)
        .mount(&server)
        .await;
    let b = backend(&server.uri(), json!({"variables_lookup_pattern": "^prod_"}));
    assert_eq!(
        b.get_variable("PROD_db").await.unwrap().unwrap().expose(),
        "x"
    );
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    // A port that was free a moment ago and has no listener.
    let url = format!("http://127.0.0.1:{}", airflow_secrets_testkit::free_port());
    let b = backend(
        &url,
        json!({"config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let err = b.get_variable("hello").await.unwrap_err();
    match &err {
        Error::Unavailable {
            attempts, problem, ..
        } => {
            assert_eq!(*attempts, 1);
            assert!(
                problem.contains("dispatch failure") || problem.contains("connect"),
                "{problem}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn read_timeout_from_config_kwargs_is_unavailable() {
    let server = MockServer::start().await;
    // Far longer than the read timeout: without it the lookup would return the value.
    get_parameter("/airflow/variables/slow")
        .respond_with(
            get_parameter_ok("/airflow/variables/slow", "late")
                .set_delay(std::time::Duration::from_secs(20)),
        )
        .mount(&server)
        .await;
    let b = backend(
        &server.uri(),
        json!({"config_kwargs": {"read_timeout": 0.5, "retries": {"max_attempts": 0}}}),
    );
    let err = b.get_variable("slow").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("timeout") || err.to_string().contains("timed out"),
        "{err}"
    );
}

#[tokio::test]
async fn a_response_without_a_value_is_malformed() {
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/odd")
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", JSON_11)
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    let err = backend(&server.uri(), json!({}))
        .get_variable("odd")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(err.to_string().contains("has no Parameter.Value"), "{err}");
}

// ----- STS AssumeRole ---------------------------------------------------------------------------------

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/airflow";
const ASSUMED_KEY_ID: &str = "ASIAMOCKASSUMED";
const ASSUMED_TOKEN: &str = "s3cr3t-ASSUMED-SESSION-TOKEN";

fn assume_role_ok() -> ResponseTemplate {
    let body = format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>{ASSUMED_KEY_ID}</AccessKeyId>
      <SecretAccessKey>s3cr3t-ASSUMED-SECRET</SecretAccessKey>
      <SessionToken>{ASSUMED_TOKEN}</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/airflow/Airflow_SystemsManagerParameterStoreBackend__connection</Arn>
      <AssumedRoleId>AROAEXAMPLE:Airflow_SystemsManagerParameterStoreBackend__connection</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>sts-req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#
    );
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(body)
}

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_arn_calls_sts_once_at_its_own_endpoint_and_signs_ssm_with_the_role() {
    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole"))
        .respond_with(assume_role_ok())
        .mount(&sts)
        .await;
    get_parameter("/airflow/variables/hello")
        .respond_with(get_parameter_ok("/airflow/variables/hello", VALUE))
        .mount(&ssm)
        .await;

    let b = Arc::new(backend(
        &ssm.uri(),
        json!({"role_arn": ROLE_ARN, "assume_role_kwargs": {"ExternalId": "s3cr3t-EXTERNAL-ID", "DurationSeconds": 900},
               "service_config": {"sts": {"endpoint_url": sts.uri()}}}),
    ));
    // Concurrent first lookups share one client and one AssumeRole.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let b = b.clone();
        tasks.spawn(async move { b.get_variable("hello").await });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap().unwrap().expose(), VALUE);
    }
    assert_eq!(
        b.get_variable("hello").await.unwrap().unwrap().expose(),
        VALUE
    );

    let sts_requests = requests(&sts).await;
    assert_eq!(sts_requests.len(), 1, "assumed credentials are cached");
    let params = form(&sts_requests[0]);
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(param("Action"), Some("AssumeRole"));
    assert_eq!(param("RoleArn"), Some(ROLE_ARN));
    assert_eq!(
        param("RoleSessionName"),
        Some("Airflow_SystemsManagerParameterStoreBackend__connection")
    );
    assert_eq!(param("ExternalId"), Some("s3cr3t-EXTERNAL-ID"));
    assert_eq!(param("DurationSeconds"), Some("900"));
    let sts_auth = sts_requests[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        sts_auth.contains(&format!("Credential={ACCESS_KEY_ID}/"))
            && sts_auth.contains("/sts/aws4_request"),
        "{sts_auth}"
    );

    let ssm_requests = requests(&ssm).await;
    assert_eq!(ssm_requests.len(), 7);
    for r in &ssm_requests {
        let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
        assert!(
            auth.contains(&format!("Credential={ASSUMED_KEY_ID}/")),
            "{auth}"
        );
        assert_eq!(
            r.headers.get("x-amz-security-token").unwrap(),
            ASSUMED_TOKEN
        );
    }
}

#[tokio::test]
async fn a_refused_assume_role_is_an_authentication_error() {
    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).insert_header("content-type", "text/xml").set_body_string(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>"#,
        ))
        .mount(&sts)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&ssm)
        .await;
    let b = backend(
        &ssm.uri(),
        json!({"role_arn": ROLE_ARN, "service_config": {"sts": {"endpoint_url": sts.uri()}},
        "config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let err = b.get_variable("hello").await.unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("not authorized to perform: sts:AssumeRole"),
        "{err}"
    );
}

// ----- secrets never leak -----------------------------------------------------------------------------

/// Collects everything logged (at every level, SDK included) while the test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_debug_errors_or_trace_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(assume_role_ok())
        .mount(&sts)
        .await;
    get_parameter("/airflow/variables/ok")
        .respond_with(get_parameter_ok("/airflow/variables/ok", VALUE))
        .mount(&ssm)
        .await;
    get_parameter("/airflow/variables/denied")
        .respond_with(aws_error(400, "AccessDeniedException", "not authorized"))
        .mount(&ssm)
        .await;
    // A success status whose body does not parse: the SDK keeps the raw body (holding the value) in its error.
    get_parameter("/airflow/variables/garbled")
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", JSON_11).set_body_string(format!(
            r#"{{"Parameter": {{"Name": "/airflow/variables/garbled", "Value": "{VALUE}", "Version": "three"}}}}"#
        )))
        .mount(&ssm)
        .await;
    let k = kwargs(
        &ssm.uri(),
        json!({"aws_session_token": "s3cr3t-STATIC-SESSION-TOKEN", "role_arn": ROLE_ARN,
        "assume_role_kwargs": {"ExternalId": "s3cr3t-EXTERNAL-ID"}, "service_config": {"sts": {"endpoint_url": sts.uri()}}}),
    );
    let b = SystemsManagerParameterStoreBackend::from_kwargs(&k).unwrap();
    assert_eq!(b.get_variable("ok").await.unwrap().unwrap().expose(), VALUE);
    let err = b.get_variable("denied").await.unwrap_err();
    let conn = b.get_connection("nope").await;
    let garbled = b.get_variable("garbled").await.unwrap_err();
    assert!(matches!(garbled, Error::Rejected { .. }), "{garbled:?}");

    let shown = format!(
        "{b:?}\n{err}\n{err:?}\n{conn:?}\n{garbled}\n{garbled:?}\n{}",
        String::from_utf8_lossy(&logs.0.lock().unwrap())
    );
    assert!(
        shown.contains("permission denied"),
        "the checks below looked at real output"
    );
    for secret in [
        SECRET_ACCESS_KEY,
        "s3cr3t-STATIC-SESSION-TOKEN",
        "s3cr3t-EXTERNAL-ID",
        "s3cr3t-ASSUMED-SECRET",
        ASSUMED_TOKEN,
        VALUE,
    ] {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
}

#[test]
fn kwargs_debug_of_a_fresh_backend_is_redacted() {
    let k = kwargs(
        "http://127.0.0.1:1",
        json!({"aws_session_token": "s3cr3t-TOKEN"}),
    );
    let b = SystemsManagerParameterStoreBackend::from_kwargs(&k).unwrap();
    let shown = format!("{b:?}");
    assert!(
        shown.contains("Static { keys: [REDACTED], session_token: [REDACTED] }"),
        "{shown}"
    );
    assert!(
        !shown.contains(SECRET_ACCESS_KEY)
            && !shown.contains("s3cr3t-TOKEN")
            && !shown.contains(ACCESS_KEY_ID),
        "{shown}"
    );
}

#[test]
fn unknown_and_invalid_kwargs_fail_at_construction() {
    let err = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(
        "http://127.0.0.1:1",
        json!({"prefix": "x"}),
    ))
    .unwrap_err();
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
    let err = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(
        "http://127.0.0.1:1",
        json!({"variables_lookup_pattern": "(?<=x)y"}),
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("kwarg `variables_lookup_pattern`: not a valid regular expression"),
        "{err}"
    );
}

#[tokio::test]
async fn a_ready_made_sdk_client_is_used_with_the_kwargs_prefixes_and_patterns() {
    use airflow_secrets_aws_ssm::SsmKwargs;
    let server = MockServer::start().await;
    get_parameter("/team/variables/k")
        .respond_with(get_parameter_ok("/team/variables/k", "from my client"))
        .expect(1)
        .mount(&server)
        .await;
    let b = SystemsManagerParameterStoreBackend::builder()
        .kwargs(SsmKwargs {
            variables_prefix: Some("/team/variables".into()),
            ..SsmKwargs::default()
        })
        .client(seed_client(&server.uri(), None))
        .build()
        .unwrap();
    assert_eq!(
        b.get_variable("k").await.unwrap().unwrap().expose(),
        "from my client"
    );

    let err = SystemsManagerParameterStoreBackend::builder()
        .kwargs(SsmKwargs {
            region_name: Some("eu-west-1".into()),
            ..SsmKwargs::default()
        })
        .client(seed_client(&server.uri(), None))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("kwarg `region_name`: not used when a ready-made SDK client is given"),
        "{err}"
    );
}
