//! The typed configuration of a [`VaultBackend`](crate::VaultBackend), for users who configure in code.
//! Airflow's kwargs JSON is turned into the same structure by [`crate::kwargs`].
//!
//! Every credential is a [`SecretString`], so the derived `Debug` impls print `[REDACTED]` for them.

use std::path::PathBuf;
use std::time::Duration;

use airflow_secrets_core::provider::redact;
use airflow_secrets_core::provider::retry::Backoff;
use airflow_secrets_core::{LookupPattern, SecretKind};
use secrecy::SecretString;

/// hvac's default server address, used when neither `url` nor `VAULT_ADDR` is set.
pub const DEFAULT_URL: &str = "http://localhost:8200";

/// Airflow's default for `kubernetes_jwt_path`.
pub const DEFAULT_KUBERNETES_JWT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// Everything a [`VaultBackend`](crate::VaultBackend) needs. [`VaultConfig::new`] fills in Airflow's
/// defaults; change the public fields as needed.
///
/// ```
/// use airflow_secrets_vault::{VaultAuth, VaultBackend, VaultConfig};
/// let mut config = VaultConfig::new(
///     "http://127.0.0.1:8200",
///     VaultAuth::AppRole { role_id: "my-role".into(), secret_id: Some("my-secret-id".into()) },
/// );
/// config.config_path = None; // no config lookups
/// let backend = VaultBackend::new(config).unwrap();
/// # let _ = backend;
/// ```
#[derive(Clone)]
pub struct VaultConfig {
    /// The server, e.g. `https://vault.example.com:8200` (kwarg `url`).
    pub url: String,
    /// How to obtain a token (kwarg `auth_type` and its credential kwargs).
    pub auth: VaultAuth,
    /// Replaces the auth method's default mount (`approle`, `userpass`, ...) when set.
    pub auth_mount_point: Option<String>,
    /// The KV mount; `None` means the mount is the first segment of each key (Airflow's
    /// `mount_point=None`).
    pub mount_point: Option<String>,
    /// KV engine version of the mount.
    pub kv_engine_version: KvVersion,
    /// Base paths for connections, tried in order; `None` turns connection lookups off. `""` means no
    /// prefix.
    pub connections_path: Option<Vec<String>>,
    /// Base paths for variables (same rules).
    pub variables_path: Option<Vec<String>>,
    /// Base paths for config values (same rules).
    pub config_path: Option<Vec<String>>,
    /// Multi-team deployments (`[core] multi_team`): a lookup for a team reads
    /// `{base_path}/{team}/{key}` (kwarg `use_team_secrets_path`, default `true`, as hashicorp 4.8.4).
    pub use_team_secrets_path: bool,
    /// Only connection ids matching this pattern are looked up (kwarg `connections_lookup_pattern`,
    /// an airflow-secrets extension with Airflow's AWS semantics: `re.match`, case-insensitive); the
    /// others are "not found" without a request.
    pub connections_lookup_pattern: Option<LookupPattern>,
    /// Same for variable keys (kwarg `variables_lookup_pattern`).
    pub variables_lookup_pattern: Option<LookupPattern>,
    /// Same for config keys (kwarg `config_lookup_pattern`).
    pub config_lookup_pattern: Option<LookupPattern>,
    /// Vault Enterprise / OpenBao namespace, sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// TLS server verification.
    pub verify: Verify,
    /// TLS client certificate.
    pub client_cert: Option<ClientCert>,
    /// Per-request timeouts.
    pub timeout: Timeout,
    /// Proxies by URL scheme (`http`, `https`, `all`), as the `proxies` dict of requests.
    pub proxies: Vec<(ProxyScheme, String)>,
    /// Follow HTTP redirects (Vault standbys redirect to the active node); requests' default is `true`.
    pub allow_redirects: bool,
    /// Retries of the requests of a lookup on transient failures (412, 429, 5xx, dropped connections).
    pub retry: RetryConfig,
}

