//! The one HTTP client of a backend, built from the kwargs only (timeouts, proxies, CA bundle, client
//! certificate, redirects; no `VAULT_*` variable read behind our back), shared by every request:
//! a reqwest client is a handle to one connection pool. Requests are sent and their answers read (with
//! a size cap) by src/http.rs. Also the retry glue: which answers are retried ([`TRANSIENT`]) and the
//! retry loop every request of a lookup goes through ([`with_retries`]).

use std::fmt::Display;
use std::path::Path;
use std::time::Duration;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::files::{MAX_CREDENTIAL_FILE_BYTES, read_bounded};
use airflow_secrets_core::provider::redact;
use airflow_secrets_core::provider::retry::{TransientStatuses, retry};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Certificate, Identity, Proxy};

use crate::BACKEND;
use crate::config::{
    GcpKeySource, ProxyScheme, RetryConfig, Timeout, VaultAuth, VaultConfig, Verify,
};

/// The statuses worth another attempt: the kernel's rule (429 and every 5xx) plus 412. Airflow builds
/// hvac's session with `Retry(status_forcelist=[412, 500, 502, 503])`: 412 is what a Vault performance
/// standby answers while it has not caught up with the active node yet, so a moment later the same
/// request succeeds. (429 and the other 5xx are retried as every provider does.)
pub(crate) const TRANSIENT: TransientStatuses = TransientStatuses::new(&[412], &[]);

/// Runs `op` (one request: a KV read, a login) until it succeeds, fails with an error that is not
/// `transient`, or `retry.max_retries` retries are spent, sleeping the back-off of `retry` in between
/// ([`RetryConfig::backoff`]); every request is counted in `ctx`. `what` (`read`, `login`) names the
/// request in the debug event of a retry.
pub(crate) async fn with_retries<T, E: Display, Fut>(
    ctx: &LookupContext,
    retry_config: &RetryConfig,
    what: &str,
    transient: impl Fn(&E) -> bool,
    mut op: impl FnMut() -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let backoff = retry_config.backoff();
    retry(ctx, &backoff, retry_config.max_retries, transient, || {
        let attempt = ctx.attempts();
        if attempt > 1 {
            tracing::debug!(backend = BACKEND, attempt, "retrying the Vault {what}");
        }
        op()
    })
    .await
}

/// Why the HTTP client could not be built: the kwarg at fault and what went wrong (never its value).
#[derive(Debug)]
pub(crate) struct BuildError {
    pub kwarg: &'static str,
    pub problem: String,
}

fn build_error(kwarg: &'static str, problem: impl Into<String>) -> BuildError {
    BuildError {
        kwarg,
        problem: problem.into(),
    }
}

/// Whether `value` can go into an HTTP header: no control character but tab (a newline in a token
/// would make every request invalid).
pub(crate) fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
}

