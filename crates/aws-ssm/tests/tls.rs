//! `verify` with a CA bundle, end to end: an https front (the testkit's `TlsFront`, certificate from a
//! test CA) before a wiremock server. The bundle is trusted instead of the system roots, as botocore does with a path.
//! TRACE logs are captured and checked for the value and the secret key.

mod common;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::logs::capture;
use airflow_secrets_testkit::tls::{TestCa, TlsFront};
use common::*;
use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VALUE: &str = "s3cr3t-value-over-https";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_bundle_in_verify_is_trusted_instead_of_the_system_roots() {
    let logs = capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AmazonSSM.GetParameter"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/x-amz-json-1.1").set_body_json(
            json!({"Parameter": {"Name": "/airflow/variables/tls", "Type": "String", "Value": VALUE, "Version": 1}}),
        ))
        .mount(&server)
        .await;
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, *server.address()).await;
    let endpoint = format!("https://localhost:{}", front.addr().port());
    let other = TestCa::new();

    let b = backend(&endpoint, json!({"verify": ca.ca_pem()}));
    assert_eq!(
        b.get_variable("tls").await.unwrap().unwrap().expose(),
        VALUE
    );

    // Without the bundle (system roots) and with a bundle of another CA, the handshake fails.
    for extra in [
        json!({}),
        json!({"verify": other.ca_pem()}),
        json!({"verify": true}),
    ] {
        let mut extra = extra;
        extra["config_kwargs"] = json!({"retries": {"max_attempts": 0}});
        let err = backend(&endpoint, extra.clone())
            .get_variable("tls")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{extra}: {err:?}");
        assert_error_clean(&err, &[VALUE, SECRET_ACCESS_KEY]);
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{extra}: {err}"
        );
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "only the trusted handshake got through"
    );
    logs.assert_free_of(&[VALUE, SECRET_ACCESS_KEY]);
}

#[test]
fn verify_false_with_a_tls_endpoint_says_how_to_use_a_ca_bundle() {
    let logs = capture();
    let err = airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend::from_kwargs(&kwargs(
        "https://ssm.internal.example",
        json!({"verify": false}),
    ))
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidKwarg { ref kwarg, .. } if kwarg == "verify"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("not supported") && text.contains("path of a PEM CA bundle"),
        "{text}"
    );
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}
