//! Credentials: Airflow's choice between a client secret and Azure's default chain, and the chain itself.

mod chain;
mod cli;
mod contain;
mod managed_identity;

use std::sync::Arc;

use azure_core::cloud::CustomConfiguration;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};

pub use chain::{DefaultAzureCredentialChain, DefaultCredentialOptions};

use crate::client::HttpOptions;
use crate::config::{CredentialConfig, normalize_authority_host};
use airflow_secrets_core::provider::env::EnvSnapshot;

/// Azure's public-cloud authority, the default token endpoint host.
pub const PUBLIC_CLOUD_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The scope every Key Vault token is requested for (from the vault's challenge, `resource` + `/.default`).
pub const KEY_VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// The authority host for token requests: the `authority_host` kwarg, else `AZURE_AUTHORITY_HOST`, else the
/// public cloud. The error names the offending source.
pub(crate) fn resolve_authority_host(
    explicit: Option<&str>,
    env: &EnvSnapshot,
) -> Result<String, String> {
    if let Some(host) = explicit {
        return normalize_authority_host(host).map_err(|p| format!("authority_host {p}"));
    }
    match env.get("AZURE_AUTHORITY_HOST").map(str::to_owned) {
        Some(host) => {
            normalize_authority_host(&host).map_err(|p| format!("AZURE_AUTHORITY_HOST {p}"))
        }
        None => Ok(PUBLIC_CLOUD_AUTHORITY_HOST.to_owned()),
    }
}

/// Client options for token requests: our transport (TLS trust, timeouts), retries, and an explicit authority
/// host, so the SDK never reads `AZURE_AUTHORITY_HOST` from the process environment on its own.
pub(crate) fn identity_client_options(
    http: &HttpOptions,
    transport: &Transport,
    authority_host: &str,
) -> ClientOptions {
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = authority_host.to_owned();
    ClientOptions {
        cloud: Some(Arc::new(cloud.into())),
        ..http.client_options(transport)
    }
}

/// Builds the credential Airflow's `client` property would: `ClientSecretCredential` when tenant, client id and
/// secret are all set, else the default chain.
pub(crate) fn build_credential(
    config: &CredentialConfig,
    authority_host: Option<&str>,
    env: &EnvSnapshot,
    http: &HttpOptions,
    transport: &Transport,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let authority = resolve_authority_host(authority_host, env).map_err(|m| {
        azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, m)
    })?;
    match config {
        CredentialConfig::ClientSecret {
            tenant_id,
            client_id,
            client_secret,
        } => {
            let options = ClientSecretCredentialOptions {
                client_options: identity_client_options(http, transport, &authority),
            };
            let credential = ClientSecretCredential::new(
                tenant_id,
                client_id.clone(),
                Secret::new(client_secret.clone()),
                Some(options),
            )?;
            Ok(contain::contained("ClientSecretCredential", credential))
        }
        CredentialConfig::Default {
            managed_identity_client_id,
            workload_identity_tenant_id,
        } => {
            let options = DefaultCredentialOptions {
                managed_identity_client_id: managed_identity_client_id.clone(),
                workload_identity_tenant_id: workload_identity_tenant_id.clone(),
                authority_host: Some(authority),
                environment: env.clone(),
                http: http.clone(),
                ..DefaultCredentialOptions::default()
            };
            Ok(Arc::new(DefaultAzureCredentialChain::with_transport(
                options,
                transport.clone(),
            )?))
        }
    }
}
