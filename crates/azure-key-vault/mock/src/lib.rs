//! Test-only fakes for the Azure Key Vault suites of airflow-secrets: an HTTP(S) server on 127.0.0.1 that
//! records requests ([`MockServer`]), a throw-away CA whose PEM file is trusted through `connection_verify`
//! ([`TestCa`]) and a TLS front putting plain-TCP servers behind it ([`TlsFront`]) (both re-exported from the
//! testkit's `tls` module), a fake vault reproducing
//! Key Vault's challenge flow and bodies ([`FakeKeyVault`]), and fake token sources ([`FakeEntra`],
//! [`app_service_handler`], [`imds_handler`]).
//!
//! Everything binds 127.0.0.1 only and stops when dropped.
#![warn(missing_docs)]

mod fixture;
mod identity;
pub mod key_vault;
mod server;

pub use airflow_secrets_testkit::tls::{TestCa, TlsFront};
pub use fixture::{ACCESS_TOKEN, AzureFixture, CLIENT_ID, CLIENT_SECRET, TENANT_ID};
pub use identity::{ClientProof, FakeEntra, KEY_VAULT_SCOPE, app_service_handler, imds_handler};
pub use key_vault::FakeKeyVault;
pub use server::{Handler, MockServer, Recorded, Reply};
