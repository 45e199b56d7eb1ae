//! [`CloudSecretManagerBackend`]: construction (validation, no network) and lookups.

use std::fmt;

use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::team;
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};
use google_cloud_auth::credentials::Credentials;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::AccessSecretVersionResponse;
use tokio::sync::{Mutex, OnceCell};

use crate::BACKEND;
use crate::auth::{HONOURED, Source, metadata};
use crate::client::{self, ClientError, Failure, RequestPolicy};
use crate::config::{Config, NO_PROJECT, Project};
use crate::errors::{Outcome, Target, answer, classify};
use crate::kwargs::CloudSecretManagerKwargs;
use crate::names::{build_path, is_mangled_in_url, latest_version_name};

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
    config: Config,
    /// The project: known at construction, or asked of the metadata server by the first lookup.
    project: OnceCell<String>,
    /// Built on the first lookup; emptied when the SDK panicked during a call (its credentials' token
    /// refresh task is then gone for good), so the next lookup builds a fresh one.
    client: Mutex<Option<SecretManagerService>>,
    /// Airflow's `[core] multi_team`: connection ids and variable keys holding `--` are refused.
    multi_team: bool,
}

impl fmt::Debug for CloudSecretManagerBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct(BACKEND)
            .field("project_id", &self.project.get())
            .field("routes", &c.routes)
            .field("sep", &c.sep)
            .field("endpoint", &c.endpoint)
            .field("credentials", &c.plan.source.describe())
            .field("impersonation", &c.plan.impersonation)
            .field("scopes", &c.plan.scopes)
            .field("policy", &c.policy)
            .field("raise_on_permission_denied", &c.raise_on_permission_denied)
            .field("multi_team", &self.multi_team)
            .field(
                "client_built",
                // Locked only while being built (or for a clone): not built yet.
                &self.client.try_lock().is_ok_and(|c| c.is_some()),
            )
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

    /// Builds the backend from typed kwargs. Reads the process environment (the [`HONOURED`](crate::HONOURED)
    /// variables) only to find the project of application-default credentials when `project_id` is not
    /// given.
    pub fn new(kwargs: CloudSecretManagerKwargs) -> Result<Self, Error> {
        Self::with_env(kwargs, &EnvSnapshot::capture(HONOURED))
    }

    /// As [`new`](Self::new), with `env` in place of the process environment (tests, or a service that
    /// keeps its own environment).
    pub fn with_env(kwargs: CloudSecretManagerKwargs, env: &EnvSnapshot) -> Result<Self, Error> {
        let config = Config::new(kwargs, env)?;
        let project = match &config.project {
            Project::Known(id) => OnceCell::new_with(Some(id.clone())),
            Project::FromMetadataServer(_) => OnceCell::new(),
        };
        Ok(CloudSecretManagerBackend {
            config,
            project,
            client: Mutex::new(None),
            multi_team: false,
        })
    }

    /// Uses these credentials instead of the ones the kwargs select (any
    /// [`google_cloud_auth`] credentials, or your own `CredentialsProvider`). `impersonation_chain` and
    /// `gcp_scopes` still apply. The project must then come from `project_id` (or the metadata server,
    /// when the kwargs chose application-default credentials and named no project).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.config.plan.source = Source::Custom(credentials);
        self.client = Mutex::new(None);
        self
    }

    /// The project secrets are read from; `None` while it is still to be asked of the GCE metadata
    /// server (application-default credentials, no project named offline: the first lookup asks).
    pub fn project_id(&self) -> Option<&str> {
        self.project.get().map(String::as_str)
    }

    /// The project, asked of the metadata server at most once (concurrent first lookups share the
    /// answer; a failure is not kept, so the next lookup asks again).
    async fn project(&self, kind: SecretKind, key: &str, secret_id: &str) -> Result<&str, Error> {
        let base = match &self.config.project {
            Project::Known(id) => return Ok(id),
            Project::FromMetadataServer(base) => base,
        };
        self.project
            .get_or_try_init(|| async {
                metadata::project_id(base, metadata::PROBE_TIMEOUT)
                    .await
                    .map_err(|problem| {
                        let location = latest_version_name("(unknown project)", secret_id);
                        LookupContext::new(BACKEND, kind, key, location).authentication(
                            "finding the project of the application default credentials",
                            format!("{NO_PROJECT} ({problem})"),
                        )
                    })
            })
            .await
            .map(String::as_str)
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    /// The timeout and retry settings.
    pub fn request_policy(&self) -> RequestPolicy {
        self.config.policy
    }

    /// The secret id Airflow would read for this key (`prefix + sep + key`), or `None` when lookups of
    /// this kind are disabled. A `*_lookup_pattern` is not applied here: see
    /// [`is_looked_up`](Self::is_looked_up).
    pub fn secret_id(&self, kind: SecretKind, key: &str) -> Option<String> {
        let prefix = self.config.routes.get(kind).prefix()?;
        Some(build_path(prefix, key, &self.config.sep))
    }

    /// Airflow's `[core] multi_team` (default `false`): when on, a connection id or variable key holding
    /// `--` is refused with a warning and nothing is sent, as the google provider (22.8.0) does (config
    /// keys are not guarded there).
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// The team-scoped secret id a lookup for `team` reads first — `{prefix}{sep}{team}--{key}` — or
    /// `None` for a disabled kind, config keys (no team there), an empty team and a refused key.
    pub fn team_secret_id(&self, kind: SecretKind, team: &str, key: &str) -> Option<String> {
        let team = team::lookup_team(kind, Some(team))?;
        if team::names_a_team_namespace(self.multi_team, key) {
            return None;
        }
        let prefix = self.config.routes.get(kind).prefix()?;
        Some(format!(
            "{}{}{key}",
            build_path(prefix, team, &self.config.sep),
            team::TEAM_SEP
        ))
    }

    /// The full version name read for this key: `projects/P/secrets/ID/versions/latest` (`None` also
    /// while the project is unknown, see [`project_id`](Self::project_id)).
    pub fn version_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        let project = self.project_id()?;
        self.secret_id(kind, key)
            .map(|id| latest_version_name(project, &id))
    }

    /// Whether a lookup of `key` sends a request: its kind is enabled (prefix not `null`), the key
    /// matches the kind's `*_lookup_pattern`, if any, and the multi-team guard does not refuse it
    /// (`false` when matching the pattern was given up at its backtracking limit; a lookup reports that
    /// error).
    pub fn is_looked_up(&self, kind: SecretKind, key: &str) -> bool {
        let route = self.config.routes.get(kind);
        let refused =
            kind != SecretKind::Config && team::names_a_team_namespace(self.multi_team, key);
        route.prefix().is_some() && route.admits(key).unwrap_or(false) && !refused
    }

    /// The shared client, built on first use.
    async fn client(
        &self,
        ctx: &LookupContext,
        target: &Target<'_>,
    ) -> Result<SecretManagerService, Error> {
        // Held while building, so that concurrent first lookups share one build.
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let c = &self.config;
        tracing::debug!(
            backend = BACKEND,
            endpoint = %c.endpoint,
            credentials = %target.credentials,
            "creating the Secret Manager client"
        );
        let client = client::build(&c.plan, &c.endpoint, &c.policy)
            .await
            .map_err(|e| match e {
                ClientError::Credentials(e) => {
                    ctx.authentication(format!("building {} credentials", target.credentials), e.0)
                }
                ClientError::Client(problem) => target.unavailable(
                    ctx,
                    format!("cannot create the Secret Manager client: {problem}"),
                ),
            })?;
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Forgets the client after the SDK panicked in it, so that the next lookup builds a new one.
    async fn discard_client(&self) {
        *self.client.lock().await = None;
    }

    /// The lookup of `secret_id` (at `ctx.location()`): client, bounded read, Airflow's answer.
    async fn read(
        &self,
        ctx: &LookupContext,
        secret_id: &str,
    ) -> Result<Option<SecretValue>, Error> {
        let raise = self.config.raise_on_permission_denied;
        if is_mangled_in_url(secret_id) {
            let outcome = Outcome::InvalidArgument(
                "not sent: the id is `.` or `..`, or contains `%`, `\\` or a control character, which the \
                 URL would change"
                    .into(),
            );
            // Escaped for the log line: a raw line break there would forge another line.
            return answer(outcome, ctx, &secret_id.escape_debug().to_string(), raise);
        }
        let credentials = self.config.plan.source.describe();
        let target = Target {
            endpoint: &self.config.endpoint,
            credentials: &credentials,
        };
        let client = self.client(ctx, &target).await?;
        match client::read(&client, ctx.location(), &self.config.policy, ctx).await {
            Ok(response) => decode(response, ctx).map(Some),
            Err(failure) => {
                if matches!(failure, Failure::Panicked) {
                    self.discard_client().await;
                }
                answer(classify(failure, ctx, &target), ctx, secret_id, raise)
            }
        }
    }
}

