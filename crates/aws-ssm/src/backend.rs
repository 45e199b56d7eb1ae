//! [`SystemsManagerParameterStoreBackend`] and its builder.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_aws_session::{EnvConfigFiles, LazyClient};
use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::deadline;
use airflow_secrets_core::provider::routes::Routes;
use airflow_secrets_core::provider::team;
use airflow_secrets_core::{Error, SecretKind, SecretValue, SecretsBackend, async_trait};

use crate::kwargs::SsmKwargs;
use crate::{BACKEND, SERVICE, client, errors, names};

/// Airflow's `SystemsManagerParameterStoreBackend`: reads connections, variables and config values from
/// AWS Systems Manager Parameter Store with `GetParameter(Name=prefix/key, WithDecryption=true)`.
///
/// Build it from Airflow's kwargs JSON ([`from_kwargs`](Self::from_kwargs)), from typed kwargs
/// ([`new`](Self::new)), or with the [`builder`](Self::builder) (which can also take profile files or a
/// ready-made SDK client). Construction validates everything and sends nothing; the SDK client is built
/// on the first lookup and then shared by all lookups (concurrent first lookups wait for the same one).
///
/// ```
/// use airflow_secrets_aws_ssm::{AwsConnectionKwargs, SsmKwargs, SystemsManagerParameterStoreBackend};
/// let backend = SystemsManagerParameterStoreBackend::new(SsmKwargs {
///     variables_lookup_pattern: Some("^prod_".into()),
///     connection: AwsConnectionKwargs { region_name: Some("eu-west-1".into()), ..Default::default() },
///     ..SsmKwargs::default()
/// })
/// .unwrap();
/// assert_eq!(backend.parameter_name(airflow_secrets_core::SecretKind::Variable, "prod_db").as_deref(),
///            Some("/airflow/variables/prod_db"));
/// // A key the lookup pattern filters out is never sent to AWS.
/// assert_eq!(backend.parameter_name(airflow_secrets_core::SecretKind::Variable, "dev_db"), None);
/// ```
pub struct SystemsManagerParameterStoreBackend {
    /// Per kind: the normalised prefix (`None`: disabled) and lookup pattern.
    routes: Routes,
    client: LazyClient<aws_sdk_ssm::Client>,
    /// Airflow's `[core] multi_team`: keys holding `--` are refused.
    multi_team: bool,
}

impl fmt::Debug for SystemsManagerParameterStoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemsManagerParameterStoreBackend")
            .field("routes", &self.routes)
            .field("client", &self.client)
            .field("multi_team", &self.multi_team)
            .finish()
    }
}

impl SystemsManagerParameterStoreBackend {
    /// Builds the backend from Airflow's kwargs (the `AIRFLOW__SECRETS__BACKEND_KWARGS` object). Unknown
    /// kwargs, wrong types and impossible combinations are errors here; nothing is sent to AWS.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Self::new(SsmKwargs::from_kwargs(kwargs)?)
    }

    /// Builds the backend from typed kwargs.
    pub fn new(kwargs: SsmKwargs) -> Result<Self, Error> {
        Self::builder().kwargs(kwargs).build()
    }

    /// A builder, for the options that are not Airflow kwargs.
    pub fn builder() -> SsmBackendBuilder {
        SsmBackendBuilder::default()
    }

    /// The parameter name a lookup would read, or `None` when that lookup is disabled (`null` prefix),
    /// filtered out by its lookup pattern, or refused by the multi-team guard (then no request is sent),
    /// or when matching the pattern was given up at its backtracking limit (a lookup reports that error).
    pub fn parameter_name(&self, kind: SecretKind, key: &str) -> Option<String> {
        self.try_parameter_name(kind, key).ok().flatten()
    }

    fn try_parameter_name(&self, kind: SecretKind, key: &str) -> Result<Option<String>, Error> {
        if team::names_a_team_namespace(self.multi_team, key) {
            return Ok(None);
        }
        let prefix = self.routes.route(kind, key)?;
        Ok(prefix.map(|prefix| names::location(prefix, key)))
    }

    /// Airflow's `[core] multi_team` (default `false`): when on, a key holding `--` is refused for every
    /// kind with a warning and nothing is sent, as the amazon provider (9.39.0) does.
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// The team-scoped parameter a lookup for `team` reads first — `{prefix}/{team}--{key}`, with a
    /// leading `/` — or `None` when nothing is sent for it (as [`parameter_name`](Self::parameter_name),
    /// a refused key, config keys, an empty team).
    pub fn team_parameter_name(&self, kind: SecretKind, team: &str, key: &str) -> Option<String> {
        let team = team::lookup_team(kind, Some(team))?;
        if team::names_a_team_namespace(self.multi_team, key) {
            return None;
        }
        let prefix = self.routes.route(kind, key).ok().flatten()?;
        Some(names::location(
            prefix,
            &format!("{team}{}{key}", team::TEAM_SEP),
        ))
    }

    /// The SDK client, built on first use.
    pub async fn client(&self) -> &aws_sdk_ssm::Client {
        self.client.get_unchecked(client::build).await
    }
}

