//! The one error type of airflow-secrets.
//!
//! Every variant names what was wrong and where: the backend, the kind and key being looked up, the path
//! or name sent to the store, or the configuration source. No variant ever carries a secret value: stored
//! values, passwords, tokens and client secrets are kept out of messages by construction, and
//! The facade's `tests/no_leak.rs` proves it for every variant.

use std::path::PathBuf;

use crate::SecretKind;

/// Result alias used across the workspace.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring a backend or looking a secret up.
///
/// "Not found" is **not** an error: lookups return `Ok(None)` for it, as Airflow's backends return `None`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- configuration -------------------------------------------------------------------------
    /// The kwargs JSON (for example `AIRFLOW__SECRETS__BACKEND_KWARGS`) is not valid JSON.
    ///
    /// Airflow logs a warning and silently uses `{}`; we stop, because a backend built with default kwargs
    /// quietly reads from the wrong place.
    #[error(
        "invalid JSON in {source_name} at line {line}, column {column}: {problem}; \
         fix the JSON (it must be an object such as {{\"url\": \"http://127.0.0.1:8200\"}})"
    )]
    InvalidKwargsJson {
        /// Where the JSON came from, e.g. `environment variable AIRFLOW__SECRETS__BACKEND_KWARGS`.
        source_name: String,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// What the JSON parser expected (never the input itself).
        problem: String,
    },

    /// The kwargs JSON is valid but not an object.
    #[error("{source_name} must hold a JSON object of backend kwargs, but it holds {found}")]
    KwargsNotObject {
        /// Where the JSON came from.
        source_name: String,
        /// The JSON type found instead (`an array`, `a string`, ...).
        found: &'static str,
    },

    /// A kwarg the backend does not know. Airflow fails lazily (or never); we fail at construction.
    #[error("{backend}: unknown kwarg `{kwarg}`; accepted kwargs are: {accepted}")]
    UnknownKwarg {
        /// The backend being built.
        backend: &'static str,
        /// The offending key.
        kwarg: String,
        /// Comma-separated list of accepted keys.
        accepted: String,
    },

    /// A kwarg has a value of the wrong type or shape, or a required kwarg is missing.
    #[error("{backend}: kwarg `{kwarg}`: {problem}")]
    InvalidKwarg {
        /// The backend being built.
        backend: &'static str,
        /// The kwarg (or kwargs) concerned.
        kwarg: String,
        /// What was expected; never the value given.
        problem: String,
    },

    /// An Airflow configuration option (outside the kwargs) is invalid or could not be read.
    #[error("configuration option {option} (from {source_name}): {problem}")]
    InvalidSetting {
        /// The option, as `[section] key`.
        option: String,
        /// Where it came from (environment variable, `_CMD`, file).
        source_name: String,
        /// What was wrong.
        problem: String,
    },

    /// The class path in `AIRFLOW__SECRETS__BACKEND` is not one airflow-secrets knows.
    #[error(
        "unknown secrets backend class path `{class_path}`; known class paths are: {known}. \
         Run `airflow-secrets backends` to list them"
    )]
    UnknownClassPath {
        /// The class path given.
        class_path: String,
        /// Comma-separated known class paths.
        known: String,
    },

    /// The class path is known, but its provider was compiled out of this build.
    #[error(
        "`{class_path}` needs the `{feature}` feature of airflow-secrets, which this build does not \
         include; add `features = [\"{feature}\"]` to the airflow-secrets dependency (or use the \
         airflow-secrets CLI, which has every provider)"
    )]
    ProviderNotCompiled {
        /// The class path given.
        class_path: String,
        /// The cargo feature that enables it.
        feature: &'static str,
    },

    // ----- lookups --------------------------------------------------------------------------------
    /// Logging in to the store failed (bad credentials, unknown role, missing token file, ...).
    #[error("{backend}: authentication failed ({location}): {problem}")]
    Authentication {
        /// The backend.
        backend: &'static str,
        /// The auth method / endpoint, e.g. `approle login at auth/approle/login`.
        location: String,
        /// What the server or credential source said.
        problem: String,
    },

    /// The store refused access to this secret (HTTP 403, `AccessDeniedException`, ...).
    #[error(
        "{backend}: permission denied reading {kind} `{key}` at {location}: {problem}; \
         grant read access to that path/name to the identity in use"
    )]
    PermissionDenied {
        /// The backend.
        backend: &'static str,
        /// The kind looked up.
        kind: SecretKind,
        /// The Airflow key (conn_id, variable key or config key).
        key: String,
        /// The path or name sent to the store.
        location: String,
        /// What the server said.
        problem: String,
    },

    /// The store could not be reached or did not answer in time (connection refused, timeout, 429/5xx
    /// after retries). Transient: retrying later may succeed.
    #[error(
        "{backend}: the secrets store is unavailable for {kind} `{key}` at {location} \
         ({attempts} attempt(s) in {elapsed:.2?}): {problem}"
    )]
    Unavailable {
        /// The backend.
        backend: &'static str,
        /// The kind looked up.
        kind: SecretKind,
        /// The Airflow key.
        key: String,
        /// The path or name, with the server address where it helps.
        location: String,
        /// How many requests were made before giving up.
        attempts: u32,
        /// How long the lookup took, all attempts and back-off included.
        elapsed: std::time::Duration,
        /// Transport error, timeout or last status.
        problem: String,
    },

    /// The store answered with an error that is neither "not found", "denied" nor transient (for example
    /// an invalid name, or an unexpected status), or the request was refused before it was sent because
    /// the key would change the path it is read from (a `..` segment); `problem` says which.
    #[error("{backend}: the request for {kind} `{key}` at {location} was rejected: {problem}")]
    Rejected {
        /// The backend.
        backend: &'static str,
        /// The kind looked up.
        kind: SecretKind,
        /// The Airflow key.
        key: String,
        /// The path or name sent to the store.
        location: String,
        /// Status and message from the store.
        problem: String,
    },

    /// A stored value could not be understood: a malformed connection URI or JSON, invalid UTF-8, a
    /// secret without the expected `value` field... The value itself is never part of the message.
    #[error("{backend}: the stored {kind} `{key}` is malformed: {problem}")]
    MalformedSecret {
        /// The backend.
        backend: &'static str,
        /// The kind looked up.
        kind: SecretKind,
        /// The Airflow key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },

    /// A connection URI or JSON given directly (not read from a store) is malformed.
    #[error("invalid connection `{conn_id}`: {source}")]
    InvalidConnection {
        /// The conn_id it was parsed for (may be empty).
        conn_id: String,
        /// The parse error.
        #[source]
        source: crate::connection::ConnectionError,
    },

    /// No backend in the chain holds this connection (Airflow's `AirflowNotFoundException`).
    #[error("The conn_id `{conn_id}` isn't defined")]
    ConnectionNotFound {
        /// The conn_id looked up.
        conn_id: String,
    },

    // ----- local files ----------------------------------------------------------------------------
    /// A configured secrets file could not be read.
    #[error("{backend}: cannot read the {kind} file `{}`: {source}", path.display())]
    FileRead {
        /// The backend.
        backend: &'static str,
        /// Which file (`connections_file_path`, ...).
        kind: SecretKind,
        /// The path.
        path: PathBuf,
        /// The I/O error (shared, so that `Error` is `Clone`: the cache hands one error to every caller
        /// that waited on the same lookup).
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },

    /// A secrets file has an extension Airflow does not read.
    #[error(
        "{backend}: unsupported file format for `{}`. The file must have one of the following \
         extensions: .env .json .yaml .yml",
        path.display()
    )]
    UnsupportedFileType {
        /// The backend.
        backend: &'static str,
        /// The path.
        path: PathBuf,
    },

    /// A secrets file has syntax or content errors; all of them are listed, with line numbers.
    #[error(
        "{backend}: failed to load the secret file `{}`:\n{}",
        path.display(),
        errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
    )]
    FileParse {
        /// The backend.
        backend: &'static str,
        /// The path.
        path: PathBuf,
        /// Every problem found.
        errors: Vec<FileParseError>,
    },

    /// A secrets file defines the same key more than once (Airflow's `VariableNotUnique` /
    /// `ConnectionNotUnique`).
    #[error(
        "{backend}: the file `{}` contains multiple values for {kind} keys: {}",
        path.display(),
        keys.join(", ")
    )]
    DuplicateKeys {
        /// The backend.
        backend: &'static str,
        /// The kind the file holds.
        kind: SecretKind,
        /// The path.
        path: PathBuf,
        /// The repeated keys.
        keys: Vec<String>,
    },

    // ----- the blocking API ---------------------------------------------------------------------------
    /// A call of the facade's blocking API (`airflow_secrets::blocking`) could not run: it was made from
    /// inside an async runtime, where blocking the thread would stall the runtime, or its own runtime
    /// could not be started.
    #[error("{call}: {problem}")]
    Blocking {
        /// The call, e.g. `airflow_secrets::blocking::Secrets::variable`.
        call: &'static str,
        /// What went wrong and what to do instead.
        problem: String,
    },
}

