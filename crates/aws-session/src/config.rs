//! [`SessionConfig`]: the AWS connection kwargs validated once, at construction, in the shape the
//! session builder (`client.rs`, `auth/`) needs.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::limits::{self, MAX_ATTEMPTS, MAX_SECONDS};
use airflow_secrets_core::provider::redact;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_runtime::env_config::file::EnvConfigFiles;
use secrecy::SecretString;

use crate::Service;
use crate::kwargs::{AssumeRoleKwargs, AwsConnectionKwargs, ConfigKwargs, RetryModeKwarg, Verify};
use crate::tls::CaBundle;

/// botocore's default `read_timeout`; the SDK has none, and a lookup must not hang forever.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the base credentials come from (before any `role_arn`).
#[derive(Clone)]
pub(crate) enum CredentialSource {
    /// `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`).
    Static {
        access_key_id: String,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    },
    /// `profile_name`: that profile's credentials only (an explicit profile skips the environment
    /// variables, as in botocore).
    Profile(String),
    /// The SDK's default chain: environment, shared files, web identity, ECS, instance metadata.
    DefaultChain,
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Static { session_token, .. } => {
                write!(
                    f,
                    "Static {{ keys: [REDACTED], session_token: {} }}",
                    if session_token.is_some() {
                        "[REDACTED]"
                    } else {
                        "None"
                    }
                )
            }
            CredentialSource::Profile(p) => f.debug_tuple("Profile").field(p).finish(),
            CredentialSource::DefaultChain => f.write_str("DefaultChain"),
        }
    }
}

/// `role_arn` + `assume_role_kwargs`.
#[derive(Clone)]
pub(crate) struct AssumeRole {
    pub(crate) role_arn: String,
    pub(crate) session_name: String,
    pub(crate) external_id: Option<String>,
    pub(crate) duration: Option<Duration>,
    pub(crate) policy: Option<String>,
    pub(crate) policy_arns: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
    /// `service_config.sts.endpoint_url`: Airflow never uses the global `endpoint_url` for AssumeRole.
    pub(crate) sts_endpoint_url: Option<String>,
    /// `assume_role_method = "assume_role_with_web_identity"`: `AssumeRoleWithWebIdentity` with the
    /// token of this file (unsigned) instead of `AssumeRole` with the base credentials.
    pub(crate) web_identity_token_file: Option<PathBuf>,
}

impl fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "[REDACTED]"),
            )
            .field("duration", &self.duration)
            .field("web_identity_token_file", &self.web_identity_token_file)
            .field("policy_arns", &self.policy_arns)
            .field(
                "sts_endpoint_url",
                &self.sts_endpoint_url.as_deref().map(redact::url),
            )
            .finish_non_exhaustive()
    }
}

/// The AWS connection of a backend, validated: everything needed to build its SDK session and client.
/// Built by [`SessionConfig::from_kwargs`] at construction (which sends nothing); `Debug` shows no
/// credential and masks URL userinfo.
#[derive(Clone)]
pub struct SessionConfig {
    pub(crate) service: Service,
    pub(crate) region: Option<String>,
    pub(crate) profile_name: Option<String>,
    pub(crate) credentials: CredentialSource,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) assume_role: Option<AssumeRole>,
    pub(crate) ca_bundle: Option<CaBundle>,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) retry: Option<RetryConfig>,
    pub(crate) use_fips: Option<bool>,
    pub(crate) use_dual_stack: Option<bool>,
    pub(crate) profile_files: Option<EnvConfigFiles>,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("backend", &self.service.backend)
            .field("region", &self.region)
            .field("profile_name", &self.profile_name)
            .field("credentials", &self.credentials)
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact::url),
            )
            .field("assume_role", &self.assume_role)
            .field("ca_bundle", &self.ca_bundle)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("profile_files", &self.profile_files)
            .finish()
    }
}

impl SessionConfig {
    /// Reads profiles from these files instead of `~/.aws/config` / `~/.aws/credentials` (or
    /// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`).
    pub fn with_profile_files(mut self, files: EnvConfigFiles) -> SessionConfig {
        self.profile_files = Some(files);
        self
    }

