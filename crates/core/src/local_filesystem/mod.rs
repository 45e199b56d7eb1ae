//! Airflow's `LocalFilesystemBackend` (`airflow.secrets.local_filesystem.LocalFilesystemBackend`):
//! variables, connections and config values read from local `.env`, `.json` or `.yaml` files.
//!
//! # How files are read (as Airflow reads them)
//!
//! * Each kind has its own file (`variables_file_path`, `connections_file_path`, `configs_file_path`);
//!   a kind without a file (not given, `null` or `""`) finds nothing.
//! * **The file is read again on every lookup**, so edits are seen at once. Reading and parsing run on
//!   tokio's blocking thread pool when called inside a tokio runtime (inline otherwise).
//! * The format comes from the extension, lower-cased: `.env`, `.json`, `.yaml`, `.yml`; anything else
//!   is [`Error::UnsupportedFileType`] (so is a file named just `.env`, whose "extension" is empty for
//!   Python's `Path.suffix` as for Rust's `Path::extension`). A missing or unreadable file is
//!   [`Error::FileRead`].
//! * **Limits** (so that no file can hang, crash or exhaust the process; each is an error naming the
//!   file, and the line for YAML): only a regular file (or a symlink to one) is read — a FIFO, a
//!   device or a directory is [`Error::FileRead`], and a FIFO without a writer does not block; at most
//!   [`MAX_FILE_BYTES`] (64 MiB) are read; JSON and YAML documents nest at most
//!   [`MAX_NESTING_DEPTH`] (127) collections deep, YAML aliases included; YAML anchors and aliases
//!   copy at most [`MAX_ALIAS_BYTES`] (8 MiB) in all; JSON and YAML documents hold at most
//!   [`MAX_NODES`] (1,000,000) nodes, YAML aliases expanded; `.env` files hold at most
//!   [`MAX_ENTRIES`] (1,000,000) `KEY=VALUE` lines; an error lists at most [`MAX_REPORTED_ERRORS`]
//!   (20) bad lines or repeated keys, and counts the others. So whatever the file, a lookup holds a
//!   bounded amount of memory: the text and the strings copied from it (a few times the file's
//!   size), plus at most about 192 MiB of heap for what is built around them (measured: about
//!   35 MiB for [`MAX_NODES`] JSON or YAML nodes, 150 MiB for [`MAX_ENTRIES`] `.env` entries).
//! * The text is decoded as UTF-8 (a byte-order mark is *not* removed, as Python's `utf-8` codec does
//!   not), and `\r\n` / `\r` become `\n` (Python's universal newlines). Invalid UTF-8 is an
//!   [`Error::FileParse`] (Python raises `UnicodeDecodeError`).
//! * **`.env`**: lines from `str.splitlines()`; empty lines and comment lines (optional whitespace then
//!   `#`) are skipped; a whitespace-only line is an error; `KEY=VALUE` is split at the first `=` with
//!   no trimming and no unquoting. Every bad line is reported at once ([`Error::FileParse`], one
//!   [`FileParseError`] per line, up to [`MAX_REPORTED_ERRORS`], then one that counts the rest). A
//!   key given twice is [`Error::DuplicateKeys`] (Airflow's `VariableNotUnique` /
//!   `ConnectionNotUnique`).
//! * **`.json`**: read with `serde_json` into what Python's `json.loads` returns: key order kept, a
//!   repeated key keeping its first position and its last value. Unlike Python, `NaN`/`Infinity` are
//!   refused and integers beyond 64 bits become floats (see `json_file`). **`.yaml`/`.yml`**: PyYAML's
//!   `CSafeLoader`, i.e. **YAML 1.1** scalars (`yes`/`no`/`on`/`off` are booleans, `0755` is octal;
//!   integers up to 128 bits; see `yaml_file`). An empty file is `The file is empty.`, a top level
//!   that is not an object is `The file should contain the object.`; syntax errors carry line and
//!   column, never file content.
//!
//! # What a lookup returns
//!
//! * **Variables and configs** from JSON/YAML are returned as parsed: a string as is; any other value
//!   (number, boolean, list, object) as its `json.dumps` text (`{"a": [1, 2.5]}`, `true`, `1.0`) —
//!   Airflow returns the Python object itself, and this is the text Python would write for it.
//!   A `null` value is **not found** (`Ok(None)`), as Airflow's `None` is, so the lookup goes on to
//!   the next backend. For configs, a one-element list stands for its element, and a list of any
//!   other length is [`Error::DuplicateKeys`] (Airflow's `load_configs_dict`).
//! * **Connections** are built exactly as Airflow's `_create_connection` builds them (see
//!   `connections`): [`get_connection_as`](SecretsBackend::get_connection_as) returns that
//!   [`Connection`] directly; [`get_conn_value`](SecretsBackend::get_conn_value) returns the URI string
//!   as written, or, for a connection written as an object, the built connection's
//!   [`as_json`](Connection::as_json). Like Airflow, every connection in the file is built on each
//!   lookup, so a malformed entry makes every connection lookup fail with [`Error::MalformedSecret`]
//!   naming that entry's key.
//!
//! Errors never contain a value from the file: line numbers, key names and types only.
//!
//! ```
//! use airflow_secrets_core::{LocalFilesystemBackend, SecretsBackend};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("variables.yaml");
//! std::fs::write(&path, "greeting: hello\nretries: 3\nenabled: yes\n").unwrap();
//!
//! let backend = LocalFilesystemBackend::new().with_variables_file_path(&path);
//! assert_eq!(backend.get_variable("greeting").await?.unwrap().expose(), "hello");
//! assert_eq!(backend.get_variable("retries").await?.unwrap().expose(), "3");
//! assert_eq!(backend.get_variable("enabled").await?.unwrap().expose(), "true"); // YAML 1.1
//! assert!(backend.get_variable("missing").await?.is_none());
//! # Ok::<(), airflow_secrets_core::Error>(())
//! # }).unwrap();
//! ```