/// An error and its sources on one line, `outer: cause: root cause`, each message once: a source whose
/// text already appears in an earlier part (HTTP clients often repeat their cause in their own message)
/// and empty messages are left out. Providers use it to render SDK errors into the `problem` of an
/// [`Error`], so that "connection refused" is not hidden behind "error sending request".
///
/// ```
/// use std::fmt;
/// #[derive(Debug)]
/// struct Outer(std::io::Error);
/// impl fmt::Display for Outer {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str("error sending request") }
/// }
/// impl std::error::Error for Outer {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> { Some(&self.0) }
/// }
/// let e = Outer(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"));
/// assert_eq!(airflow_secrets_core::error_chain(&e), "error sending request: connection refused");
/// ```
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    error_chain_without(error, |_| false)
}

/// [`error_chain`], also leaving out the messages `skip` returns `true` for (an SDK's boilerplate).
pub fn error_chain_without(
    error: &(dyn std::error::Error + 'static),
    skip: impl Fn(&str) -> bool,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in std::iter::successors(Some(error), |e| e.source()) {
        let text = e.to_string();
        let text = text.trim();
        if !text.is_empty() && !skip(text) && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_owned());
        }
    }
    parts.join(": ")
}

/// One problem in a secrets file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileParseError {
    /// 1-based line number, when the problem has one.
    pub line: Option<usize>,
    /// 1-based column, when the parser reports one.
    pub column: Option<usize>,
    /// What is wrong (never the line's value).
    pub message: String,
}

