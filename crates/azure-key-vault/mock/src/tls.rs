//! A throw-away certificate authority and a server certificate for `127.0.0.1` / `localhost`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test CA, its PEM file on disk (for `connection_verify`), and a rustls server config presenting a
/// certificate it signed for `127.0.0.1` and `localhost`.
pub struct TestCa {
    dir: tempfile::TempDir,
    ca_pem_path: PathBuf,
    server_config: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// Generates a fresh CA and server certificate.
    pub fn new() -> TestCa {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "airflow-secrets test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("server key");
        let mut leaf_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("server certificate");

        let dir = tempfile::tempdir().expect("temporary directory");
        let ca_pem_path = dir.path().join("ca.pem");
        std::fs::write(&ca_pem_path, ca_cert.pem()).expect("writing ca.pem");

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    CertificateDer::from(leaf_cert.der().to_vec()),
                    CertificateDer::from(ca_cert.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .expect("server TLS config");
        TestCa {
            dir,
            ca_pem_path,
            server_config: Arc::new(server_config),
        }
    }

    /// The CA certificate (PEM) to trust, e.g. as the `connection_verify` kwarg.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// The CA bundle path as a string for kwargs JSON.
    pub fn ca_pem(&self) -> String {
        self.ca_pem_path.to_string_lossy().into_owned()
    }

    /// A scratch directory that lives as long as the CA (for token files, fake `az` scripts...).
    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server_config.clone()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}
