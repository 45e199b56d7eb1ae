#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backend;
pub mod connection;
mod environment;
mod error;
// Not public API: entry points for the fuzz targets and property tests (see the module's docs).
#[doc(hidden)]
pub mod fuzzing;
mod kind;
pub mod kwargs;
pub mod local_filesystem;
mod pattern;
pub mod provider;
pub mod pyjson;
mod secret;

pub use async_trait::async_trait;
pub use backend::SecretsBackend;
pub use connection::{Connection, ConnectionError, ConnectionFlavor};
pub use environment::EnvironmentVariablesBackend;
pub use error::{Error, FileParseError, Result, error_chain, error_chain_without};
pub use kind::SecretKind;
pub use local_filesystem::LocalFilesystemBackend;
pub use pattern::{BACKTRACK_LIMIT, InvalidPattern, LookupPattern, MatchLimitExceeded};
pub use secret::SecretValue;
