//! The [`SecretsBackend`] trait every backend implements.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Connection, ConnectionFlavor, Error, SecretKind, SecretValue};

/// A source of Airflow connections, variables and config values: Airflow's `BaseSecretsBackend`.
///
/// Implement the one required method, [`get`](SecretsBackend::get); the Airflow-named methods are provided
/// on top of it. Contract:
///
/// * `Ok(Some(v))`: the store holds this key.
/// * `Ok(None)`: not stored here (or the lookup is disabled for this kind, or filtered out by a lookup
///   pattern); the resolver goes on to the next backend.
/// * `Err(e)`: the backend failed (denied, unreachable, malformed). Never used for "not found".
///
/// ```
/// use airflow_secrets_core::{async_trait, Error, SecretKind, SecretValue, SecretsBackend};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// #[async_trait]
/// impl SecretsBackend for Fixed {
///     fn name(&self) -> &'static str { "Fixed" }
///     async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
///         Ok((kind == SecretKind::Variable && key == "greeting").then(|| SecretValue::new("hello")))
///     }
/// }
/// # tokio_test(async {
/// assert_eq!(Fixed.get_variable("greeting").await.unwrap().unwrap().expose(), "hello");
/// assert!(Fixed.get_variable("other").await.unwrap().is_none());
/// # });
/// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[async_trait]
pub trait SecretsBackend: Send + Sync + std::fmt::Debug {
    /// Looks one key up. See the trait documentation for the meaning of each result.
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error>;

    /// Short name used in logs and errors, e.g. `VaultBackend`.
    fn name(&self) -> &'static str {
        "SecretsBackend"
    }

    /// Whether a lookup of `key` is skipped without asking the store: lookups of `kind` are disabled
    /// (a `null` prefix or path) or the key does not match the kind's `*_lookup_pattern`. The lookup
    /// itself still answers `Ok(None)`; this only says why (the facade counts such lookups as
    /// `skipped` in its metrics). The default, for backends without routes, is `false`.
    fn skips(&self, kind: SecretKind, key: &str) -> bool {
        let _ = (kind, key);
        false
    }

    /// The stored connection value (a URI or a JSON object), as Airflow's `get_conn_value`.
    async fn get_conn_value(&self, conn_id: &str) -> Result<Option<SecretValue>, Error> {
        self.get(SecretKind::Connection, conn_id).await
    }

    /// A variable's value, as Airflow's `get_variable`.
    async fn get_variable(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get(SecretKind::Variable, key).await
    }

    /// A config value, as Airflow's `get_config` (used by `*_secret` options).
    async fn get_config(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        self.get(SecretKind::Config, key).await
    }

    /// Looks one key up for a task of `team` (Airflow's `team_name`, multi-team deployments): backends with
    /// team-scoped names try the team's name first, as the pinned releases do. `team = None` must answer
    /// exactly as [`get`](SecretsBackend::get). The default ignores the team — what Airflow does with a
    /// backend whose methods take no `team_name` (`call_secrets_backend_method`).
    async fn get_for_team(
        &self,
        kind: SecretKind,
        key: &str,
        team: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        let _ = team;
        self.get(kind, key).await
    }

    /// The connection for a task of `team`, parsed with `flavor`: [`get_connection_as`](Self::get_connection_as)
    /// when `team` is `None`, otherwise [`get_for_team`](Self::get_for_team) and Airflow's stored-value
    /// rule. Backends that store connections as fields (the metastore, local files) override it.
    async fn get_connection_for_team(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
        team: Option<&str>,
    ) -> Result<Option<Connection>, Error> {
        if team.is_none() {
            return self.get_connection_as(conn_id, flavor).await;
        }
        let value = self
            .get_for_team(SecretKind::Connection, conn_id, team)
            .await?;
        parse_conn_value(self.name(), conn_id, value, flavor)
    }

    /// The connection, parsed with the default (task-SDK) flavour. See [`get_connection_as`](Self::get_connection_as).
    async fn get_connection(&self, conn_id: &str) -> Result<Option<Connection>, Error> {
        self.get_connection_as(conn_id, ConnectionFlavor::default())
            .await
    }

    /// The connection, parsed with the given flavour: `get_conn_value`, then Airflow's stored-value rule
    /// (strip; a leading `{` means JSON, anything else a URI). An empty value counts as not found.
    async fn get_connection_as(
        &self,
        conn_id: &str,
        flavor: ConnectionFlavor,
    ) -> Result<Option<Connection>, Error> {
        let value = self.get_conn_value(conn_id).await?;
        parse_conn_value(self.name(), conn_id, value, flavor)
    }
}

/// Airflow's stored-value rule for a connection: an absent or empty value is not found; otherwise it is
/// parsed (a leading `{` after stripping means JSON, anything else a URI).
fn parse_conn_value(
    backend: &'static str,
    conn_id: &str,
    value: Option<SecretValue>,
    flavor: ConnectionFlavor,
) -> Result<Option<Connection>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.is_empty() {
        return Ok(None);
    }
    Connection::deserialize(conn_id, value.expose(), flavor)
        .map(Some)
        .map_err(|e| Error::MalformedSecret {
            backend,
            kind: SecretKind::Connection,
            key: conn_id.to_owned(),
            problem: e.to_string(),
        })
}

macro_rules! forward_backend {
    ($ptr:ty) => {
        #[async_trait]
        impl<T: SecretsBackend + ?Sized> SecretsBackend for $ptr {
            async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
                (**self).get(kind, key).await
            }
            fn name(&self) -> &'static str {
                (**self).name()
            }
            fn skips(&self, kind: SecretKind, key: &str) -> bool {
                (**self).skips(kind, key)
            }
            async fn get_conn_value(&self, conn_id: &str) -> Result<Option<SecretValue>, Error> {
                (**self).get_conn_value(conn_id).await
            }
            async fn get_variable(&self, key: &str) -> Result<Option<SecretValue>, Error> {
                (**self).get_variable(key).await
            }
            async fn get_config(&self, key: &str) -> Result<Option<SecretValue>, Error> {
                (**self).get_config(key).await
            }
            async fn get_connection_as(
                &self,
                conn_id: &str,
                flavor: ConnectionFlavor,
            ) -> Result<Option<Connection>, Error> {
                (**self).get_connection_as(conn_id, flavor).await
            }
            async fn get_for_team(
                &self,
                kind: SecretKind,
                key: &str,
                team: Option<&str>,
            ) -> Result<Option<SecretValue>, Error> {
                (**self).get_for_team(kind, key, team).await
            }
            async fn get_connection_for_team(
                &self,
                conn_id: &str,
                flavor: ConnectionFlavor,
                team: Option<&str>,
            ) -> Result<Option<Connection>, Error> {
                (**self)
                    .get_connection_for_team(conn_id, flavor, team)
                    .await
            }
        }
    };
}

forward_backend!(Arc<T>);
forward_backend!(Box<T>);