/// The payload as text, checked against its `dataCrc32c`.
fn decode(
    response: AccessSecretVersionResponse,
    ctx: &LookupContext,
) -> Result<SecretValue, Error> {
    let malformed =
        |problem: &str| ctx.malformed(format!("{problem} (version {})", ctx.location()));
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

#[async_trait]
impl SecretsBackend for CloudSecretManagerBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        self.config.routes.skips(kind, key)
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    /// The provider's (22.8.0) order: the multi-team guard (connections and variables), then the team's
    /// secret id (when a team is given), then the shared one.
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        if self.config.routes.get(kind).prefix().is_none() {
            return Ok(None);
        }
        if kind != SecretKind::Config && team::names_a_team_namespace(self.multi_team, key) {
            team::log_refusal(BACKEND, kind, key);
            return Ok(None);
        }
        // Disabled kind or key filtered out by its pattern: nothing is sent (the kernel logs the skip).
        let Some(prefix) = self.config.routes.route(kind, key)? else {
            return Ok(None);
        };
        if let Some(team_id) = team.and_then(|t| self.team_secret_id(kind, t, key))
            && let Some(value) = self.lookup(kind, key, &team_id).await?
        {
            return Ok(Some(value));
        }
        self.lookup(kind, key, &build_path(prefix, key, &self.config.sep))
            .await
    }
}