    /// The backend this session belongs to.
    pub fn service(&self) -> Service {
        self.service
    }

    /// `endpoint_url`: the endpoint of the backend's own service client (never STS's).
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// Where the credentials come from, for authentication errors.
    pub fn credentials_description(&self) -> String {
        let base = match &self.credentials {
            CredentialSource::Static { .. } => {
                "AWS credentials: static keys from the kwargs".to_owned()
            }
            CredentialSource::Profile(p) => format!("AWS credentials: profile `{p}`"),
            CredentialSource::DefaultChain => "AWS credentials: the SDK's default chain".to_owned(),
        };
        match &self.assume_role {
            None => base,
            Some(role) => format!(
                "{base}, then STS AssumeRole of `{}` at {}",
                role.role_arn,
                role.sts_endpoint_url
                    .as_deref()
                    .unwrap_or("the regional STS endpoint")
            ),
        }
    }
}

/// `""` counts as not given: Airflow/boto3 treat an empty key id, secret, profile or region as absent
/// (falsy) in the places that matter.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn given_secret(v: &Option<SecretString>) -> Option<SecretString> {
    use secrecy::ExposeSecret;
    v.as_ref()
        .filter(|s| !s.expose_secret().is_empty())
        .cloned()
}

fn check_url(backend: &'static str, kwarg: &str, url: &str) -> Result<(), Error> {
    match url::Url::parse(url) {
        // Requests are SigV4-signed: credentials in the URL are never used, and the SDK would show the
        // URL (with them) in its logs.
        Ok(u) if !u.username().is_empty() || u.password().is_some() => Err(invalid_kwarg(
            backend,
            kwarg,
            "must not contain a user name or password (`user:password@`); AWS requests are signed with \
             the AWS credentials, never with URL credentials",
        )),
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(invalid_kwarg(
            backend,
            kwarg,
            "expected an http:// or https:// URL with a host",
        )),
        Err(e) => Err(invalid_kwarg(
            backend,
            kwarg,
            format!("not a valid URL ({e})"),
        )),
    }
}

fn check_region(backend: &'static str, kwarg: &str, region: &str) -> Result<(), Error> {
    // botocore's region check: letters, digits and inner dashes.
    let ok = region
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-')
        && region.len() <= 63;
    if ok {
        Ok(())
    } else {
        Err(invalid_kwarg(
            backend,
            kwarg,
            "expected an AWS region name such as `eu-west-1`",
        ))
    }
}

impl SessionConfig {
    /// Validates the AWS connection kwargs of `service`'s backend: every problem is an
    /// [`Error::InvalidKwarg`] naming the kwarg, here rather than on the first lookup.
    pub fn from_kwargs(service: Service, k: &AwsConnectionKwargs) -> Result<SessionConfig, Error> {
        let backend = service.backend;
        if let Some(v) = k
            .api_version
            .as_deref()
            .filter(|v| *v != service.api_version)
        {
            return Err(invalid_kwarg(
                backend,
                "api_version",
                format!(
                    "{} has one API version, `{}`; `{v}` is not available",
                    service.name, service.api_version
                ),
            ));
        }
        let endpoint_url = given(&k.endpoint_url);
        if let Some(url) = &endpoint_url {
            check_url(backend, "endpoint_url", url)?;
        }
        if k.use_ssl == Some(false) && endpoint_url.is_none() {
            return Err(invalid_kwarg(
                backend,
                "use_ssl",
                format!(
                    "`false` would send requests to the public {} endpoint over plain http, which airflow-secrets \
                 does not do; set `endpoint_url` to an http:// URL instead (use_ssl is ignored when endpoint_url is set, as in botocore)",
                    service.name
                ),
            ));
        }
        let plain_http = endpoint_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://"));

        let config = k.config_kwargs.clone().unwrap_or_default();
        let region = given(&k.region_name).or_else(|| given(&config.region_name));
        if let Some(r) = &region {
            let kwarg = if given(&k.region_name).is_some() {
                "region_name"
            } else {
                "config_kwargs.region_name"
            };
            check_region(backend, kwarg, r)?;
        }

        let credentials = credential_source(backend, k)?;
        let assume_role = assume_role(service, k)?;

        let ca_bundle = match &k.verify {
            None | Some(Verify::Enabled) => None,
            Some(Verify::Disabled) if plain_http => None,
            Some(Verify::Disabled) => {
                return Err(invalid_kwarg(
                    backend,
                    "verify",
                    "`false` (skip TLS certificate verification) is not supported: the AWS SDK's https client \
                     (rustls) cannot turn verification off without a second TLS stack. Set `verify` to the path \
                     of a PEM CA bundle that signed the endpoint's certificate instead (for a plain http:// \
                     endpoint_url, `false` is accepted since there is nothing to verify)",
                ));
            }
            Some(Verify::CaBundle(path)) => {
                Some(CaBundle::load(path).map_err(|p| invalid_kwarg(backend, "verify", p))?)
            }
        };

        let (timeouts, retry) = timeouts_and_retries(backend, &config)?;
        Ok(SessionConfig {
            service,
            region,
            profile_name: given(&k.profile_name),
            credentials,
            endpoint_url,
            assume_role,
            ca_bundle,
            timeouts,
            retry,
            use_fips: config.use_fips_endpoint,
            use_dual_stack: config.use_dualstack_endpoint,
            profile_files: None,
        })
    }
}

