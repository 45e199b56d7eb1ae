//! Airflow's `EnvironmentVariablesBackend`
//! (`airflow.secrets.environment_variables.EnvironmentVariablesBackend`).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use crate::kwargs::{Kwargs, parse_kwargs};
use crate::{Error, SecretKind, SecretValue, SecretsBackend};

const NAME: &str = "EnvironmentVariablesBackend";

/// Airflow's `EnvironmentVariablesBackend`: connections in `AIRFLOW_CONN_<CONN_ID>`, variables in
/// `AIRFLOW_VAR_<KEY>`, the id or key upper-cased (so `my_db` and `MY_DB` are the same lookup).
///
/// * A connection value may be a URI or JSON (the trait's provided
///   [`get_connection`](SecretsBackend::get_connection) tells them apart); an **empty** connection
///   value counts as not found.
/// * An empty variable is a real value (`Some("")`), and stops Airflow's lookup chain.
/// * Config values are never read from the environment by this backend (`get_config` is `None`);
///   Airflow reads `AIRFLOW__SECTION__KEY` through its configuration instead.
/// * [`new`](Self::new) reads the process environment at each lookup, as Airflow reads `os.environ`;
///   [`from_vars`](Self::from_vars) answers from a fixed set of variables instead (tests, embedding).
/// * A value that is not valid UTF-8 is [`Error::MalformedSecret`] (Python would hand over a string with
///   surrogate escapes).
///
/// * Multi-team deployments (`[core] multi_team`, [`with_multi_team`](Self::with_multi_team)): a lookup
///   for a team ([`get_for_team`](SecretsBackend::get_for_team)) first reads the team's variable,
///   `AIRFLOW_CONN__<TEAM>___<CONN_ID>` / `AIRFLOW_VAR__<TEAM>___<KEY>`
///   ([`team_env_var_name`](Self::team_env_var_name)), and falls back to the team-less one when it is
///   unset or empty; a key containing `___` is never looked up (it would name a team's variable), as
///   Airflow 3.3.2 does.
///
/// ```
/// use airflow_secrets_core::{EnvironmentVariablesBackend, SecretsBackend};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let backend = EnvironmentVariablesBackend::from_vars([
///     ("AIRFLOW_VAR_GREETING".to_owned(), "hello".to_owned()),
///     ("AIRFLOW_CONN_MY_DB".to_owned(), "postgres://user:pw@db:5432/app".to_owned()),
/// ]);
/// assert_eq!(backend.get_variable("greeting").await?.unwrap().expose(), "hello");
/// let conn = backend.get_connection("my_db").await?.unwrap();
/// assert_eq!(conn.host.as_deref(), Some("db"));
/// assert!(backend.get_config("core__fernet_key").await?.is_none());
/// # Ok::<(), airflow_secrets_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct EnvironmentVariablesBackend {
    /// `None`: the live process environment.
    snapshot: Option<Arc<HashMap<String, String>>>,
    /// Airflow's `[core] multi_team`: keys holding [`TEAM_SEP`] are refused.
    multi_team: bool,
}

/// Separates the team from the key in a team-scoped variable name (`AIRFLOW_CONN__<TEAM>___<ID>`).
const TEAM_SEP: &str = "___";

impl fmt::Debug for EnvironmentVariablesBackend {
    /// Shows where values come from, never the values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("EnvironmentVariablesBackend");
        match &self.snapshot {
            None => s.field("source", &"process environment"),
            Some(vars) => s.field(
                "source",
                &format_args!("fixed set of {} variables", vars.len()),
            ),
        };
        if self.multi_team {
            s.field("multi_team", &true);
        }
        s.finish()
    }
}

/// Airflow's class takes no kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoKwargs {}

impl EnvironmentVariablesBackend {
    /// Airflow's class path for this backend.
    pub const CLASS_PATH: &'static str =
        "airflow.secrets.environment_variables.EnvironmentVariablesBackend";
    /// Prefix of connection variables.
    pub const CONN_PREFIX: &'static str = "AIRFLOW_CONN_";
    /// Prefix of variable variables.
    pub const VAR_PREFIX: &'static str = "AIRFLOW_VAR_";

    /// A backend reading the process environment at each lookup.
    pub fn new() -> Self {
        Self::default()
    }