impl VaultConfig {
    /// A configuration with Airflow's defaults: KV v2 mounted at `secret`, base paths `connections`,
    /// `variables` and `config`, no lookup patterns, a 30 s timeout, 3 retries with backoff factor 0.1.
    pub fn new(url: impl Into<String>, auth: VaultAuth) -> Self {
        VaultConfig {
            url: url.into(),
            auth,
            auth_mount_point: None,
            mount_point: Some("secret".into()),
            kv_engine_version: KvVersion::V2,
            connections_path: Some(vec!["connections".into()]),
            variables_path: Some(vec!["variables".into()]),
            config_path: Some(vec!["config".into()]),
            use_team_secrets_path: true,
            connections_lookup_pattern: None,
            variables_lookup_pattern: None,
            config_lookup_pattern: None,
            namespace: None,
            verify: Verify::Yes,
            client_cert: None,
            timeout: Timeout::default(),
            proxies: Vec::new(),
            allow_redirects: true,
            retry: RetryConfig::default(),
        }
    }
}

impl VaultConfig {
    /// The base paths and lookup pattern of `kind`: what the backend's
    /// [`Routes`](airflow_secrets_core::provider::routes::Routes) are built from.
    pub(crate) fn kind_paths(
        &self,
        kind: SecretKind,
    ) -> (Option<&[String]>, Option<&LookupPattern>) {
        match kind {
            SecretKind::Connection => (
                self.connections_path.as_deref(),
                self.connections_lookup_pattern.as_ref(),
            ),
            SecretKind::Variable => (
                self.variables_path.as_deref(),
                self.variables_lookup_pattern.as_ref(),
            ),
            SecretKind::Config => (
                self.config_path.as_deref(),
                self.config_lookup_pattern.as_ref(),
            ),
        }
    }
}

impl std::fmt::Debug for VaultConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // URLs may embed credentials (`https://user:pass@vault`): their userinfo is masked. `auth`
        // redacts its own secrets.
        f.debug_struct("VaultConfig")
            .field("url", &redact::url(&self.url))
            .field("auth", &self.auth)
            .field("auth_mount_point", &self.auth_mount_point)
            .field("mount_point", &self.mount_point)
            .field("kv_engine_version", &self.kv_engine_version)
            .field("connections_path", &self.connections_path)
            .field("variables_path", &self.variables_path)
            .field("config_path", &self.config_path)
            .field("use_team_secrets_path", &self.use_team_secrets_path)
            .field(
                "connections_lookup_pattern",
                &self
                    .connections_lookup_pattern
                    .as_ref()
                    .map(LookupPattern::as_str),
            )
            .field(
                "variables_lookup_pattern",
                &self
                    .variables_lookup_pattern
                    .as_ref()
                    .map(LookupPattern::as_str),
            )
            .field(
                "config_lookup_pattern",
                &self
                    .config_lookup_pattern
                    .as_ref()
                    .map(LookupPattern::as_str),
            )
            .field("namespace", &self.namespace)
            .field("verify", &self.verify)
            .field("client_cert", &self.client_cert)
            .field("timeout", &self.timeout)
            .field(
                "proxies",
                &self
                    .proxies
                    .iter()
                    .map(|(scheme, url)| (scheme, redact::url(url)))
                    .collect::<Vec<_>>(),
            )
            .field("allow_redirects", &self.allow_redirects)
            .field("retry", &self.retry)
            .finish()
    }
}

/// KV secrets engine version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvVersion {
    /// KV v1: `GET /v1/{mount}/{path}`.
    V1,
    /// KV v2: `GET /v1/{mount}/data/{path}`.
    V2,
}

/// TLS verification of the server, as the `verify` argument of requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// Verify against the system roots.
    Yes,
    /// Do not verify (testing only).
    No,
    /// Verify against the CA certificates in this PEM file, or in the PEM files of this directory.
    CaBundle(PathBuf),
}

/// A TLS client certificate, as the `cert` argument of requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// PEM certificate (chain). When `key` is `None`, this file must also hold the private key.
    pub cert: PathBuf,
    /// PEM private key, when separate.
    pub key: Option<PathBuf>,
}

/// Request timeouts. requests' `timeout=30` bounds the connect and each read; `None` waits forever.
///
/// On top of requests' two timers, every request must be over within the
/// [request deadline](Self::request_deadline), `connect + read`: a read timeout alone bounds a silence,
/// and a server trickling one byte at a time would never trip it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeout {
    /// Time allowed to establish the connection.
    pub connect: Option<Duration>,
    /// Time allowed between bytes of the response (requests' read timeout).
    pub read: Option<Duration>,
}

