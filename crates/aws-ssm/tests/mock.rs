//! Mock suite (wiremock): the exact `GetParameter` request the backend sends, the SSM error bodies it must
//! understand, what is retried (transient failures only) and what is not, timeouts, the STS `AssumeRole`
//! exchange, and the lookups that must send nothing.
//!
//! Every test runs with TRACE logs captured (the SDK's included, `airflow_secrets_testkit::logs`); the
//! tests that handle secrets end by checking that none of [`SECRETS`] was logged, and every error they
//! provoke is checked the same way (Display and Debug).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::logs::{Logs, capture};
use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, Times};

const JSON_11: &str = "application/x-amz-json-1.1";
const VALUE: &str = "s3cr3t-PARAMETER-VALUE";
const STATIC_TOKEN: &str = "s3cr3t-STATIC-SESSION-TOKEN";
const EXTERNAL_ID: &str = "s3cr3t-EXTERNAL-ID";
const ASSUMED_SECRET: &str = "s3cr3t-ASSUMED-SECRET";

/// Every secret this suite handles: stored values, keys, tokens, the external id.
const SECRETS: &[&str] = &[
    VALUE,
    SECRET_ACCESS_KEY,
    STATIC_TOKEN,
    EXTERNAL_ID,
    ASSUMED_SECRET,
    ASSUMED_TOKEN,
];

/// Installs (once) the TRACE capture; every test calls it first.
fn logs() -> Logs {
    capture()
}

/// The error, after checking that neither its Display nor its Debug shows a secret.
fn clean(err: Error) -> Error {
    assert_error_clean(&err, SECRETS);
    err
}

/// A response with SSM's JSON content type.
fn json_11(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("content-type", JSON_11)
}

fn get_parameter_ok(name: &str, value: &str) -> ResponseTemplate {
    json_11(200).set_body_json(json!({
        "Parameter": {
            "Name": name, "Type": "SecureString", "Value": value, "Version": 3,
            "LastModifiedDate": 1.7e9, "ARN": format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
            "DataType": "text"
        }
    }))
}

fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_11(status)
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

/// Mounts [`get_parameter`]`(name)` on `server`, answering `response` and expecting `requests`
/// requests: a count, or `..` for any number (checked when `server` drops).
async fn serve(
    server: &MockServer,
    name: &str,
    response: ResponseTemplate,
    requests: impl Into<Times>,
) {
    get_parameter(name)
        .respond_with(response)
        .expect(requests)
        .mount(server)
        .await;
}

/// [`serve`] with a successful `GetParameter` answer holding `value` ([`get_parameter_ok`]).
async fn serve_value(server: &MockServer, name: &str, value: &str, requests: impl Into<Times>) {
    serve(server, name, get_parameter_ok(name, value), requests).await;
}

/// For lookups that must send nothing: any request reaching `server` fails the test when it drops.
async fn forbid_requests(server: &MockServer) {
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(server)
        .await;
}

/// Kwargs capping the SDK's retry policy at `attempts` attempts in all (botocore's
/// `total_max_attempts`).
fn total_max_attempts(attempts: u32) -> Value {
    json!({"config_kwargs": {"retries": {"total_max_attempts": attempts}}})
}

/// The value of variable `key` as `b` reads it; panics if the lookup fails or finds nothing.
async fn variable(b: &SystemsManagerParameterStoreBackend, key: &str) -> String {
    let value = b.get_variable(key).await.expect("the lookup succeeds");
    value.expect("the variable exists").expose().to_owned()
}

/// Looks up variable `key` (kwargs `extra`) on a fresh mock whose `/airflow/variables/{key}` answers
/// every request with `response`. Returns the error the lookup fails with, checked by [`clean`], and how
/// many requests reached the mock.
async fn failed_lookup(key: &str, response: ResponseTemplate, extra: Value) -> (Error, usize) {
    let server = MockServer::start().await;
    serve(&server, &format!("/airflow/variables/{key}"), response, ..).await;
    let err = backend(&server.uri(), extra)
        .get_variable(key)
        .await
        .expect_err("the lookup fails");
    (clean(err), requests(&server).await.len())
}

/// Checks that `err` is `Unavailable` after exactly `attempts` attempts; returns its `location`,
/// `elapsed` and `problem`.
fn assert_unavailable(err: &Error, attempts: u32) -> (&str, Duration, &str) {
    let report = airflow_secrets_testkit::errors::unavailable(err);
    assert_eq!(report.attempts, attempts, "{err:?}");
    (report.location, report.elapsed, report.problem)
}

