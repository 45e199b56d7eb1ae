//! One walk of the chain: each backend in order until one has the key, falling through on errors or
//! stopping at the first, as the [`ErrorPolicy`] says. A free function over the chain so that the
//! cache's background refreshes can walk it without borrowing the [`Secrets`](crate::Secrets).

use std::future::Future;
use std::sync::Arc;

use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};

use crate::resolver::{ErrorPolicy, Lookup};

/// Asks each backend of `chain` with `ask` until one has `key`.
pub(crate) async fn walk_chain<'a, T, F, Fut>(
    chain: &'a [Arc<dyn SecretsBackend>],
    policy: ErrorPolicy,
    kind: SecretKind,
    key: &str,
    mut ask: F,
) -> Result<Lookup<T>, Error>
where
    F: FnMut(&'a Arc<dyn SecretsBackend>) -> Fut,
    Fut: Future<Output = Result<Option<T>, Error>>,
{
    let mut failures = Vec::new();
    for backend in chain {
        match crate::metrics::observed(backend.as_ref(), kind, key, ask(backend)).await {
            Ok(Some(value)) => {
                return Ok(Lookup {
                    value: Some(value),
                    found_in: Some(backend.name()),
                    failures,
                    cached: false,
                });
            }
            Ok(None) => {}
            Err(e) if policy == ErrorPolicy::Strict => return Err(e),
            Err(e) => {
                // A provider's error may quote a URL; its userinfo is not for the logs.
                let error = redact::urls_in_text(&e.to_string()).into_owned();
                tracing::warn!(
                    backend = backend.name(),
                    %kind,
                    key,
                    %error,
                    "Unable to retrieve {kind} from secrets backend ({}). Checking subsequent secrets backend.",
                    backend.name()
                );
                failures.push((backend.name(), e));
            }
        }
    }
    Ok(Lookup {
        value: None,
        found_in: None,
        failures,
        cached: false,
    })
}
