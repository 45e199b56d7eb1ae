//! The mock suite: exact requests and Vault's real response shapes on a wiremock server.

mod auth;
mod common;
mod errors;
#[path = "../support/keys.rs"]
mod keys;
mod kv;
mod leak;
mod lifecycle;
mod patterns;
mod sigv4;