impl Timeout {
    /// The time a whole request (connect, send, response head and body) may take: `connect + read`
    /// (60 s with the default `timeout` of 30). A `None` connect part adds nothing; no deadline when
    /// `read` is `None` (`timeout: null` waits forever, as requests).
    ///
    /// ```
    /// use std::time::Duration;
    /// use airflow_secrets_vault::Timeout;
    /// assert_eq!(Timeout::default().request_deadline(), Some(Duration::from_secs(60)));
    /// let none = Timeout { connect: Some(Duration::from_secs(1)), read: None };
    /// assert_eq!(none.request_deadline(), None);
    /// ```
    pub fn request_deadline(&self) -> Option<Duration> {
        let read = self.read?;
        // Saturating: a typed configuration may hold any Duration (VaultBackend::new caps them).
        Some(read.saturating_add(self.connect.unwrap_or(Duration::ZERO)))
    }
}

impl Default for Timeout {
    fn default() -> Self {
        Timeout {
            connect: Some(Duration::from_secs(30)),
            read: Some(Duration::from_secs(30)),
        }
    }
}

/// The keys of requests' `proxies` dict that are supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
    /// `http`: requests to `http://` servers.
    Http,
    /// `https`: requests to `https://` servers.
    Https,
    /// `all`: every request.
    All,
}

/// The longest sleep between two attempts before jitter (urllib3's `DEFAULT_BACKOFF_MAX`, 120 s).
pub const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// Bounded retries of every request a lookup makes (the KV read and the login), on transient failures
/// only: 412 (Airflow's `status_forcelist` has it: a performance standby not yet caught up), 429, any
/// 5xx, and a connection that was refused, reset or dropped before an answer. Never on other 4xx, and
/// not on a timeout (each attempt already waited the whole `timeout`).
///
/// The sleep before retry *n* is `backoff_factor * 2^(n-1)` (capped at [`MAX_BACKOFF`]) plus a random
/// jitter of up to the same amount again, so that many clients failing together do not retry in
/// lockstep: with the defaults, 0.1–0.2 s, 0.2–0.4 s, 0.4–0.8 s. Airflow (urllib3) uses the same
/// `Retry(total=3, backoff_factor=0.1)` numbers without jitter and with an immediate first retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Retries after the first attempt (kwarg `max_retries`, default 3: up to 4 requests).
    pub max_retries: u32,
    /// Backoff factor in seconds (kwarg `retry_backoff_factor`, default 0.1).
    pub backoff_factor: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 3,
            backoff_factor: 0.1,
        }
    }
}

impl RetryConfig {
    /// The sleeps before each retry without their jitter: `f, 2f, 4f, ...`, each capped at
    /// [`MAX_BACKOFF`]. The actual sleep is between this and twice this.
    pub fn base_delays(&self) -> Vec<Duration> {
        (0..self.max_retries)
            .map(|n| {
                let seconds = self.factor() * 2f64.powi(n as i32);
                Duration::from_secs_f64(seconds.clamp(0.0, MAX_BACKOFF.as_secs_f64()))
            })
            .collect()
    }

    /// The factor, with NaN read as 0: `Duration::from_secs_f64` panics on NaN, and a typed
    /// configuration may hold anything (`VaultBackend::new` refuses it; this keeps the public
    /// [`base_delays`](Self::base_delays) panic-free too).
    fn factor(&self) -> f64 {
        if self.backoff_factor.is_nan() {
            0.0
        } else {
            self.backoff_factor
        }
    }

    /// The schedule of the kernel's [`Backoff`] (equal jitter: before retry *n*, between half and all
    /// of `min(initial × 2^(n-1), max)`), with `initial` = 2 × `backoff_factor` and `max` =
    /// 2 × [`MAX_BACKOFF`]: the sleep before retry *n* is between [`base_delays`](Self::base_delays)`[n]`
    /// and twice that.
    pub(crate) fn backoff(&self) -> Backoff {
        let first = Duration::from_secs_f64(self.factor().clamp(0.0, MAX_BACKOFF.as_secs_f64()));
        Backoff::new(first.saturating_mul(2), MAX_BACKOFF.saturating_mul(2))
    }
}

