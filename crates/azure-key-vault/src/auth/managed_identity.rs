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
use std::time::{Duration, SystemTime};

use airflow_secrets_core::provider::{limits, redact};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, Method, Pipeline, PipelineOptions, PipelineSendOptions, RawResponse, Request,
    RetryOptions, StatusCode, Transport, Url,
};
use azure_core::time::OffsetDateTime;
use serde::Deserialize;
use serde_json::Value;

use crate::client::HttpOptions;
use crate::transport::{is_too_large, transport};
use airflow_secrets_core::provider::env::EnvSnapshot;

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
            .field("endpoint", &redact::url(endpoint.as_str()))
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
        env: &EnvSnapshot,
        client_id: Option<String>,
        http: &HttpOptions,
        transport_: &Transport,
    ) -> Result<Self, String> {
        let unsupported = |what: &str| {
            Err(format!(
                "ManagedIdentityCredential authentication unavailable: {what} managed identity isn't supported"
            ))
        };
        if let Some(endpoint) = env.get("IDENTITY_ENDPOINT").map(str::to_owned) {
            if let Some(secret_header) = env.get("IDENTITY_HEADER").map(str::to_owned) {
                if !is_header_safe(&secret_header) {
                    return Err(
                        "ManagedIdentityCredential authentication unavailable: IDENTITY_HEADER holds characters \
                         that cannot be sent in an HTTP header (control characters or non-ASCII); check the \
                         variable's value"
                            .into(),
                    );
                }
                if env.get("IDENTITY_SERVER_THUMBPRINT").is_some() {
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
            if env.get("IMDS_ENDPOINT").is_some() {
                return unsupported("Azure Arc");
            }
        } else if env.get("MSI_ENDPOINT").is_some() {
            return unsupported(if env.get("MSI_SECRET").is_some() {
                "Azure ML"
            } else {
                "Cloud Shell"
            });
        }

        // IMDS. AZURE_POD_IDENTITY_AUTHORITY_HOST moves it (AAD pod identity), as in the Python SDK.
        let host = env
            .get("AZURE_POD_IDENTITY_AUTHORITY_HOST")
            .unwrap_or(IMDS_DEFAULT_HOST);
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

/// A server-sent `expires_in`/`expires_on` as whole seconds: any JSON number (integer, beyond `i64`,
/// float, `1e300`) or numeric string, saturated to the `i64` range (the caller clamps it to
/// [`MAX_TOKEN_LIFETIME`]). `None` for anything else (then the other field, or a 5-minute default, is used).
fn lifetime_seconds(value: &Value) -> Option<i64> {
    fn saturate(f: f64) -> Option<i64> {
        // `as` saturates at the i64 bounds; NaN has no meaning here.
        (!f.is_nan()).then_some(f as i64)
    }
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .or_else(|| n.as_f64().and_then(saturate)),
        Value::String(s) => {
            let text = s.trim();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(saturate))
        }
        _ => None,
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_on: Option<Value>,
    #[serde(default)]
    expires_in: Option<Value>,
}

/// The longest token lifetime believed: a server's `expires_in`/`expires_on` beyond it (or absurd: near
/// `i64::MAX`, negative) is clamped, so a token is fetched again at least daily and no date arithmetic
/// can overflow.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// `true` when `value` can be an HTTP header value as it is: visible ASCII, spaces and tabs. A token
/// or secret with a line break would otherwise fail (or split the header) where it is sent.
fn is_header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
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
    if !is_header_safe(&body.access_token) {
        return Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            "ManagedIdentityCredential authentication failed: the access_token in the token response holds \
             characters that cannot be sent in an HTTP header (control characters or non-ASCII)",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let lifetime = match (
        body.expires_on.as_ref().and_then(lifetime_seconds),
        body.expires_in.as_ref().and_then(lifetime_seconds),
    ) {
        (Some(ts), _) => limits::until_unix_seconds(ts, SystemTime::now(), MAX_TOKEN_LIFETIME),
        (None, Some(secs)) => limits::server_seconds(secs, MAX_TOKEN_LIFETIME),
        (None, None) => Duration::from_secs(5 * 60),
    };
    // At most a day (clamped above), so the conversion and the addition cannot overflow.
    let expires_on = now + azure_core::time::Duration::seconds(lifetime.as_secs() as i64);
    Ok(AccessToken::new(body.access_token, expires_on))
}

/// What an error message says about an error response's body: never the body itself (a misbehaving
/// endpoint may put a token or a secret in it), only its size and, for a JSON body, its `error` code
/// (`{"error":"invalid_request"}` or `{"error":{"code":"..."}}`) when that is a short identifier.
fn body_summary(response: &RawResponse) -> String {
    let body = response.body().as_ref();
    let code = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        let error = v.get("error")?;
        error
            .as_str()
            .or_else(|| error.get("code")?.as_str())
            .filter(|c| is_error_code(c))
            .map(str::to_owned)
    });
    match code {
        Some(code) => format!("error `{code}`; body of {} bytes not shown", body.len()),
        None => format!("body of {} bytes not shown", body.len()),
    }
}

/// An OAuth-style error code: 1 to 64 ASCII letters, digits, `_`, `-` or `.`.
fn is_error_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
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
            Err(e) if is_too_large(&e) => {
                return Err(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    format!(
                        "ManagedIdentityCredential authentication failed: {}",
                        crate::errors::error_chain(&e)
                    ),
                ));
            }
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
                body_summary(&response)
            )));
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "ManagedIdentityCredential authentication failed: {} answered {} ({})",
                if is_imds {
                    "the IMDS endpoint"
                } else {
                    "IDENTITY_ENDPOINT"
                },
                u16::from(status),
                body_summary(&response)
            ),
        ))
    }
}