pub(crate) mod connections;
pub(crate) mod env_file;
pub(crate) mod json_file;
pub(crate) mod value;
pub(crate) mod yaml_file;

/// The largest secrets file the backend reads: 64 MiB. A larger file (or one that grows past it while
/// it is read) is [`Error::FileRead`], without reading more than this plus
/// one byte.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
pub use yaml_file::{MAX_ALIAS_BYTES, MAX_NESTING_DEPTH};

/// Most nodes in a JSON or YAML secrets file: 1,000,000. Every scalar (a mapping's key included),
/// list and mapping is one node, YAML aliases expanded (`{"a": [1, 2]}` is 5 nodes); a real variables
/// or connections file has a few thousand at most. Counted while the document is built, so that a
/// file of many tiny values (`[[],[],…]`) cannot cost gigabytes; more is a parse error naming the
/// line where the limit is passed.
pub const MAX_NODES: usize = 1_000_000;

/// Most `KEY=VALUE` lines in a `.env` secrets file: 1,000,000, a repeated key counting once per
/// line. More is a parse error naming the first line past the limit.
pub const MAX_ENTRIES: usize = 1_000_000;

/// Most problems one error lists: 20 bad lines of a `.env` file
/// ([`Error::FileParse`], then one more entry, without a line, saying how
/// many more there are), or 20 repeated keys ([`Error::DuplicateKeys`],
/// then `and N more`). So an error stays short whatever the file.
pub const MAX_REPORTED_ERRORS: usize = 20;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use indexmap::IndexMap;
use serde::Deserialize;

use crate::kwargs::{Kwargs, parse_kwargs};
use crate::{
    Connection, ConnectionFlavor, Error, FileParseError, SecretKind, SecretValue, SecretsBackend,
};

use connections::{Entries, FileConnection, LoadError};
use value::PyValue;

const NAME: &str = "LocalFilesystemBackend";

/// The kwargs of Airflow's `LocalFilesystemBackend.__init__`, as found in
/// `AIRFLOW__SECRETS__BACKEND_KWARGS`. All default to `None` (not configured); `""` also means not
/// configured, as in Airflow (`if not self.variables_file`).
///
/// ```
/// use airflow_secrets_core::local_filesystem::LocalFilesystemKwargs;
/// use airflow_secrets_core::kwargs::{parse_kwargs, Kwargs};
/// let kwargs: Kwargs = serde_json::from_str(r#"{"variables_file_path": "/files/var.json"}"#).unwrap();
/// let parsed: LocalFilesystemKwargs = parse_kwargs("LocalFilesystemBackend", &kwargs).unwrap();
/// assert_eq!(parsed.variables_file_path.as_deref(), Some("/files/var.json"));
/// assert_eq!(parsed.connections_file_path, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFilesystemKwargs {
    /// File with the variables.
    #[serde(default)]
    pub variables_file_path: Option<String>,
    /// File with the connections.
    #[serde(default)]
    pub connections_file_path: Option<String>,
    /// File with the config values (read by `*_secret` options).
    #[serde(default)]
    pub configs_file_path: Option<String>,
}

