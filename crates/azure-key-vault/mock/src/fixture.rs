//! A ready-made scene: a fake vault and a fake Entra ID tenant over HTTPS, and the Airflow kwargs that reach
//! them with a client-secret credential.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::TestCa;
use crate::identity::{ClientProof, FakeEntra};
use crate::key_vault::FakeKeyVault;
use crate::server::MockServer;

/// Tenant of the fixture's service principal.
pub const TENANT_ID: &str = "contoso-tenant";
/// Client id of the fixture's service principal.
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c11e";
/// A distinctive client secret: no message, log or Debug output may contain it.
pub const CLIENT_SECRET: &str = "cl1ent-s3cret-MUST-NOT-LEAK";
/// A distinctive access token issued by the fake Entra ID.
pub const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.acc3ss-t0ken-MUST-NOT-LEAK";

/// A fake vault and tenant, both over HTTPS signed by one test CA.
pub struct AzureFixture {
    /// The CA; its PEM path is the `connection_verify` kwarg.
    pub ca: TestCa,
    /// The fake vault (add secrets with `put`).
    pub vault: Arc<FakeKeyVault>,
    /// The vault's server.
    pub vault_server: MockServer,
    /// The fake tenant.
    pub entra: FakeEntra,
    /// The token endpoint's server.
    pub entra_server: MockServer,
}

impl AzureFixture {
    /// Starts both servers.
    pub async fn start() -> AzureFixture {
        let ca = TestCa::new();
        let vault = FakeKeyVault::new(ACCESS_TOKEN);
        let vault_server = MockServer::https(&ca, vault.handler()).await;
        let entra = FakeEntra {
            tenant: TENANT_ID.into(),
            client_id: CLIENT_ID.into(),
            proof: ClientProof::Secret(CLIENT_SECRET.into()),
            token: ACCESS_TOKEN.into(),
        };
        let entra_server = MockServer::https(&ca, entra.handler()).await;
        AzureFixture {
            ca,
            vault,
            vault_server,
            entra,
            entra_server,
        }
    }

    /// `https://127.0.0.1:<port>/`, the `vault_url` kwarg.
    pub fn vault_url(&self) -> String {
        format!("{}/", self.vault_server.url())
    }

    /// Airflow kwargs reaching the fake vault with the client-secret credential: `vault_url`, `tenant_id`,
    /// `client_id`, `client_secret`, `authority_host` (the fake tenant), `connection_verify` (the CA bundle),
    /// `verify_challenge_resource: false` (127.0.0.1 is not `*.vault.azure.net`) and a short back-off.
    pub fn kwargs(&self) -> Map<String, Value> {
        let value = json!({
            "vault_url": self.vault_url(),
            "tenant_id": TENANT_ID,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "authority_host": self.entra_server.url(),
            "connection_verify": self.ca.ca_pem(),
            "verify_challenge_resource": false,
            "retry_backoff_factor": 0.01,
        });
        value.as_object().expect("an object").clone()
    }

    /// [`kwargs`](Self::kwargs) with `overrides` merged in (a `null` value stays `null`).
    pub fn kwargs_with(&self, overrides: Value) -> Map<String, Value> {
        let mut kwargs = self.kwargs();
        for (k, v) in overrides.as_object().expect("overrides must be an object") {
            kwargs.insert(k.clone(), v.clone());
        }
        kwargs
    }

    /// How many token requests the fake tenant received.
    pub fn token_requests(&self) -> usize {
        self.entra_server.request_count()
    }
}