impl CloudSecretManagerBackend {
    /// Reads the latest version of `secret_id` for `kind`/`key`.
    async fn lookup(
        &self,
        kind: SecretKind,
        key: &str,
        secret_id: &str,
    ) -> Result<Option<SecretValue>, Error> {
        let project = self.project(kind, key, secret_id).await?;
        let name = latest_version_name(project, secret_id);
        // Created first: `elapsed` covers the client build, every attempt and the back-off.
        let ctx = LookupContext::new(BACKEND, kind, key, name);
        // No whole-lookup deadline: `timeout_seconds` bounds each attempt (client.rs), and
        // `max_attempts` with the capped back-off bounds the rest.
        deadline::within(&ctx, None, self.read(&ctx, secret_id)).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::DEFAULT_ENDPOINT;
    use serde_json::{Value, json};

    fn build(v: Value) -> Result<CloudSecretManagerBackend, Error> {
        let kwargs = parse_kwargs(BACKEND, v.as_object().unwrap())?;
        CloudSecretManagerBackend::with_env(kwargs, &EnvSnapshot::empty())
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
        assert_eq!(b.project_id(), Some("explicit"));
        let b =
            build(json!({"impersonation_chain": "t@from-email.iam.gserviceaccount.com"})).unwrap();
        assert_eq!(b.project_id(), Some("from-email"));
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
