//! [`CloudSecretManagerBackend`]: construction (validation, no network) and lookups.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};
use backon::Retryable;
use google_cloud_auth::credentials::Credentials;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::AccessSecretVersionResponse;
use tokio::sync::OnceCell;

use crate::BACKEND;
use crate::auth::{self, CredentialPlan, EnvLookup, Source};
use crate::client::{self, ClientError, DEFAULT_ENDPOINT, RequestPolicy};
use crate::errors::{Context, Failure, Outcome, classify, invalid};
use crate::kinds::Kinds;
use crate::kwargs::CloudSecretManagerKwargs;
use crate::names::{
    SECRET_ID_PATTERN, build_path, is_mangled_in_url, is_valid_secret_name, latest_version_name,
};

/// Airflow's `CloudSecretManagerBackend`: reads `prefix + sep + key` at version `latest` from Google
/// Cloud Secret Manager.
///
/// Construction validates every kwarg, reads key files and resolves the project, but sends nothing; the
/// client (and its credentials) is built on the first lookup and reused by every later one — concurrent
/// first lookups share one build. Use the backend from one tokio runtime: the credentials' token refresh
/// runs on the runtime of that first lookup.
///
/// Answers as Airflow does: `NOT_FOUND`, `PERMISSION_DENIED` and `INVALID_ARGUMENT` give `Ok(None)` (the
/// last two with an error log; `raise_on_permission_denied` makes a denial an error); everything else
/// is an error, after bounded retries for transient failures. A key that does not match its kind's
/// `*_lookup_pattern` (an extension) gets `Ok(None)` without a request.
pub struct CloudSecretManagerBackend {
    kinds: Kinds,
    sep: String,
    project_id: String,
    endpoint: String,
    plan: CredentialPlan,
    policy: RequestPolicy,
    raise_on_permission_denied: bool,
    client: OnceCell<SecretManagerService>,
}

impl fmt::Debug for CloudSecretManagerBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(BACKEND)
            .field("project_id", &self.project_id)
            .field("kinds", &self.kinds)
            .field("sep", &self.sep)
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.plan.source.describe())
            .field("impersonation", &self.plan.impersonation)
            .field("scopes", &self.plan.scopes)
            .field("policy", &self.policy)
            .field(
                "raise_on_permission_denied",
                &self.raise_on_permission_denied,
            )
            .field("client_built", &self.client.initialized())
            .finish()
    }
}

