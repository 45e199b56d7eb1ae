//! Vault `aws_iam` without `key_id`/`secret_id`: the credentials come from AWS's default chain, as
//! Airflow's `boto3.Session()` does — profile files, web identity (moto's STS), container credentials
//! and IMDSv2 (local mocks). Each source is configured by environment variables, so each run is the
//! `airflow-secrets` binary in an environment of its own (this process's is never changed); the Vault
//! mock receives the login and the test reads which key signed it.
#![cfg(feature = "vault")]

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use airflow_secrets_testkit as testkit;
use common::{clean_cli, outcome, with_backend};
use serde_json::{Value, json};
use testkit::aws_credentials::{
    IamLogin, credentials_json, mount_container_credentials, mount_imds, write_profile_files,
};
use testkit::conformance::raw::{Behaviour, RawServer};
use testkit::vault_responses::{auth_response, kv2};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
const VALUE: &str = "chain-variable-value";
/// The secrets each source hands out, looked for in every output.
const SECRETS: &[&str] = &[
    "profileSecret-7a1f",
    "containerSecret-51b2",
    "containerSession-51b2",
    "containerAuthToken-51b2",
    "imdsSecret-90ce",
    "imdsSession-90ce",
    "webIdentityJwt-0d3e",
    "vault-token-from-aws-login",
    testkit::aws_credentials::IMDS_TOKEN,
];

/// Every variable of the chain this suite sets, removed from the inherited environment first.
const CHAIN_VARS: &[&str] = &["AWS_", "VAULT_"];

/// A Vault mock: the aws login answers a token, the variable `v` answers [`VALUE`].
async fn vault() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/aws/login"))
        .respond_with(auth_response("vault-token-from-aws-login", 3600, false))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/v"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .mount(&server)
        .await;
    server
}

fn kwargs(server_url: &str, extra: Value) -> Value {
    let mut k = json!({ "url": server_url, "auth_type": "aws_iam", "role_id": "airflow",
        "max_retries": 0, "timeout": 2 });
    k.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    k
}

/// `airflow-secrets get variable v` with only `env` (and a HOME of its own) for the AWS chain; IMDS is
/// off unless `env` turns it on.
async fn get_variable(
    home: &Path,
    kwargs: &Value,
    env: &[(&str, String)],
) -> (i32, String, String) {
    run(home, kwargs, env, &["get", "variable", "v"]).await
}

/// The binary with `args`, in the environment of [`get_variable`]; no secret in stdout or stderr.
async fn run(
    home: &Path,
    kwargs: &Value,
    env: &[(&str, String)],
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = with_backend(clean_cli(home, CHAIN_VARS), CLASS_PATH, kwargs);
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    let output: Output = tokio::process::Command::from(cmd)
        .output()
        .await
        .expect("the CLI runs");
    let (code, stdout, stderr) = outcome(output);
    // At TRACE the AWS SDK logs each request's headers, IMDSv2's session token among them (it is not
    // marked sensitive); that token opens the instance's metadata service only, from the instance.
    // Every other secret is checked at every level.
    let secrets: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|s| !(args.contains(&"-vvv") && *s == testkit::aws_credentials::IMDS_TOKEN))
        .collect();
    testkit::leak_check::assert_no_secret(&stdout, &secrets);
    testkit::leak_check::assert_no_secret(&stderr, &secrets);
    (code, stdout, stderr)
}

