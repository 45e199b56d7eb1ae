//! `verify` with a CA bundle, end to end: an https front (rustls, certificate from a test CA) before a
//! wiremock server. The bundle is trusted instead of the system roots, as botocore does with a path.
//! TRACE logs are captured and checked for the value and the secret key.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::logs::capture;
use common::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VALUE: &str = "s3cr3t-value-over-https";

fn test_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// Serves TLS on a loopback port with a certificate for 127.0.0.1/localhost signed by `ca`, and pipes
/// every connection to `upstream`. The task ends with the test's runtime.
async fn tls_front(ca: &CertifiedIssuer<'static, KeyPair>, upstream: SocketAddr) -> u16 {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&key, ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

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
    let ca = test_ca("airflow-secrets test CA");
    let port = tls_front(&ca, *server.address()).await;
    let endpoint = format!("https://localhost:{port}");

    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, ca.pem()).unwrap();
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, test_ca("some other CA").pem()).unwrap();

    let b = backend(&endpoint, json!({"verify": bundle.to_str().unwrap()}));
    assert_eq!(
        b.get_variable("tls").await.unwrap().unwrap().expose(),
        VALUE
    );

    // Without the bundle (system roots) and with a bundle of another CA, the handshake fails.
    for extra in [
        json!({}),
        json!({"verify": other.to_str().unwrap()}),
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
