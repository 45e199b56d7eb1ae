//! The whole-lookup deadline: one wrapper every provider puts around a lookup (login, requests,
//! retries, back-off and body together), so that no lookup outlives its bound.

use std::future::Future;
use std::time::Duration;

use super::context::LookupContext;
use crate::Error;

/// `lookup`, or [`Error::Unavailable`] (with the attempts made and the time taken) when it has not
/// finished after `deadline`. `None` waits as long as the lookup takes (each request still has its
/// own timeouts).
pub async fn within<T>(
    ctx: &LookupContext,
    deadline: Option<Duration>,
    lookup: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let Some(deadline) = deadline else {
        return lookup.await;
    };
    match tokio::time::timeout(deadline, lookup).await {
        Ok(result) => result,
        Err(_) => Err(ctx.unavailable(format!(
            "no answer within the lookup deadline of {deadline:.2?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretKind;

    #[tokio::test(start_paused = true)]
    async fn a_lookup_past_its_deadline_is_unavailable() {
        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "x");
        let slow = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(1)
        };
        let err = within(&ctx, Some(Duration::from_secs(2)), slow)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("lookup deadline of 2.00s"),
            "{err}"
        );
        let quick = async { Ok(2) };
        assert_eq!(within(&ctx, None, quick).await.unwrap(), 2);
    }
}
