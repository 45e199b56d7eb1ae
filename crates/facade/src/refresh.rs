//! The walks a background refresh runs (refresh-ahead, [`CacheSettings::refresh_ahead`]): the same
//! lookups as the resolver's, owning what they need so that they can run on a spawned task.
//!
//! [`CacheSettings::refresh_ahead`]: crate::CacheSettings::refresh_ahead

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use airflow_secrets_core::{ConnectionFlavor, Error, SecretKind, SecretsBackend};

use crate::cache::{Answer, Entry};
use crate::resolver::ErrorPolicy;
use crate::walk::walk_chain;

/// A lookup of one key, ready to run in the background.
pub(crate) type Walk = Pin<Box<dyn Future<Output = Result<Entry, Error>> + Send + 'static>>;

/// A walk of the whole chain for a variable or a connection (for `team`, as the resolver's).
pub(crate) fn chain(
    chain: Vec<Arc<dyn SecretsBackend>>,
    policy: ErrorPolicy,
    flavor: ConnectionFlavor,
    kind: SecretKind,
    key: String,
    team: Option<String>,
) -> Walk {
    Box::pin(async move {
        let key = key.as_str();
        let team = team.as_deref();
        if kind == SecretKind::Connection {
            let l = walk_chain(&chain, policy, kind, key, |b| async move {
                b.get_connection_for_team(key, flavor, team).await
            })
            .await?;
            return Ok(Entry {
                answer: Answer::Connection(l.value),
                found_in: l.found_in,
                failures: l.failures,
            });
        }
        let l = walk_chain(&chain, policy, kind, key, |b| async move {
            b.get_for_team(SecretKind::Variable, key, team).await
        })
        .await?;
        Ok(Entry {
            answer: Answer::Value(l.value),
            found_in: l.found_in,
            failures: l.failures,
        })
    })
}

/// A config lookup: the custom backend only, as [`Secrets::config`](crate::Secrets::config).
pub(crate) fn config(custom: Option<Arc<dyn SecretsBackend>>, key: String) -> Walk {
    Box::pin(async move {
        let value = match &custom {
            Some(custom) => {
                crate::metrics::observed(
                    custom.as_ref(),
                    SecretKind::Config,
                    &key,
                    custom.get_config(&key),
                )
                .await?
            }
            None => None,
        };
        Ok(Entry {
            found_in: value.as_ref().and(custom.as_ref()).map(|c| c.name()),
            answer: Answer::Value(value),
            failures: Vec::new(),
        })
    })
}
