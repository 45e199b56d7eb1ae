//! The one HTTP client of a backend, and vaultrs clients sharing it.
//!
//! vaultrs' `VaultClient::new` builds its own reqwest client and fills unset settings from `VAULT_*`
//! environment variables. We build the reqwest client ourselves (timeouts, proxies, CA bundle, client
//! certificate, redirects, from the kwargs only) and assemble `VaultClient` values around clones of it:
//! a reqwest client is a handle to one connection pool, so every token's client shares that pool.

use std::path::Path;

use reqwest::{Certificate, Identity, Proxy};
use rustify::clients::reqwest::Client as HttpClient;
use vaultrs::api::EndpointMiddleware;
use vaultrs::client::{VaultClient, VaultClientSettings};

use crate::config::{ProxyScheme, VaultConfig, Verify};

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
/// would make every request invalid; vaultrs panics on it).
pub(crate) fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
}

/// The shared transport: the reqwest client and what every request needs.
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The server URL, parsed once for vaultrs' clients.
    address: url::Url,
    /// `<url>/v1` (the URL as configured, without its trailing `/`): hvac's `<base>/v1/<path>`.
    api_root: String,
    namespace: Option<String>,
}

impl Transport {
    pub fn new(config: &VaultConfig) -> Result<Transport, BuildError> {
        let address = url::Url::parse(&config.url).map_err(|_| build_error("url", "not a URL"))?;
        let mut builder = reqwest::Client::builder().tls_backend_rustls();
        if let Some(t) = config.timeout.connect {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = config.timeout.read {
            builder = builder.read_timeout(t);
        }
        if !config.allow_redirects {
            builder = builder.redirect(reqwest::redirect::Policy::none());
        }
        let is_http = config.url.starts_with("http://");
        if is_http {
            // As vaultrs does (reqwest#2988): a plain-http client loads no root store at all.
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
            let mut pem = std::fs::read(&cc.cert).map_err(|e| {
                build_error("cert", format!("cannot read `{}`: {e}", cc.cert.display()))
            })?;
            if let Some(key) = &cc.key {
                pem.push(b'\n');
                pem.extend(std::fs::read(key).map_err(|e| {
                    build_error("cert", format!("cannot read `{}`: {e}", key.display()))
                })?);
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
        Ok(Transport {
            http,
            address,
            api_root: format!("{}/v1", config.url.trim_end_matches('/')),
            namespace: config.namespace.clone(),
        })
    }

    /// The full URL of the API path `path` (relative to `/v1/`, already quoted).
    pub fn api_url(&self, path: &str) -> String {
        format!("{}/{path}", self.api_root)
    }

    /// A vaultrs client sending `token` (none when empty) over the shared connection pool.
    pub fn vault_client(&self, token: &str) -> VaultClient {
        let address = &self.address;
        let settings = VaultClientSettings {
            address: address.clone(),
            ca_certs: Vec::new(),
            identity: None,
            timeout: None,
            token: token.to_owned(),
            verify: true,
            version: 1,
            wrapping: false,
            namespace: self.namespace.clone(),
            proxy: None,
        };
        // vaultrs' middleware prefixes the whole URL path with its `version`, so a server under a path
        // prefix (`https://proxy/vault`) would get `/v1/vault/...`. The client's base is the origin and
        // the "version" is `<prefix>/v1`, which yields hvac's `<base>/v1/<path>`.
        let origin = address.origin().ascii_serialization();
        let version = format!("{}/v1", address.path().trim_end_matches('/'));
        let middle = EndpointMiddleware {
            token: token.to_owned(),
            version,
            wrap: None,
            namespace: self.namespace.clone(),
        };
        VaultClient {
            http: HttpClient::new(&origin, self.http.clone()),
            middle,
            settings,
        }
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

    /// The raw reqwest client (for the STS call of `assume_role_kwargs`).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.http
    }
}

/// The certificates of a PEM file, or of every PEM file in a directory (requests' `verify=<dir>`).
fn read_ca_bundle(path: &Path) -> Result<Vec<Certificate>, BuildError> {
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| build_error("verify", format!("cannot list `{}`: {e}", path.display())))?
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
        let pem = std::fs::read(&file).map_err(|e| {
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
