//! [`Environment`]: where the credential chain reads `AZURE_*`, `IDENTITY_*` and `PATH`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The environment variables the credential chain consults.
///
/// Production code uses [`Environment::Process`] (the default), which reads the process environment at the
/// moment the Key Vault client is built, as Azure's `DefaultAzureCredential` does. [`Environment::from_vars`]
/// supplies an explicit set instead: the chain then sees only those variables, and the `az` child process
/// it may start gets exactly those variables too. That makes the chain configurable without touching the
/// process environment (tests, or services that keep Azure settings in their own config).
///
/// An empty value counts as unset, as in the Azure SDKs (`os.environ.get(...)` truthiness).
///
/// `Debug` prints variable names only, never values (`AZURE_CLIENT_SECRET` may be among them).
#[derive(Clone, Default)]
pub enum Environment {
    /// The process environment.
    #[default]
    Process,
    /// An explicit set of variables; nothing else is visible.
    Vars(Arc<BTreeMap<String, String>>),
}

impl Environment {
    /// The process environment.
    pub fn process() -> Self {
        Environment::Process
    }

    /// An explicit set of variables.
    ///
    /// ```
    /// use airflow_secrets_azure_key_vault::Environment;
    /// let env = Environment::from_vars([("AZURE_TENANT_ID", "contoso"), ("AZURE_CLIENT_ID", "")]);
    /// assert_eq!(env.var("AZURE_TENANT_ID").as_deref(), Some("contoso"));
    /// assert_eq!(env.var("AZURE_CLIENT_ID"), None); // empty counts as unset
    /// assert_eq!(env.var("PATH"), None);
    /// ```
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Environment::Vars(Arc::new(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }

    /// The value of `key`, or `None` when it is unset or empty.
    pub fn var(&self, key: &str) -> Option<String> {
        let value = match self {
            Environment::Process => std::env::var(key).ok(),
            Environment::Vars(vars) => vars.get(key).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Process => f.write_str("Environment::Process"),
            Environment::Vars(vars) => f
                .debug_tuple("Environment::Vars")
                .field(&vars.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}