/// Airflow's `LocalFilesystemBackend`: secrets in local `.env`, `.json` or `.yaml` files, re-read on
/// every lookup. See the [module documentation](self) for every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalFilesystemBackend {
    variables_file: Option<PathBuf>,
    connections_file: Option<PathBuf>,
    configs_file: Option<PathBuf>,
}

/// `""` means "not configured", as Python's `if not path`.
fn configured(path: PathBuf) -> Option<PathBuf> {
    (!path.as_os_str().is_empty()).then_some(path)
}

impl LocalFilesystemBackend {
    /// Airflow's class path for this backend.
    pub const CLASS_PATH: &'static str = "airflow.secrets.local_filesystem.LocalFilesystemBackend";

    /// A backend with no file configured: every lookup finds nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the backend from Airflow's kwargs (`variables_file_path`, `connections_file_path`,
    /// `configs_file_path`). An unknown kwarg is [`Error::UnknownKwarg`] (Airflow raises `TypeError`),
    /// a value that is not a string or `null` is [`Error::InvalidKwarg`].
    ///
    /// ```
    /// use airflow_secrets_core::LocalFilesystemBackend;
    /// let kwargs = serde_json::json!({"connections_file_path": "/files/conn.yaml", "variables_file_path": null});
    /// let backend = LocalFilesystemBackend::from_kwargs(kwargs.as_object().unwrap())?;
    /// assert_eq!(backend.connections_file_path().unwrap().to_str(), Some("/files/conn.yaml"));
    /// assert!(backend.variables_file_path().is_none());
    /// # Ok::<(), airflow_secrets_core::Error>(())
    /// ```
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(Self::from_config(parse_kwargs(NAME, kwargs)?))
    }

    /// Builds the backend from already-parsed kwargs.
    pub fn from_config(kwargs: LocalFilesystemKwargs) -> Self {
        LocalFilesystemBackend {
            variables_file: kwargs
                .variables_file_path
                .map(PathBuf::from)
                .and_then(configured),
            connections_file: kwargs
                .connections_file_path
                .map(PathBuf::from)
                .and_then(configured),
            configs_file: kwargs
                .configs_file_path
                .map(PathBuf::from)
                .and_then(configured),
        }
    }

    /// Sets the variables file (`variables_file_path`); an empty path means none.
    pub fn with_variables_file_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.variables_file = configured(path.into());
        self
    }

    /// Sets the connections file (`connections_file_path`); an empty path means none.
    pub fn with_connections_file_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.connections_file = configured(path.into());
        self
    }

    /// Sets the configs file (`configs_file_path`); an empty path means none.
    pub fn with_configs_file_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.configs_file = configured(path.into());
        self
    }

    /// The variables file, if configured.
    pub fn variables_file_path(&self) -> Option<&Path> {
        self.variables_file.as_deref()
    }

    /// The connections file, if configured.
    pub fn connections_file_path(&self) -> Option<&Path> {
        self.connections_file.as_deref()
    }

    /// The configs file, if configured.
    pub fn configs_file_path(&self) -> Option<&Path> {
        self.configs_file.as_deref()
    }

    fn file_for(&self, kind: SecretKind) -> Option<&Path> {
        match kind {
            SecretKind::Connection => self.connections_file_path(),
            SecretKind::Variable => self.variables_file_path(),
            SecretKind::Config => self.configs_file_path(),
        }
    }
}

