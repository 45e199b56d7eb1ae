//! Exit statuses and how errors map to them.

use std::process::ExitCode;

use airflow_secrets::Error;

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: found / success.
    Ok = 0,
    /// 1: not found in any backend.
    NotFound = 1,
    /// 2: usage or configuration error.
    Usage = 2,
    /// 3: a backend failed.
    BackendFailure = 3,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// An error to print on stderr, with its exit status.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub status: Status,
    /// The lines to print (each prefixed with `error: `).
    pub messages: Vec<String>,
}

impl Failure {
    /// A failure with one message.
    pub fn new(status: Status, message: impl Into<String>) -> Failure {
        Failure {
            status,
            messages: vec![message.into()],
        }
    }

    /// Prints the messages on stderr.
    pub fn report(&self) {
        for m in &self.messages {
            eprintln!("error: {m}");
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let status = match &e {
            Error::ConnectionNotFound { .. } => Status::NotFound,
            e if e.is_lookup_error() => Status::BackendFailure,
            _ => Status::Usage,
        };
        Failure::new(status, e.to_string())
    }
}
