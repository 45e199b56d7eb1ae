//! A throw-away certificate authority ([`TestCa`]) with a server certificate for `127.0.0.1` /
//! `localhost`, and a TLS front ([`TlsFront`]) that puts plain-TCP servers (wiremock, a raw server,
//! the Azure fakes) behind HTTPS signed by it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

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

    /// The CA certificate's PEM text.
    pub fn ca_pem_text(&self) -> String {
        std::fs::read_to_string(&self.ca_pem_path).expect("reading ca.pem")
    }

    /// The CA bundle path as a string for kwargs JSON.
    pub fn ca_pem(&self) -> String {
        self.ca_pem_path.to_string_lossy().into_owned()
    }

    /// A scratch directory that lives as long as the CA (for token files, fake `az` scripts...).
    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The rustls server configuration presenting the certificate the CA signed.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server_config.clone()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

/// A TLS terminator on 127.0.0.1 presenting a [`TestCa`]'s server certificate and forwarding the decrypted
/// bytes of each connection to a plain TCP address (one upstream connection per client connection), so that a
/// client that speaks only `https` can reach a plain-`http` test server. Bytes flow as fast as both ends read
/// them (no buffering beyond the copy buffers). A client connection is closed when its upstream refuses or
/// ends. Dropped, it stops accepting.
pub struct TlsFront {
    addr: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    /// Starts a front for `upstream` on a free loopback port (inside a Tokio runtime).
    pub async fn start(ca: &TestCa, upstream: SocketAddr) -> TlsFront {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let acceptor = TlsAcceptor::from(ca.server_config());
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { addr, accept_loop }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}