#[async_trait]
impl SecretsBackend for LocalFilesystemBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Variables and configs: the value in the file (see the [module documentation](self) for
    /// non-string values). Connections: the URI as written, or the built connection's JSON.
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        let Some(path) = self.file_for(kind) else {
            tracing::debug!(backend = NAME, %kind, "no file configured for this kind; skipping");
            return Ok(None);
        };
        let path = path.to_owned();
        let key = key.to_owned();
        run_blocking(kind, path.clone(), move || match kind {
            SecretKind::Connection => Ok(load_connections(&path, ConnectionFlavor::default())?
                .get(&key)
                .map(FileConnection::conn_value)),
            SecretKind::Variable | SecretKind::Config => lookup_value(&path, kind, &key),
        })
        .await
    }

    /// The connection built as Airflow's `_create_connection` builds it (not through
    /// [`Connection::deserialize`]: an object in the file is not JSON-parsed again).
    async fn get_connection_as(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Option<Connection>, Error> {
        let Some(path) = self.connections_file.clone() else {
            tracing::debug!(backend = NAME, "no connections file configured; skipping");
            return Ok(None);
        };
        let conn_id = conn_id.to_owned();
        run_blocking(SecretKind::Connection, path.clone(), move || {
            Ok(load_connections(&path, flavor)?
                .swap_remove(&conn_id)
                .map(|c| c.connection))
        })
        .await
    }

    /// Airflow's `LocalFilesystemBackend.get_connection(conn_id, team_name)` takes a team and ignores it:
    /// the files have no team-scoped entries.
    async fn get_connection_for_team(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
        _team: Option<&str>,
    ) -> Result<Option<Connection>, Error> {
        self.get_connection_as(conn_id, flavor).await
    }
}

/// Runs file work off the async threads: on tokio's blocking pool inside a tokio runtime, inline
/// otherwise (so the backend also works under other executors, and never panics for want of a
/// runtime).
async fn run_blocking<T: Send + 'static>(
    kind: SecretKind,
    path: PathBuf,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(work).await.unwrap_or_else(|e| {
            Err(Error::FileRead {
                backend: NAME,
                kind,
                path,
                source: std::sync::Arc::new(std::io::Error::other(if e.is_panic() {
                    "reading the file failed unexpectedly"
                } else {
                    "reading the file was cancelled"
                })),
            })
        }),
        Err(_) => work(),
    }
}

// ----- reading and parsing ------------------------------------------------------------------------

/// The parser a file's extension picks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Env,
    Json,
    Yaml,
}

