//! [`EnvSnapshot`]: the environment variables a provider honours, captured once at construction, so
//! that lookups never read the process environment and tests can pass their own.

use std::collections::BTreeMap;
use std::fmt;

/// A snapshot of some environment variables, limited to a provider's list of honoured names.
///
/// Values are never printed: `Debug` lists only the names that are set.
///
/// ```
/// use airflow_secrets_core::provider::env::EnvSnapshot;
/// const HONOURED: &[&str] = &["VAULT_ADDR", "VAULT_TOKEN"];
/// let env = EnvSnapshot::from_vars(HONOURED, [("VAULT_TOKEN", "s.x"), ("HOME", "/root"), ("VAULT_ADDR", "")]);
/// assert_eq!(env.get("VAULT_TOKEN"), Some("s.x"));
/// assert_eq!(env.get("HOME"), None);       // not honoured: not kept
/// assert_eq!(env.get("VAULT_ADDR"), None); // empty counts as unset
/// assert_eq!(format!("{env:?}"), r#"EnvSnapshot { set: ["VAULT_ADDR", "VAULT_TOKEN"] }"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvSnapshot {
    vars: BTreeMap<&'static str, String>,
}

impl EnvSnapshot {
    /// Reads the `honoured` variables from the process environment.
    pub fn capture(honoured: &'static [&'static str]) -> EnvSnapshot {
        Self::from_vars(
            honoured,
            honoured
                .iter()
                .filter_map(|name| std::env::var(name).ok().map(|v| (*name, v))),
        )
    }

    /// A snapshot of explicit pairs (tests, or a service that keeps its own environment); names outside
    /// `honoured` are ignored.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        honoured: &'static [&'static str],
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> EnvSnapshot {
        let mut out = BTreeMap::new();
        for (k, v) in vars {
            if let Some(name) = honoured.iter().find(|n| **n == k.as_ref()) {
                out.insert(*name, v.into());
            }
        }
        EnvSnapshot { vars: out }
    }

    /// An empty environment: nothing is inherited.
    pub fn empty() -> EnvSnapshot {
        EnvSnapshot::default()
    }

    /// The value of `name` when it is set and not empty (Airflow's clients treat empty as unset).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The names that are set (even if empty).
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.vars.keys().copied()
    }
}

impl fmt::Debug for EnvSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvSnapshot")
            .field("set", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}
