//! Leak checks on text the tests get back (errors' Display and Debug, a backend's Debug): no secret,
//! plain or percent-encoded (the testkit's `spellings`, as the log checks use).
//!
//! Shared by the vault crate's suites and the facade suites (included with `#[path]`).

use std::fmt::{Debug, Display};

/// Panics when `text` holds one of `secrets`, plain or percent-encoded.
#[track_caller]
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        for spelling in airflow_secrets_testkit::logs::spellings(secret) {
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