#[tokio::test]
async fn sends_the_exact_get_parameter_request_signed_with_the_static_key() {
    let logs = logs();
    let server = MockServer::start().await;
    serve_value(&server, "/airflow/variables/hello", VALUE, 1).await;

    let b = backend(&server.uri(), json!({}));
    assert_eq!(variable(&b, "hello").await, VALUE);

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
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn names_for_each_kind_and_prefix_are_airflows() {
    let logs = logs();
    let server = MockServer::start().await;
    for name in [
        "/airflow/connections/smtp_default",
        "/custom/variables/k",
        "/cfg_key",
    ] {
        serve_value(&server, name, "v", 1).await;
    }
    let b = backend(
        &server.uri(),
        json!({"variables_prefix": "custom/variables/", "config_prefix": ""}),
    );
    assert!(b.get_conn_value("smtp_default").await.unwrap().is_some());
    assert!(b.get_variable("k").await.unwrap().is_some());
    assert!(b.get_config("cfg_key").await.unwrap().is_some());
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn parameter_not_found_is_none_after_one_request() {
    let logs = logs();
    let server = MockServer::start().await;
    serve(
        &server,
        "/airflow/variables/missing",
        aws_error(
            400,
            "ParameterNotFound",
            "Parameter /airflow/variables/missing not found.",
        ),
        1,
    )
    .await;
    serve(
        &server,
        "/airflow/connections/missing",
        // The namespaced form of the error type is understood too.
        aws_error(400, "com.amazonaws.ssm#ParameterNotFound", "not found"),
        1,
    )
    .await;
    let b = backend(&server.uri(), json!({}));
    assert!(b.get_variable("missing").await.unwrap().is_none());
    assert!(b.get_connection("missing").await.unwrap().is_none());
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn access_denied_is_a_permission_error_naming_the_parameter() {
    let logs = logs();
    let message = "User: arn:aws:iam::123456789012:user/airflow is not authorized to perform: ssm:GetParameter on \
                   resource: arn:aws:ssm:us-east-1:123456789012:parameter/airflow/variables/hello";
    let (err, sent) = failed_lookup(
        "hello",
        aws_error(400, "AccessDeniedException", message),
        json!({}),
    )
    .await;
    assert_eq!(sent, 1);
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
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn validation_and_other_client_errors_are_rejected_without_retry() {
    let logs = logs();
    let server = MockServer::start().await;
    serve(
        &server,
        "/airflow/variables/a b",
        aws_error(
            400,
            "ValidationException",
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\"",
        ),
        1,
    )
    .await;
    serve(
        &server,
        "/airflow/variables/kms",
        aws_error(400, "InvalidKeyId", "The key is disabled"),
        1,
    )
    .await;
    let b = backend(&server.uri(), json!({}));
    let err = clean(b.get_variable("a b").await.unwrap_err());
    assert!(
        matches!(&err, Error::Rejected { location, .. } if location == "parameter `/airflow/variables/a b`"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("ValidationException: Parameter name"),
        "{err}"
    );
    let err = clean(b.get_variable("kms").await.unwrap_err());
    assert!(
        matches!(&err, Error::Rejected { problem, .. } if problem.starts_with("InvalidKeyId: The key is disabled")),
        "{err:?}"
    );
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn bad_credentials_are_an_authentication_error() {
    let logs = logs();
    let (err, _) = failed_lookup(
        "hello",
        aws_error(
            400,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        json!({}),
    )
    .await;
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string().contains(
            "UnrecognizedClientException: The security token included in the request is invalid."
        ),
        "{err}"
    );
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk_then_reported_with_the_attempt_count() {
    let logs = logs();
    // botocore's max_attempts counts retries: 2 retries = 3 attempts.
    let (err, sent) = failed_lookup(
        "busy",
        aws_error(400, "ThrottlingException", "Rate exceeded"),
        json!({"config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}}}),
    )
    .await;
    assert_eq!(sent, 3);
    let (location, _, problem) = assert_unavailable(&err, 3);
    assert_eq!(location, "parameter `/airflow/variables/busy`");
    assert!(
        problem.starts_with("ThrottlingException: Rate exceeded (HTTP 400"),
        "{problem}"
    );
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_throttled_request_that_succeeds_on_retry_returns_the_value() {
    let logs = logs();
    let server = MockServer::start().await;
    get_parameter("/airflow/variables/flaky")
        .respond_with(aws_error(400, "ThrottlingException", "Rate exceeded"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    serve_value(&server, "/airflow/variables/flaky", VALUE, ..).await;
    let b = backend(&server.uri(), total_max_attempts(2));
    assert_eq!(variable(&b, "flaky").await, VALUE);
    assert_eq!(requests(&server).await.len(), 2);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn server_errors_are_retried_and_unavailable() {
    let logs = logs();
    let (err, sent) = failed_lookup(
        "down",
        aws_error(500, "InternalServerError", "boom"),
        total_max_attempts(2),
    )
    .await;
    assert_unavailable(&err, 2);
    assert_eq!(sent, 2);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_bare_429_and_every_5xx_are_retried_then_unavailable() {
    let logs = logs();
    // The SDK alone retries only 500/502/503/504 and AWS throttling codes; a proxy's bare 429 or a 507
    // is just as transient.
    for (status, body) in [
        (429, "Too Many Requests"),
        (501, ""),
        (507, "<html>Insufficient Storage</html>"),
        (503, ""),
    ] {
        let (err, sent) = failed_lookup(
            "busy",
            ResponseTemplate::new(status).set_body_string(body),
            total_max_attempts(2),
        )
        .await;
        assert_unavailable(&err, 2);
        assert!(err.to_string().contains(&format!("HTTP {status}")), "{err}");
        assert_eq!(sent, 2, "{status}");
    }
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let logs = logs();
    // With the default policy (3 attempts): one request each, whatever the 4xx.
    for (status, code) in [
        (400, Some("ValidationException")),
        (400, Some("InvalidKeyId")),
        (400, Some("ParameterVersionNotFound")),
        (400, None),
        (401, None),
        (403, None),
        (404, None),
        (409, None),
        (412, None),
        (413, None),
    ] {
        let response = match code {
            Some(code) => aws_error(status, code, "no"),
            None => ResponseTemplate::new(status).set_body_string("<html>proxy says no</html>"),
        };
        let (err, sent) = failed_lookup("k", response, json!({})).await;
        assert!(
            !matches!(err, Error::Unavailable { .. }),
            "{status} {code:?}: {err:?}"
        );
        assert_eq!(sent, 1, "{status} {code:?}");
    }
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_whole_success_response_that_does_not_parse_is_malformed_without_retry() {
    let logs = logs();
    let (err, sent) = failed_lookup(
        "odd",
        json_11(200).set_body_string("{\"Parameter\": [not json"),
        json!({}),
    )
    .await;
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(
        err.to_string().contains("unreadable HTTP 200 response"),
        "{err}"
    );
    assert_eq!(sent, 1);
    logs.assert_free_of(SECRETS);
}

/// A one-trick HTTP server on 127.0.0.1: to every connection it sends a `200` head announcing a body of
/// 200 bytes and the first few of them, then hangs up (`hang_up`) or holds the connection open and
/// silent. Returns its URL and a count of the connections it accepted.
async fn broken_body_server(hang_up: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = vec![0u8; 64 * 1024];
                let mut read = 0;
                // Read the whole request (head and JSON body) so that closing sends FIN, not RST.
                while !String::from_utf8_lossy(&request[..read]).contains("WithDecryption") {
                    match socket.read(&mut request[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\n\
                            content-length: 200\r\n\r\n{\"Parameter\": {\"Name\": ";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                if !hang_up {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn a_response_cut_off_mid_body_is_retried_then_unavailable() {
    let logs = logs();
    let (url, connections) = broken_body_server(true).await;
    let b = backend(&url, json!({}));
    let err = clean(b.get_variable("cut").await.unwrap_err());
    // The default policy: 3 attempts.
    let (_, _, problem) = assert_unavailable(&err, 3);
    assert!(
        problem.contains("unreadable HTTP 200 response"),
        "{problem}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_body_that_stalls_after_the_head_times_out() {
    let logs = logs();
    // The SDK's read timeout stops at the response head; the attempt timeout (same duration) covers the
    // body. Without it this lookup would never end: the outer timeout only turns a hang into a failure.
    let (url, connections) = broken_body_server(false).await;
    let b = backend(
        &url,
        json!({"config_kwargs": {"read_timeout": 1, "retries": {"total_max_attempts": 1}}}),
    );
    let err = tokio::time::timeout(Duration::from_secs(60), b.get_variable("stalled"))
        .await
        .expect("the lookup ends on its own")
        .unwrap_err();
    let err = clean(err);
    assert_unavailable(&err, 1);
    assert!(err.to_string().contains("timeout"), "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_refused_connection_is_retried_with_backoff_and_reports_attempts_and_elapsed() {
    let logs = logs();
    let url = format!("http://127.0.0.1:{}", airflow_secrets_testkit::free_port());
    // The default policy: 3 attempts, back-off before attempts 2 and 3 drawn from [0, 1 s) and [0, 2 s).
    let b = backend(&url, json!({}));
    let started = Instant::now();
    let err = clean(b.get_variable("hello").await.unwrap_err());
    let measured = started.elapsed();
    let (_, elapsed, _) = assert_unavailable(&err, 3);
    // `elapsed` is the whole lookup as the caller saw it (within scheduling noise)...
    assert!(elapsed <= measured, "{elapsed:?} > {measured:?}");
    assert!(
        measured - elapsed < Duration::from_secs(1),
        "{elapsed:?} vs {measured:?}"
    );
    // ...and no more than the back-off can add (3 s at most) plus generous room for 3 refused
    // connects on a loaded machine.
    assert!(elapsed < Duration::from_secs(3 + 5), "{elapsed:?}");
    assert!(err.to_string().contains("(3 attempt(s) in "), "{err}");
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn lookup_pattern_miss_and_disabled_kind_send_nothing() {
    let logs = logs();
    let server = MockServer::start().await;
    // Anything reaching the server fails the test when the server is dropped.
    forbid_requests(&server).await;
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
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn lookup_pattern_match_is_case_insensitive_and_sends_the_request() {
    let logs = logs();
    let server = MockServer::start().await;
    serve_value(&server, "/airflow/variables/PROD_db", "x", 1).await;
    let b = backend(&server.uri(), json!({"variables_lookup_pattern": "^prod_"}));
    assert_eq!(variable(&b, "PROD_db").await, "x");
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let logs = logs();
    // A port that was free a moment ago and has no listener.
    let url = format!("http://127.0.0.1:{}", airflow_secrets_testkit::free_port());
    let b = backend(
        &url,
        json!({"config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let err = clean(b.get_variable("hello").await.unwrap_err());
    let (_, _, problem) = assert_unavailable(&err, 1);
    assert!(
        problem.contains("dispatch failure") || problem.contains("connect"),
        "{problem}"
    );
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn read_timeout_from_config_kwargs_is_unavailable() {
    let logs = logs();
    let (err, _) = failed_lookup(
        "slow",
        // Far longer than the read timeout: without it the lookup would return the value.
        get_parameter_ok("/airflow/variables/slow", "late").set_delay(Duration::from_secs(20)),
        json!({"config_kwargs": {"read_timeout": 0.5, "retries": {"max_attempts": 0}}}),
    )
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("timeout") || err.to_string().contains("timed out"),
        "{err}"
    );
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_response_without_a_value_is_malformed() {
    let logs = logs();
    let (err, _) = failed_lookup("odd", json_11(200).set_body_json(json!({})), json!({})).await;
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(err.to_string().contains("has no Parameter.Value"), "{err}");
    logs.assert_free_of(SECRETS);
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
      <SecretAccessKey>{ASSUMED_SECRET}</SecretAccessKey>
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
    let logs = logs();
    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole"))
        .respond_with(assume_role_ok())
        .mount(&sts)
        .await;
    serve_value(&ssm, "/airflow/variables/hello", VALUE, ..).await;

    let b = Arc::new(backend(
        &ssm.uri(),
        json!({"role_arn": ROLE_ARN, "assume_role_kwargs": {"ExternalId": EXTERNAL_ID, "DurationSeconds": 900},
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
    assert_eq!(variable(&b, "hello").await, VALUE);

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
    assert_eq!(param("ExternalId"), Some(EXTERNAL_ID));
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
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_refused_assume_role_is_an_authentication_error() {
    let logs = logs();
    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).insert_header("content-type", "text/xml").set_body_string(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>"#,
        ))
        .mount(&sts)
        .await;
    forbid_requests(&ssm).await;
    let b = backend(
        &ssm.uri(),
        json!({"role_arn": ROLE_ARN, "service_config": {"sts": {"endpoint_url": sts.uri()}},
        "config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let err = clean(b.get_variable("hello").await.unwrap_err());
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("not authorized to perform: sts:AssumeRole"),
        "{err}"
    );
    logs.assert_free_of(SECRETS);
}

// ----- secrets never leak -----------------------------------------------------------------------------

#[tokio::test]
async fn no_secret_in_debug_errors_or_trace_logs() {
    let logs = logs();
    let ssm = MockServer::start().await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(assume_role_ok())
        .mount(&sts)
        .await;
    serve_value(&ssm, "/airflow/variables/ok", VALUE, ..).await;
    serve(
        &ssm,
        "/airflow/variables/denied",
        aws_error(400, "AccessDeniedException", "not authorized"),
        ..,
    )
    .await;
    // A success status whose body does not parse: the SDK keeps the raw body (holding the value) in its
    // error. It arrived whole, so it is not retried either.
    serve(
        &ssm,
        "/airflow/variables/garbled",
        json_11(200).set_body_string(format!(
            r#"{{"Parameter": {{"Name": "/airflow/variables/garbled", "Value": "{VALUE}", "Version": "three"}}}}"#
        )),
        1,
    )
    .await;
    // Everything else: a bare 404. (wiremock logs a request no mock matches, headers included — the
    // session token among them — which would trip the log check below on the mock's own log line.)
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(10)
        .mount(&ssm)
        .await;
    let k = kwargs(
        &ssm.uri(),
        json!({"aws_session_token": STATIC_TOKEN, "role_arn": ROLE_ARN,
        "assume_role_kwargs": {"ExternalId": EXTERNAL_ID}, "service_config": {"sts": {"endpoint_url": sts.uri()}}}),
    );
    let b = SystemsManagerParameterStoreBackend::from_kwargs(&k).unwrap();
    assert_eq!(variable(&b, "ok").await, VALUE);
    let err = clean(b.get_variable("denied").await.unwrap_err());
    let conn = b.get_connection("nope").await;
    let conn = clean(conn.unwrap_err());
    let garbled = clean(b.get_variable("garbled").await.unwrap_err());
    assert!(
        matches!(garbled, Error::MalformedSecret { .. }),
        "{garbled:?}"
    );

    let shown = format!("{b:?}\n{err}\n{conn}\n{garbled}");
    assert!(
        shown.contains("permission denied") && shown.contains("Static { keys: [REDACTED]"),
        "the checks below looked at real output: {shown}"
    );
    for secret in SECRETS {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
    // The value and the assumed role's credentials went through the SDK at TRACE: none was logged.
    assert!(logs.contents().contains("AssumeRole") || logs.contents().contains("sts"));
    logs.assert_free_of(SECRETS);
}

#[test]
fn kwargs_debug_of_a_fresh_backend_is_redacted() {
    let logs = logs();
    let k = kwargs(
        "http://127.0.0.1:1",
        json!({"aws_session_token": STATIC_TOKEN}),
    );
    let b = SystemsManagerParameterStoreBackend::from_kwargs(&k).unwrap();
    let shown = format!("{b:?}");
    assert!(
        shown.contains("Static { keys: [REDACTED], session_token: [REDACTED] }"),
        "{shown}"
    );
    assert!(
        !shown.contains(SECRET_ACCESS_KEY)
            && !shown.contains(STATIC_TOKEN)
            && !shown.contains(ACCESS_KEY_ID),
        "{shown}"
    );
    logs.assert_free_of(SECRETS);
}

#[test]
fn unknown_and_invalid_kwargs_fail_at_construction() {
    let logs = logs();
    let err = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(
        "http://127.0.0.1:1",
        json!({"prefix": "x"}),
    ))
    .unwrap_err();
    let err = clean(err);
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
    let err = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(
        "http://127.0.0.1:1",
        json!({"variables_lookup_pattern": "a{3,2}"}),
    ))
    .unwrap_err();
    let err = clean(err);
    assert!(
        err.to_string()
            .contains("kwarg `variables_lookup_pattern`: not a valid regular expression"),
        "{err}"
    );
    logs.assert_free_of(SECRETS);
}

#[tokio::test]
async fn a_ready_made_sdk_client_is_used_with_the_kwargs_prefixes_and_patterns() {
    let logs = logs();
    use airflow_secrets_aws_ssm::SsmKwargs;
    let server = MockServer::start().await;
    serve_value(&server, "/team/variables/k", "from my client", 1).await;
    let b = SystemsManagerParameterStoreBackend::builder()
        .kwargs(SsmKwargs {
            variables_prefix: Some("/team/variables".into()),
            ..SsmKwargs::default()
        })
        .client(seed_client(&server.uri(), None))
        .build()
        .unwrap();
    assert_eq!(variable(&b, "k").await, "from my client");

    let err = SystemsManagerParameterStoreBackend::builder()
        .kwargs(SsmKwargs {
            connection: airflow_secrets_aws_ssm::AwsConnectionKwargs {
                region_name: Some("eu-west-1".into()),
                ..Default::default()
            },
            ..SsmKwargs::default()
        })
        .client(seed_client(&server.uri(), None))
        .build()
        .unwrap_err();
    let err = clean(err);
    assert!(
        err.to_string()
            .contains("kwarg `region_name`: not used when a ready-made SDK client is given"),
        "{err}"
    );
    logs.assert_free_of(SECRETS);
}
