//! The AWS credentials of a backend — Airflow's `SessionFactory` login: the base credentials (static
//! keys, a profile, or the SDK's default chain), optionally exchanged for a role's through STS
//! `AssumeRole` — and the check of the files the SDK reads for them ([`profile_files`]).

pub(crate) mod profile_files;
mod web_identity;

use std::fmt;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{ConfigLoader, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::future;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use secrecy::ExposeSecret;

use crate::config::{AssumeRole, CredentialSource, SessionConfig};

/// The name the SDK records as the source of the static credentials (shown in its debug logs).
const STATIC_PROVIDER_NAME: &str = "airflow-secrets backend kwargs";

/// The "basic session": `loader`'s region, retries and timeouts with the base credentials. No endpoint
/// override here: the global `endpoint_url` must not reach STS.
pub(crate) async fn base_config(
    s: &SessionConfig,
    loader: ConfigLoader,
    http: SharedHttpClient,
) -> SdkConfig {
    match &s.credentials {
        CredentialSource::Static {
            access_key_id,
            secret_access_key,
            session_token,
        } => {
            let credentials = Credentials::new(
                access_key_id,
                secret_access_key.expose_secret(),
                session_token.as_ref().map(|t| t.expose_secret().to_owned()),
                None,
                STATIC_PROVIDER_NAME,
            );
            loader.credentials_provider(credentials).load().await
        }
        CredentialSource::Profile(profile) => {
            // Resolve region & co. first: the profile provider needs the region for profiles that chain
            // roles (`role_arn` + `source_profile`).
            let sdk = loader.no_credentials().load().await;
            let mut provider = ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .configure(
                    &ProviderConfig::without_region()
                        .with_region(sdk.region().cloned())
                        .with_http_client(http),
                );
            if let Some(files) = &s.profile_files {
                provider = provider.profile_files(files.clone());
            }
            sdk.to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider.build()))
                .build()
        }
        CredentialSource::DefaultChain => loader.load().await,
    }
}

/// Airflow's `_refresh_credentials`: an STS client made from the basic session (its credentials, region
/// and `config_kwargs`), at `service_config.sts.endpoint_url` if set. The SDK's identity cache keeps the
/// assumed credentials until shortly before they expire, so STS is called once per session, not per lookup.
pub(crate) async fn assume_role(sdk: SdkConfig, role: &AssumeRole) -> SdkConfig {
    let sts_config = match &role.sts_endpoint_url {
        Some(url) => sdk.to_builder().endpoint_url(url).build(),
        None => sdk.clone(),
    };
    if let Some(token_file) = &role.web_identity_token_file {
        let provider = web_identity::WebIdentityCredentials {
            sts: aws_sdk_sts::Client::new(&sts_config),
            role_arn: role.role_arn.clone(),
            session_name: role.session_name.clone(),
            token_file: token_file.clone(),
            duration: role.duration,
            policy: role.policy.clone(),
            policy_arns: role.policy_arns.clone(),
        };
        return sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
    }
    let mut builder = AssumeRoleProvider::builder(&role.role_arn)
        .session_name(&role.session_name)
        .configure(&sts_config);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id);
    }
    if let Some(duration) = role.duration {
        builder = builder.session_length(duration);
    }
    if let Some(policy) = &role.policy {
        builder = builder.policy(policy);
    }
    if !role.policy_arns.is_empty() {
        builder = builder.policy_arns(role.policy_arns.clone());
    }
    if !role.tags.is_empty() {
        builder = builder.tags(role.tags.clone());
    }
    let provider = RoleCredentials {
        role_arn: role.role_arn.clone(),
        inner: builder.build().await,
    };
    sdk.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// The SDK's `AssumeRoleProvider` with a Debug that shows the role only: the provider's own Debug prints
/// its whole request (ExternalId, inline policy), and the SDK logs runtime components at trace level.
struct RoleCredentials {
    role_arn: String,
    inner: AssumeRoleProvider,
}

impl fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProvider")
            .field("role_arn", &self.role_arn)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.inner.provide_credentials()
    }
}