/// A secret given inline or as a file read (and stripped) at login time.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// The value itself.
    Literal(SecretString),
    /// A file holding it; re-read at every login, so a rotated file (Vault Agent sink, projected
    /// service-account token) is picked up.
    File(PathBuf),
}

/// How the backend obtains its Vault token. The default mount of each method is its name (`approle`,
/// `userpass`, `ldap`, `radius`, `github`, `kubernetes`, `jwt`, `aws`, `gcp`), replaced by
/// [`VaultConfig::auth_mount_point`].
#[derive(Debug, Clone)]
pub enum VaultAuth {
    /// A token, used as is (no login request).
    Token(TokenSource),
    /// `POST auth/approle/login {"role_id", "secret_id"}`.
    AppRole {
        /// The role ID.
        role_id: String,
        /// The secret ID (roles with `bind_secret_id=false` need none).
        secret_id: Option<SecretString>,
    },
    /// `POST auth/userpass/login/{username} {"password"}`.
    UserPass {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// `POST auth/ldap/login/{username} {"password"}`.
    Ldap {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// `POST auth/radius/login/{username} {"password"}` (a real login; Airflow only configures the
    /// radius method).
    Radius {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// `POST auth/github/login {"token"}` with a GitHub personal access token.
    Github {
        /// The GitHub token.
        token: TokenSource,
    },
    /// `POST auth/kubernetes/login {"role", "jwt"}` with the service-account token read from a file.
    Kubernetes {
        /// The Vault role.
        role: String,
        /// The service-account token file.
        jwt_path: PathBuf,
    },
    /// `POST auth/jwt/login {"role", "jwt"}`.
    Jwt {
        /// The Vault role.
        role: String,
        /// The JWT.
        jwt: TokenSource,
    },
    /// `POST auth/aws/login` with a SigV4-signed `sts:GetCallerIdentity` request.
    AwsIam(AwsIamAuth),
    /// `POST auth/gcp/login {"role", "jwt"}` with a JWT signed by a service-account key.
    Gcp(GcpAuth),
}

impl VaultAuth {
    /// Airflow's `auth_type` name for this method.
    pub fn auth_type(&self) -> &'static str {
        match self {
            VaultAuth::Token(_) => "token",
            VaultAuth::AppRole { .. } => "approle",
            VaultAuth::UserPass { .. } => "userpass",
            VaultAuth::Ldap { .. } => "ldap",
            VaultAuth::Radius { .. } => "radius",
            VaultAuth::Github { .. } => "github",
            VaultAuth::Kubernetes { .. } => "kubernetes",
            VaultAuth::Jwt { .. } => "jwt",
            VaultAuth::AwsIam(_) => "aws_iam",
            VaultAuth::Gcp(_) => "gcp",
        }
    }

    /// The method's default mount point.
    pub fn default_mount(&self) -> &'static str {
        match self {
            VaultAuth::Token(_) => "token",
            VaultAuth::AwsIam(_) => "aws",
            other => other.auth_type(),
        }
    }
}

/// AWS credentials.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    /// Access key ID.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Session token of temporary credentials.
    pub session_token: Option<SecretString>,
}

/// Where the `aws_iam` login's AWS credentials come from, as in Airflow's `_auth_aws_iam`.
#[derive(Debug, Clone)]
pub enum AwsCredentialSource {
    /// `key_id` + `secret_id`: the request is signed with them, in `region` or hvac's `us-east-1`;
    /// `assume_role_kwargs` is then ignored (as in Airflow).
    Kwargs(AwsCredentials),
    /// boto3's default chain (`boto3.Session()`): the `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN` variables, read at construction (`environment`); without them, resolved at
    /// each login by aws-config's chain: profile files, web identity, container credentials, instance
    /// metadata. The region is `region`, else the session's (`AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's), else `us-east-1`.
    DefaultChain {
        /// The environment variables' keys, when both are set.
        environment: Option<AwsCredentials>,
        /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, as read at construction.
        environment_region: Option<String>,
    },
}