    /// A backend answering from these `(name, value)` pairs only (the last value of a repeated name
    /// wins). Use it instead of changing the process environment, which is `unsafe` since Rust 2024 and
    /// races with other threads.
    ///
    /// ```
    /// use airflow_secrets_core::EnvironmentVariablesBackend;
    /// let b = EnvironmentVariablesBackend::from_vars([("AIRFLOW_VAR_A", "1")]);
    /// assert_eq!(format!("{b:?}"), r#"EnvironmentVariablesBackend { source: fixed set of 1 variables }"#);
    /// ```
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        EnvironmentVariablesBackend {
            snapshot: Some(Arc::new(map)),
            multi_team: false,
        }
    }

    /// Builds the backend from Airflow's kwargs, which must be empty (the class takes none): any key
    /// is [`Error::UnknownKwarg`].
    ///
    /// ```
    /// use airflow_secrets_core::{EnvironmentVariablesBackend, Error};
    /// assert!(EnvironmentVariablesBackend::from_kwargs(&Default::default()).is_ok());
    /// let kwargs = serde_json::json!({"prefix": "X"});
    /// let err = EnvironmentVariablesBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap_err();
    /// assert!(matches!(err, Error::UnknownKwarg { ref kwarg, .. } if kwarg == "prefix"));
    /// ```
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        let NoKwargs {} = parse_kwargs(NAME, kwargs)?;
        Ok(Self::new())
    }

    /// The environment variable Airflow reads for `key` of `kind`: `AIRFLOW_CONN_<KEY>` or
    /// `AIRFLOW_VAR_<KEY>`, upper-cased; `None` for [`SecretKind::Config`].
    ///
    /// Upper-casing is Rust's [`str::to_uppercase`], which applies the same full Unicode mapping as
    /// Python's `str.upper()` (`ß` → `SS`, no locale rules); the two can differ only for characters whose
    /// case mapping changed between the Unicode versions of the Rust and Python builds.
    ///
    /// ```
    /// use airflow_secrets_core::{EnvironmentVariablesBackend, SecretKind};
    /// assert_eq!(EnvironmentVariablesBackend::env_var_name(SecretKind::Variable, "straße").as_deref(),
    ///            Some("AIRFLOW_VAR_STRASSE"));
    /// assert_eq!(EnvironmentVariablesBackend::env_var_name(SecretKind::Config, "x"), None);
    /// ```
    pub fn env_var_name(kind: SecretKind, key: &str) -> Option<String> {
        let prefix = match kind {
            SecretKind::Connection => Self::CONN_PREFIX,
            SecretKind::Variable => Self::VAR_PREFIX,
            SecretKind::Config => return None,
        };
        Some(format!("{prefix}{}", key.to_uppercase()))
    }

    /// Airflow's `[core] multi_team` (default `false`): when on, a connection id or variable key that
    /// contains `___` is not looked up (`None`), since `AIRFLOW_VAR__A___B` names team `A`'s variable `B`.
    pub fn with_multi_team(mut self, multi_team: bool) -> Self {
        self.multi_team = multi_team;
        self
    }

    /// The team-scoped variable Airflow (3.3.2) reads first for `key` of `kind` in a lookup for `team`:
    /// `AIRFLOW_CONN__<TEAM>___<KEY>` or `AIRFLOW_VAR__<TEAM>___<KEY>`, team and key upper-cased; `None`
    /// for [`SecretKind::Config`] and for an empty team (Airflow tests the team's truthiness).
    ///
    /// ```
    /// use airflow_secrets_core::{EnvironmentVariablesBackend, SecretKind};
    /// assert_eq!(
    ///     EnvironmentVariablesBackend::team_env_var_name(SecretKind::Connection, "team_a", "my_db").as_deref(),
    ///     Some("AIRFLOW_CONN__TEAM_A___MY_DB")
    /// );
    /// ```
    pub fn team_env_var_name(kind: SecretKind, team: &str, key: &str) -> Option<String> {
        if team.is_empty() {
            return None;
        }
        let prefix = match kind {
            SecretKind::Connection => Self::CONN_PREFIX,
            SecretKind::Variable => Self::VAR_PREFIX,
            SecretKind::Config => return None,
        };
        Some(format!(
            "{prefix}_{}{TEAM_SEP}{}",
            team.to_uppercase(),
            key.to_uppercase()
        ))
    }

    fn read(&self, kind: SecretKind, key: &str, name: &str) -> Result<Option<String>, Error> {
        if let Some(vars) = &self.snapshot {
            return Ok(vars.get(name).cloned());
        }
        // Python's `os.environ` cannot hold such a name, and the OS lookup would misread it.
        if name.contains(['=', '\0']) {
            return Ok(None);
        }
        match std::env::var_os(name) {
            None => Ok(None),
            Some(value) => value
                .into_string()
                .map(Some)
                .map_err(|_| Error::MalformedSecret {
                    backend: NAME,
                    kind,
                    key: key.to_owned(),
                    problem: format!("the environment variable {name} is not valid UTF-8"),
                }),
        }
    }
}

#[async_trait]
impl SecretsBackend for EnvironmentVariablesBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get_for_team(kind, key, None).await
    }

    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        let Some(name) = Self::env_var_name(kind, key) else {
            return Ok(None);
        };
        if self.multi_team && key.contains(TEAM_SEP) {
            return Ok(None);
        }
        // The team's variable first; unset or empty falls back to the shared one (Python's walrus test).
        if let Some(team_name) = team.and_then(|t| Self::team_env_var_name(kind, t, key))
            && let Some(value) = self.read(kind, key, &team_name)?.filter(|v| !v.is_empty())
        {
            return Ok(Some(SecretValue::from(value)));
        }
        Ok(self.read(kind, key, &name)?.map(SecretValue::from))
    }
}
