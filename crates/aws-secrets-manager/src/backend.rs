//! [`SecretsManagerBackend`] and its builder.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_aws_session::{EnvConfigFiles, LazyClient};
use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::context::{LookupContext, invalid_kwarg};
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::provider::routes::Routes;
use airflow_secrets_core::provider::team;
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};

use crate::fields::FieldWords;
use crate::kwargs::SecretsManagerKwargs;
use crate::{BACKEND, SERVICE, client, errors, names};

/// Airflow's `SecretsManagerBackend`: reads connections, variables and config values from AWS Secrets
/// Manager with `GetSecretValue(SecretId=prefix + sep + key)`.
///
/// A connection secret is a connection URI, or — when it starts with `{` — a JSON object of fields
/// whose names may be any of Airflow's aliases (`user`, `username` → login; `pass`, `key` → password;
/// `engine` → conn_type; `database` → schema; ...; plus `extra_conn_words`), handed on as the JSON
/// connection Airflow builds from it. A secret with only a `SecretBinary` answers `None`, as in Airflow.
///
/// Build it from Airflow's kwargs JSON ([`from_kwargs`](Self::from_kwargs)), from typed kwargs
/// ([`new`](Self::new)), or with the [`builder`](Self::builder) (which can also take profile files or a
/// ready-made SDK client). Construction validates everything and sends nothing; the SDK client is built
/// on the first lookup and then shared by all lookups.
///
/// ```
/// use airflow_secrets_aws_secrets_manager::{SecretsManagerBackend, SecretsManagerKwargs};
/// use airflow_secrets_core::SecretKind;
/// let backend = SecretsManagerBackend::new(SecretsManagerKwargs {
///     variables_lookup_pattern: Some("^prod_".into()),
///     sep: "-".into(),
///     ..SecretsManagerKwargs::default()
/// })
/// .unwrap();
/// assert_eq!(backend.secret_name(SecretKind::Variable, "prod_db").as_deref(),
///            Some("airflow/variables-prod_db"));
/// // A key the lookup pattern filters out is never sent to AWS.
/// assert_eq!(backend.secret_name(SecretKind::Variable, "dev_db"), None);
/// ```
pub struct SecretsManagerBackend {
    /// Per kind: the normalised prefix (`None`: disabled) and lookup pattern.
    routes: Routes,
    sep: String,
    words: FieldWords,
    client: LazyClient<aws_sdk_secretsmanager::Client>,
    /// Airflow's `[core] multi_team`: keys holding `--` are refused.
    multi_team: bool,
}

impl fmt::Debug for SecretsManagerBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManagerBackend")
            .field("routes", &self.routes)
            .field("sep", &self.sep)
            .field("client", &self.client)
            .field("multi_team", &self.multi_team)
            .finish()
    }
}

impl SecretsManagerBackend {
    /// Builds the backend from Airflow's kwargs (the `AIRFLOW__SECRETS__BACKEND_KWARGS` object). Unknown
    /// kwargs, wrong types and impossible combinations are errors here; nothing is sent to AWS.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::new(SecretsManagerKwargs::from_kwargs(kwargs)?)
    }

    /// Builds the backend from typed kwargs.
    pub fn new(kwargs: SecretsManagerKwargs) -> Result<Self, Error> {
        Self::builder().kwargs(kwargs).build()
    }

    /// A builder, for the options that are not Airflow kwargs.
    pub fn builder() -> SecretsManagerBackendBuilder {
        SecretsManagerBackendBuilder::default()
    }

    /// The secret name a lookup would read, or `None` when that lookup is disabled (`null` prefix),
    /// filtered out by its lookup pattern, or refused by the multi-team guard (then no request is sent),
    /// or when matching the pattern was given up at its backtracking limit (a lookup reports that error).
    pub fn secret_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        self.try_secret_name(kind, key).ok().flatten()
    }

    fn try_secret_name(&self, kind: SecretKind, key: &str) -> Result<Option<String>, Error> {
        if team::names_a_team_namespace(self.multi_team, key) {
            return Ok(None);
        }
        let prefix = self.routes.route(kind, key)?;
        Ok(prefix.map(|prefix| names::location(prefix, key, &self.sep)))
    }

    /// Airflow's `[core] multi_team` (default `false`): when on, a key holding `--` is refused for every
    /// kind with a warning and nothing is sent, as the amazon provider (9.39.0) does.
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// The team-scoped secret a lookup for `team` reads first — `{prefix}{sep}{team}--{key}` — or `None`
    /// when nothing is sent for it (as [`secret_name`](Self::secret_name), a refused key, config keys, an
    /// empty team, and an empty prefix: the provider tries team names only under a prefix).
    pub fn team_secret_name(&self, kind: SecretKind, team: &str, key: &str) -> Option<String> {
        let team = team::lookup_team(kind, Some(team))?;
        if team::names_a_team_namespace(self.multi_team, key) {
            return None;
        }
        let prefix = self.routes.route(kind, key).ok().flatten().filter(|p| !p.is_empty())?;
        Some(names::location(
            prefix,
            &format!("{team}{}{key}", team::TEAM_SEP),
            &self.sep,
        ))
    }

    /// The SDK client, built on first use.
    pub async fn client(&self) -> &aws_sdk_secretsmanager::Client {
        self.client.get_unchecked(client::build).await
    }
}

