//! The HTTP settings shared by Key Vault requests and token requests: TLS trust (`connection_verify`),
//! timeouts and the bounded retry policy, turned into the SDK's [`ClientOptions`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use azure_core::http::{ClientOptions, RetryOptions, StatusCode, Transport};

use crate::retry::{JitteredBackoff, transient_statuses};

/// How server certificates are checked: Python's `connection_verify` SecretClient kwarg.
#[derive(Clone, Default)]
pub enum TlsVerify {
    /// Verify against the platform's trust store (the default, `connection_verify: true`).
    #[default]
    System,
    /// Trust only the certificates of this PEM bundle (`connection_verify: "/path/ca.pem"`), as Python's
    /// `requests` does with `verify=<path>`. Applied to Key Vault **and** token requests.
    CaBundle {
        /// Where the bundle was read from (for messages).
        path: PathBuf,
        /// The parsed certificates.
        certificates: Vec<reqwest::Certificate>,
    },
    /// Do not verify certificates at all (`connection_verify: false`). Insecure; for debugging only.
    Disabled,
}

impl TlsVerify {
    /// Reads and parses a PEM bundle. The error names the path and the problem, never the file's content.
    pub fn ca_bundle(path: impl Into<PathBuf>) -> Result<Self, String> {
        let path = path.into();
        let pem = std::fs::read(&path)
            .map_err(|e| format!("cannot read the CA bundle `{}`: {e}", path.display()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "the CA bundle `{}` is not a PEM certificate bundle: {e}",
                path.display()
            )
        })?;
        if certificates.is_empty() {
            return Err(format!(
                "the CA bundle `{}` holds no PEM certificate",
                path.display()
            ));
        }
        Ok(TlsVerify::CaBundle { path, certificates })
    }
}

impl fmt::Debug for TlsVerify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsVerify::System => f.write_str("System"),
            TlsVerify::CaBundle { path, certificates } => f
                .debug_struct("CaBundle")
                .field("path", path)
                .field("certificates", &certificates.len())
                .finish(),
            TlsVerify::Disabled => f.write_str("Disabled"),
        }
    }
}

/// Bounded retries of transient failures: connection errors and timeouts, 408, 429 and 5xx (except 501 and
/// 505). Every other status is final.
///
/// Mirrors the Python SDK's `retry_*` kwargs: at most `total` retries (Python's effective default for status
/// and connection errors is 3), exponential back-off from `backoff_factor` capped at `backoff_max`, with
/// jitter (see [`RetrySettings::delay`]). A `Retry-After` header on 429/503 is honoured up to `backoff_max`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySettings {
    /// Maximum number of retries after the first attempt (`retry_total`); 0 disables retries.
    pub total: u32,
    /// Back-off before the first retry, doubled for each further retry (`retry_backoff_factor`).
    pub backoff_factor: Duration,
    /// Longest back-off, and longest `Retry-After` honoured (`retry_backoff_max`).
    pub backoff_max: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            total: 3,
            backoff_factor: Duration::from_millis(800),
            backoff_max: Duration::from_secs(120),
        }
    }
}

/// HTTP settings for every request the backend makes (Key Vault and token endpoints alike).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Certificate verification.
    pub verify: TlsVerify,
    /// Time allowed to open a connection (`connection_timeout`).
    pub connect_timeout: Duration,
    /// Time allowed between reads of a response, including the wait for its first byte (`read_timeout`).
    pub read_timeout: Duration,
    /// Retry policy.
    pub retry: RetrySettings,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            verify: TlsVerify::System,
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(60),
            retry: RetrySettings::default(),
        }
    }
}

impl HttpOptions {
    /// Builds the reqwest client the SDK sends requests with. Same settings as the SDK's own default client
    /// (no redirects), plus our trust roots and timeouts.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .redirect(reqwest::redirect::Policy::none());
        builder = match &self.verify {
            TlsVerify::System => builder,
            TlsVerify::CaBundle { certificates, .. } => {
                builder.tls_certs_only(certificates.iter().cloned())
            }
            TlsVerify::Disabled => builder.tls_danger_accept_invalid_certs(true),
        };
        builder.build()
    }

    /// The SDK's retry options for [`RetrySettings`], retrying `statuses` (and transport errors).
    pub(crate) fn retry_options(&self, statuses: Vec<StatusCode>) -> RetryOptions {
        if self.retry.total == 0 {
            return RetryOptions::none();
        }
        RetryOptions::custom(Arc::new(JitteredBackoff::new(self.retry.clone(), statuses)))
    }

    /// Client options carrying `transport` and the retry policy for transient failures.
    pub(crate) fn client_options(&self, transport: &Transport) -> ClientOptions {
        self.client_options_retrying(transport, transient_statuses())
    }

    /// Client options carrying `transport` and the retry policy, retrying `statuses` (and transport errors).
    pub(crate) fn client_options_retrying(
        &self,
        transport: &Transport,
        statuses: Vec<StatusCode>,
    ) -> ClientOptions {
        ClientOptions {
            transport: Some(transport.clone()),
            retry: self.retry_options(statuses),
            ..ClientOptions::default()
        }
    }
}

/// A transport over `client`.
pub(crate) fn transport(client: reqwest::Client) -> Transport {
    Transport::new(Arc::new(client))
}