fn credential_source(
    backend: &'static str,
    k: &AwsConnectionKwargs,
) -> Result<CredentialSource, Error> {
    let id = given(&k.aws_access_key_id);
    let secret = given_secret(&k.aws_secret_access_key);
    let token = given_secret(&k.aws_session_token);
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(CredentialSource::Static {
            access_key_id,
            secret_access_key,
            session_token: token,
        }),
        (Some(_), None) | (None, Some(_)) => Err(invalid_kwarg(
            backend,
            "aws_access_key_id, aws_secret_access_key",
            "give both or neither (boto3 cannot sign with half a key pair)",
        )),
        (None, None) if token.is_some() => Err(invalid_kwarg(
            backend,
            "aws_session_token",
            "a session token needs aws_access_key_id and aws_secret_access_key",
        )),
        (None, None) => Ok(match given(&k.profile_name) {
            Some(profile) => CredentialSource::Profile(profile),
            None => CredentialSource::DefaultChain,
        }),
    }
}

fn assume_role(service: Service, k: &AwsConnectionKwargs) -> Result<Option<AssumeRole>, Error> {
    let backend = service.backend;
    let Some(role_arn) = given(&k.role_arn) else {
        if k.assume_role_kwargs.is_some() || k.assume_role_method.is_some() {
            // Airflow reads assume_role_method/assume_role_kwargs only when role_arn is set.
            tracing::warn!(
                backend,
                "assume_role_kwargs/assume_role_method are ignored without role_arn"
            );
        }
        return Ok(None);
    };
    if !role_arn.starts_with("arn:") {
        return Err(invalid_kwarg(
            backend,
            "role_arn",
            "expected a role ARN such as `arn:aws:iam::123456789012:role/airflow`",
        ));
    }
    let web_identity_token_file = match k.assume_role_method.as_deref() {
        None | Some("assume_role") => None,
        Some("assume_role_with_web_identity") => Some(web_identity_token_file(backend, k)?),
        Some("assume_role_with_saml") => {
            return Err(invalid_kwarg(
                backend,
                "assume_role_method",
                "`assume_role_with_saml` is not supported by airflow-secrets (it logs in to an identity \
                 provider over HTTP with a password or Kerberos to get the SAML assertion); use \
                 `assume_role` or `assume_role_with_web_identity`",
            ));
        }
        Some(m) => {
            return Err(invalid_kwarg(
                backend,
                "assume_role_method",
                format!(
                    "`{m}` is not one of Airflow's methods (assume_role, assume_role_with_saml, \
                         assume_role_with_web_identity); airflow-secrets supports `assume_role` and \
                         `assume_role_with_web_identity`"
                ),
            ));
        }
    };
    let a = k.assume_role_kwargs.clone().unwrap_or_default();
    let AssumeRoleKwargs {
        role_session_name,
        external_id,
        duration_seconds,
        policy,
        policy_arns,
        tags,
    } = a;
    if duration_seconds.is_some_and(|d| !(900..=43_200).contains(&d)) {
        return Err(invalid_kwarg(
            backend,
            "assume_role_kwargs",
            "`DurationSeconds` must be between 900 and 43200",
        ));
    }
    let sts_endpoint_url = k
        .service_config
        .as_ref()
        .and_then(|s| s.sts.as_ref())
        .and_then(|s| given(&s.endpoint_url));
    if let Some(url) = &sts_endpoint_url {
        check_url(backend, "service_config.sts.endpoint_url", url)?;
    }
    // Airflow names the AssumeRole session itself; for web identity botocore's fetcher does.
    let default_session_name = if web_identity_token_file.is_some() {
        botocore_session_name()
    } else {
        service.default_role_session_name()
    };
    Ok(Some(AssumeRole {
        role_arn,
        session_name: role_session_name.unwrap_or(default_session_name),
        web_identity_token_file,
        external_id,
        duration: duration_seconds.map(|s| Duration::from_secs(s.into())),
        policy,
        policy_arns: policy_arns
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.arn)
            .collect(),
        tags: tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect(),
        sts_endpoint_url,
    }))
}

