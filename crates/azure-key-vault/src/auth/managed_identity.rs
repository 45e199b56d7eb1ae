//! The managed-identity step of the default chain.
//!
//! Written here on the SDK's HTTP pipeline rather than taken from azure_identity 1.0, for two measured reasons:
//! its `ManagedIdentityCredential` reads `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` from the process environment
//! only (its environment injection is test-only), and on a virtual machine it retries the metadata service
//! 6 times over up to 72 s, so on a machine outside Azure the chain would stall for a minute before reaching
//! the Azure CLI. Python's `DefaultAzureCredential` probes the metadata service once with a short timeout;
//! so do we. The protocols are Azure's documented ones: App Service (`api-version=2019-08-01`,
//! `X-IDENTITY-HEADER`) and IMDS (`api-version=2018-02-01`, `Metadata: true`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, Method, Pipeline, PipelineOptions, PipelineSendOptions, RawResponse, Request,
    RetryOptions, StatusCode, Transport, Url,
};
use azure_core::time::OffsetDateTime;
use serde::Deserialize;

use crate::env::Environment;
use crate::transport::{HttpOptions, transport};

const IMDS_DEFAULT_HOST: &str = "http://169.254.169.254";
const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Marks a managed-identity error as "not available here" (Python's `CredentialUnavailableError`), so the chain
/// moves on to the next source.
#[derive(Debug)]
pub(crate) struct CredentialUnavailable(pub String);

impl fmt::Display for CredentialUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CredentialUnavailable {}

fn unavailable(message: impl Into<String>) -> azure_core::Error {
    azure_core::Error::new(ErrorKind::Credential, CredentialUnavailable(message.into()))
}

/// `true` when `error` (or one of its causes) is a [`CredentialUnavailable`].
pub(crate) fn is_unavailable(error: &azure_core::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<CredentialUnavailable>() {
            return true;
        }
        current = e.source();
    }
    false
}

enum Source {
    AppService {
        endpoint: Url,
        secret_header: String,
    },
    Imds {
        endpoint: Url,
    },
}

/// A managed identity token source (App Service family or IMDS).
pub(crate) struct ManagedIdentityCredential {
    source: Source,
    client_id: Option<String>,
    pipeline: Pipeline,
    /// IMDS only: the single-attempt, short-timeout pipeline used until the endpoint has answered once.
    probe: Option<Pipeline>,
    endpoint_available: AtomicBool,
}

