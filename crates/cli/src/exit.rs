//! Exit statuses and how errors map to them.

use std::process::ExitCode;

use airflow_secrets::Error;
use airflow_secrets::core::provider::redact::urls_in_text;

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: found / success.
    Ok,
    /// 1: not found in any backend.
    NotFound,
    /// 2: usage or configuration error.
    Usage,
    /// 3: a backend failed.
    BackendFailure,
    /// 126 (`exec`): the command exists but cannot be run — the shell's convention.
    CannotRun,
    /// 127 (`exec`): the command does not exist — the shell's convention.
    CommandNotFound,
    /// `exec` where the command runs as a child (not Unix): its exit status.
    #[cfg_attr(unix, allow(dead_code))]
    Child(u8),
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::NotFound => 1,
            Status::Usage => 2,
            Status::BackendFailure => 3,
            Status::CannotRun => 126,
            Status::CommandNotFound => 127,
            Status::Child(code) => code,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s.code())
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
    /// A failure with one message; URL userinfo in it is masked (errors may quote a URL).
    pub fn new(status: Status, message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure {
            status,
            messages: vec![urls_in_text(&message).into_owned()],
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