/// botocore's `_generate_assume_role_name`: `botocore-session-<unix seconds>`.
fn botocore_session_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("botocore-session-{now}")
}

/// The token file of `assume_role_with_web_identity`, as Airflow's `_get_web_identity_credential_fetcher`:
/// `assume_role_with_web_identity_federation` must be `file` (Airflow raises `Unsupported federation`
/// for anything else, a missing one included; `google` is not supported here), and the file is
/// `assume_role_with_web_identity_token_file`, else `AWS_WEB_IDENTITY_TOKEN_FILE`.
fn web_identity_token_file(
    backend: &'static str,
    k: &AwsConnectionKwargs,
) -> Result<PathBuf, Error> {
    const FEDERATION: &str = "assume_role_with_web_identity_federation";
    match k.assume_role_with_web_identity_federation.as_deref() {
        Some("file") => {}
        Some("google") => {
            return Err(invalid_kwarg(
                backend,
                FEDERATION,
                "`google` (a Google ID token as the web identity) is not supported by airflow-secrets; \
                 use `file` with a token file",
            ));
        }
        other => {
            return Err(invalid_kwarg(
                backend,
                FEDERATION,
                format!(
                    "Unsupported federation: {}. `assume_role_with_web_identity` needs \
                     `assume_role_with_web_identity_federation` = `file` (as in Airflow)",
                    other.unwrap_or("None")
                ),
            ));
        }
    }
    let from_env = || {
        airflow_secrets_core::provider::env::EnvSnapshot::capture(&["AWS_WEB_IDENTITY_TOKEN_FILE"])
            .get("AWS_WEB_IDENTITY_TOKEN_FILE")
            .map(str::to_owned)
    };
    given(&k.assume_role_with_web_identity_token_file)
        .or_else(from_env)
        .map(PathBuf::from)
        .ok_or_else(|| {
            invalid_kwarg(
                backend,
                "assume_role_with_web_identity_token_file",
                "`assume_role_with_web_identity` needs the token file: set this kwarg or \
                 AWS_WEB_IDENTITY_TOKEN_FILE",
            )
        })
}

/// A timeout kwarg: finite, more than 0, at most a day ([`limits::seconds`]).
fn seconds(backend: &'static str, kwarg: &str, v: Option<f64>) -> Result<Option<Duration>, Error> {
    match v {
        None => Ok(None),
        Some(0.0) => Err(invalid_kwarg(
            backend,
            kwarg,
            "expected a positive number of seconds",
        )),
        Some(s) => limits::seconds(backend, kwarg, s, MAX_SECONDS).map(Some),
    }
}

