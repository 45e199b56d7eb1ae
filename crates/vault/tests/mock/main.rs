//! The mock suite: exact requests and Vault's real response shapes on a wiremock server.

mod auth;
mod common;
mod errors;
#[path = "../support/keys.rs"]
mod keys;
mod kv;
mod leak;
#[path = "../support/leak_check.rs"]
mod leak_check;
mod lifecycle;
mod patterns;
#[path = "../support/responses.rs"]
mod responses;
mod sigv4;
