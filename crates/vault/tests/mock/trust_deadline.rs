//! Trust item 2: every Vault request is under a whole-request deadline (`timeout`'s connect + read),
//! and a stalled login does not hold the other lookups past theirs.
//!
//! The server here (the testkit's `RawServer`, `Drip`) sends its headers, then one body byte a second:
//! requests' read timeout (a silence) never fires, only a deadline on the whole request ends it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::conformance::raw::{Behaviour, RawServer};
use serde_json::json;

use crate::common::*;
use crate::responses::auth_body;

/// `timeout: [1, 3]`: connect 1 s, read 3 s (longer than the 1 s drip), so a 4 s request deadline.
const TIMEOUT: [u64; 2] = [1, 3];
/// Far above the 4 s deadline, far below the drip's end (1 MB, a byte a second).
const GENEROUS: Duration = Duration::from_secs(15);

/// A server on 127.0.0.1 that answers `POST /v1/auth/approle/login` at once when `login_drips` is
/// false, and every other request with a 200 whose body comes one byte a second.
async fn drip_server(login_drips: bool) -> RawServer {
    RawServer::start(Behaviour::by_path(move |path| {
        if path == "/v1/auth/approle/login" && !login_drips {
            Behaviour::Reply {
                status: 200,
                body: auth_body(ISSUED, 3600, true).to_string(),
            }
        } else {
            Behaviour::Drip
        }
    }))
    .await
}

fn approle_at(url: &str) -> airflow_secrets_vault::VaultBackend {
    backend(&merge(
        json!({ "url": url, "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID }),
        json!({ "timeout": TIMEOUT, "max_retries": 0 }),
    ))
}

/// Runs the lookup of variable `key`, failing the test (instead of hanging) past [`GENEROUS`].
async fn lookup_within_bound(
    vault: &airflow_secrets_vault::VaultBackend,
    key: &str,
) -> (
    Result<Option<airflow_secrets_core::SecretValue>, Error>,
    Duration,
) {
    let start = Instant::now();
    let result = tokio::time::timeout(GENEROUS, vault.get_variable(key))
        .await
        .unwrap_or_else(|_| panic!("the lookup was still running after {GENEROUS:?}"));
    (result, start.elapsed())
}

#[tokio::test]
async fn trust_02_slow_drip_kv_read_hits_the_request_deadline() {
    let logs = logs();
    let server = drip_server(false).await;
    let vault = approle_at(&server.url());
    let (result, took) = lookup_within_bound(&vault, "v").await;
    let err = result.clean_err();
    let Unavailable {
        problem, attempts, ..
    } = unavailable(&err);
    assert_eq!(attempts, 1, "a timeout is not retried");
    assert!(problem.starts_with("timed out"), "{problem}");
    assert!(took < GENEROUS, "{took:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_02_slow_drip_login_hits_the_request_deadline() {
    let logs = logs();
    let server = drip_server(true).await;
    let vault = approle_at(&server.url());
    let (result, took) = lookup_within_bound(&vault, "v").await;
    let err = result.clean_err();
    let Unavailable {
        problem, location, ..
    } = unavailable(&err);
    assert!(location.contains("/v1/auth/approle/login"), "{location}");
    assert!(problem.starts_with("timed out"), "{problem}");
    assert!(took < GENEROUS, "{took:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

/// Six lookups while the one login drips: each would wait for the previous one's login (6 × 4 s)
/// if waiting for the session lock were not bounded; each ends with `Unavailable` by its deadline
/// (plus at most one login of its own when it gets the lock just as the stalled one gives up).
#[tokio::test]
async fn trust_02_concurrent_lookups_during_a_stalled_login_end_by_their_deadline() {
    let logs = logs();
    let server = drip_server(true).await;
    let vault = Arc::new(approle_at(&server.url()));
    let start = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let vault = vault.clone();
            tokio::spawn(async move {
                let key = format!("v{i}");
                lookup_within_bound(&vault, &key).await
            })
        })
        .collect();
    let mut waited = 0;
    for task in tasks {
        let (result, took) = task.await.unwrap();
        let err = result.clean_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        waited += usize::from(err.to_string().contains("waiting for the approle login"));
        // Two deadlines (8 s) plus slack, well under the 24 s of waiting in line.
        assert!(took < Duration::from_secs(14), "{took:?}: {err}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(14),
        "{:?}",
        start.elapsed()
    );
    assert!(
        waited > 0,
        "no lookup gave up waiting for the stalled login"
    );
    logs.assert_free_of(SUITE_SECRETS);
}
