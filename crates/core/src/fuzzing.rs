//! Entry points for the fuzz targets (`fuzz/` at the repository root) and the property tests
//! (`tests/properties.rs`).
//!
//! **Not public API.** This module is hidden from the documentation, is not covered by semver, and may
//! change or disappear in any release. It exposes thin wrappers around the crate-private parsers of
//! [`LocalFilesystemBackend`](crate::LocalFilesystemBackend) so that they can be driven from text in
//! memory, without writing files.

use crate::local_filesystem::{self, Format, connections, env_file, json_file, yaml_file};
use crate::{Connection, ConnectionFlavor, FileParseError};

/// The formats of a local secret file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// `.env`
    Env,
    /// `.json`
    Json,
    /// `.yaml` / `.yml`
    Yaml,
}

impl FileFormat {
    /// Every format.
    pub const ALL: [FileFormat; 3] = [FileFormat::Env, FileFormat::Json, FileFormat::Yaml];
}

impl From<FileFormat> for Format {
    fn from(format: FileFormat) -> Format {
        match format {
            FileFormat::Env => Format::Env,
            FileFormat::Json => Format::Json,
            FileFormat::Yaml => Format::Yaml,
        }
    }
}

/// A file's bytes decoded as the backend decodes them (UTF-8, `\r\n` and `\r` as `\n`); `None` when
/// they are not UTF-8 (the backend reports a parse error then).
pub fn decode_file(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8(bytes.to_vec()).ok()?;
    Some(local_filesystem::universal_newlines(text))
}

/// The `.env` parser: each key with all its values, in file order, or every line's error.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, Vec<String>)>, Vec<FileParseError>> {
    env_file::parse(text).map(|entries| entries.into_iter().collect())
}

/// Whether the `.env` parser (Python's `str.splitlines()`) ends a line at `c`.
pub fn is_line_break(c: char) -> bool {
    env_file::is_line_break(c)
}

/// The `.json` parser (`json.loads`): the document as Python's `json.dumps` writes it.
pub fn parse_json_file(text: &str) -> Result<String, FileParseError> {
    json_file::loads(text).map(|v| v.dumps())
}

/// The `.yaml` parser (`yaml.safe_load`): the document as Python's `json.dumps` writes it.
pub fn parse_yaml_file(text: &str) -> Result<String, FileParseError> {
    yaml_file::safe_load(text).map(|v| v.dumps())
}

/// A connection read from a secret file: its key, the built connection, and the value
/// `get_conn_value` returns for it.
pub type FileConnection = (String, Connection, String);

/// The backend's whole connection path on a file's text: parse in `format`, check the document
/// (`The file is empty.`, `The file should contain the object.`), then Airflow's
/// `load_connections_dict` in `flavor`. Errors are rendered as text.
pub fn load_connections(
    format: FileFormat,
    text: &str,
    flavor: ConnectionFlavor,
) -> Result<Vec<FileConnection>, String> {
    let entries = local_filesystem::parse_text(format.into(), text).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let loaded = connections::load(entries, flavor).map_err(|e| format!("{e:?}"))?;
    Ok(loaded
        .into_iter()
        .map(|(key, c)| {
            let value = c.conn_value().expose().to_owned();
            (key, c.connection, value)
        })
        .collect())
}
