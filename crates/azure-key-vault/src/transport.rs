//! The transport every request goes through (Key Vault and token endpoints alike): the reqwest client with
//! every response body capped at [`MAX_RESPONSE_BYTES`].

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use azure_core::Bytes;
use azure_core::http::{
    AsyncRawResponse, HttpClient, Request, Transport, response::AsyncResponseBody,
};
use futures_core::Stream;

/// The most bytes read from any response body (Key Vault and token endpoints alike): 1 MiB. A Key Vault
/// secret is at most 25 KB and a token response a few KB, so only a broken or hostile server comes near it;
/// without a cap the SDK would buffer a body of any size in memory (a 10 GB answer aborted the process).
pub(crate) const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// A transport over `client` whose response bodies are read with [`MAX_RESPONSE_BYTES`] as a cap.
pub(crate) fn transport(client: reqwest::Client) -> Transport {
    Transport::new(Arc::new(CappedClient {
        inner: client,
        max: MAX_RESPONSE_BYTES,
    }))
}

/// The error of a response body longer than the cap. Marks the error so that it is reported as such.
#[derive(Debug)]
pub(crate) struct ResponseTooLarge {
    max: u64,
    /// The size announced by `Content-Length`, when that is what gave it away.
    announced: Option<u64>,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.announced {
            Some(n) => write!(
                f,
                "the response body ({n} bytes announced) is larger than the {} MiB this client reads",
                self.max / (1024 * 1024)
            ),
            None => write!(
                f,
                "the response body is larger than the {} MiB this client reads (reading stopped there)",
                self.max / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for ResponseTooLarge {}

/// `true` when `error` (or one of its causes) is a [`ResponseTooLarge`].
pub(crate) fn is_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<ResponseTooLarge>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// Of kind `Other`, not `Io`: the SDK's retry loop retries every `Io` and `Connection` error, and a server
/// that sent a body past the cap would send it again (each try read up to the cap, `retry_total` + 1 times).
fn too_large(max: u64, announced: Option<u64>) -> azure_core::Error {
    azure_core::Error::new(
        azure_core::error::ErrorKind::Other,
        ResponseTooLarge { max, announced },
    )
}

/// The reqwest client, with every response body counted as it is read and cut off past `max` bytes.
#[derive(Debug)]
struct CappedClient {
    inner: reqwest::Client,
    max: u64,
}

#[async_trait::async_trait]
impl HttpClient for CappedClient {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let response = self.inner.execute_request(request).await?;
        let announced = response
            .headers()
            .get_optional_str(&azure_core::http::headers::CONTENT_LENGTH)
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(n) = announced.filter(|n| *n > self.max) {
            return Err(too_large(self.max, Some(n)));
        }
        let (status, headers, body) = response.deconstruct();
        let capped = CappedBody {
            inner: body,
            read: 0,
            max: self.max,
            done: false,
        };
        Ok(AsyncRawResponse::new(status, headers, Box::pin(capped)))
    }
}

/// A response body that fails once more than `max` bytes have arrived.
struct CappedBody {
    inner: AsyncResponseBody,
    read: u64,
    max: u64,
    done: bool,
}

impl Stream for CappedBody {
    type Item = azure_core::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.read = self.read.saturating_add(chunk.len() as u64);
                if self.read > self.max {
                    self.done = true;
                    return Poll::Ready(Some(Err(too_large(self.max, None))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}