impl fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, endpoint) = match &self.source {
            Source::AppService { endpoint, .. } => ("AppService", endpoint),
            Source::Imds { endpoint } => ("Imds", endpoint),
        };
        f.debug_struct("ManagedIdentityCredential")
            .field("source", &kind)
            .field("endpoint", &endpoint.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn pipeline(options: ClientOptions, retry_status_codes: Vec<StatusCode>) -> Pipeline {
    Pipeline::new(
        option_env!("CARGO_PKG_NAME"),
        option_env!("CARGO_PKG_VERSION"),
        options,
        Vec::new(),
        Vec::new(),
        Some(PipelineOptions {
            retry_status_codes,
            ..PipelineOptions::default()
        }),
    )
}

impl ManagedIdentityCredential {
    /// Finds the managed identity source the way the Azure SDKs do; `Err` carries the "unavailable" reason.
    pub(crate) fn from_environment(
        env: &Environment,
        client_id: Option<String>,
        http: &HttpOptions,
        transport_: &Transport,
    ) -> Result<Self, String> {
        let unsupported = |what: &str| {
            Err(format!(
                "ManagedIdentityCredential authentication unavailable: {what} managed identity isn't supported"
            ))
        };
        if let Some(endpoint) = env.var("IDENTITY_ENDPOINT") {
            if let Some(secret_header) = env.var("IDENTITY_HEADER") {
                if env.var("IDENTITY_SERVER_THUMBPRINT").is_some() {
                    return unsupported("Service Fabric");
                }
                let endpoint = Url::parse(&endpoint).map_err(|e| {
                    format!("ManagedIdentityCredential authentication unavailable: IDENTITY_ENDPOINT is not a valid URL ({e})")
                })?;
                return Ok(ManagedIdentityCredential {
                    source: Source::AppService {
                        endpoint,
                        secret_header,
                    },
                    client_id,
                    pipeline: pipeline(http.client_options(transport_), Vec::new()),
                    probe: None,
                    endpoint_available: AtomicBool::new(true),
                });
            }
            if env.var("IMDS_ENDPOINT").is_some() {
                return unsupported("Azure Arc");
            }
        } else if env.var("MSI_ENDPOINT").is_some() {
            return unsupported(if env.var("MSI_SECRET").is_some() {
                "Azure ML"
            } else {
                "Cloud Shell"
            });
        }

        // IMDS. AZURE_POD_IDENTITY_AUTHORITY_HOST moves it (AAD pod identity), as in the Python SDK.
        let host = env
            .var("AZURE_POD_IDENTITY_AUTHORITY_HOST")
            .unwrap_or_else(|| IMDS_DEFAULT_HOST.to_owned());
        let endpoint = Url::parse(&format!("{}{IMDS_TOKEN_PATH}", host.trim_end_matches('/'))).map_err(|e| {
            format!("ManagedIdentityCredential authentication unavailable: invalid IMDS endpoint ({e})")
        })?;
        // Azure's guidance for IMDS: also retry 404 and 410 (the identity may still be provisioning).
        let retry_codes = vec![
            StatusCode::NotFound,
            StatusCode::Gone,
            StatusCode::TooManyRequests,
            StatusCode::InternalServerError,
            StatusCode::BadGateway,
            StatusCode::ServiceUnavailable,
            StatusCode::GatewayTimeout,
        ];
        let probe_http = HttpOptions {
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(3),
            ..http.clone()
        };
        let probe_client = probe_http.http_client().map_err(|e| {
            format!("ManagedIdentityCredential authentication unavailable: cannot build the HTTP client ({e})")
        })?;
        let probe_options = ClientOptions {
            transport: Some(transport(probe_client)),
            retry: RetryOptions::none(),
            ..ClientOptions::default()
        };
        Ok(ManagedIdentityCredential {
            source: Source::Imds { endpoint },
            client_id,
            pipeline: pipeline(
                http.client_options_retrying(transport_, retry_codes.clone()),
                retry_codes,
            ),
            probe: Some(pipeline(probe_options, Vec::new())),
            endpoint_available: AtomicBool::new(false),
        })
    }

    fn request(&self, resource: &str) -> Request {
        let (endpoint, api_version) = match &self.source {
            Source::AppService { endpoint, .. } => (endpoint, APP_SERVICE_API_VERSION),
            Source::Imds { endpoint } => (endpoint, IMDS_API_VERSION),
        };
        let mut url = endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("api-version", api_version)
                .append_pair("resource", resource);
            if let Some(id) = &self.client_id {
                query.append_pair("client_id", id);
            }
        }
        let mut request = Request::new(url, Method::Get);
        request.insert_header("metadata", "true");
        if let Source::AppService { secret_header, .. } = &self.source {
            request.insert_header("x-identity-header", secret_header.clone());
        }
        request
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(i64),
    Text(String),
}

impl NumberOrString {
    fn as_i64(&self) -> Option<i64> {
        match self {
            NumberOrString::Number(n) => Some(*n),
            NumberOrString::Text(s) => s.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_on: Option<NumberOrString>,
    #[serde(default)]
    expires_in: Option<NumberOrString>,
}

fn parse_token(response: &RawResponse) -> azure_core::Result<AccessToken> {
    let body: TokenResponse = serde_json::from_slice(response.body().as_ref()).map_err(|e| {
        azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "ManagedIdentityCredential authentication failed: the token response is not the expected JSON \
                 (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let now = OffsetDateTime::now_utc();
    let expires_on = match (
        body.expires_on.as_ref().and_then(NumberOrString::as_i64),
        body.expires_in.as_ref().and_then(NumberOrString::as_i64),
    ) {
        (Some(ts), _) => OffsetDateTime::from_unix_timestamp(ts).unwrap_or(now),
        (None, Some(secs)) => now + azure_core::time::Duration::seconds(secs),
        (None, None) => now + azure_core::time::Duration::minutes(5),
    };
    Ok(AccessToken::new(body.access_token, expires_on))
}

fn body_excerpt(response: &RawResponse) -> String {
    let text = String::from_utf8_lossy(response.body().as_ref());
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[async_trait::async_trait]
impl TokenCredential for ManagedIdentityCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let [scope] = scopes else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "ManagedIdentityCredential requires exactly one scope",
            ));
        };
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let mut request = self.request(resource);
        let options = options.unwrap_or_default();
        let ctx = options.method_options.context.to_borrowed();
        let probing = !self.endpoint_available.load(Ordering::Acquire);
        let pipeline = match (&self.probe, probing) {
            (Some(probe), true) => probe,
            _ => &self.pipeline,
        };
        let send_options = Some(PipelineSendOptions {
            skip_checks: true,
            ..PipelineSendOptions::default()
        });
        let response = match pipeline.send(&ctx, &mut request, send_options).await {
            Ok(r) => r,
            Err(e) if probing && matches!(e.kind(), ErrorKind::Io | ErrorKind::Connection) => {
                return Err(unavailable(format!(
                    "ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint ({})",
                    crate::errors::error_chain(&e)
                )));
            }
            Err(e) => return Err(e),
        };
        self.endpoint_available.store(true, Ordering::Release);
        let status = response.status();
        if status.is_success() {
            return parse_token(&response);
        }
        let is_imds = matches!(self.source, Source::Imds { .. });
        if is_imds && status == StatusCode::BadRequest {
            return Err(unavailable(format!(
                "ManagedIdentityCredential authentication unavailable. The requested identity has not been assigned \
                 to this resource ({})",
                body_excerpt(&response)
            )));
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "ManagedIdentityCredential authentication failed: {} answered {}: {}",
                if is_imds {
                    "the IMDS endpoint"
                } else {
                    "IDENTITY_ENDPOINT"
                },
                u16::from(status),
                body_excerpt(&response)
            ),
        ))
    }
}
