//! A cap on every response body the SDK receives through the backend's HTTP clients (its service, and
//! STS for `role_arn` and the credential providers).
//!
//! The SDK reads a non-streaming response whole into memory before parsing it, whatever its size: a
//! hostile or broken endpoint announcing `Content-Length: 10000000000`, or streaming an endless chunked
//! body, would make the process allocate until it dies. A `GetParameter` answer is at most a few KB
//! (values are at most 8 KB) and an STS answer about 2 KB, so [`MAX_RESPONSE_BYTES`] leaves room for any
//! real answer. A response announcing more fails at once (a connector error of kind "user", never
//! retried); a streamed body fails as soon as it passes the cap (a response error, which the retry
//! classifier never retries either). The error is [`BodyTooLarge`], found in the error chain by
//! [`is_body_too_large`].

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_http_client::{ConnectorBuilder, proxy::ProxyConfig, tls};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The largest response body an AWS backend accepts from its service (SSM, Secrets Manager) or STS:
/// 1 MiB. (The largest answer either service gives is a 64 KiB secret, JSON-escaped.)
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// A response body larger than [`MAX_RESPONSE_BYTES`].
#[derive(Debug)]
pub(crate) struct BodyTooLarge {
    /// The announced `Content-Length`, when that is what gave it away.
    announced: Option<u64>,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body is larger than the 1 MiB an AWS answer may have"
        )?;
        match self.announced {
            Some(n) => write!(f, " (it announces {n} bytes); not read"),
            None => write!(f, "; reading stopped at 1 MiB"),
        }
    }
}

impl StdError for BodyTooLarge {}

/// `true` when `err` or one of its causes is a [`BodyTooLarge`].
pub(crate) fn is_body_too_large(err: &(dyn StdError + 'static)) -> bool {
    std::iter::successors(Some(err), |&e| e.source()).any(|e| e.is::<BodyTooLarge>())
}

/// The SDK's default https client (hyper 1.x, rustls with aws-lc, proxy settings from the environment:
/// what `aws-smithy-runtime` builds for the `latest` behavior version), capped.
pub(crate) fn default_client() -> SharedHttpClient {
    let inner = aws_smithy_http_client::Builder::new().build_with_connector_fn(
        |settings, runtime_components| {
            let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = runtime_components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        },
    );
    capped(inner)
}

/// `inner`, with every response body capped at [`MAX_RESPONSE_BYTES`].
pub(crate) fn capped(inner: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(CappedClient { inner })
}

#[derive(Debug)]
struct CappedClient {
    inner: SharedHttpClient,
}

impl HttpClient for CappedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CappedConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct CappedConnector {
    inner: SharedHttpConnector,
}

impl HttpConnector for CappedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let response = self.inner.call(request);
        HttpConnectorFuture::new(async move { cap(response.await?) })
    }
}

/// Refuses a response announcing more than the cap; wraps the body of any other in a counter.
fn cap(response: HttpResponse) -> Result<HttpResponse, ConnectorError> {
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .into_iter()
        .chain(response.body().content_length())
        .max();
    if let Some(n) = announced.filter(|&n| n > MAX_RESPONSE_BYTES) {
        // Dropping the response closes the connection without reading the body.
        return Err(ConnectorError::user(Box::new(BodyTooLarge {
            announced: Some(n),
        })));
    }
    Ok(response.map(|body| {
        SdkBody::from_body_1_x(CappedBody {
            inner: body,
            read: 0,
            failed: false,
        })
    }))
}

/// A body that fails with [`BodyTooLarge`] once more than [`MAX_RESPONSE_BYTES`] have been read.
struct CappedBody {
    inner: SdkBody,
    read: u64,
    failed: bool,
}

impl Body for CappedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.read = self.read.saturating_add(data.len() as u64);
            if self.read > MAX_RESPONSE_BYTES {
                self.failed = true;
                return Poll::Ready(Some(Err(Box::new(BodyTooLarge { announced: None }))));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_says_what_and_how_much() {
        let announced = BodyTooLarge {
            announced: Some(10_000_000_000),
        };
        assert_eq!(
            announced.to_string(),
            "the response body is larger than the 1 MiB an AWS answer may have \
             (it announces 10000000000 bytes); not read"
        );
        let streamed: BoxError = Box::new(BodyTooLarge { announced: None });
        assert!(is_body_too_large(streamed.as_ref()));
        let wrapped = ConnectorError::user(streamed);
        assert!(is_body_too_large(&wrapped));
        assert!(!is_body_too_large(&ConnectorError::user("other".into())));
    }
}
