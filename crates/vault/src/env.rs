//! [`VaultEnv`]: the environment variables the backend honours, read once at construction.
//!
//! hvac (Airflow's client) falls back to some `VAULT_*` variables and boto3 to the `AWS_*` ones. We honour
//! the same, listed in [`VaultEnv::HONOURED`], and nothing else: vaultrs would read `VAULT_SKIP_VERIFY`
//! and others on its own, so every client setting is passed to it explicitly instead. Capturing the
//! variables once keeps lookups free of process-environment reads and lets tests pass their own.

use std::collections::BTreeMap;
use std::fmt;

/// A snapshot of the environment variables the Vault backend reads.
///
/// Values are kept private and never printed: `Debug` lists only the names that are set.
#[derive(Clone, Default)]
pub struct VaultEnv {
    vars: BTreeMap<&'static str, String>,
}

impl VaultEnv {
    /// Every variable the backend may read, and what for:
    ///
    /// * `VAULT_ADDR`: the server when the `url` kwarg is missing or null (hvac);
    /// * `VAULT_TOKEN`: the token for `auth_type` `token` when neither `token` nor `token_path` is given
    ///   (Airflow: `token or os.getenv("VAULT_TOKEN")`);
    /// * `VAULT_CACERT`, `VAULT_CAPATH`: CA bundle file / directory when `verify` is not given (hvac);
    /// * `VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`: client certificate when `cert` is not given (hvac);
    /// * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: `aws_iam` credentials when
    ///   `key_id`/`secret_id` are not given (the environment part of boto3's default chain);
    /// * `AWS_REGION`, `AWS_DEFAULT_REGION`: the STS region for `assume_role_kwargs`;
    /// * `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`: the STS endpoint for `assume_role_kwargs` (boto3);
    /// * `GOOGLE_APPLICATION_CREDENTIALS`: the service-account key file for `gcp` when neither
    ///   `gcp_key_path` nor `gcp_keyfile_dict` is given (the file part of Google's default credentials).
    pub const HONOURED: &'static [&'static str] = &[
        "VAULT_ADDR",
        "VAULT_TOKEN",
        "VAULT_CACERT",
        "VAULT_CAPATH",
        "VAULT_CLIENT_CERT",
        "VAULT_CLIENT_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ];

    /// Reads the [`HONOURED`](Self::HONOURED) variables from the process environment.
    pub fn from_process() -> Self {
        Self::from_vars(
            Self::HONOURED
                .iter()
                .filter_map(|name| std::env::var(name).ok().map(|v| (*name, v))),
        )
    }

    /// Builds a snapshot from explicit pairs (tests, or a service that keeps its own environment).
    /// Names outside [`HONOURED`](Self::HONOURED) are ignored.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut out = BTreeMap::new();
        for (k, v) in vars {
            if let Some(name) = Self::HONOURED.iter().find(|n| **n == k.as_ref()) {
                out.insert(*name, v.into());
            }
        }
        VaultEnv { vars: out }
    }

    /// An empty environment: nothing is inherited.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The value of `name` when it is set and not empty (hvac and boto3 treat empty as unset).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for VaultEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultEnv")
            .field("set", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_honoured_names_and_never_prints_values() {
        let env = VaultEnv::from_vars([
            ("VAULT_TOKEN", "s.t0pSecret"),
            ("HOME", "/root"),
            ("VAULT_ADDR", ""),
        ]);
        assert_eq!(env.get("VAULT_TOKEN"), Some("s.t0pSecret"));
        assert_eq!(env.get("HOME"), None);
        assert_eq!(env.get("VAULT_ADDR"), None, "empty counts as unset");
        let debug = format!("{env:?}");
        assert!(!debug.contains("t0pSecret"), "{debug}");
        assert!(debug.contains("VAULT_TOKEN"), "{debug}");
    }
}
