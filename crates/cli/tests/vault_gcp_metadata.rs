//! Vault `gcp` auth without a key, as Airflow's `_auth_gcp` with application-default credentials on
//! Google Cloud: the default account's email, a token and the project from the GCE metadata server
//! (`GCE_METADATA_HOST`, on the child only, at a local mock), then IAM `signJwt` (the
//! `gcp_iam_endpoint` extension, at a mock) signs Airflow's claims, and Vault gets that JWT.
#![cfg(feature = "vault")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use airflow_secrets_testkit as testkit;
use common::{clean_cli, with_backend};
use serde_json::{Value, json};
use testkit::gcp_metadata;
use testkit::vault_responses::{auth_response, kv2};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
const PROJECT: &str = "meta-project";
const EMAIL: &str = "airflow@meta-project.iam.gserviceaccount.com";
const TOKEN: &str = "ya29.vault-gcp-token-77e1";
const SIGNED_JWT: &str = "eyJhbGciOiJSUzI1NiJ9.signed-by-iam.c2ln";
const VALUE: &str = "value-after-gcp-login";

fn cli(home: &Path, kwargs: &Value, metadata_host: &str) -> Command {
    let mut cmd = clean_cli(home, &["GOOGLE_", "GCLOUD", "CLOUDSDK", "GCE_", "VAULT_"]);
    cmd.env("GCE_METADATA_HOST", metadata_host);
    with_backend(cmd, CLASS_PATH, kwargs)
}

async fn run(mut cmd: Command) -> (i32, String, String) {
    cmd.args(["get", "variable", "v"]);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || common::run(&mut cmd))
        .await
        .unwrap();
    for text in [&stdout, &stderr] {
        testkit::leak_check::assert_no_secret(text, &[TOKEN, SIGNED_JWT, "vault-token-gcp"]);
    }
    (code, stdout, stderr)
}

/// IAM's `signJwt` for [`EMAIL`] in [`PROJECT`], with the metadata token only.
async fn iam() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/v1/projects/{PROJECT}/serviceAccounts/{EMAIL}:signJwt"
        )))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"keyId": "k1", "signedJwt": SIGNED_JWT})),
        )
        .mount(&server)
        .await;
    server
}

/// Vault: the gcp login answers a token to [`SIGNED_JWT`] only; `v` answers [`VALUE`].
async fn vault() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/gcp/login"))
        .and(body_partial_json(
            json!({"role": "airflow", "jwt": SIGNED_JWT}),
        ))
        .respond_with(auth_response("vault-token-gcp", 3600, false))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .mount(&server)
        .await;
    server
}

fn kwargs(vault: &MockServer, iam: &MockServer) -> Value {
    json!({"url": vault.uri(), "auth_type": "gcp", "role_id": "airflow",
           "gcp_scopes": "https://www.googleapis.com/auth/cloud-platform",
           "gcp_iam_endpoint": iam.uri(), "max_retries": 0, "timeout": 2})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_account_signs_through_iam_and_logs_in() {
    let metadata = MockServer::start().await;
    gcp_metadata::mount_account(&metadata, EMAIL).await;
    gcp_metadata::mount(&metadata, PROJECT, TOKEN).await;
    let (iam, vault) = (iam().await, vault().await);
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(cli(
        home.path(),
        &kwargs(&vault, &iam),
        &metadata.address().to_string(),
    ))
    .await;
    assert_eq!((code, out.trim()), (0, VALUE), "{err}");

    // Airflow's claims, as json.dumps writes them: iat, exp = iat + 900, sub, aud.
    let sign = &iam.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&sign.body).unwrap();
    let payload = body["payload"].as_str().unwrap();
    let claims: Value = serde_json::from_str(payload).unwrap();
    assert_eq!(claims["sub"], EMAIL);
    assert_eq!(claims["aud"], "vault/airflow");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    assert!(payload.starts_with("{\"iat\": "), "{payload}");
    let token_request = metadata
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == gcp_metadata::TOKEN_PATH)
        .expect("a token was asked for");
    assert_eq!(
        token_request.url.query(),
        Some("scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform")
    );
}

/// A metadata server that is down or is not one: a clear login error, nothing sent to IAM or Vault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_metadata_server_fails_the_login_clearly() {
    let impostor = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"email": EMAIL})))
        .mount(&impostor)
        .await;
    let cases = [
        (
            "down",
            format!("127.0.0.1:{}", testkit::free_port()),
            "the GCE metadata server",
        ),
        (
            "impostor",
            impostor.address().to_string(),
            "without `Metadata-Flavor: Google`",
        ),
    ];
    for (case, host, reason) in cases {
        let (iam, vault) = (iam().await, vault().await);
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, _, err) = run(cli(home.path(), &kwargs(&vault, &iam), &host)).await;
        assert_eq!(code, 3, "{case}: {err}");
        assert!(
            err.contains("gcp login") && err.contains(reason),
            "{case}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(15), "{case}");
        assert!(iam.received_requests().await.unwrap().is_empty(), "{case}");
        assert!(
            vault.received_requests().await.unwrap().is_empty(),
            "{case}"
        );
    }
}