impl CloudSecretManagerBackend {
    /// Builds the backend from Airflow's kwargs JSON object (`AIRFLOW__SECRETS__BACKEND_KWARGS`).
    ///
    /// Unknown kwargs, values of the wrong type, an invalid `connections_prefix + sep`, conflicting
    /// credential kwargs, unreadable key files and an undeterminable project are errors here.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::new(parse_kwargs(BACKEND, kwargs)?)
    }

    /// Builds the backend from typed kwargs. Reads the process environment only to find the project of
    /// application-default credentials when `project_id` is not given.
    pub fn new(kwargs: CloudSecretManagerKwargs) -> Result<Self, Error> {
        Self::with_env(kwargs, &auth::process_env)
    }

    pub(crate) fn with_env(
        kwargs: CloudSecretManagerKwargs,
        env: EnvLookup<'_>,
    ) -> Result<Self, Error> {
        // Airflow checks `connections_prefix + sep` only, and only when connections are enabled.
        if let Some(prefix) = &kwargs.connections_prefix
            && !is_valid_secret_name(&format!("{prefix}{}", kwargs.sep))
        {
            return Err(invalid(
                "connections_prefix, sep",
                format!(
                    "`connections_prefix`, `variables_prefix` and `sep` should follows that pattern \
                     {SECRET_ID_PATTERN}"
                ),
            ));
        }
        let kinds = Kinds::new(&kwargs)?;
        let policy = request_policy(&kwargs)?;
        let endpoint = endpoint(kwargs.endpoint.as_deref())?;
        let (plan, credentials_project) = auth::plan(&kwargs, env)?;
        let project_id = kwargs
            .project_id
            .clone()
            .filter(|p| !p.is_empty())
            .or(credentials_project)
            .ok_or_else(|| {
                invalid(
                    "project_id",
                    "Project ID could not be determined. Please provide 'project_id' in backend \
                     configuration or ensure your credentials include a default project.",
                )
            })?;
        Ok(CloudSecretManagerBackend {
            kinds,
            sep: kwargs.sep,
            project_id,
            endpoint,
            plan,
            policy,
            raise_on_permission_denied: kwargs.raise_on_permission_denied,
            client: OnceCell::new(),
        })
    }

    /// Uses these credentials instead of the ones the kwargs select (any
    /// [`google_cloud_auth`] credentials, or your own `CredentialsProvider`). `impersonation_chain` and
    /// `gcp_scopes` still apply. The project must then come from `project_id`.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.plan.source = Source::Custom(credentials);
        self.client = OnceCell::new();
        self
    }

    /// The project secrets are read from.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The timeout and retry settings.
    pub fn request_policy(&self) -> RequestPolicy {
        self.policy
    }

    /// The secret id Airflow would read for this key (`prefix + sep + key`), or `None` when lookups of
    /// this kind are disabled. A `*_lookup_pattern` is not applied here: see
    /// [`is_looked_up`](Self::is_looked_up).
    pub fn secret_id(&self, kind: SecretKind, key: &str) -> Option<String> {
        self.prefix(kind)
            .map(|prefix| build_path(prefix, key, &self.sep))
    }

    /// The full version name read for this key: `projects/P/secrets/ID/versions/latest`.
    pub fn version_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        self.secret_id(kind, key)
            .map(|id| latest_version_name(&self.project_id, &id))
    }

    /// Whether a lookup of `key` sends a request: its kind is enabled (prefix not `null`) and the key
    /// matches the kind's `*_lookup_pattern`, if any.
    pub fn is_looked_up(&self, kind: SecretKind, key: &str) -> bool {
        let lookup = self.kinds.get(kind);
        lookup.prefix.is_some() && lookup.admits(key)
    }

    fn prefix(&self, kind: SecretKind) -> Option<&str> {
        self.kinds.get(kind).prefix.as_deref()
    }

    async fn client(&self, ctx: &Context<'_>) -> Result<&SecretManagerService, Error> {
        self.client
            .get_or_try_init(|| async {
                tracing::debug!(
                    backend = BACKEND,
                    endpoint = %self.endpoint,
                    credentials = %self.plan.source.describe(),
                    "creating the Secret Manager client"
                );
                client::build(&self.plan, &self.endpoint, &self.policy)
                    .await
                    .map_err(|e| match e {
                        ClientError::Credentials(e) => Error::Authentication {
                            backend: BACKEND,
                            location: format!(
                                "building {} credentials",
                                self.plan.source.describe()
                            ),
                            problem: e.0,
                        },
                        ClientError::Client(problem) => ctx.unavailable(
                            0,
                            format!("cannot create the Secret Manager client: {problem}"),
                        ),
                    })
            })
            .await
    }

    /// One `AccessSecretVersion` call with bounded retries; returns the result and the attempts made.
    async fn access(
        &self,
        client: &SecretManagerService,
        name: &str,
    ) -> (Result<AccessSecretVersionResponse, Failure>, u32) {
        let attempts = AtomicU32::new(0);
        let timeout = self.policy.timeout;
        let result = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            let call = client.access_secret_version().set_name(name).send();
            // Bounds the whole attempt, credentials included (a token endpoint can hang too).
            match tokio::time::timeout(timeout, call).await {
                Ok(result) => result.map_err(Failure::Sdk),
                Err(_) => Err(Failure::TimedOut(timeout)),
            }
        })
        .retry(self.policy.backoff())
        .sleep(tokio::time::sleep)
        .when(Failure::is_transient)
        .notify(|failure: &Failure, delay: Duration| {
            tracing::debug!(backend = BACKEND, name, ?delay, failure = ?failure_summary(failure), "retrying");
        })
        .await;
        (result, attempts.load(Ordering::Relaxed))
    }

    fn decode(
        &self,
        response: AccessSecretVersionResponse,
        ctx: &Context<'_>,
    ) -> Result<SecretValue, Error> {
        let malformed = |problem: &str| Error::MalformedSecret {
            backend: BACKEND,
            kind: ctx.kind,
            key: ctx.key.to_owned(),
            problem: format!("{problem} (version {})", ctx.name),
        };
        let payload = response.payload.unwrap_or_default();
        // Airflow does not check `dataCrc32c`; Google recommends it, and a mismatch means the bytes are
        // not what was stored.
        if let Some(expected) = payload.data_crc32c
            && i64::from(crc32c::crc32c(&payload.data)) != expected
        {
            return Err(malformed(
                "the payload does not match its dataCrc32c checksum",
            ));
        }
        match String::from_utf8(payload.data.to_vec()) {
            Ok(text) => Ok(SecretValue::new(text)),
            Err(e) => Err(malformed(&format!(
                "the payload is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))),
        }
    }

    fn answer(
        &self,
        outcome: Outcome,
        ctx: &Context<'_>,
        secret_id: &str,
    ) -> Result<Option<SecretValue>, Error> {
        match outcome {
            Outcome::NotFound(message) => {
                tracing::debug!(
                    backend = BACKEND,
                    secret_id,
                    server_message = %message,
                    "Google Cloud API Call Error (NotFound): Secret ID {secret_id} not found."
                );
                Ok(None)
            }
            Outcome::PermissionDenied(message) if self.raise_on_permission_denied => {
                Err(Error::PermissionDenied {
                    backend: BACKEND,
                    kind: ctx.kind,
                    key: ctx.key.to_owned(),
                    location: ctx.name.to_owned(),
                    problem: format!(
                        "PERMISSION_DENIED: {message} (the identity needs the 'secretmanager.versions.access' \
                     permission on the secret; Secret Manager also answers this for a secret that does not exist)"
                    ),
                })
            }
            Outcome::PermissionDenied(message) => {
                tracing::error!(
                    backend = BACKEND,
                    secret_id,
                    server_message = %message,
                    "Google Cloud API Call Error (PermissionDenied): No access for Secret ID {secret_id}. \
                     Did you add 'secretmanager.versions.access' permission?"
                );
                Ok(None)
            }
            Outcome::InvalidArgument(message) => {
                tracing::error!(
                    backend = BACKEND,
                    secret_id,
                    server_message = %message,
                    "Google Cloud API Call Error (InvalidArgument): Invalid secret ID {secret_id}. \
                     Only ASCII alphabets (a-Z), numbers (0-9), dashes (-), and underscores (_) are allowed \
                     in the secret ID."
                );
                Ok(None)
            }
            Outcome::Failed(error) => Err(error),
        }
    }
}

/// A one-line description of a failed attempt for the retry log.
fn failure_summary(failure: &Failure) -> String {
    match failure {
        Failure::TimedOut(limit) => format!("timed out after {limit:?}"),
        Failure::Sdk(e) => e.to_string(),
    }
}

fn request_policy(kwargs: &CloudSecretManagerKwargs) -> Result<RequestPolicy, Error> {
    let seconds = |kwarg: &str, value: f64, min_exclusive: bool| -> Result<Duration, Error> {
        let ok = value.is_finite()
            && if min_exclusive {
                value > 0.0
            } else {
                value >= 0.0
            };
        let duration = ok
            .then(|| Duration::try_from_secs_f64(value).ok())
            .flatten();
        duration.ok_or_else(|| {
            let bound = if min_exclusive {
                "greater than 0"
            } else {
                "0 or more"
            };
            invalid(kwarg, format!("expected a number of seconds {bound}"))
        })
    };
    let timeout = seconds("timeout_seconds", kwargs.timeout_seconds, true)?;
    let initial_backoff = seconds(
        "retry_initial_backoff_seconds",
        kwargs.retry_initial_backoff_seconds,
        false,
    )?;
    let max_backoff = seconds(
        "retry_max_backoff_seconds",
        kwargs.retry_max_backoff_seconds,
        false,
    )?;
    if kwargs.max_attempts == 0 {
        return Err(invalid(
            "max_attempts",
            "expected at least 1 (1 means no retry)",
        ));
    }
    if max_backoff < initial_backoff {
        return Err(invalid(
            "retry_max_backoff_seconds",
            "must not be smaller than retry_initial_backoff_seconds",
        ));
    }
    Ok(RequestPolicy {
        timeout,
        max_attempts: kwargs.max_attempts,
        initial_backoff,
        max_backoff,
    })
}

fn endpoint(endpoint: Option<&str>) -> Result<String, Error> {
    let Some(endpoint) = endpoint.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(DEFAULT_ENDPOINT.to_owned());
    };
    match url::Url::parse(endpoint) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(endpoint.trim_end_matches('/').to_owned())
        }
        _ => Err(invalid(
            "endpoint",
            "expected an http(s) URL such as https://secretmanager.googleapis.com or http://127.0.0.1:8085",
        )),
    }
}

