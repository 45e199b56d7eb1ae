//! Every number that comes from configuration or from a server and becomes a
//! [`Duration`], an instant or a count goes through here: NaN, infinities, negative numbers and values
//! so large that `Instant + Duration` or a retry loop would overflow are refused with an error naming
//! the kwarg, instead of panicking inside the standard library, reqwest or an SDK.

use std::time::{Duration, Instant, SystemTime};

use crate::Error;

/// The largest timeout or delay a kwarg may set: one day. Longer "timeouts" are typos or attempts to
/// disable the bound, and a day is far below every overflow point.
pub const MAX_SECONDS: f64 = 86_400.0;

/// The most attempts a retry kwarg may ask for (per lookup). Enough for any sane policy, small enough
/// that a typo (`1e9`) cannot keep a lookup retrying for hours.
pub const MAX_ATTEMPTS: u64 = 100;

/// A number of seconds from a kwarg as a [`Duration`]: finite, not negative, at most `max` seconds.
///
/// ```
/// use std::time::Duration;
/// use airflow_secrets_core::provider::limits::{seconds, MAX_SECONDS};
/// assert_eq!(seconds("B", "timeout", 1.5, MAX_SECONDS).unwrap(), Duration::from_millis(1500));
/// let err = seconds("B", "timeout", f64::INFINITY, MAX_SECONDS).unwrap_err();
/// assert_eq!(err.to_string(), "B: kwarg `timeout`: must be a finite number of seconds, not inf");
/// assert!(seconds("B", "timeout", 1e19, MAX_SECONDS).is_err());
/// assert!(seconds("B", "timeout", -1.0, MAX_SECONDS).is_err());
/// ```
pub fn seconds(
    backend: &'static str,
    kwarg: &str,
    value: f64,
    max: f64,
) -> Result<Duration, Error> {
    let invalid = |problem: String| Error::InvalidKwarg {
        backend,
        kwarg: kwarg.to_owned(),
        problem,
    };
    if !value.is_finite() {
        return Err(invalid(format!(
            "must be a finite number of seconds, not {value}"
        )));
    }
    if value < 0.0 {
        return Err(invalid("must not be negative".into()));
    }
    if value > max {
        return Err(invalid(format!("must be at most {max} seconds")));
    }
    Ok(Duration::from_secs_f64(value))
}

/// A count (attempts, retries) from a kwarg: at most `max`.
///
/// ```
/// use airflow_secrets_core::provider::limits::{count, MAX_ATTEMPTS};
/// assert_eq!(count("B", "max_attempts", 3, MAX_ATTEMPTS).unwrap(), 3);
/// assert!(count("B", "max_attempts", 1_000_000, MAX_ATTEMPTS).is_err());
/// ```
pub fn count(backend: &'static str, kwarg: &str, value: u64, max: u64) -> Result<u64, Error> {
    if value > max {
        return Err(Error::InvalidKwarg {
            backend,
            kwarg: kwarg.to_owned(),
            problem: format!("must be at most {max}"),
        });
    }
    Ok(value)
}

/// `now + after`, or `None` when the sum does not fit (a server's `expires_in` near `i64::MAX`, say):
/// the caller treats that as "never expires within the process's life" or refuses the value, instead of
/// panicking in `Instant + Duration`.
pub fn instant_after(now: Instant, after: Duration) -> Option<Instant> {
    now.checked_add(after)
}

/// A server-sent lifetime in seconds (token `expires_in`, a lease duration) as a [`Duration`], clamped
/// to `max`: a negative or absurd value must not panic or overflow, and a lifetime longer than `max` is
/// simply renewed earlier than the server allows.
pub fn server_seconds(value: i64, max: Duration) -> Duration {
    u64::try_from(value)
        .map(Duration::from_secs)
        .unwrap_or(Duration::ZERO)
        .min(max)
}

/// A server-sent absolute expiry (`expires_on` as Unix seconds) as the time left from `now`, clamped to
/// `max`; `Duration::ZERO` when it lies in the past.
pub fn until_unix_seconds(expires_on: i64, now: SystemTime, max: Duration) -> Duration {
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let left = i128::from(expires_on) - i128::from(now);
    u64::try_from(left.clamp(0, i128::from(u64::MAX)))
        .map(Duration::from_secs)
        .unwrap_or(Duration::ZERO)
        .min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_refuse_what_would_panic() {
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.5,
            1e19,
            MAX_SECONDS + 1.0,
        ] {
            let err = seconds("B", "read_timeout", bad, MAX_SECONDS).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("B: kwarg `read_timeout`: must "),
                "{err}"
            );
        }
        assert_eq!(seconds("B", "t", 0.0, MAX_SECONDS).unwrap(), Duration::ZERO);
        assert_eq!(
            seconds("B", "t", MAX_SECONDS, MAX_SECONDS).unwrap(),
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn server_values_are_clamped_not_trusted() {
        let day = Duration::from_secs(86_400);
        assert_eq!(server_seconds(i64::MAX, day), day);
        assert_eq!(server_seconds(-5, day), Duration::ZERO);
        assert_eq!(server_seconds(60, day), Duration::from_secs(60));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(until_unix_seconds(i64::MAX, now, day), day);
        assert_eq!(until_unix_seconds(i64::MIN, now, day), Duration::ZERO);
        assert_eq!(until_unix_seconds(1_060, now, day), Duration::from_secs(60));
        assert!(instant_after(Instant::now(), Duration::MAX).is_none());
    }
}