/// An attempt count kwarg, at most [`MAX_ATTEMPTS`] attempts in all (`retries_only`: the kwarg counts
/// retries, botocore's `max_attempts`, so one fewer).
fn attempts(
    backend: &'static str,
    kwarg: &str,
    value: u32,
    retries_only: bool,
) -> Result<u32, Error> {
    let max = if retries_only {
        MAX_ATTEMPTS - 1
    } else {
        MAX_ATTEMPTS
    };
    limits::count(backend, kwarg, value.into(), max)?;
    Ok(value)
}

/// botocore `Config` timeouts and retries onto the SDK's. Only what the user set is overridden: without
/// `retries`, the SDK's own resolution (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, profile, standard/3) applies.
fn timeouts_and_retries(
    backend: &'static str,
    c: &ConfigKwargs,
) -> Result<(TimeoutConfig, Option<RetryConfig>), Error> {
    let read = seconds(backend, "config_kwargs.read_timeout", c.read_timeout)?
        .unwrap_or(DEFAULT_READ_TIMEOUT);
    // The SDK's read timeout covers connecting and waiting for the response head only; a server that
    // sends the head and then stalls the body would hold the lookup forever. Bounding the whole attempt
    // by the same duration keeps botocore's promise (a silent server fails after `read_timeout`).
    let mut timeouts = TimeoutConfig::builder()
        .read_timeout(read)
        .operation_attempt_timeout(read);
    if let Some(connect) = seconds(backend, "config_kwargs.connect_timeout", c.connect_timeout)? {
        timeouts = timeouts.connect_timeout(connect);
    }
    let retry = match &c.retries {
        None => None,
        Some(r) => {
            let mode = r.mode.unwrap_or(RetryModeKwarg::Standard);
            // botocore: `total_max_attempts` counts every attempt, `max_attempts` counts retries only.
            let attempts = match (r.total_max_attempts, r.max_attempts) {
                (Some(0), _) => {
                    return Err(invalid_kwarg(
                        backend,
                        "config_kwargs.retries.total_max_attempts",
                        "must be at least 1",
                    ));
                }
                (Some(total), _) => attempts(
                    backend,
                    "config_kwargs.retries.total_max_attempts",
                    total,
                    false,
                )?,
                (None, Some(retries)) => {
                    attempts(backend, "config_kwargs.retries.max_attempts", retries, true)? + 1
                }
                // botocore's defaults per mode: legacy 5 attempts, standard/adaptive 3.
                (None, None) if mode == RetryModeKwarg::Legacy => 5,
                (None, None) => 3,
            };
            let config = match mode {
                RetryModeKwarg::Adaptive => RetryConfig::adaptive(),
                // The Rust SDK has no legacy mode; standard retries the same errors with jittered backoff.
                RetryModeKwarg::Legacy | RetryModeKwarg::Standard => RetryConfig::standard(),
            };
            Some(config.with_max_attempts(attempts))
        }
    };
    Ok((timeouts.build(), retry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
    use aws_config::retry::RetryMode;
    use serde_json::{Value, json};

    const SSM: Service = Service {
        backend: "SystemsManagerParameterStoreBackend",
        name: "SSM",
        api_version: "2014-11-06",
        operation: "GetParameter",
    };

    fn config(v: Value) -> Result<SessionConfig, Error> {
        let map: Kwargs = v.as_object().unwrap().clone();
        SessionConfig::from_kwargs(SSM, &parse_kwargs(SSM.backend, &map)?)
    }

    fn err(v: Value) -> String {
        config(v).unwrap_err().to_string()
    }

    #[test]
    fn credential_sources() {
        let s = config(
            json!({"aws_access_key_id": "AKID", "aws_secret_access_key": "x", "profile_name": "p"}),
        )
        .unwrap();
        assert!(matches!(s.credentials, CredentialSource::Static { .. }));
        assert_eq!(s.profile_name.as_deref(), Some("p"));
        let s = config(json!({"profile_name": "p"})).unwrap();
        assert!(matches!(s.credentials, CredentialSource::Profile(ref p) if p == "p"));
        let s = config(json!({"aws_access_key_id": "", "aws_secret_access_key": ""})).unwrap();
        assert!(matches!(s.credentials, CredentialSource::DefaultChain));
        assert!(err(json!({"aws_access_key_id": "AKID"})).contains("give both or neither"));
        assert!(err(json!({"aws_session_token": "t"})).contains("needs aws_access_key_id"));
    }

    #[test]
    fn assume_role_defaults_and_checks() {
        let s = config(json!({"role_arn": "arn:aws:iam::123456789012:role/r",
            "service_config": {"sts": {"endpoint_url": "http://127.0.0.1:5000"}}}))
        .unwrap();
        let a = s.assume_role.unwrap();
        assert_eq!(
            a.session_name,
            "Airflow_SystemsManagerParameterStoreBackend__connection"
        );
        assert_eq!(a.sts_endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert!(a.duration.is_none() && a.external_id.is_none());
        assert!(err(json!({"role_arn": "my-role"})).contains("kwarg `role_arn`"));
        assert!(err(json!({"role_arn": "arn:aws:iam::1:role/r", "assume_role_method": "assume_role_with_saml"}))
            .contains("not supported by airflow-secrets"));
        assert!(
            err(json!({"role_arn": "arn:aws:iam::1:role/r", "assume_role_method": "magic"}))
                .contains("not one of Airflow's methods")
        );
        assert!(err(json!({"role_arn": "arn:aws:iam::1:role/r", "assume_role_kwargs": {"DurationSeconds": 60}}))
            .contains("between 900 and 43200"));
        assert!(a.web_identity_token_file.is_none());
        // Web identity: the `file` federation and a token file are required, as Airflow needs them.
        let web = |extra: Value| {
            let mut k = json!({"role_arn": "arn:aws:iam::1:role/r",
                "assume_role_method": "assume_role_with_web_identity"});
            k.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            k
        };
        let s = config(web(
            json!({"assume_role_with_web_identity_federation": "file",
            "assume_role_with_web_identity_token_file": "/var/run/token"}),
        ))
        .unwrap();
        let a = s.assume_role.unwrap();
        assert_eq!(
            a.web_identity_token_file.as_deref(),
            Some(std::path::Path::new("/var/run/token"))
        );
        assert!(
            a.session_name.starts_with("botocore-session-"),
            "{}",
            a.session_name
        );
        for (extra, expected) in [
            (json!({}), "Unsupported federation: None."),
            (
                json!({"assume_role_with_web_identity_federation": "saml"}),
                "Unsupported federation: saml.",
            ),
            (
                json!({"assume_role_with_web_identity_federation": "google"}),
                "`google` (a Google ID token as the web identity) is not supported",
            ),
        ] {
            let e = err(web(extra));
            assert!(
                e.contains("kwarg `assume_role_with_web_identity_federation`")
                    && e.contains(expected),
                "{e}"
            );
        }
        // Without role_arn the assume-role kwargs are ignored, as in Airflow.
        assert!(
            config(json!({"assume_role_kwargs": {"ExternalId": "x"}}))
                .unwrap()
                .assume_role
                .is_none()
        );
    }

    #[test]
    fn verify_false_is_refused_for_tls_endpoints_with_a_way_out() {
        let e = err(json!({"verify": false}));
        assert!(
            e.contains("kwarg `verify`")
                && e.contains("cannot turn verification off")
                && e.contains("CA bundle"),
            "{e}"
        );
        let e = err(json!({"verify": false, "endpoint_url": "https://ssm.internal"}));
        assert!(e.contains("cannot turn verification off"), "{e}");
        assert!(
            config(json!({"verify": false, "endpoint_url": "http://127.0.0.1:4566"}))
                .unwrap()
                .ca_bundle
                .is_none()
        );
        assert!(config(json!({"verify": true})).unwrap().ca_bundle.is_none());
        assert!(
            err(json!({"verify": "/nonexistent/ca.pem"}))
                .contains("cannot read the CA bundle `/nonexistent/ca.pem`")
        );
    }

    #[test]
    fn timeouts_and_retries_map_botocore_semantics() {
        let s = config(json!({})).unwrap();
        assert_eq!(s.timeouts.read_timeout(), Some(Duration::from_secs(60)));
        assert_eq!(
            s.timeouts.operation_attempt_timeout(),
            Some(Duration::from_secs(60)),
            "a whole attempt is bounded too"
        );
        assert_eq!(s.timeouts.operation_timeout(), None);
        assert_eq!(s.timeouts.connect_timeout(), None, "SDK default kept");
        assert!(s.retry.is_none());

        let s = config(
            json!({"config_kwargs": {"connect_timeout": 1.5, "read_timeout": 2,
            "retries": {"max_attempts": 4}}}),
        )
        .unwrap();
        assert_eq!(
            s.timeouts.connect_timeout(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(s.timeouts.read_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(
            s.timeouts.operation_attempt_timeout(),
            Some(Duration::from_secs(2))
        );
        let r = s.retry.unwrap();
        // Exponential back-off from 1 s, capped at 20 s, with full jitter (a random factor in [0, 1)).
        assert_eq!(
            (r.initial_backoff(), r.max_backoff()),
            (Duration::from_secs(1), Duration::from_secs(20))
        );
        assert!(!r.use_static_exponential_base(), "jitter is on");
        assert_eq!(
            (r.mode(), r.max_attempts()),
            (RetryMode::Standard, 5),
            "4 retries = 5 attempts"
        );

        let r = config(json!({"config_kwargs": {"retries": {"mode": "legacy"}}}))
            .unwrap()
            .retry
            .unwrap();
        assert_eq!((r.mode(), r.max_attempts()), (RetryMode::Standard, 5));
        let r = config(
            json!({"config_kwargs": {"retries": {"mode": "adaptive", "total_max_attempts": 2,
            "max_attempts": 9}}}),
        )
        .unwrap()
        .retry
        .unwrap();
        assert_eq!((r.mode(), r.max_attempts()), (RetryMode::Adaptive, 2));
        let r = config(json!({"config_kwargs": {"retries": {"max_attempts": 0}}}))
            .unwrap()
            .retry
            .unwrap();
        assert_eq!(r.max_attempts(), 1);

        assert!(
            err(json!({"config_kwargs": {"connect_timeout": 0}}))
                .contains("config_kwargs.connect_timeout")
        );
        assert!(
            err(json!({"config_kwargs": {"retries": {"total_max_attempts": 0}}}))
                .contains("at least 1")
        );
    }

    #[test]
    fn endpoint_region_and_client_only_kwargs() {
        assert!(err(json!({"endpoint_url": "localhost:4566"})).contains("kwarg `endpoint_url`"));
        assert!(err(json!({"region_name": "eu west 1"})).contains("kwarg `region_name`"));
        let s = config(
            json!({"config_kwargs": {"region_name": "eu-west-3", "use_fips_endpoint": true}}),
        )
        .unwrap();
        assert_eq!(
            (s.region.as_deref(), s.use_fips),
            (Some("eu-west-3"), Some(true))
        );
        let s = config(
            json!({"region_name": "us-east-2", "config_kwargs": {"region_name": "eu-west-3"}}),
        )
        .unwrap();
        assert_eq!(s.region.as_deref(), Some("us-east-2"));
        assert!(config(json!({"api_version": "2014-11-06", "use_ssl": true})).is_ok());
        let e = err(json!({"api_version": "2020-01-01"}));
        assert!(
            e.contains("kwarg `api_version`")
                && e.contains("SSM has one API version, `2014-11-06`"),
            "{e}"
        );
        let e = err(json!({"use_ssl": false}));
        assert!(
            e.contains("kwarg `use_ssl`") && e.contains("public SSM endpoint"),
            "{e}"
        );
        assert!(config(json!({"use_ssl": "false", "endpoint_url": "http://127.0.0.1:1"})).is_ok());
    }
}