/// Whether `token` may be sent as `X-Vault-Token`: visible ASCII only (Vault's tokens are `hvs.` plus
/// base62, `s.`/`b.` plus base62, or a UUID). A control byte cannot go into the header at all; anything
/// else non-visible is not a token Vault issued.
pub(crate) fn token_safe(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// Why a redirect was not followed (the error reqwest returns; see [`same_origin_redirects`]).
#[derive(Debug)]
pub(crate) struct RedirectRefused(pub String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// At most this many redirects are followed (requests' and reqwest's default is 30 and 10).
const MAX_REDIRECTS: usize = 10;

/// reqwest removes only `Authorization` and cookies when a redirect changes origin; `X-Vault-Token`
/// and a login body would go along. So only redirects to the same origin (scheme, host and port) as
/// the request are followed; anything else, https → http included, fails the request.
fn same_origin_redirects(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.follow();
    };
    if attempt.url().origin() != first.origin() {
        let message = format!(
            "Vault redirected the request to another origin ({}), which is not followed: the token and \
             login credentials are only sent to the origin of `url` ({}). A Vault HA standby redirects to \
             the active node: set `url` to the active node or to the cluster's load balancer",
            attempt.url().origin().ascii_serialization(),
            first.origin().ascii_serialization(),
        );
        return attempt.error(RedirectRefused(message));
    }
    if attempt.previous().len() > MAX_REDIRECTS {
        let message = format!("more than {MAX_REDIRECTS} redirects");
        return attempt.error(RedirectRefused(message));
    }
    attempt.follow()
}

/// The timeouts of `timeout` on a client builder: requests' connect and read timers, and the deadline
/// of the whole request ([`Timeout::request_deadline`]).
fn with_timeouts(mut builder: reqwest::ClientBuilder, timeout: &Timeout) -> reqwest::ClientBuilder {
    if let Some(t) = timeout.connect {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = timeout.read {
        builder = builder.read_timeout(t);
    }
    if let Some(t) = timeout.request_deadline() {
        builder = builder.timeout(t);
    }
    builder
}

/// The client of the cloud's requests — `sts:AssumeRole` (aws_iam with `assume_role_kwargs`), the GCE
/// metadata server and IAM `signJwt` (gcp without a key): default TLS verification and roots,
/// environment proxies only, no client certificate, no redirects. Vault's `verify`, `cert` and
/// `proxies` are settings for Vault; these answers carry fresh credentials.
fn cloud_client(kwarg: &'static str, timeout: &Timeout) -> Result<reqwest::Client, BuildError> {
    with_timeouts(reqwest::Client::builder().tls_backend_rustls(), timeout)
        .redirect(Policy::none())
        .build()
        .map_err(|e| {
            build_error(
                kwarg,
                format!("cannot build the HTTP client for the cloud: {e}"),
            )
        })
}

/// The shared transport: the reqwest client and what every request needs.
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The cloud's client ([`cloud_client`]), for aws_iam with `assume_role_kwargs` and gcp without a key.
    cloud: Option<reqwest::Client>,
    /// `<url>/v1` (the URL as configured, without its trailing `/`): hvac's `<base>/v1/<path>`.
    api_root: String,
    /// [`api_root`](Self::api_root) with its userinfo masked, for messages and logs.
    shown_root: String,
    namespace: Option<String>,
    /// How long a lookup waits for another lookup's login or renewal ([`Timeout::request_deadline`]).
    pub lock_wait: Option<Duration>,
}

impl Transport {
    pub fn new(config: &VaultConfig) -> Result<Transport, BuildError> {
        url::Url::parse(&config.url).map_err(|_| build_error("url", "not a URL"))?;
        let mut builder = with_timeouts(
            reqwest::Client::builder().tls_backend_rustls(),
            &config.timeout,
        );
        builder = builder.redirect(if config.allow_redirects {
            Policy::custom(same_origin_redirects)
        } else {
            Policy::none()
        });
        let is_http = config.url.starts_with("http://");
        if is_http {
            // reqwest#2988: a plain-http client loads no root store at all (nothing to verify).
            builder = builder.tls_certs_only(Vec::new());
        } else {
            match &config.verify {
                Verify::Yes => {}
                Verify::No => builder = builder.tls_danger_accept_invalid_certs(true),
                // requests' `verify=<path>` trusts that bundle only, not the system roots as well.
                Verify::CaBundle(path) => builder = builder.tls_certs_only(read_ca_bundle(path)?),
            }
        }
        if let Some(cc) = &config.client_cert {
            let mut pem = read_small("cert", &cc.cert)?;
            if let Some(key) = &cc.key {
                pem.push(b'\n');
                pem.extend(read_small("cert", key)?);
            }
            let identity = Identity::from_pem(&pem)
                .map_err(|_| build_error("cert", "not a PEM certificate and private key"))?;
            builder = builder.identity(identity);
        }
        for (scheme, url) in &config.proxies {
            let proxy = match scheme {
                ProxyScheme::Http => Proxy::http(url.as_str()),
                ProxyScheme::Https => Proxy::https(url.as_str()),
                ProxyScheme::All => Proxy::all(url.as_str()),
            }
            .map_err(|_| build_error("proxies", "invalid proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        let http = builder
            .build()
            .map_err(|e| build_error("verify", format!("cannot build the HTTP client: {e}")))?;
        let cloud = match &config.auth {
            VaultAuth::AwsIam(aws) if aws.assume_role.is_some() => {
                Some(cloud_client("assume_role_kwargs", &config.timeout)?)
            }
            VaultAuth::Gcp(gcp) if matches!(gcp.key, GcpKeySource::MetadataServer { .. }) => {
                Some(cloud_client("auth_type", &config.timeout)?)
            }
            _ => None,
        };
        let api_root = format!("{}/v1", config.url.trim_end_matches('/'));
        Ok(Transport {
            http,
            cloud,
            shown_root: redact::url(&api_root).into_owned(),
            api_root,
            namespace: config.namespace.clone(),
            lock_wait: config.timeout.request_deadline(),
        })
    }

    /// The full URL of the API path `path` (relative to `/v1/`, already quoted), to send requests to.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}/{path}", self.api_root)
    }

    /// [`api_url`](Self::api_url) with the userinfo of `url` masked: what messages and logs show.
    pub fn shown_url(&self, path: &str) -> String {
        format!("{}/{path}", self.shown_root)
    }

    /// A request with hvac's headers: `X-Vault-Request: true`, `X-Vault-Token` (when `token` is not
    /// empty) and `X-Vault-Namespace` (when configured).
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, url)
            .header("X-Vault-Request", "true");
        if !token.is_empty() {
            request = request.header("X-Vault-Token", token);
        }
        if let Some(ns) = &self.namespace {
            request = request.header("X-Vault-Namespace", ns);
        }
        request
    }

    /// The client of the cloud's requests (STS, GCE metadata, IAM), never the Vault client.
    pub fn cloud(&self) -> Option<&reqwest::Client> {
        self.cloud.as_ref()
    }
}

/// The bytes of the file `path` named by `kwarg`: a regular file (or a symlink to one) of at most
/// [`MAX_CREDENTIAL_FILE_BYTES`] (1 MiB). A FIFO (whose open would block forever), a device
/// (`/dev/zero`) or a larger file is an error naming the kwarg and the problem, never the content.
fn read_small(kwarg: &'static str, path: &Path) -> Result<Vec<u8>, BuildError> {
    read_bounded(path, MAX_CREDENTIAL_FILE_BYTES)
        .map_err(|e| build_error(kwarg, format!("cannot read `{}`: {e}", path.display())))
}

/// The most entries a `verify` directory may hold (c_rehash directories hold a few hundred).
pub(crate) const MAX_CA_DIRECTORY_ENTRIES: usize = 1000;

/// The certificates of a PEM file, or of every PEM file in a directory (requests' `verify=<dir>`).
/// Every file is read with [`read_small`]'s bounds; a directory of more than
/// [`MAX_CA_DIRECTORY_ENTRIES`] entries is refused.
fn read_ca_bundle(path: &Path) -> Result<Vec<Certificate>, BuildError> {
    let files = if path.is_dir() {
        let entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| build_error("verify", format!("cannot list `{}`: {e}", path.display())))?
            .take(MAX_CA_DIRECTORY_ENTRIES + 1)
            .collect();
        if entries.len() > MAX_CA_DIRECTORY_ENTRIES {
            return Err(build_error(
                "verify",
                format!(
                    "the CA directory `{}` holds more than {MAX_CA_DIRECTORY_ENTRIES} files",
                    path.display()
                ),
            ));
        }
        // FIFOs, devices and sockets in the directory are not certificates: skipped, as before.
        let mut files: Vec<_> = entries
            .into_iter()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut certs = Vec::new();
    for file in files {
        let pem = read_bounded(&file, MAX_CREDENTIAL_FILE_BYTES).map_err(|e| {
            build_error(
                "verify",
                format!("cannot read the CA bundle `{}`: {e}", file.display()),
            )
        })?;
        // A directory may hold non-PEM files (c_rehash links, READMEs): skip what does not parse there.
        match Certificate::from_pem_bundle(&pem) {
            Ok(found) => certs.extend(found),
            Err(_) if path.is_dir() => {}
            Err(_) => {
                return Err(build_error(
                    "verify",
                    format!("`{}` is not a PEM CA bundle", file.display()),
                ));
            }
        }
    }
    if certs.is_empty() {
        return Err(build_error(
            "verify",
            format!("no CA certificate found in `{}`", path.display()),
        ));
    }
    Ok(certs)
}
