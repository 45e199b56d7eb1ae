#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backend;
mod client;
mod config;
mod crypto;
mod dburl;
mod errors;
mod kwargs;
mod names;
mod rows;

/// The backend's name, as Airflow's class is called (and as errors show it).
pub const BACKEND: &str = "MetastoreBackend";

pub use backend::MetastoreBackend;
pub use config::{
    ConfigLoader, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_QUERY_TIMEOUT,
    MetastoreConfig,
};
pub use crypto::{FernetKeyError, FernetKeys};
pub use dburl::{DatabaseUrl, Dialect, UrlError};
