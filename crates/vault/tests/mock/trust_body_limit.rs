//! Trust item 16: a response body is read up to `MAX_RESPONSE_BYTES` (4 MiB) and no further, for every
//! request the backend sends (KV read, login, STS AssumeRole). A server announcing a 10 GB body, or
//! streaming an endless chunked one, makes the request fail with a clear error after at most the cap
//! has been read, instead of the process allocating until it aborts.
//!
//! The server (the testkit's `RawServer`) would send up to 512 MiB; it counts what it could write
//! before the client hung up, which proves the client stopped reading near the cap.

use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::conformance::raw::{Behaviour, RawServer};
use airflow_secrets_vault::{EnvSnapshot, HONOURED, MAX_RESPONSE_BYTES, VaultBackend};
use serde_json::json;

use crate::common::*;
use crate::responses::auth_body;

/// What the server may have written when the client stops at the 4 MiB cap: the cap plus the socket
/// buffers of both ends. Far below what it would send.
const WRITTEN_AT_MOST: u64 = 48 << 20;
/// The lookups must end well within this (the request deadline is 4 s).
const BOUND: Duration = Duration::from_secs(15);

/// A server on 127.0.0.1: requests whose path `floods` accepts get `flood` (`FloodAnnounced`: a
/// 10 GB `Content-Length`; `FloodChunked`: endless 64 KiB chunks), the AppRole login gets its answer,
/// anything else a 404. Its `written()` counts the flood bytes.
async fn flood_server(flood: Behaviour, floods: fn(&str) -> bool) -> RawServer {
    RawServer::start(Behaviour::by_path(move |path| {
        if floods(path) {
            flood.clone()
        } else if path == "/v1/auth/approle/login" {
            Behaviour::Reply {
                status: 200,
                body: auth_body(ISSUED, 3600, true).to_string(),
            }
        } else {
            Behaviour::Reply {
                status: 404,
                body: r#"{"errors":[]}"#.to_owned(),
            }
        }
    }))
    .await
}

fn approle_at(url: &str) -> VaultBackend {
    backend(&merge(
        json!({ "url": url, "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID }),
        json!({ "timeout": [1, 3], "max_retries": 0 }),
    ))
}

/// Runs the lookup of variable `v`; the error, after checking the time it took.
async fn failed_lookup(vault: &VaultBackend) -> Error {
    let start = Instant::now();
    let result = tokio::time::timeout(BOUND, vault.get_variable("v"))
        .await
        .unwrap_or_else(|_| panic!("the lookup was still running after {BOUND:?}"));
    assert!(start.elapsed() < BOUND, "{:?}", start.elapsed());
    result.clean_err()
}

fn assert_bounded(server: &RawServer) {
    let written = server.written();
    assert!(
        written < WRITTEN_AT_MOST,
        "the client read {written} bytes of a body it should have given up on at the cap"
    );
}

fn assert_says_too_large(text: &str) {
    assert!(text.contains("larger than"), "{text}");
    assert!(text.contains("4 MiB"), "{text}");
}

#[test]
fn trust_16_the_cap_is_4_mib() {
    assert_eq!(MAX_RESPONSE_BYTES, 4 << 20);
}

#[tokio::test]
async fn trust_16_a_kv_read_announcing_10_gb_fails_without_reading_it() {
    let logs = logs();
    let server = flood_server(Behaviour::FloodAnnounced, |p| p.starts_with("/v1/secret/")).await;
    let err = failed_lookup(&approle_at(&server.url())).await;
    let Error::MalformedSecret { problem, .. } = &err else {
        panic!("{err:?}")
    };
    assert_says_too_large(problem);
    assert_bounded(&server);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_16_an_endless_chunked_kv_read_is_cut_at_the_cap() {
    let logs = logs();
    let server = flood_server(Behaviour::FloodChunked, |p| p.starts_with("/v1/secret/")).await;
    let err = failed_lookup(&approle_at(&server.url())).await;
    let Error::MalformedSecret { problem, .. } = &err else {
        panic!("{err:?}")
    };
    assert_says_too_large(problem);
    assert_bounded(&server);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_16_an_endless_login_answer_is_cut_at_the_cap() {
    let logs = logs();
    let server = flood_server(Behaviour::FloodChunked, |p| p.starts_with("/v1/auth/")).await;
    let err = failed_lookup(&approle_at(&server.url())).await;
    let Error::Authentication {
        problem, location, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(location.contains("/v1/auth/approle/login"), "{location}");
    assert_says_too_large(problem);
    assert_bounded(&server);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_16_a_login_announcing_10_gb_fails_without_reading_it() {
    let logs = logs();
    let server = flood_server(Behaviour::FloodAnnounced, |p| p.starts_with("/v1/auth/")).await;
    let err = failed_lookup(&approle_at(&server.url())).await;
    let Error::Authentication { problem, .. } = &err else {
        panic!("{err:?}")
    };
    assert_says_too_large(problem);
    assert_bounded(&server);
    logs.assert_free_of(SUITE_SECRETS);
}

/// Token auth: the `lookup-self` answer is capped too. It is not fatal (a token whose lookup fails
/// can still read): the read goes on, and gets its 404.
#[tokio::test]
async fn trust_16_an_endless_lookup_self_answer_is_cut_at_the_cap() {
    let logs = logs();
    let server = flood_server(Behaviour::FloodChunked, |p| p.starts_with("/v1/auth/")).await;
    let vault = backend(&merge(
        json!({ "url": server.url(), "token": TOKEN }),
        json!({ "timeout": [1, 3], "max_retries": 0 }),
    ));
    let start = Instant::now();
    let result = tokio::time::timeout(BOUND, vault.get_variable("v"))
        .await
        .expect("bounded");
    assert!(result.unwrap().is_none());
    assert!(start.elapsed() < BOUND);
    assert_bounded(&server);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trust_16_an_endless_sts_answer_is_cut_at_the_cap() {
    let logs = logs();
    let sts = flood_server(Behaviour::FloodChunked, |p| p == "/").await;
    let vault_server = flood_server(Behaviour::FloodChunked, |_| false).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AWS_ACCESS_KEY_ID", "AKIDBASE"),
            ("AWS_SECRET_ACCESS_KEY", "baseSecret-61c0"),
            ("AWS_ENDPOINT_URL_STS", sts.url().as_str()),
        ],
    );
    let kwargs = json!({ "url": vault_server.url(), "auth_type": "aws_iam", "max_retries": 0, "timeout": [1, 3],
        "assume_role_kwargs": { "RoleArn": "arn:aws:iam::123456789012:role/vault", "RoleSessionName": "airflow" } });
    let vault = VaultBackend::from_kwargs_with_env(kwargs.as_object().unwrap(), &env).unwrap();
    let err = failed_lookup(&vault).await;
    let Error::Authentication { problem, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(problem.contains("sts:AssumeRole"), "{problem}");
    assert_says_too_large(problem);
    assert_bounded(&sts);
    logs.assert_free_of(SUITE_SECRETS);
}