impl std::fmt::Display for FileParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl Error {
    /// Every value [`Error::code`] returns, one per variant.
    pub const CODES: &'static [&'static str] = &[
        "invalid_kwargs_json",
        "kwargs_not_object",
        "unknown_kwarg",
        "invalid_kwarg",
        "invalid_setting",
        "unknown_class_path",
        "provider_not_compiled",
        "authentication",
        "permission_denied",
        "unavailable",
        "rejected",
        "malformed_secret",
        "invalid_connection",
        "connection_not_found",
        "file_read",
        "unsupported_file_type",
        "file_parse",
        "duplicate_keys",
        "blocking",
    ];

    /// A stable, machine-readable name of the variant (`"unavailable"`, `"permission_denied"`, ...), for
    /// metrics labels and structured logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidKwargsJson { .. } => "invalid_kwargs_json",
            Error::KwargsNotObject { .. } => "kwargs_not_object",
            Error::UnknownKwarg { .. } => "unknown_kwarg",
            Error::InvalidKwarg { .. } => "invalid_kwarg",
            Error::InvalidSetting { .. } => "invalid_setting",
            Error::UnknownClassPath { .. } => "unknown_class_path",
            Error::ProviderNotCompiled { .. } => "provider_not_compiled",
            Error::Authentication { .. } => "authentication",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::Unavailable { .. } => "unavailable",
            Error::Rejected { .. } => "rejected",
            Error::MalformedSecret { .. } => "malformed_secret",
            Error::InvalidConnection { .. } => "invalid_connection",
            Error::ConnectionNotFound { .. } => "connection_not_found",
            Error::FileRead { .. } => "file_read",
            Error::UnsupportedFileType { .. } => "unsupported_file_type",
            Error::FileParse { .. } => "file_parse",
            Error::DuplicateKeys { .. } => "duplicate_keys",
            Error::Blocking { .. } => "blocking",
        }
    }

    /// `true` for errors that come from talking to a store (as opposed to configuration errors); the
    /// resolver logs these and moves on to the next backend, as Airflow does.
    pub fn is_lookup_error(&self) -> bool {
        matches!(
            self,
            Error::Authentication { .. }
                | Error::PermissionDenied { .. }
                | Error::Unavailable { .. }
                | Error::Rejected { .. }
                | Error::MalformedSecret { .. }
                | Error::FileRead { .. }
                | Error::FileParse { .. }
                | Error::DuplicateKeys { .. }
                | Error::UnsupportedFileType { .. }
        )
    }
}
