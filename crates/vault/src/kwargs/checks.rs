//! Checks shared by the kwargs parser and [`VaultBackend::new`](crate::VaultBackend::new): what would
//! otherwise fail later, or panic, inside reqwest.

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::limits;
use secrecy::ExposeSecret;

use crate::BACKEND;
use crate::client::{header_safe, token_safe};
use crate::config::{RetryConfig, TokenSource, VaultAuth, VaultConfig};

pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(invalid_kwarg(
            BACKEND,
            "url",
            "expected an http:// or https:// URL such as http://127.0.0.1:8200",
        )),
    }
}

/// What [`VaultBackend::new`](crate::VaultBackend::new) checks of a typed configuration, which does
/// not go through the kwargs parser: values that would panic later (a huge timeout in reqwest, a NaN
/// back-off, a token no header can carry) are refused here with the kwarg they stand for.
pub(crate) fn check_config(config: &VaultConfig) -> Result<(), Error> {
    check_url(&config.url)?;
    if let Some(ns) = &config.namespace {
        check_header_value("namespace", ns)?;
    }
    for t in [config.timeout.connect, config.timeout.read]
        .into_iter()
        .flatten()
    {
        limits::seconds(BACKEND, "timeout", t.as_secs_f64(), limits::MAX_SECONDS)?;
    }
    retry(
        Some(config.retry.max_retries),
        Some(config.retry.backoff_factor),
    )?;
    if let VaultAuth::Token(TokenSource::Literal(token)) = &config.auth {
        check_token("token", token.expose_secret())?;
    }
    Ok(())
}

/// A Vault token from the configuration: it becomes the `X-Vault-Token` header.
fn check_token(kwarg: &str, token: &str) -> Result<(), Error> {
    if token_safe(token) {
        Ok(())
    } else {
        Err(invalid_kwarg(
            BACKEND,
            kwarg,
            "is not a usable Vault token: it holds control, space or non-ASCII characters, which an \
             X-Vault-Token header cannot carry",
        ))
    }
}

pub(crate) fn check_header_value(kwarg: &str, value: &str) -> Result<(), Error> {
    if header_safe(value) {
        Ok(())
    } else {
        Err(invalid_kwarg(
            BACKEND,
            kwarg,
            "contains control characters (a newline?), which an HTTP header cannot carry",
        ))
    }
}

/// The most retries `max_retries` may ask for (each request of a lookup), and the largest back-off
/// factor in seconds: with them the back-off of one request stays under 2 × 120 s × 10.
const MAX_RETRIES: u64 = 10;
const MAX_BACKOFF_FACTOR: f64 = 10.0;

pub(crate) fn retry(max_retries: Option<u32>, factor: Option<f64>) -> Result<RetryConfig, Error> {
    let defaults = RetryConfig::default();
    let max_retries = max_retries.unwrap_or(defaults.max_retries);
    limits::count(BACKEND, "max_retries", u64::from(max_retries), MAX_RETRIES)?;
    let backoff_factor = factor.unwrap_or(defaults.backoff_factor);
    limits::seconds(
        BACKEND,
        "retry_backoff_factor",
        backoff_factor,
        MAX_BACKOFF_FACTOR,
    )?;
    Ok(RetryConfig {
        max_retries,
        backoff_factor,
    })
}