/// The `aws_iam` login.
#[derive(Debug, Clone)]
pub struct AwsIamAuth {
    /// The Vault role (kwarg `role_id`); `None` lets Vault pick the role named after the IAM principal.
    pub role: Option<String>,
    /// The credentials that sign the request (or that call `sts:AssumeRole` first).
    pub credentials: AwsCredentialSource,
    /// Assume this role first (kwarg `assume_role_kwargs`).
    pub assume_role: Option<AssumeRole>,
    /// The SigV4 signing region (kwarg `region`); when unset, see [`AwsCredentialSource`].
    pub region: Option<String>,
}

/// An `sts:AssumeRole` call made before the login, as boto3's `sts.assume_role(**assume_role_kwargs)`.
///
/// It is sent on a client of its own with default TLS verification: the Vault kwargs `verify`,
/// `cert` and `proxies` never apply to AWS.
#[derive(Clone)]
pub struct AssumeRole {
    /// Query parameters (`RoleArn`, `RoleSessionName`, `DurationSeconds`, `ExternalId`, ...).
    pub params: Vec<(String, String)>,
    /// The STS endpoint, e.g. `https://sts.amazonaws.com`.
    pub endpoint: String,
    /// The signing region.
    pub region: String,
}

impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Parameter values may be sensitive (`ExternalId`, an MFA `TokenCode`): names only.
        f.debug_struct("AssumeRole")
            .field(
                "params",
                &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("endpoint", &redact::url(&self.endpoint))
            .field("region", &self.region)
            .finish()
    }
}

/// Where the GCP service-account key comes from.
#[derive(Debug, Clone)]
pub enum GcpKeySource {
    /// A key file (kwarg `gcp_key_path`, or `GOOGLE_APPLICATION_CREDENTIALS`).
    File(PathBuf),
    /// The key file's JSON (kwarg `gcp_keyfile_dict`).
    Json(SecretString),
    /// No key: the GCE metadata server's default service account (application-default credentials on
    /// GCE, GKE, Cloud Run, Composer), whose JWT Google's IAM `signJwt` signs, as Airflow does.
    MetadataServer {
        /// `http://$GCE_METADATA_HOST`, else `http://metadata.google.internal`.
        metadata: String,
        /// IAM's endpoint (kwarg `gcp_iam_endpoint`, an extension), default `https://iam.googleapis.com`.
        iam: String,
    },
}

/// The `gcp` (IAM type) login.
#[derive(Debug, Clone)]
pub struct GcpAuth {
    /// The Vault role (kwarg `role_id`); also the JWT audience `vault/<role>`.
    pub role: String,
    /// The service-account key that signs the JWT.
    pub key: GcpKeySource,
    /// `gcp_scopes` as given; Airflow needs them to call IAM `signJwt`, the local signature does not.
    pub scopes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn backoff_is_exponential_jittered_and_bounded() {
        let retry = RetryConfig::default();
        let base = retry.base_delays();
        assert_eq!(base, [0.1, 0.2, 0.4].map(Duration::from_secs_f64));
        let mut schedules = HashSet::new();
        for _ in 0..20 {
            let delays: Vec<Duration> = retry.backoff().schedule(retry.max_retries).collect();
            assert_eq!(delays.len(), 3, "max_retries bounds the retries");
            for (delay, base) in delays.iter().zip(&base) {
                assert!(
                    *delay >= *base && *delay <= *base * 2,
                    "{delay:?} outside [{base:?}, 2 × {base:?}]"
                );
            }
            schedules.insert(delays);
        }
        assert!(schedules.len() > 1, "jitter varies the schedule");

        let large = RetryConfig {
            max_retries: 10,
            backoff_factor: 10.0,
        };
        assert_eq!(large.base_delays().last(), Some(&MAX_BACKOFF));
        assert!(large.backoff().schedule(10).all(|d| d <= MAX_BACKOFF * 2));
        let immediate = RetryConfig {
            max_retries: 2,
            backoff_factor: 0.0,
        };
        assert!(immediate.backoff().schedule(2).all(|d| d == Duration::ZERO));
    }
}
