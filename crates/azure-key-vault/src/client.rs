//! Building the SDK's [`SecretClient`] (once per backend) and counting the tries of each request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use azure_core::http::policies::{Policy, PolicyResult, RetryPolicyCount};
use azure_core::http::{Context, Request};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};

use crate::auth::build_credential;
use crate::env::Environment;
use crate::kwargs::Config;
use crate::transport::transport;

/// Counts the tries of one `get_secret` call. Put in the call's context; [`TryCounter`] fills it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tries(Arc<AtomicU32>);

impl Tries {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A per-try policy recording `1 + retries` into the call's [`Tries`]. It runs after the SDK's authorization
/// policy, so the unauthenticated request that fetches Key Vault's challenge belongs to the first try.
#[derive(Debug)]
struct TryCounter;

#[async_trait::async_trait]
impl Policy for TryCounter {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        if let Some(tries) = ctx.value::<Tries>() {
            let this_try = ctx.value::<RetryPolicyCount>().map_or(0, |c| **c) + 1;
            tries.0.fetch_max(this_try, Ordering::Relaxed);
        }
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// Builds the Key Vault client: one transport (TLS trust and timeouts from the kwargs) shared by Key Vault and
/// token requests, the bounded retry policy, and the credential Airflow would pick.
pub(crate) fn build_client(config: &Config, env: &Environment) -> azure_core::Result<SecretClient> {
    let http_client = config.http.http_client().map_err(|e| {
        azure_core::Error::with_error(
            azure_core::error::ErrorKind::Other,
            e,
            "cannot build the HTTP client",
        )
    })?;
    let transport = transport(http_client);
    let credential = build_credential(
        &config.credential,
        config.authority_host.as_deref(),
        env,
        &config.http,
        &transport,
    )?;
    let mut client_options = config.http.client_options(&transport);
    client_options.per_try_policies.push(Arc::new(TryCounter));
    let mut options = SecretClientOptions {
        client_options,
        verify_challenge_resource: Some(config.verify_challenge_resource),
        ..SecretClientOptions::default()
    };
    if let Some(version) = &config.api_version {
        options.api_version = version.clone();
    }
    SecretClient::new(&config.vault_url, credential, Some(options))
}
