//! boto3's default credential chain for a caller that is not one of the AWS backends: Vault's
//! `aws_iam` login, which Airflow signs with `boto3.Session().get_credentials()` and the session's
//! region when no static keys are given.
//!
//! The chain is aws-config's: environment variables, the shared profile files (`AWS_PROFILE`,
//! `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`), web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` +
//! `AWS_ROLE_ARN`: STS `AssumeRoleWithWebIdentity`, as on EKS with IRSA), container credentials
//! (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`, as on ECS) and the EC2 instance metadata
//! service (IMDSv2; `AWS_EC2_METADATA_SERVICE_ENDPOINT`, `AWS_EC2_METADATA_DISABLED`). Every request it
//! sends goes through the capped http client ([`crate::MAX_RESPONSE_BYTES`]), the files it reads are
//! checked first (a FIFO or an oversized file is an error, not a hang), and the whole resolution is
//! bounded by the caller's deadline.

use std::time::Duration;

use airflow_secrets_core::error_chain;
use aws_config::Region;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::provider_config::ProviderConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use crate::auth::profile_files;
use crate::body_limit;

/// The region STS is called in for web identity when no region is configured (boto3 then uses the
/// global endpoint, which is in `us-east-1`).
const STS_FALLBACK_REGION: &str = "us-east-1";

/// What the default chain found: the credentials (whose `Debug` shows no secret) and the session's
/// region, if one is configured.
#[derive(Debug, Clone)]
pub struct ChainCredentials {
    /// The credentials of the first source of the chain that had some.
    pub credentials: Credentials,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region` (`AWS_PROFILE` or
    /// `default`); `None` when none is set. The instance metadata service is not asked for the region
    /// (boto3's session does not ask it either).
    pub region: Option<String>,
}

/// aws-config's `DefaultCredentialsChain`, link by link, with the same rule (a source that is not
/// configured passes to the next; one that fails ends the chain). Walked here rather than by the SDK's
/// chain because that one logs a failing source's error at WARN with its `Debug`, which holds the raw
/// HTTP response (an IMDS session token, a credentials body); this error is reported by `Display` only.
async fn provide(conf: &ProviderConfig, deadline: Duration) -> Result<Credentials, String> {
    let until = tokio::time::Instant::now() + deadline;
    let chain: [(&str, SharedCredentialsProvider); 5] = [
        (
            "environment variables",
            SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
        ),
        (
            "profile",
            SharedCredentialsProvider::new(
                ProfileFileCredentialsProvider::builder()
                    .configure(conf)
                    .build(),
            ),
        ),
        (
            "web identity token",
            SharedCredentialsProvider::new(
                WebIdentityTokenCredentialsProvider::builder()
                    .configure(conf)
                    .build(),
            ),
        ),
        (
            "container credentials",
            SharedCredentialsProvider::new(
                EcsCredentialsProvider::builder().configure(conf).build(),
            ),
        ),
        (
            "EC2 instance metadata",
            SharedCredentialsProvider::new(
                ImdsCredentialsProvider::builder().configure(conf).build(),
            ),
        ),
    ];
    for (name, provider) in chain {
        let answer = tokio::time::timeout_at(until, provider.provide_credentials())
            .await
            .map_err(|_| {
                format!(
                    "the AWS default chain's {name} source gave no answer within {deadline:?} (its \
                     endpoint is slow or stalled)"
                )
            })?;
        match answer {
            Ok(credentials) => {
                tracing::debug!(
                    source = name,
                    "AWS credentials loaded from the default chain"
                );
                return Ok(credentials);
            }
            Err(CredentialsError::CredentialsNotLoaded(_)) => {
                tracing::debug!(
                    source = name,
                    "not configured; next source of the AWS default chain"
                );
            }
            Err(e) => {
                return Err(format!(
                    "the AWS default chain's {name} source failed: {}",
                    error_chain(&e)
                ));
            }
        }
    }
    Err(
        "the AWS default chain found none (environment variables, profile, web identity token, \
         container credentials, EC2 instance metadata)"
            .to_owned(),
    )
}

/// The region of the process's configuration: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile.
async fn region_of(conf: &ProviderConfig) -> Option<Region> {
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::builder().configure(conf).build())
        .region()
        .await
}

/// The session's region alone ([`ChainCredentials::region`]), for a caller whose credentials came from
/// elsewhere. `Err` when a profile file cannot be used (a FIFO, a device, too large).
pub async fn configured_region() -> Result<Option<String>, String> {
    profile_files::check_default_chain()?;
    Ok(region_of(&ProviderConfig::without_region())
        .await
        .map(|r| r.to_string()))
}

/// Resolves the default chain from the process environment, within `deadline`. `Err` is a message
/// naming what failed (never a credential): no source had credentials, a file the chain reads cannot be
/// used, a source answered with an error or garbage, or the deadline passed.
pub async fn default_chain(deadline: Duration) -> Result<ChainCredentials, String> {
    profile_files::check_default_chain()?;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(deadline)
        .read_timeout(deadline)
        .operation_attempt_timeout(deadline)
        .build();
    let conf = ProviderConfig::without_region()
        .with_http_client(body_limit::default_client())
        .with_timeout_config(timeouts);
    let resolve = async {
        let region = region_of(&conf).await;
        let sts_region = region
            .clone()
            .unwrap_or_else(|| Region::from_static(STS_FALLBACK_REGION));
        let credentials = provide(&conf.with_region(Some(sts_region)), deadline).await?;
        Ok(ChainCredentials {
            credentials,
            region: region.map(|r| r.to_string()),
        })
    };
    // The sources are bounded one by one (`provide`); this bounds the region's profile read as well.
    tokio::time::timeout(deadline + Duration::from_millis(100), resolve)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the AWS default credential chain gave no answer within {deadline:?}"
            ))
        })
}
