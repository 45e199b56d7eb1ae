//! The `verify` kwarg with the SDK's rustls https client.
//!
//! botocore's `verify` is `True` (system roots), `False` (no verification) or a CA bundle path (trust
//! exactly those certificates). The SDK's default https client (rustls + aws-lc) can be given custom
//! trust roots but has no switch to turn verification off, and adding one would mean a second TLS stack;
//! so a CA bundle is supported and `false` is refused unless the endpoint is plain `http://`.

use std::fmt;
use std::path::{Path, PathBuf};

use airflow_secrets_core::provider::files;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The certificates of a CA bundle file, read and checked when the backend is built.
#[derive(Clone)]
pub(crate) struct CaBundle {
    path: PathBuf,
    pem: Vec<u8>,
    count: usize,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CaBundle({}, {} certificate(s))",
            self.path.display(),
            self.count
        )
    }
}

impl CaBundle {
    /// Reads a PEM bundle and checks every certificate in it: the SDK only parses the bundle when it
    /// opens the first connection, and panics on a certificate it cannot use, so we fail here instead.
    pub(crate) fn load(path: &Path) -> Result<CaBundle, String> {
        // A regular file of at most 1 MiB, opened without blocking: a FIFO, `/dev/zero` or a huge file
        // is an error here rather than a hang or an out-of-memory abort.
        let pem = files::read_bounded(path, files::MAX_CREDENTIAL_FILE_BYTES)
            .map_err(|e| format!("cannot read the CA bundle `{}`: {e}", path.display()))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the CA bundle `{}` is not valid PEM: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "the CA bundle `{}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            ));
        }
        let mut roots = rustls::RootCertStore::empty();
        for (i, cert) in certs.iter().enumerate() {
            roots.add(cert.clone()).map_err(|e| {
                format!(
                    "certificate #{} of the CA bundle `{}` cannot be used as a trust root: {e}",
                    i + 1,
                    path.display()
                )
            })?;
        }
        Ok(CaBundle {
            path: path.to_owned(),
            pem,
            count: certs.len(),
        })
    }

    /// An https client trusting exactly these certificates (botocore replaces its roots with the bundle
    /// too), on the same rustls/aws-lc stack as the SDK's default client; response bodies capped at
    /// [`crate::MAX_RESPONSE_BYTES`].
    pub(crate) fn https_client(&self) -> SharedHttpClient {
        let trust = TrustStore::empty().with_pem_certificate(self.pem.clone());
        let context = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .expect("a TLS context with a trust store always builds");
        crate::body_limit::capped(
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(context)
                .build_https(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_invalid_and_empty_bundles_are_clear_errors() {
        let err = CaBundle::load(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            err.starts_with("cannot read the CA bundle `/nonexistent/ca.pem`"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = CaBundle::load(&empty).unwrap_err();
        assert!(err.contains("holds no PEM certificate"), "{err}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = CaBundle::load(&garbage).unwrap_err();
        assert!(err.contains("cannot be used as a trust root"), "{err}");
    }
}
