//! # airflow-secrets-core
//!
//! The shared core of [airflow-secrets](https://crates.io/crates/airflow-secrets):
//!
//! * [`SecretsBackend`], the async trait every backend implements (one required method, the Airflow-named
//!   methods provided), with [`SecretKind`] and the redacting [`SecretValue`];
//! * [`Connection`], which parses and writes Airflow's connection URI and JSON forms exactly as Airflow
//!   does, in the task-SDK or the ORM [`ConnectionFlavor`];
//! * [`Error`], one error enum whose messages name what was wrong and where, and never contain a secret;
//! * Airflow's two built-in backends, [`EnvironmentVariablesBackend`] and [`LocalFilesystemBackend`];
//! * helpers for providers: [`kwargs::parse_kwargs`], [`LookupPattern`], [`pyjson`].
//!
//! Most users want the `airflow-secrets` facade crate, which builds a backend from Airflow's
//! `AIRFLOW__SECRETS__BACKEND` / `AIRFLOW__SECRETS__BACKEND_KWARGS` and runs Airflow's lookup chain.
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
pub mod pyjson;
mod secret;

pub use async_trait::async_trait;
pub use backend::SecretsBackend;
pub use connection::{Connection, ConnectionError, ConnectionFlavor};
pub use environment::EnvironmentVariablesBackend;
pub use error::{Error, FileParseError, Result, error_chain, error_chain_without};
pub use kind::SecretKind;
pub use local_filesystem::LocalFilesystemBackend;
pub use pattern::LookupPattern;
pub use secret::SecretValue;