#[async_trait]
impl SecretsBackend for SecretsManagerBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    /// The provider's (9.39.0) order: the multi-team guard, then the team's secret (connections and
    /// variables, when a team is given and the prefix is not empty), then the shared one.
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        if self.routes.get(kind).prefix().is_none() {
            return Ok(None);
        }
        if team::names_a_team_namespace(self.multi_team, key) {
            team::log_refusal(BACKEND, kind, key);
            return Ok(None);
        }
        let Some(name) = self.try_secret_name(kind, key)? else {
            return Ok(None);
        };
        if let Some(team) = team.and_then(|t| self.team_secret_name(kind, t, key))
            && let Some(value) = self.lookup(kind, key, &team).await?
        {
            return Ok(Some(value));
        }
        self.lookup(kind, key, &name).await
    }
}

impl SecretsManagerBackend {
    /// Reads secret `name` for `kind`/`key`, its errors reporting the whole lookup.
    async fn lookup(
        &self,
        kind: SecretKind,
        key: &str,
        name: &str,
    ) -> Result<Option<SecretValue>, Error> {
        // Errors report the whole lookup: first use of the client, every attempt and back-off. The
        // SDK's interceptor counts the attempts in it, hence the `Arc`.
        let ctx = Arc::new(LookupContext::new(
            BACKEND,
            kind,
            key,
            format!("secret `{name}`"),
        ));
        // No whole-lookup deadline: botocore has none. Each attempt is bounded by `read_timeout`
        // (attempt timeout included) and the attempts by `config_kwargs.retries`.
        deadline::within(&ctx, None, self.read(&ctx, kind, name)).await
    }
}

impl SecretsManagerBackend {
    /// One `GetSecretValue` of `name`, with its retries, mapped to the lookup's answer.
    async fn read(
        &self,
        ctx: &Arc<LookupContext>,
        kind: SecretKind,
        name: &str,
    ) -> Result<Option<SecretValue>, Error> {
        // Before the first build, the files the SDK will read for credentials are checked.
        let client = self.client.get(ctx, client::build).await?;
        let output = match client::get_secret_value(client, name, ctx).await {
            Ok(output) => output,
            Err(err) => return errors::classify(err, ctx, name, self.client.credentials()),
        };
        let Some(secret) = output.secret_string else {
            // Airflow reads `SecretString` only: a binary secret is "not found" there too.
            tracing::debug!(
                backend = BACKEND,
                secret = name,
                "Secret {name} has no SecretString (a binary secret); not found, as in Airflow"
            );
            return Ok(None);
        };
        if kind == SecretKind::Connection && secret.trim().starts_with('{') {
            return self
                .words
                .standardize(&secret)
                .map(|json| Some(SecretValue::new(json)))
                .map_err(|problem| ctx.malformed(format!("secret `{name}`: {problem}")));
        }
        Ok(Some(SecretValue::new(secret)))
    }
}

