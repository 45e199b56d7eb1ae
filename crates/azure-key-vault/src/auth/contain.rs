//! Containment of panics inside the SDK's credentials.
//!
//! azure_identity 1.0 adds the token endpoint's `expires_in` to the current time without a check
//! (`OffsetDateTime + Duration::seconds(expires_in)`), so an answer such as `"expires_in": 99999999999999`
//! panics ("resulting value is out of range") and, uncaught, ends the process with exit code 101. No answer of a
//! server may do that: every SDK credential we build is wrapped in [`Contained`], which turns a panic while a
//! token is requested into a clear [`ErrorKind::Credential`] error (reported as `Error::Authentication`).
//!
//! The future is polled under [`std::panic::catch_unwind`] (what tokio does for a spawned task) rather than
//! moved into a `tokio::spawn`ed task: same containment, but the request keeps the caller's borrowed scopes,
//! options and context and stays cancellable with the lookup.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;

/// `inner`, with any panic of its `get_token` turned into an error naming `name`.
pub(crate) fn contained(
    name: &'static str,
    inner: Arc<dyn TokenCredential>,
) -> Arc<dyn TokenCredential> {
    Arc::new(Contained { name, inner })
}

struct Contained {
    name: &'static str,
    inner: Arc<dyn TokenCredential>,
}

impl fmt::Debug for Contained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[async_trait::async_trait]
impl TokenCredential for Contained {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        match CatchUnwind(self.inner.get_token(scopes, options)).await {
            Ok(result) => result,
            Err(()) => Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                format!(
                    "{} authentication failed: the Azure SDK (azure_identity) panicked while handling the token \
                     endpoint's answer (for example an expires_in too large to add to the current time); no \
                     token was obtained. Check the token endpoint (authority_host / AZURE_AUTHORITY_HOST)",
                    self.name
                ),
            )),
        }
    }
}

/// Polls a future under `catch_unwind`: `Err(())` if polling panicked. The panic message itself is not kept
/// (it may quote data); the panic hook has already printed it to standard error.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}
