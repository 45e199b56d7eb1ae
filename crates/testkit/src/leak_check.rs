//! Leak checks on text the tests get back (errors' Display and Debug, a backend's Debug): no secret,
//! plain or percent-encoded ([`spellings`](crate::logs::spellings), as the log checks use).
//!
//! Used by the vault, SSM and facade suites.

use std::fmt::{Debug, Display};

/// Panics when `text` holds one of `secrets`, plain or percent-encoded.
#[track_caller]
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        for spelling in crate::logs::spellings(secret) {
            assert!(
                !text.contains(&spelling),
                "a secret ({} chars) leaks into: {text}",
                secret.len()
            );
        }
    }
}

/// Panics when the error's Display or Debug holds one of `secrets`.
#[track_caller]
pub fn assert_clean<E: Display + Debug>(err: &E, secrets: &[&str]) {
    assert_no_secret(&format!("{err}\n{err:?}"), secrets);
}

/// The error of a lookup that must fail, once its Display and Debug are proven free of `secrets`.
#[track_caller]
pub fn clean<T: Debug, E: Display + Debug>(result: Result<T, E>, secrets: &[&str]) -> E {
    let err = result.expect_err("the lookup must fail");
    assert_clean(&err, secrets);
    err
}

/// Panics if any of `secrets` appears (plain only) in the `Display` or `Debug` of `err`.
pub fn assert_error_clean<E: Display + Debug>(err: &E, secrets: &[&str]) {
    let shown = format!("{err}\n{err:?}");
    for secret in secrets {
        assert!(
            !shown.contains(secret),
            "a secret leaked into an error: {shown}"
        );
    }
}