#[async_trait]
impl SecretsBackend for CloudSecretManagerBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        // `Unavailable` reports the time of the whole lookup, retries and back-off included.
        let started = Instant::now();
        let lookup = self.kinds.get(kind);
        let Some(prefix) = lookup.prefix.as_deref() else {
            return Ok(None);
        };
        if !lookup.admits(key) {
            tracing::debug!(
                backend = BACKEND,
                %kind,
                key,
                "the key does not match {}; not looked up",
                lookup.pattern_kwarg
            );
            return Ok(None);
        }
        let secret_id = build_path(prefix, key, &self.sep);
        let name = latest_version_name(&self.project_id, &secret_id);
        let ctx = Context {
            kind,
            key,
            name: &name,
            endpoint: &self.endpoint,
            credentials: &self.plan.source,
            started,
        };
        if is_mangled_in_url(&secret_id) {
            let outcome = Outcome::InvalidArgument("not sent: the id contains `%` or `\\`".into());
            return self.answer(outcome, &ctx, &secret_id);
        }
        let client = self.client(&ctx).await?;
        match self.access(client, &name).await {
            (Ok(response), _) => self.decode(response, &ctx).map(Some),
            (Err(failure), attempts) => {
                self.answer(classify(failure, &ctx, attempts), &ctx, &secret_id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn build(v: Value) -> Result<CloudSecretManagerBackend, Error> {
        let kwargs = parse_kwargs(BACKEND, v.as_object().unwrap())?;
        CloudSecretManagerBackend::with_env(kwargs, &|_| None)
    }

    #[test]
    fn prefix_and_sep_are_validated_only_when_connections_are_enabled() {
        let err = build(json!({"project_id": "p", "connections_prefix": "bad.prefix"}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "CloudSecretManagerBackend: kwarg `connections_prefix, sep`: `connections_prefix`, \
             `variables_prefix` and `sep` should follows that pattern ^[a-zA-Z0-9-_]*$"
        );
        assert!(build(json!({"project_id": "p", "sep": "/"})).is_err());
        // Only connections_prefix + sep is checked, as in Airflow.
        assert!(
            build(json!({"project_id": "p", "variables_prefix": "a.b", "config_prefix": "c/d"}))
                .is_ok()
        );
        assert!(build(json!({"project_id": "p", "connections_prefix": null, "sep": "."})).is_ok());
    }

    #[test]
    fn project_is_required() {
        let err = build(json!({"anonymous_credentials": true}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("Project ID could not be determined."), "{err}");
        let err = build(json!({"project_id": "", "anonymous_credentials": true}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("Project ID could not be determined."), "{err}");
        let b = build(json!({"project_id": "explicit",
            "impersonation_chain": "t@from-email.iam.gserviceaccount.com"}))
        .unwrap();
        assert_eq!(b.project_id(), "explicit");
        let b =
            build(json!({"impersonation_chain": "t@from-email.iam.gserviceaccount.com"})).unwrap();
        assert_eq!(b.project_id(), "from-email");
    }

    #[test]
    fn names_follow_build_path() {
        let b = build(json!({"project_id": "P", "variables_prefix": "", "config_prefix": null}))
            .unwrap();
        assert_eq!(
            b.version_name(SecretKind::Connection, "smtp_default")
                .unwrap(),
            "projects/P/secrets/airflow-connections-smtp_default/versions/latest"
        );
        assert_eq!(b.secret_id(SecretKind::Variable, "k").unwrap(), "-k");
        assert_eq!(b.secret_id(SecretKind::Config, "k"), None);
    }

    #[test]
    fn policy_and_endpoint_validation() {
        let b = build(json!({"project_id": "p"})).unwrap();
        assert_eq!(b.endpoint(), DEFAULT_ENDPOINT);
        assert_eq!(b.request_policy().max_attempts, 3);
        assert_eq!(b.request_policy().timeout, Duration::from_secs(30));
        for bad in [
            json!({"timeout_seconds": 0}),
            json!({"timeout_seconds": -1}),
            json!({"max_attempts": 0}),
            json!({"retry_initial_backoff_seconds": 2, "retry_max_backoff_seconds": 1}),
            json!({"endpoint": "127.0.0.1:8085"}),
            json!({"endpoint": "ftp://x"}),
        ] {
            let mut v = bad.clone();
            v["project_id"] = json!("p");
            assert!(build(v).is_err(), "{bad}");
        }
        let b = build(json!({"project_id": "p", "endpoint": "http://127.0.0.1:8085/"})).unwrap();
        assert_eq!(b.endpoint(), "http://127.0.0.1:8085");
    }

    #[test]
    fn construction_sends_nothing_and_debug_hides_keys() {
        let b = build(json!({"project_id": "p", "gcp_keyfile_dict": {
            "type": "service_account", "project_id": "p", "private_key_id": "kid",
            "private_key": "-----BEGIN PRIVATE KEY-----\ns3cr3t\n-----END PRIVATE KEY-----\n",
            "client_email": "sa@p.iam.gserviceaccount.com"}}))
        .unwrap();
        let debug = format!("{b:?}");
        assert!(debug.contains("client_built: false"), "{debug}");
        assert!(
            debug.contains("service-account key (gcp_keyfile_dict)"),
            "{debug}"
        );
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }
}
