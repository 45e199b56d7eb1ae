//! Reading the fields of the errors the suites check.

use std::time::Duration;

use airflow_secrets_core::Error;

/// What an [`Error::Unavailable`] reports.
#[derive(Debug)]
pub struct Unavailable<'a> {
    /// How many attempts were made.
    pub attempts: u32,
    /// How long the attempts took.
    pub elapsed: Duration,
    /// The path or name sent to the store, and where.
    pub location: &'a str,
    /// What went wrong.
    pub problem: &'a str,
}

/// The fields of `err`, which must be [`Error::Unavailable`]; panics with the error otherwise.
#[track_caller]
pub fn unavailable(err: &Error) -> Unavailable<'_> {
    match err {
        Error::Unavailable {
            attempts,
            elapsed,
            location,
            problem,
            ..
        } => Unavailable {
            attempts: *attempts,
            elapsed: *elapsed,
            location,
            problem,
        },
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