/// The one `aws_iam` login `vault` received.
async fn login(vault: &MockServer) -> IamLogin {
    let logins: Vec<_> = vault
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/auth/aws/login")
        .collect();
    assert_eq!(logins.len(), 1, "one login");
    let login = IamLogin::from_request(&logins[0]);
    assert_eq!(login.url, "https://sts.amazonaws.com/");
    assert_eq!(login.body, "Action=GetCallerIdentity&Version=2011-06-15");
    login
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_from_the_shared_files_signs_in_its_region() {
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let (config, credentials) = write_profile_files(
        home.path(),
        "airflow",
        "AKIDPROFILE",
        "profileSecret-7a1f",
        "eu-central-1",
    );
    let env = [
        ("AWS_PROFILE", "airflow".to_owned()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
    ];
    let (code, stdout, stderr) =
        get_variable(home.path(), &kwargs(&vault.uri(), json!({})), &env).await;
    assert_eq!((code, stdout.trim()), (0, VALUE), "{stderr}");
    let login = login(&vault).await;
    assert_eq!(
        (login.access_key_id.as_str(), login.region.as_str()),
        ("AKIDPROFILE", "eu-central-1")
    );
    assert!(!login.headers.contains_key("x-amz-security-token"));

    // The `region` kwarg wins over the session's region, as in Airflow.
    let vault = self::vault().await;
    let (code, _, stderr) = get_variable(
        home.path(),
        &kwargs(&vault.uri(), json!({ "region": "ap-south-1" })),
        &env,
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(login_of(&vault).await.region, "ap-south-1");
}

async fn login_of(vault: &MockServer) -> IamLogin {
    login(vault).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_environment_region_is_the_session_region() {
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let (config, credentials) = write_profile_files(
        home.path(),
        "default",
        "AKIDPROFILE",
        "profileSecret-7a1f",
        "eu-central-1",
    );
    let env = [
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        ("AWS_REGION", "sa-east-1".to_owned()),
    ];
    let (code, _, stderr) = get_variable(home.path(), &kwargs(&vault.uri(), json!({})), &env).await;
    assert_eq!(code, 0, "{stderr}");
    let login = login(&vault).await;
    assert_eq!(
        (login.access_key_id.as_str(), login.region.as_str()),
        ("AKIDPROFILE", "sa-east-1"),
        "the default profile, in AWS_REGION"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn web_identity_assumes_the_role_at_sts_then_signs_with_the_role_credentials() {
    let moto = testkit::moto::start_moto();
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, "webIdentityJwt-0d3e").unwrap();
    let env = [
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            token_file.display().to_string(),
        ),
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/airflow-irsa".to_owned(),
        ),
        ("AWS_ROLE_SESSION_NAME", "airflow-worker".to_owned()),
        (
            "AWS_ENDPOINT_URL_STS",
            format!("http://127.0.0.1:{}", moto.port),
        ),
        ("AWS_REGION", "eu-west-1".to_owned()),
    ];
    let (code, stdout, stderr) = run(
        home.path(),
        &kwargs(&vault.uri(), json!({})),
        &env,
        &["-vvv", "get", "variable", "v"],
    )
    .await;
    assert_eq!((code, stdout.trim()), (0, VALUE), "{stderr}");
    let login = login(&vault).await;
    // moto's AssumeRoleWithWebIdentity answers temporary credentials: an ASIA key and a session token.
    assert!(login.access_key_id.starts_with("ASIA"), "{login:?}");
    assert!(
        login
            .headers
            .get("x-amz-security-token")
            .is_some_and(|t| !t.is_empty()),
        "{login:?}"
    );
    assert_eq!(login.region, "eu-west-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn container_credentials_are_fetched_with_the_authorization_token() {
    let credentials_server = MockServer::start().await;
    mount_container_credentials(
        &credentials_server,
        "/v2/credentials/task",
        "containerAuthToken-51b2",
        credentials_json(
            "ASIACONTAINER",
            "containerSecret-51b2",
            "containerSession-51b2",
        ),
    )
    .await;
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let env = [
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v2/credentials/task", credentials_server.uri()),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "containerAuthToken-51b2".to_owned(),
        ),
    ];
    let (code, stdout, stderr) = run(
        home.path(),
        &kwargs(&vault.uri(), json!({})),
        &env,
        &["-vvv", "get", "variable", "v"],
    )
    .await;
    assert_eq!((code, stdout.trim()), (0, VALUE), "{stderr}");
    let login = login(&vault).await;
    assert_eq!(
        (login.access_key_id.as_str(), login.region.as_str()),
        ("ASIACONTAINER", "us-east-1"),
        "no region configured: hvac's us-east-1"
    );
    assert_eq!(
        login.headers["x-amz-security-token"],
        "containerSession-51b2"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instance_metadata_v2_gives_the_instance_role_credentials() {
    let imds = MockServer::start().await;
    mount_imds(
        &imds,
        credentials_json("ASIAINSTANCE", "imdsSecret-90ce", "imdsSession-90ce"),
    )
    .await;
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false".to_owned()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.uri()),
        ("AWS_DEFAULT_REGION", "us-west-2".to_owned()),
    ];
    let (code, stdout, stderr) =
        get_variable(home.path(), &kwargs(&vault.uri(), json!({})), &env).await;
    assert_eq!((code, stdout.trim()), (0, VALUE), "{stderr}");
    let login = login(&vault).await;
    assert_eq!(
        (login.access_key_id.as_str(), login.region.as_str()),
        ("ASIAINSTANCE", "us-west-2")
    );
    // At TRACE (the SDK's own events included), no credential either.
    let traced = self::vault().await;
    let (code, _, stderr) = run(
        home.path(),
        &kwargs(&traced.uri(), json!({})),
        &env,
        &["-vvv", "get", "variable", "v"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(login.headers["x-amz-security-token"], "imdsSession-90ce");
    let token_puts = imds
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert!(token_puts >= 1, "IMDSv2: a session token first");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_source_at_all_is_a_clear_error_and_vault_gets_no_request() {
    let vault = vault().await;
    let home = tempfile::tempdir().unwrap();
    let (code, _, stderr) = get_variable(home.path(), &kwargs(&vault.uri(), json!({})), &[]).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("no AWS credentials for the aws_iam login")
            && stderr.contains("AWS_WEB_IDENTITY_TOKEN_FILE"),
        "{stderr}"
    );
    assert!(vault.received_requests().await.unwrap().is_empty());
}

/// A container endpoint that is down, stalls, floods, redirects or answers garbage: each a clear error
/// within the deadline, no login sent, no credential shown.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_credential_source_fails_clearly_within_the_deadline() {
    let down = format!("http://127.0.0.1:{}/creds", testkit::free_port());
    let drip = RawServer::start(Behaviour::Drip).await;
    let flood = RawServer::start(Behaviour::FloodAnnounced).await;
    let redirect =
        RawServer::start(Behaviour::RedirectTo("http://127.0.0.1:9/elsewhere".into())).await;
    let garbage = RawServer::start(Behaviour::Reply {
        status: 200,
        body: "<html>not credentials</html>".into(),
    })
    .await;
    let cases = [
        ("down", down),
        ("stalled", format!("{}/creds", drip.url())),
        ("10 GB", format!("{}/creds", flood.url())),
        ("redirect", format!("{}/creds", redirect.url())),
        ("garbage", format!("{}/creds", garbage.url())),
    ];
    for (case, uri) in cases {
        let vault = vault().await;
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let env = [
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "containerAuthToken-51b2".to_owned(),
            ),
        ];
        let (code, _, stderr) =
            get_variable(home.path(), &kwargs(&vault.uri(), json!({})), &env).await;
        let took = started.elapsed();
        assert_eq!(code, 3, "{case}: {stderr}");
        assert!(
            stderr.contains(
                "no AWS credentials for the aws_iam login: the AWS default chain's \
                             container credentials source"
            ),
            "{case}: {stderr}"
        );
        // `timeout: 2` → a 4 s deadline for the chain; the process starts and ends around it.
        assert!(took < Duration::from_secs(15), "{case}: took {took:?}");
        assert!(
            vault.received_requests().await.unwrap().is_empty(),
            "{case}: no login without credentials"
        );
    }
    assert!(
        flood.written() < 64 << 20,
        "the 10 GB body was not read: {} bytes written",
        flood.written()
    );
}
