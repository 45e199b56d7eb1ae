//! GCP Secret Manager on Google Cloud without a key file: application-default credentials from the GCE
//! metadata server, and the project from it when the kwargs and the environment name none — as
//! Airflow's `google.auth.default()`. The metadata server is a local mock (`GCE_METADATA_HOST`, set on
//! the child only); Secret Manager is the wiremock REST mock.
#![cfg(feature = "gcp-secret-manager")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use airflow_secrets_testkit as testkit;
use common::{clean_cli, with_backend};
use serde_json::{Value, json};
use testkit::conformance::raw::{Behaviour, RawServer};
use testkit::gcp_metadata;
use testkit::gcp_mock::{access, found};
use wiremock::MockServer;
use wiremock::matchers::header;

const CLASS_PATH: &str =
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend";
const PROJECT: &str = "metadata-project";
const TOKEN: &str = "ya29.metadata-token-d41c";
const VALUE: &str = "value-read-with-metadata-credentials";

/// The binary with no Google variable but `GCE_METADATA_HOST` = `metadata_host`.
fn cli(home: &Path, kwargs: &Value, metadata_host: &str) -> Command {
    let mut cmd = clean_cli(home, &["GOOGLE_", "GCLOUD", "CLOUDSDK", "GCE_"]);
    cmd.env("GCE_METADATA_HOST", metadata_host);
    with_backend(cmd, CLASS_PATH, kwargs)
}

async fn run(mut cmd: Command, args: &[&str]) -> (i32, String, String) {
    cmd.args(args);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || common::run(&mut cmd))
        .await
        .unwrap();
    testkit::leak_check::assert_no_secret(&stdout, &[TOKEN]);
    testkit::leak_check::assert_no_secret(&stderr, &[TOKEN]);
    (code, stdout, stderr)
}

/// Secret Manager answering `airflow-variables-v` of [`PROJECT`] to the metadata server's token only.
async fn secret_manager() -> MockServer {
    let server = MockServer::start().await;
    access(PROJECT, "airflow-variables-v")
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(found("airflow-variables-v", VALUE))
        .mount(&server)
        .await;
    server
}

fn kwargs(server: &MockServer, extra: Value) -> Value {
    let mut k = json!({"endpoint": server.uri(), "max_attempts": 1, "timeout_seconds": 5});
    k.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_and_token_come_from_the_metadata_server() {
    let metadata = MockServer::start().await;
    gcp_metadata::mount(&metadata, PROJECT, TOKEN).await;
    let sm = secret_manager().await;
    let home = tempfile::tempdir().unwrap();
    let host = metadata.address().to_string();

    let (code, out, err) = run(
        cli(home.path(), &kwargs(&sm, json!({})), &host),
        &["-vvv", "get", "variable", "v"],
    )
    .await;
    assert_eq!((code, out.trim()), (0, VALUE), "{err}");
    let asked: Vec<String> = metadata
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        asked.iter().any(|p| p == gcp_metadata::PROJECT_ID_PATH)
            && asked.iter().any(|p| p == gcp_metadata::TOKEN_PATH),
        "{asked:?}"
    );

    // With `project_id`, the metadata server gives the token only.
    let other = MockServer::start().await;
    gcp_metadata::mount(&other, "not-this-project", TOKEN).await;
    let (code, out, err) = run(
        cli(
            home.path(),
            &kwargs(&sm, json!({"project_id": PROJECT})),
            &other.address().to_string(),
        ),
        &["get", "variable", "v"],
    )
    .await;
    assert_eq!((code, out.trim()), (0, VALUE), "{err}");
    let paths: Vec<String> = other
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        !paths.iter().any(|p| p == gcp_metadata::PROJECT_ID_PATH),
        "{paths:?}"
    );
}

/// A metadata server that is down, silent, trickles, floods, redirects, or is not one (no
/// `Metadata-Flavor`):
/// Airflow's "Project ID could not be determined" with the reason, within the probe's 3 s, and no
/// request to Secret Manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_metadata_server_fails_clearly_within_the_deadline() {
    let drip = RawServer::start(Behaviour::Drip).await;
    let flood = RawServer::start(Behaviour::FloodAnnounced).await;
    let redirect = RawServer::start(Behaviour::RedirectTo("http://127.0.0.1:9/x".into())).await;
    let impostor = RawServer::start(Behaviour::Reply {
        status: 200,
        body: "\"some-project\"".into(),
    })
    .await;
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = |s: &RawServer| s.addr().to_string();
    let cases = [
        (
            "down",
            format!("127.0.0.1:{}", testkit::free_port()),
            "did not answer",
        ),
        (
            "silent",
            silent.local_addr().unwrap().to_string(),
            "gave no answer within 3s",
        ),
        ("trickling", host(&drip), "too large for a project id"),
        ("10 GB", host(&flood), "too large for a project id"),
        ("redirect", host(&redirect), "answered HTTP 307"),
        (
            "impostor",
            host(&impostor),
            "without `Metadata-Flavor: Google`",
        ),
    ];
    for (case, metadata_host, reason) in cases {
        let sm = secret_manager().await;
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, _, err) = run(
            cli(home.path(), &kwargs(&sm, json!({})), &metadata_host),
            &["get", "variable", "v"],
        )
        .await;
        let took = started.elapsed();
        assert_eq!(code, 3, "{case}: {err}");
        assert!(
            err.contains("Project ID could not be determined") && err.contains(reason),
            "{case}: {err}"
        );
        assert!(took < Duration::from_secs(10), "{case}: took {took:?}");
        assert!(
            sm.received_requests().await.unwrap().is_empty(),
            "{case}: nothing read without a project"
        );
    }
    assert!(flood.written() < 64 << 20, "the 10 GB answer was not read");
}
