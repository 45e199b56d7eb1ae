//! Retrying transient failures: one back-off schedule (exponential, capped, equal jitter), one rule for
//! which HTTP statuses are transient (with the per-provider differences Airflow's clients have), and one
//! retry loop (`backon`) that counts attempts in the [`LookupContext`].

use std::future::Future;
use std::time::Duration;

use backon::Retryable;

use super::context::LookupContext;

/// Waits between attempts: before retry `n` (1 for the first retry), a uniformly random time between
/// half and all of `min(initial × 2^(n − 1), max)` ("equal jitter": the exponential growth is kept,
/// and clients that failed together spread out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// A schedule starting at `initial`, doubling, never above `max`.
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max }
    }

    /// The nominal (unjittered) delay before retry `retry`.
    pub fn nominal(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << exponent).min(self.max)
    }

    /// The jittered delay before retry `retry`.
    pub fn delay(&self, retry: u32) -> Duration {
        let full = self.nominal(retry);
        full / 2 + full.mul_f64(fastrand::f64() / 2.0)
    }

    /// The delays of `retries` retries, as `backon` wants them.
    pub fn schedule(&self, retries: u32) -> impl Iterator<Item = Duration> + Send + 'static {
        let backoff = *self;
        (1..=retries).map(move |n| backoff.delay(n))
    }
}

/// Which HTTP statuses are worth another attempt: 429 and every 5xx (urllib3's and the SDKs' common
/// rule), plus the provider's `also`, minus its `except`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransientStatuses {
    also: &'static [u16],
    except: &'static [u16],
}

impl TransientStatuses {
    /// 429 and every 5xx.
    pub const DEFAULT: TransientStatuses = TransientStatuses {
        also: &[],
        except: &[],
    };

    /// The default rule plus `also`, minus `except`.
    pub const fn new(also: &'static [u16], except: &'static [u16]) -> TransientStatuses {
        TransientStatuses { also, except }
    }

    /// Whether `status` is transient under this rule.
    pub fn is_transient(&self, status: u16) -> bool {
        if self.except.contains(&status) {
            return false;
        }
        status == 429 || (500..=599).contains(&status) || self.also.contains(&status)
    }
}

/// Runs `attempt` until it succeeds, fails for good (`transient` false) or `retries` retries are spent,
/// sleeping `backoff` in between (each retry logged at DEBUG with its delay); every attempt is counted
/// in `ctx`.
pub async fn retry<T, E, Fut>(
    ctx: &LookupContext,
    backoff: &Backoff,
    retries: u32,
    transient: impl Fn(&E) -> bool,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let backoff = backoff.schedule(retries);
    (|| {
        ctx.attempt();
        attempt()
    })
    .retry(BackoffIter(backoff))
    .sleep(tokio::time::sleep)
    .when(transient)
    // One DEBUG line per retry, the same in every provider; the failure itself is reported once, by
    // the error the lookup returns (never here, so nothing unredacted is logged).
    .notify(|_, delay| {
        tracing::debug!(
            backend = ctx.backend(),
            kind = %ctx.kind(),
            key = ctx.key(),
            attempts = ctx.attempts(),
            ?delay,
            "transient failure; retrying"
        );
    })
    .await
}

/// An iterator of delays as a `backon` back-off.
struct BackoffIter<I>(I);

impl<I: Iterator<Item = Duration> + Send + Sync + Unpin> backon::BackoffBuilder for BackoffIter<I> {
    type Backoff = I;

    fn build(self) -> I {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretKind;

    #[test]
    fn delays_are_jittered_exponential_and_capped() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let nominal: Vec<_> = (1..=4).map(|n| b.nominal(n).as_millis()).collect();
        assert_eq!(nominal, [100, 200, 350, 350]);
        for n in 1..=40 {
            let (d, full) = (b.delay(n), b.nominal(n));
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
        assert_eq!(b.schedule(3).count(), 3);
    }

    #[test]
    fn statuses() {
        let azure = TransientStatuses::new(&[408], &[501, 505]);
        let vault = TransientStatuses::new(&[412], &[]);
        for (status, default, az, va) in [
            (200, false, false, false),
            (404, false, false, false),
            (408, false, true, false),
            (412, false, false, true),
            (429, true, true, true),
            (500, true, true, true),
            (501, true, false, true),
            (503, true, true, true),
            (505, true, false, true),
        ] {
            assert_eq!(
                TransientStatuses::DEFAULT.is_transient(status),
                default,
                "{status}"
            );
            assert_eq!(azure.is_transient(status), az, "{status}");
            assert_eq!(vault.is_transient(status), va, "{status}");
        }
    }

    #[tokio::test]
    async fn retries_transient_failures_and_counts_attempts() {
        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "x");
        let backoff = Backoff::new(Duration::from_millis(1), Duration::from_millis(2));
        let mut left = 2;
        let got: Result<u32, u16> = retry(
            &ctx,
            &backoff,
            3,
            |s| *s == 503,
            || {
                let status = if left > 0 {
                    left -= 1;
                    Err(503)
                } else {
                    Ok(7)
                };
                async move { status }
            },
        )
        .await;
        assert_eq!(got, Ok(7));
        assert_eq!(ctx.attempts(), 3);

        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "x");
        let got: Result<u32, u16> =
            retry(&ctx, &backoff, 3, |s| *s == 503, || async { Err(404) }).await;
        assert_eq!(got, Err(404));
        assert_eq!(ctx.attempts(), 1);

        let ctx = LookupContext::new("B", SecretKind::Variable, "k", "x");
        let got: Result<u32, u16> =
            retry(&ctx, &backoff, 2, |s| *s == 503, || async { Err(503) }).await;
        assert_eq!(got, Err(503));
        assert_eq!(ctx.attempts(), 3);
    }
}
