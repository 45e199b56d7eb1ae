//! The mock suite: exact requests and Vault's real response shapes on a wiremock server.

mod auth;
mod common;
mod conformance;
mod errors;
#[path = "../support/keys.rs"]
mod keys;
mod kv;
mod leak;
mod lifecycle;
mod patterns;
mod sigv4;
mod trust_body_limit;
mod trust_deadline;
mod trust_files;
mod trust_keys;
mod trust_redaction;
mod trust_redirect;
mod trust_tls;
mod trust_tokens;

use airflow_secrets_testkit::leak_check;
use airflow_secrets_testkit::vault_responses as responses;
