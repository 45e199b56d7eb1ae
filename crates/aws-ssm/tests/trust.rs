//! Issue "Trust" (items 7, 10, 12, 14): capped retry counts and timeouts, `..` keys sent verbatim,
//! and no credential, endpoint userinfo or kwargs value in `Debug` or errors. Wiremock on 127.0.0.1.

mod common;

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::{Error, SecretsBackend};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PLANTED: &str = "PlantedS3cret";

fn build(endpoint: &str, extra: Value) -> Result<SystemsManagerParameterStoreBackend, Error> {
    SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(endpoint, extra))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_json(json!({"__type": "ParameterNotFound", "message": "not found"}))
}

#[test]
fn trust_14_retry_counts_are_capped() {
    for (retries, kwarg) in [
        (
            json!({"total_max_attempts": 1_000_000}),
            "total_max_attempts",
        ),
        (json!({"total_max_attempts": 101}), "total_max_attempts"),
        (json!({"max_attempts": 4_294_967_295u64}), "max_attempts"),
        (json!({"max_attempts": 100}), "max_attempts"),
    ] {
        let err = build(
            "http://127.0.0.1:1",
            json!({"config_kwargs": {"retries": retries}}),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKwarg { kwarg: k, .. } if k.ends_with(kwarg)),
            "{retries}: {err:?}"
        );
        assert!(err.to_string().contains("at most"), "{err}");
    }
    for retries in [
        json!({"total_max_attempts": 100}),
        json!({"max_attempts": 99}),
    ] {
        build(
            "http://127.0.0.1:1",
            json!({"config_kwargs": {"retries": retries}}),
        )
        .unwrap_or_else(|e| panic!("{retries}: {e}"));
    }
}

#[test]
fn trust_10_timeouts_refuse_what_would_panic() {
    for (kwarg, value) in [
        ("read_timeout", json!("inf")),
        ("read_timeout", json!("NaN")),
        ("read_timeout", json!(1e19)),
        ("connect_timeout", json!(-1)),
        ("connect_timeout", json!(86_401)),
    ] {
        let outcome = std::panic::catch_unwind(|| {
            build(
                "http://127.0.0.1:1",
                json!({"config_kwargs": {kwarg: value}}),
            )
        });
        let err = outcome.expect("no panic").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKwarg { kwarg: k, .. } if k.ends_with(kwarg)),
            "{kwarg}={value}: {err:?}"
        );
    }
}

/// SSM sends the name in the JSON body and does not resolve dot segments: the parameter read is
/// exactly `prefix/key`, whatever the key holds.
#[tokio::test]
async fn trust_12_dot_segments_are_sent_verbatim_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    let b = backend(&server.uri(), json!({}));
    let keys = [
        "..",
        "../x",
        "../../connections/prod",
        "a/../../b",
        "./x",
        "x/.",
        "%2e%2e/x",
        "%2E%2E%2Fx",
        "..%2fx",
    ];
    for key in keys {
        assert!(b.get_variable(key).await.unwrap().is_none(), "{key}");
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), keys.len());
    for (request, key) in requests.iter().zip(keys) {
        assert_eq!(request.url.path(), "/", "{key}");
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body["Name"],
            format!("/airflow/variables/{key}"),
            "the name read is exactly prefix/key"
        );
    }
}

#[tokio::test]
async fn trust_07_debug_and_errors_never_show_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"__type": "AccessDeniedException", "message": "denied"})),
        )
        .mount(&server)
        .await;
    let port = server.address().port();
    // URL credentials are refused (requests are signed; the SDK would log the URL), without echoing them.
    for extra in [
        json!({"endpoint_url": format!("http://user:{PLANTED}@127.0.0.1:{port}")}),
        json!({"service_config": {"sts": {"endpoint_url": format!("http://u:{PLANTED}@127.0.0.1:1")}},
               "role_arn": "arn:aws:iam::123456789012:role/r"}),
    ] {
        let err = build(&server.uri(), extra.clone()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidKwarg { .. }),
            "{extra}: {err:?}"
        );
        assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    }
    let b = build(
        &server.uri(),
        json!({
            "aws_secret_access_key": PLANTED,
            "aws_session_token": PLANTED,
            "config_kwargs": {"retries": {"total_max_attempts": 1}},
        }),
    )
    .unwrap();
    let with_role = build(
        &server.uri(),
        json!({
            "role_arn": "arn:aws:iam::123456789012:role/r",
            "assume_role_kwargs": {"ExternalId": PLANTED, "Policy": PLANTED},
        }),
    )
    .unwrap();
    // The kwargs themselves, before validation.
    let kwargs = airflow_secrets_aws_ssm::SsmKwargs::from_kwargs(
        json!({
            "endpoint_url": format!("http://u:{PLANTED}@127.0.0.1:1"),
            "aws_secret_access_key": PLANTED, "aws_session_token": PLANTED,
            "assume_role_kwargs": {"ExternalId": PLANTED},
            "service_config": {"sts": {"endpoint_url": format!("http://u:{PLANTED}@127.0.0.1:1")}},
        })
        .as_object()
        .unwrap(),
    )
    .unwrap();
    assert!(
        !format!("{kwargs:?} {kwargs:#?}").contains(PLANTED),
        "{kwargs:?}"
    );
    let shown = |b: &SystemsManagerParameterStoreBackend| format!("{b:?} {b:#?}");
    let before = [shown(&b), shown(&with_role)];
    let err = b.get_variable("x").await.unwrap_err();
    let after = shown(&b);
    for text in before.iter().chain([&after, &format!("{err} {err:?}")]) {
        assert!(!text.contains(PLANTED), "{text}");
    }
}