#[async_trait]
impl SecretsBackend for SystemsManagerParameterStoreBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        self.routes.skips(kind, key)
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    /// The provider's (9.39.0) order: the multi-team guard, then the team's parameter (connections and
    /// variables, when a team is given), then the shared one.
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
        let Some(name) = self.try_parameter_name(kind, key)? else {
            return Ok(None);
        };
        if let Some(team) = team.and_then(|t| self.team_parameter_name(kind, t, key))
            && let Some(value) = self.lookup(kind, key, &team).await?
        {
            return Ok(Some(value));
        }
        self.lookup(kind, key, &name).await
    }
}

impl SystemsManagerParameterStoreBackend {
    /// Reads parameter `name` for `kind`/`key`, its errors reporting the whole lookup.
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
            format!("parameter `{name}`"),
        ));
        // No whole-lookup deadline: botocore has none. Each attempt is bounded by `read_timeout`
        // (attempt timeout included) and the attempts by `config_kwargs.retries`.
        deadline::within(&ctx, None, self.read(&ctx, name)).await
    }
}

impl SystemsManagerParameterStoreBackend {
    /// One `GetParameter` of `name`, with its retries, mapped to the lookup's answer.
    async fn read(
        &self,
        ctx: &Arc<LookupContext>,
        name: &str,
    ) -> Result<Option<SecretValue>, Error> {
        // Before the first build, the files the SDK will read for credentials are checked.
        let client = self.client.get(ctx, client::build).await?;
        match client::get_parameter(client, name, ctx).await {
            Ok(output) => match output.parameter.and_then(|p| p.value) {
                Some(value) => Ok(Some(SecretValue::new(value))),
                None => Err(ctx.malformed(format!(
                    "the GetParameter response for `{name}` has no Parameter.Value"
                ))),
            },
            Err(err) => errors::classify(err, ctx, name, self.client.credentials()),
        }
    }
}

/// Builds a [`SystemsManagerParameterStoreBackend`] with options beyond Airflow's kwargs.
///
/// ```
/// use airflow_secrets_aws_ssm::{AwsConnectionKwargs, SsmKwargs, SystemsManagerParameterStoreBackend};
/// use airflow_secrets_aws_ssm::{EnvConfigFileKind, EnvConfigFiles};
///
/// let files = EnvConfigFiles::builder()
///     .with_file(EnvConfigFileKind::Config, "/etc/airflow/aws-config")
///     .with_file(EnvConfigFileKind::Credentials, "/etc/airflow/aws-credentials")
///     .build();
/// let backend = SystemsManagerParameterStoreBackend::builder()
///     .kwargs(SsmKwargs {
///         connection: AwsConnectionKwargs { profile_name: Some("airflow".into()), ..Default::default() },
///         ..SsmKwargs::default()
///     })
///     .profile_files(files)
///     .build()
///     .unwrap();
/// # let _ = backend;
/// ```
#[derive(Debug, Default)]
pub struct SsmBackendBuilder {
    kwargs: SsmKwargs,
    profile_files: Option<EnvConfigFiles>,
    client: Option<aws_sdk_ssm::Client>,
}

impl SsmBackendBuilder {
    /// The Airflow kwargs (default: Airflow's defaults).
    pub fn kwargs(mut self, kwargs: SsmKwargs) -> Self {
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
    /// the prefixes and lookup patterns still apply.
    pub fn client(mut self, client: aws_sdk_ssm::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Validates everything and builds the backend. Sends nothing.
    pub fn build(self) -> Result<SystemsManagerParameterStoreBackend, Error> {
        let k = &self.kwargs;
        // Prefixes as Airflow stores them (`rstrip("/")`), before routing.
        let routes = Routes::new(BACKEND, |kind| {
            let (prefix, pattern) = match kind {
                SecretKind::Connection => (&k.connections_prefix, &k.connections_lookup_pattern),
                SecretKind::Variable => (&k.variables_prefix, &k.variables_lookup_pattern),
                SecretKind::Config => (&k.config_prefix, &k.config_lookup_pattern),
            };
            (
                prefix.as_deref().map(names::normalize_prefix),
                pattern.clone(),
            )
        })?;
        let client = LazyClient::new(SERVICE, &k.connection, self.profile_files, self.client)?;
        Ok(SystemsManagerParameterStoreBackend {
            routes,
            client,
            multi_team: false,
        })
    }
}