/// Builds a [`SecretsManagerBackend`] with options beyond Airflow's kwargs.
///
/// ```
/// use airflow_secrets_aws_secrets_manager::{AwsConnectionKwargs, SecretsManagerBackend, SecretsManagerKwargs};
/// use airflow_secrets_aws_secrets_manager::{EnvConfigFileKind, EnvConfigFiles};
///
/// let files = EnvConfigFiles::builder()
///     .with_file(EnvConfigFileKind::Config, "/etc/airflow/aws-config")
///     .with_file(EnvConfigFileKind::Credentials, "/etc/airflow/aws-credentials")
///     .build();
/// let backend = SecretsManagerBackend::builder()
///     .kwargs(SecretsManagerKwargs {
///         connection: AwsConnectionKwargs { profile_name: Some("airflow".into()), ..Default::default() },
///         ..SecretsManagerKwargs::default()
///     })
///     .profile_files(files)
///     .build()
///     .unwrap();
/// # let _ = backend;
/// ```
#[derive(Debug, Default)]
pub struct SecretsManagerBackendBuilder {
    kwargs: SecretsManagerKwargs,
    profile_files: Option<EnvConfigFiles>,
    client: Option<aws_sdk_secretsmanager::Client>,
}

impl SecretsManagerBackendBuilder {
    /// The Airflow kwargs (default: Airflow's defaults).
    pub fn kwargs(mut self, kwargs: SecretsManagerKwargs) -> Self {
        self.kwargs = kwargs;
        self
    }

    /// Read profiles from these files instead of `~/.aws/config` / `~/.aws/credentials` (or
    /// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`): an explicit alternative to those variables.
    pub fn profile_files(mut self, files: EnvConfigFiles) -> Self {
        self.profile_files = Some(files);
        self
    }

    /// Use this SDK client (built from your own `SdkConfig`) instead of building one from the kwargs.
    /// The AWS kwargs (credentials, region, endpoint, role, verify, config_kwargs...) must then be unset;
    /// the prefixes, `sep`, lookup patterns and `extra_conn_words` still apply.
    pub fn client(mut self, client: aws_sdk_secretsmanager::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Validates everything and builds the backend. Sends nothing.
    pub fn build(self) -> Result<SecretsManagerBackend, Error> {
        let k = &self.kwargs;
        // Prefixes as Airflow stores them (`rstrip(sep)`), before routing.
        let routes = Routes::new(BACKEND, |kind| {
            let (prefix, pattern) = match kind {
                SecretKind::Connection => (&k.connections_prefix, &k.connections_lookup_pattern),
                SecretKind::Variable => (&k.variables_prefix, &k.variables_lookup_pattern),
                SecretKind::Config => (&k.config_prefix, &k.config_lookup_pattern),
            };
            (
                prefix
                    .as_deref()
                    .map(|p| names::normalize_prefix(p, &k.sep)),
                pattern.clone(),
            )
        })?;
        let words = FieldWords::new(k.extra_conn_words.as_ref())
            .map_err(|problem| invalid_kwarg(BACKEND, "extra_conn_words", problem))?;
        for (kwarg, set) in [
            ("full_url_mode", k.full_url_mode.is_some()),
            (
                "are_secret_values_urlencoded",
                k.are_secret_values_urlencoded.is_some(),
            ),
        ] {
            if set {
                tracing::warn!(
                    backend = BACKEND,
                    kwarg,
                    "`{kwarg}` has no effect (as in the amazon provider 9.39.0): a connection secret \
                     starting with `{{` is read as JSON fields, any other as a connection URI; remove it"
                );
            }
        }
        let client = LazyClient::new(SERVICE, &k.connection, self.profile_files, self.client)?;
        Ok(SecretsManagerBackend {
            routes,
            sep: k.sep.clone(),
            words,
            client,
            multi_team: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_extra_conn_words_key_is_refused_at_construction() {
        let kwargs =
            serde_json::json!({"extra_conn_words": {"user": ["principal"], "hostname": ["h"]}});
        let err = SecretsManagerBackend::from_kwargs(kwargs.as_object().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kwarg `extra_conn_words`: `hostname` is not a connection field"),
            "{err}"
        );
    }
}