/// `Path(file_path).suffix.lstrip(".").lower()` → parser.
fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_lowercase();
    match ext.as_str() {
        "env" => Some(Format::Env),
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

fn parse_error(path: &Path, errors: Vec<FileParseError>) -> Error {
    Error::FileParse {
        backend: NAME,
        path: path.to_owned(),
        errors,
    }
}

/// Reads the file as Python's `open(path).read()` does: UTF-8, universal newlines.
/// Only a regular file of at most [`MAX_FILE_BYTES`] is read ([`crate::provider::files`]).
fn read_text(path: &Path, kind: SecretKind) -> Result<String, Error> {
    let bytes = crate::provider::files::read_bounded(path, MAX_FILE_BYTES).map_err(|source| {
        Error::FileRead {
            backend: NAME,
            kind,
            path: path.to_owned(),
            source: std::sync::Arc::new(source),
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..bad].iter().filter(|b| **b == b'\n').count() + 1;
        parse_error(
            path,
            vec![FileParseError {
                column: None,
                line: Some(line),
                message: format!("the file is not valid UTF-8 (invalid byte at offset {bad})"),
            }],
        )
    })?;
    Ok(universal_newlines(text))
}

/// Python's universal newlines: `\r\n` and `\r` become `\n` (one copy of the text at most).
pub(crate) fn universal_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The entry that stands for the `n` problems not listed after the first [`MAX_REPORTED_ERRORS`].
pub(crate) fn and_more(n: usize, what: &str) -> String {
    format!("and {n} more {what} (only the first {MAX_REPORTED_ERRORS} are listed)")
}

/// The error for a document past [`MAX_NODES`].
pub(crate) fn too_many_nodes() -> String {
    format!(
        "the document has more than {MAX_NODES} nodes (values, keys, lists and mappings), the most \
         a secrets file may have"
    )
}

/// The error for a `.env` file past [`MAX_ENTRIES`].
pub(crate) fn too_many_entries() -> String {
    format!("the file has more than {MAX_ENTRIES} entries, the most a secrets file may have")
}

/// At most [`MAX_REPORTED_ERRORS`] of the `keys`, then `and N more` for the rest.
fn listed_keys(keys: impl Iterator<Item = String>) -> Vec<String> {
    let mut listed = Vec::new();
    let mut unlisted = 0usize;
    for key in keys {
        if listed.len() < MAX_REPORTED_ERRORS {
            listed.push(key);
        } else {
            unlisted += 1;
        }
    }
    if unlisted > 0 {
        listed.push(format!("and {unlisted} more"));
    }
    listed
}

/// Airflow's `_parse_secret_file`: the extension picks the parser; any syntax error fails the file.
fn parse_secret_file(path: &Path, kind: SecretKind) -> Result<Entries, Error> {
    let Some(format) = format_of(path) else {
        return Err(Error::UnsupportedFileType {
            backend: NAME,
            path: path.to_owned(),
        });
    };
    tracing::debug!(backend = NAME, path = %path.display(), "parsing file");
    let text = read_text(path, kind)?;
    parse_text(format, &text).map_err(|errors| parse_error(path, errors))
}

/// A file's decoded text through `format`'s parser, then Airflow's checks of the document (`The file
/// is empty.`, `The file should contain the object.`).
pub(crate) fn parse_text(format: Format, text: &str) -> Result<Entries, Vec<FileParseError>> {
    let one = |message: &str| {
        vec![FileParseError {
            column: None,
            line: Some(1),
            message: message.into(),
        }]
    };
    let document = match format {
        Format::Env => return env_file::parse(text).map(Entries::Env),
        _ if text.is_empty() => return Err(one("The file is empty.")),
        Format::Json => json_file::loads(text),
        Format::Yaml => yaml_file::safe_load(text),
    }
    .map_err(|e| vec![e])?;
    match document {
        PyValue::Dict(dict) => Ok(Entries::Document(*dict)),
        _ => Err(one("The file should contain the object.")),
    }
}

/// What a variable or config key holds: `None` for absent or `null`.
fn to_secret(value: &PyValue) -> Option<SecretValue> {
    match value {
        PyValue::None => None,
        PyValue::Str(s) => Some(SecretValue::new(s.as_str())),
        other => Some(SecretValue::new(other.dumps())),
    }
}

/// Airflow's `load_variables` / `load_configs_dict`, then `.get(key)`.
fn lookup_value(path: &Path, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
    let duplicates = |keys: Vec<String>| Error::DuplicateKeys {
        backend: NAME,
        kind,
        path: path.to_owned(),
        keys,
    };
    match parse_secret_file(path, kind)? {
        Entries::Env(map) => {
            let repeated = listed_keys(
                map.iter()
                    .filter(|(_, v)| v.len() != 1)
                    .map(|(k, _)| k.clone()),
            );
            if !repeated.is_empty() {
                return Err(duplicates(repeated));
            }
            Ok(map
                .get(key)
                .and_then(|v| v.first())
                .map(|v| SecretValue::new(v.as_str())))
        }
        Entries::Document(dict) if kind == SecretKind::Config => {
            let repeated = listed_keys(
                dict.iter()
                    .filter(|(_, v)| matches!(v, PyValue::List(items) if items.len() != 1))
                    .map(|(k, _)| k.scalar_str().unwrap_or_default()),
            );
            if !repeated.is_empty() {
                return Err(duplicates(repeated));
            }
            Ok(match dict.get_str(key) {
                Some(PyValue::List(items)) => items.first().and_then(to_secret),
                Some(value) => to_secret(value),
                None => None,
            })
        }
        Entries::Document(dict) => Ok(dict.get_str(key).and_then(to_secret)),
    }
}

/// Airflow's `load_connections_dict`.
fn load_connections(
    path: &Path,
    flavor: ConnectionFlavor,
) -> Result<IndexMap<String, FileConnection>, Error> {
    let entries = parse_secret_file(path, SecretKind::Connection)?;
    let connections = connections::load(entries, flavor).map_err(|e| match e {
        LoadError::NotUnique(key) => Error::DuplicateKeys {
            backend: NAME,
            kind: SecretKind::Connection,
            path: path.to_owned(),
            keys: vec![key],
        },
        LoadError::Invalid { key, problem } => Error::MalformedSecret {
            backend: NAME,
            kind: SecretKind::Connection,
            key,
            problem: format!("{problem} (in the file `{}`)", path.display()),
        },
    })?;
    tracing::debug!(
        backend = NAME,
        count = connections.len(),
        "loaded connections"
    );
    Ok(connections)
}
