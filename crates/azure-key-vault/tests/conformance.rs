//! The workspace's conformance suite (`airflow_secrets_testkit::conformance`) against the HTTPS fake Key
//! Vault and Entra ID of the mock crate: client-secret credential, default prefixes and separator, Key
//! Vault's challenge flow (the first request of a client carries no token; reads count only the requests
//! that do). Raw plain-HTTP servers are put behind a [`TlsFront`] trusting the fixture's test CA.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, build_path};
use airflow_secrets_azure_key_vault_mock::key_vault::{
    forbidden_access_denied, not_found, secret_bundle, service_unavailable,
};
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_SECRET, Reply, TENANT_ID, TlsFront,
};
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::conformance::{Answer, Fixture};
use serde_json::{Value, json};

/// One scripted answer: `reply` for the next `times` reads (`None`: every read).
type Script = Vec<(Reply, Option<u64>)>;

/// The mock crate's fake vault and tenant, with per-secret scripts of answers.
pub struct KeyVaultFixture {
    fx: AzureFixture,
    /// Scripts by secret name (lower case, as Key Vault names are case-insensitive).
    scripts: Arc<Mutex<HashMap<String, Script>>>,
    /// TLS fronts of the `backend_at` backends, kept as long as the fixture.
    fronts: Mutex<Vec<TlsFront>>,
}

impl KeyVaultFixture {
    pub async fn start() -> KeyVaultFixture {
        KeyVaultFixture {
            fx: AzureFixture::start().await,
            scripts: Arc::default(),
            fronts: Mutex::default(),
        }
    }

    fn prefix(kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "airflow-connections",
            SecretKind::Variable => "airflow-variables",
            SecretKind::Config => "airflow-config",
        }
    }

    /// The Key Vault secret name of `kind`/`key` with the default prefixes and `sep`.
    fn name(kind: SecretKind, key: &str) -> String {
        build_path(Self::prefix(kind), key, "-")
    }

    fn build(&self, overrides: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        let backend = AzureKeyVaultBackend::from_kwargs(&self.fx.kwargs_with(overrides))?
            .with_environment(common::no_env());
        Ok(Arc::new(backend))
    }
}

/// `extra` over `base` (both objects).
fn merge(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("kwargs must be an object") {
        base[k] = v.clone();
    }
    base
}

#[async_trait::async_trait]
impl Fixture for KeyVaultFixture {
    /// `transport::MAX_RESPONSE_BYTES`: every response body is read through the crate's capped transport.
    const BODY_CAP: Option<u64> = Some(1024 * 1024);

    fn secrets(&self) -> Vec<String> {
        vec![CLIENT_SECRET.to_owned(), ACCESS_TOKEN.to_owned()]
    }

    fn credentials(&self) -> Vec<String> {
        vec![CLIENT_SECRET.to_owned(), ACCESS_TOKEN.to_owned()]
    }

    async fn backend(&self, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        self.build(kwargs)
    }

    async fn backend_at(&self, url: &str, kwargs: Value) -> Result<Arc<dyn SecretsBackend>, Error> {
        // Key Vault is https only (an `http` vault_url is refused): a listening server gets a TLS front; a
        // closed port stays closed, reached directly over https (refused either way).
        let addr: SocketAddr = url
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("a raw server's URL: {url}"));
        let vault_url = if tokio::net::TcpStream::connect(addr).await.is_ok() {
            let front = TlsFront::start(&self.fx.ca, addr).await;
            let url = format!("{}/", front.url());
            self.fronts.lock().unwrap().push(front);
            url
        } else {
            format!("https://{addr}/")
        };
        self.build(merge(kwargs, json!({ "vault_url": vault_url })))
    }

    async fn answer(&self, kind: SecretKind, key: &str, answer: Answer, times: Option<u64>) {
        let name = Self::name(kind, key);
        let reply = match answer {
            Answer::Found(value) => Reply::json(200, secret_bundle("127.0.0.1", &name, &value)),
            Answer::NotFound => not_found(&name),
            Answer::Denied => forbidden_access_denied("conformance-vault"),
            Answer::Transient => service_unavailable(),
            Answer::Malformed(planted) => Reply::json(200, json!({ "data": planted })),
        };
        let lower = name.to_ascii_lowercase();
        self.scripts
            .lock()
            .unwrap()
            .entry(lower.clone())
            .or_default()
            .push((reply, times));
        let scripts = self.scripts.clone();
        // `seen`: the authorized reads of this name before this one; walk the script to the answer due.
        self.fx.vault.override_secret(&name, move |seen| {
            let scripts = scripts.lock().unwrap();
            let mut left = seen as u64;
            for (reply, times) in scripts.get(&lower)? {
                match times {
                    Some(n) if left >= *n => left -= n,
                    _ => return Some(reply.clone()),
                }
            }
            None
        });
    }

    async fn reads(&self, kind: SecretKind, key: &str) -> usize {
        self.fx.vault.reads(&Self::name(kind, key))
    }

    async fn request_paths(&self) -> Vec<String> {
        let vault = self.fx.vault_server.requests();
        let entra = self.fx.entra_server.requests();
        vault.into_iter().chain(entra).map(|r| r.path).collect()
    }

    fn prefix_kwarg(&self, kind: SecretKind) -> &'static str {
        match kind {
            SecretKind::Connection => "connections_prefix",
            SecretKind::Variable => "variables_prefix",
            SecretKind::Config => "config_prefix",
        }
    }

    fn short_deadline(&self) -> Value {
        // The whole lookup (token request, every try and back-off) is bounded by `timeout`.
        json!({ "timeout": 2 })
    }

    fn location(&self, kind: SecretKind, key: &str) -> String {
        Self::name(kind, key)
    }

    fn allowed_paths(&self, kind: SecretKind) -> Vec<String> {
        vec![
            format!("/secrets/{}-", Self::prefix(kind)),
            format!("/{TENANT_ID}/oauth2/v2.0/token"),
        ]
    }
}

mod conformance {
    use super::KeyVaultFixture;

    airflow_secrets_testkit::conformance_tests!(KeyVaultFixture::start());
}
