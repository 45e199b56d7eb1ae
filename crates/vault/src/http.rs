//! The one request path of the backend: every request it sends (KV read, every login, `lookup-self`,
//! `renew-self`, `sts:AssumeRole`) reads its answer through [`read_body`], which stops at
//! [`MAX_RESPONSE_BYTES`]. A server announcing a larger body, or streaming one without end, fails the
//! request with a clear error after at most the cap has been read (the body is never quoted), instead
//! of the process allocating until it aborts; the request deadline alone does not prevent that, since a
//! fast server fills memory well within it.
//!
//! Logins, `lookup-self` and `renew-self` are sent here too (a Vault client crate such as vaultrs
//! reads whole bodies into memory, with no limit).

use reqwest::{Method, RequestBuilder, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Transport;
use crate::errors::{Failure, unparsable, vault_errors};

/// The largest response body read from Vault or STS: 4 MiB. Vault limits a KV entry to 512 KiB by
/// default (`max_entry_size`) and a login or token answer is a few KiB; an AssumeRole answer is about
/// 2 KiB. A larger body is refused without being read further.
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;

/// The message of a body over [`MAX_RESPONSE_BYTES`].
pub(crate) fn too_large() -> String {
    format!(
        "the response body is larger than the {} MiB a Vault or STS answer may have \
         (MAX_RESPONSE_BYTES); it was not read further",
        MAX_RESPONSE_BYTES >> 20
    )
}

/// The body of `response`, or `None` when it is larger than [`MAX_RESPONSE_BYTES`]: refused at once
/// when its `Content-Length` says so, else read chunk by chunk and given up as soon as it passes the
/// cap (dropping the response closes the connection).
pub(crate) async fn read_body(mut response: Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// A Vault answer: its status and its body (`None`: over the cap, not read).
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Vec<u8>>,
}

impl Answer {
    /// The body of a 2xx answer; for any other status, [`Failure::Status`] with Vault's `errors` (none
    /// when the body is not Vault's shape or was too large to read).
    pub fn success_body(self) -> Result<Vec<u8>, Failure> {
        match (self.status, self.body) {
            (200..=299, Some(body)) => Ok(body),
            (200..=299, None) => Err(Failure::BadResponse(too_large())),
            (code, body) => Err(Failure::Status {
                code,
                errors: body.as_deref().map(vault_errors).unwrap_or_default(),
            }),
        }
    }
}

/// Sends `request` and reads its answer within the cap. Transport failures (refused, reset, timeout,
/// a refused redirect), during the body too, are [`Failure::transport`].
pub(crate) async fn exchange(request: RequestBuilder) -> Result<Answer, Failure> {
    let response = request.send().await.map_err(|e| Failure::transport(&e))?;
    let status = response.status().as_u16();
    let body = read_body(response)
        .await
        .map_err(|e| Failure::transport(&e))?;
    Ok(Answer { status, body })
}

/// Sends a Vault API call (`path` relative to `/v1/`, already quoted) with hvac's headers, `token`
/// (none when empty) and an optional JSON body, and parses a 2xx answer as `T`. A body that is not
/// `T` is a [`Failure::BadResponse`] carrying serde's redacted message only.
async fn call<T: DeserializeOwned>(
    transport: &Transport,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Result<T, Failure> {
    let mut request = transport.request(method, &transport.api_url(path), token);
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    let body = exchange(request).await?.success_body()?;
    serde_json::from_slice(&body).map_err(|e| Failure::BadResponse(unparsable(&e.to_string())))
}

/// The `auth` of a login or `renew-self` answer: what the backend uses of it. Like hvac, only
/// `client_token` is required; the other fields Vault sends (`accessor`, `policies`, ...) are ignored.
#[derive(Deserialize)]
pub(crate) struct AuthInfo {
    /// The token.
    pub client_token: String,
    /// Its lease in seconds; 0 (or absent) for a token that does not expire.
    #[serde(default)]
    pub lease_duration: u64,
    /// Whether `renew-self` may extend it.
    #[serde(default)]
    pub renewable: bool,
}

#[derive(Deserialize)]
struct AuthEnvelope {
    #[serde(default)]
    auth: Option<AuthInfo>,
}

#[derive(Deserialize)]
struct DataEnvelope {
    #[serde(default)]
    data: Option<Value>,
}

/// `POST /v1/{path}` of a login or `renew-self`: the `auth` of the answer.
pub(crate) async fn auth(
    transport: &Transport,
    path: &str,
    token: &str,
    body: &Value,
) -> Result<AuthInfo, Failure> {
    let answer: AuthEnvelope = call(transport, Method::POST, path, token, Some(body)).await?;
    answer
        .auth
        .ok_or_else(|| Failure::BadResponse("the response has no `auth`".into()))
}

/// `GET /v1/{path}` with `token`: the `data` of the answer.
pub(crate) async fn data(transport: &Transport, path: &str, token: &str) -> Result<Value, Failure> {
    let answer: DataEnvelope = call(transport, Method::GET, path, token, None).await?;
    answer
        .data
        .ok_or_else(|| Failure::BadResponse("the response has no `data`".into()))
}
