#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod backend;
mod client;
mod config;
mod errors;
pub mod kwargs;
pub mod names;

pub use auth::{DEFAULT_SCOPE, HONOURED};
pub use backend::CloudSecretManagerBackend;
pub use client::{DEFAULT_ENDPOINT, RequestPolicy};
/// The Google auth library, to build [`Credentials`](google_cloud_auth::credentials::Credentials) for
/// [`CloudSecretManagerBackend::with_credentials`].
pub use google_cloud_auth;
pub use kwargs::CloudSecretManagerKwargs;

/// The name this backend reports in logs and errors (Airflow's class name).
pub const BACKEND: &str = "CloudSecretManagerBackend";
