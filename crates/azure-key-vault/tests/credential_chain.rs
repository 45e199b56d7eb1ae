//! The default credential chain (environment → workload identity → managed identity → Azure CLI), each step
//! against local fakes, through an explicit environment. The process environment is never read or changed, and
//! every test that reaches the managed-identity step points it at a local address (`IDENTITY_ENDPOINT` or
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST`), so nothing goes to 169.254.169.254.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use airflow_secrets_azure_key_vault::{
    AzureKeyVaultBackend, DefaultAzureCredentialChain, DefaultCredentialOptions, EnvSnapshot,
    HONOURED, KEY_VAULT_SCOPE,
};
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_ID, CLIENT_SECRET, ClientProof, FakeEntra, MockServer,
    Reply, TENANT_ID, app_service_handler, imds_handler,
};
use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::free_port;
use azure_core::credentials::TokenCredential;
use common::{assert_logs_clean, assert_says, assert_text_clean, expect_err};
use serde_json::{Value, json};

/// The federated token AKS projects into the pod (a secret: it is exchanged for an access token).
const FEDERATED_TOKEN: &str = "federated-jwt-from-the-projected-volume";
/// App Service's identity header (a secret).
const IDENTITY_HEADER: &str = "identity-header-secret";

/// Variables every chain test starts from: IMDS moved to a closed local port, and an empty `PATH` (no `az`).
fn base_env(scratch: &Path) -> Vec<(String, String)> {
    let empty_bin = scratch.join("empty-bin");
    std::fs::create_dir_all(&empty_bin).unwrap();
    vec![
        (
            "AZURE_POD_IDENTITY_AUTHORITY_HOST".into(),
            format!("http://127.0.0.1:{}", free_port()),
        ),
        ("PATH".into(), empty_bin.to_string_lossy().into_owned()),
    ]
}

fn env_with(scratch: &Path, extra: &[(&str, String)]) -> EnvSnapshot {
    let mut vars = base_env(scratch);
    for (k, v) in extra {
        vars.retain(|(key, _)| key != k);
        vars.push(((*k).to_owned(), v.clone()));
    }
    EnvSnapshot::from_vars(HONOURED, vars)
}

/// A backend without client-secret kwargs (so the chain is used), reading the fixture's vault.
fn chain_backend(fx: &AzureFixture, overrides: Value, env: EnvSnapshot) -> AzureKeyVaultBackend {
    let mut kwargs = fx.kwargs_with(json!({"tenant_id": null, "client_id": null, "client_secret": null, "authority_host": null}));
    for (k, v) in overrides.as_object().unwrap() {
        kwargs.insert(k.clone(), v.clone());
    }
    AzureKeyVaultBackend::from_kwargs(&kwargs)
        .unwrap()
        .with_environment(env)
}

/// Writes a fake `az` that records its arguments and prints a token (or runs `body` instead).
fn fake_az(dir: &Path, body: Option<&str>) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("az-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let args_file = dir.join("az-args.txt");
    let default_body = format!(
        "printf '{{\"accessToken\":\"%s\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\
         \"subscription\":\"00000000-0000-0000-0000-000000000001\",\"tenant\":\"{TENANT_ID}\",\"tokenType\":\"Bearer\"}}\\n' \
         '{ACCESS_TOKEN}'"
    );
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" > '{}'\n{}\n",
        args_file.display(),
        body.unwrap_or(&default_body)
    );
    let az = bin.join("az");
    std::fs::write(&az, script).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, args_file)
}

/// An IMDS that answers every request with 400 "Identity not found": no identity is assigned to this machine.
async fn imds_without_identity() -> MockServer {
    MockServer::http(std::sync::Arc::new(
        |_: &airflow_secrets_azure_key_vault_mock::Recorded| {
            Reply::json(
                400,
                json!({"error": "invalid_request", "error_description": "Identity not found"}),
            )
        },
    ))
    .await
}

async fn read_hello(backend: &AzureKeyVaultBackend) -> Result<Option<String>, Error> {
    backend
        .get_variable("hello")
        .await
        .map(|v| v.map(|v| v.expose().to_owned()))
}

/// Panics unless variable `hello` reads `expected` through `backend`.
async fn assert_reads_hello(backend: &AzureKeyVaultBackend, expected: &str) {
    assert_eq!(
        read_hello(backend).await.unwrap().as_deref(),
        Some(expected)
    );
}

/// A fixture whose vault stores `value` as variable `hello`.
async fn fixture_with_hello(value: &str) -> AzureFixture {
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-hello", value);
    fx
}

/// `PATH` set to `bin` alone (where [`fake_az`] put `az`).
fn path_to(bin: &Path) -> (&'static str, String) {
    ("PATH", bin.to_string_lossy().into_owned())
}

/// An App Service managed-identity endpoint (HTTPS, trusted through connection_verify like every
/// token request) and the two variables that point the chain at it.
async fn app_service(fx: &AzureFixture) -> (MockServer, [(&'static str, String); 2]) {
    let msi = MockServer::https(&fx.ca, app_service_handler(IDENTITY_HEADER, ACCESS_TOKEN)).await;
    let vars = [
        ("IDENTITY_ENDPOINT", format!("{}/msi/token", msi.url())),
        ("IDENTITY_HEADER", IDENTITY_HEADER.to_owned()),
    ];
    (msi, vars)
}

/// The `client_id` query parameter of the last request `msi` received.
fn last_client_id(msi: &MockServer) -> Option<String> {
    msi.requests().last().unwrap().query_param("client_id")
}

#[tokio::test]
async fn environment_credential_uses_azure_client_secret() {
    let logs = common::logs();
    let fx = fixture_with_hello("from-env-credential").await;
    let env = env_with(
        fx.ca.scratch_dir(),
        &[
            ("AZURE_TENANT_ID", TENANT_ID.into()),
            ("AZURE_CLIENT_ID", CLIENT_ID.into()),
            ("AZURE_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("AZURE_AUTHORITY_HOST", fx.entra_server.url()),
        ],
    );
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "from-env-credential").await;
    let token_request = &fx.entra_server.requests()[0];
    assert_eq!(
        token_request.path,
        format!("/{TENANT_ID}/oauth2/v2.0/token")
    );
    assert_eq!(
        token_request.form_param("client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    assert_logs_clean(&logs, &["from-env-credential"]);
}

/// A federated token file and an Entra ID that accepts it for `tenant` and `client_id`, and the
/// environment AKS gives the pod, naming `env_tenant` and `env_client`.
async fn workload_setup(
    fx: &AzureFixture,
    (tenant, client_id): (&str, &str),
    (env_tenant, env_client): (&str, &str),
) -> (MockServer, EnvSnapshot) {
    let token_file = fx.ca.scratch_dir().join("federated-token");
    std::fs::write(&token_file, FEDERATED_TOKEN).unwrap();
    let entra = FakeEntra {
        tenant: tenant.into(),
        client_id: client_id.into(),
        proof: ClientProof::Assertion(FEDERATED_TOKEN.into()),
        token: ACCESS_TOKEN.into(),
    };
    let entra = MockServer::https(&fx.ca, entra.handler()).await;
    let env = env_with(
        fx.ca.scratch_dir(),
        &[
            ("AZURE_AUTHORITY_HOST", entra.url()),
            ("AZURE_TENANT_ID", env_tenant.into()),
            ("AZURE_CLIENT_ID", env_client.into()),
            (
                "AZURE_FEDERATED_TOKEN_FILE",
                token_file.to_string_lossy().into_owned(),
            ),
        ],
    );
    (entra, env)
}

#[tokio::test]
async fn workload_identity_exchanges_the_federated_token_file() {
    let logs = common::logs();
    let fx = fixture_with_hello("from-workload-identity").await;
    let identity = ("aks-tenant", "workload-client");
    let (entra, env) = workload_setup(&fx, identity, identity).await;
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "from-workload-identity").await;
    let request = &entra.requests()[0];
    assert_eq!(request.path, "/aks-tenant/oauth2/v2.0/token");
    assert_eq!(
        request.form_param("client_id").as_deref(),
        Some("workload-client")
    );
    assert_eq!(
        request.form_param("client_assertion").as_deref(),
        Some(FEDERATED_TOKEN)
    );
    assert_eq!(
        request.form_param("scope").as_deref(),
        Some(KEY_VAULT_SCOPE)
    );
    assert_logs_clean(&logs, &["from-workload-identity", FEDERATED_TOKEN]);
}

#[tokio::test]
async fn airflow_kwargs_choose_the_workload_identity_tenant_and_client() {
    let logs = common::logs();
    let fx = fixture_with_hello("kwarg-workload-value-e31").await;
    let (entra, env) = workload_setup(
        &fx,
        ("kwarg-tenant", "kwarg-client"),
        ("env-tenant", "env-client"),
    )
    .await;
    let overrides = json!({"managed_identity_client_id": "kwarg-client", "workload_identity_tenant_id": "kwarg-tenant"});
    let backend = chain_backend(&fx, overrides, env);
    assert_reads_hello(&backend, "kwarg-workload-value-e31").await;
    assert_eq!(entra.requests()[0].path, "/kwarg-tenant/oauth2/v2.0/token");
    assert_eq!(
        entra.requests()[0].form_param("client_id").as_deref(),
        Some("kwarg-client")
    );
    assert_logs_clean(&logs, &["kwarg-workload-value-e31", FEDERATED_TOKEN]);
}

#[tokio::test]
async fn managed_identity_uses_identity_endpoint_and_header() {
    let logs = common::logs();
    let fx = fixture_with_hello("from-managed-identity").await;
    let (msi, msi_vars) = app_service(&fx).await;
    let env = env_with(fx.ca.scratch_dir(), &msi_vars);
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "from-managed-identity").await;
    let request = &msi.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/msi/token");
    assert_eq!(
        request.query_param("api-version").as_deref(),
        Some("2019-08-01")
    );
    assert_eq!(
        request.query_param("resource").as_deref(),
        Some("https://vault.azure.net")
    );
    assert_eq!(
        request.query_param("client_id"),
        None,
        "system-assigned by default"
    );
    assert_eq!(request.header("x-identity-header"), Some(IDENTITY_HEADER));
    assert_eq!(fx.token_requests(), 0);
    assert_logs_clean(&logs, &["from-managed-identity", IDENTITY_HEADER]);
}

#[tokio::test]
async fn a_user_assigned_identity_comes_from_the_kwargs_or_azure_client_id() {
    let logs = common::logs();
    let fx = fixture_with_hello("uami-value-a18").await;
    let (msi, msi_vars) = app_service(&fx).await;

    let mut vars = msi_vars.to_vec();
    vars.push(("AZURE_CLIENT_ID", "env-uami".into()));
    let backend = chain_backend(&fx, json!({}), env_with(fx.ca.scratch_dir(), &vars));
    read_hello(&backend).await.unwrap();
    assert_eq!(last_client_id(&msi).as_deref(), Some("env-uami"));

    // Airflow passes managed_identity_client_id only together with workload_identity_tenant_id.
    let both =
        json!({"managed_identity_client_id": "kwarg-uami", "workload_identity_tenant_id": "t"});
    let backend = chain_backend(&fx, both, env_with(fx.ca.scratch_dir(), &vars));
    read_hello(&backend).await.unwrap();
    assert_eq!(last_client_id(&msi).as_deref(), Some("kwarg-uami"));

    let alone = json!({"managed_identity_client_id": "kwarg-uami"});
    let backend = chain_backend(&fx, alone, env_with(fx.ca.scratch_dir(), &msi_vars));
    read_hello(&backend).await.unwrap();
    assert_eq!(last_client_id(&msi), None, "ignored alone, as in Airflow");
    assert_logs_clean(&logs, &["uami-value-a18", IDENTITY_HEADER]);
}

#[tokio::test]
async fn imds_is_used_when_no_identity_endpoint_is_set() {
    let logs = common::logs();
    let fx = fixture_with_hello("from-imds").await;
    let imds = MockServer::http(imds_handler(ACCESS_TOKEN)).await;
    let env = env_with(
        fx.ca.scratch_dir(),
        &[("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url())],
    );
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "from-imds").await;
    let request = &imds.requests()[0];
    assert_eq!(request.path, "/metadata/identity/oauth2/token");
    assert_eq!(
        request.query_param("api-version").as_deref(),
        Some("2018-02-01")
    );
    assert_eq!(
        request.query_param("resource").as_deref(),
        Some("https://vault.azure.net")
    );
    assert_eq!(request.header("metadata"), Some("true"));
    assert_logs_clean(&logs, &["from-imds"]);
}

#[tokio::test]
async fn azure_cli_is_the_last_resort() {
    let logs = common::logs();
    let fx = fixture_with_hello("from-azure-cli").await;
    let (bin, args_file) = fake_az(fx.ca.scratch_dir(), None);
    let env = env_with(fx.ca.scratch_dir(), &[path_to(&bin)]);
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "from-azure-cli").await;
    let args = std::fs::read_to_string(args_file).unwrap();
    assert_eq!(
        args.trim(),
        "account get-access-token -o json --scope https://vault.azure.net/.default"
    );
    assert_logs_clean(&logs, &["from-azure-cli"]);
}

#[tokio::test]
async fn when_every_source_is_unavailable_the_error_lists_each_step() {
    let logs = common::logs();
    let fx = AzureFixture::start().await;
    let backend = chain_backend(&fx, json!({}), env_with(fx.ca.scratch_dir(), &[]));
    let err = expect_err(read_hello(&backend).await, &[]);
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let text = err.to_string();
    assert_says(&err, &["DefaultAzureCredential failed to retrieve a token"]);
    let steps = [
        "EnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not fully configured (missing: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)",
        "WorkloadIdentityCredential: WorkloadIdentityCredential authentication unavailable: AZURE_FEDERATED_TOKEN_FILE is not set",
        "ManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint",
        "AzureCliCredential:",
    ];
    let mut from = 0;
    for step in steps {
        let at = text[from..]
            .find(step)
            .unwrap_or_else(|| panic!("`{step}` missing (or out of order) in: {text}"));
        from += at + step.len();
    }
    assert_says(&err, &["az not found on PATH", "default credential chain"]);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_configured_source_that_fails_stops_the_chain() {
    let logs = common::logs();
    let fx = AzureFixture::start().await;
    let imds = MockServer::http(imds_handler(ACCESS_TOKEN)).await;
    let (bin, args_file) = fake_az(fx.ca.scratch_dir(), None);
    let env = env_with(
        fx.ca.scratch_dir(),
        &[
            ("AZURE_TENANT_ID", TENANT_ID.into()),
            ("AZURE_CLIENT_ID", CLIENT_ID.into()),
            ("AZURE_CLIENT_SECRET", "a-wrong-secret".into()),
            ("AZURE_AUTHORITY_HOST", fx.entra_server.url()),
            ("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()),
            path_to(&bin),
        ],
    );
    let backend = chain_backend(&fx, json!({}), env);
    let err = expect_err(read_hello(&backend).await, &["a-wrong-secret"]);
    let text = err.to_string();
    assert_says(
        &err,
        &[
            "EnvironmentCredential: ClientSecretCredential authentication failed",
            "AADSTS7000215",
        ],
    );
    assert!(
        !text.contains("ManagedIdentityCredential"),
        "the chain must stop: {text}"
    );
    assert!(!text.contains("a-wrong-secret"), "{text}");
    assert_eq!(imds.request_count(), 0);
    assert!(!args_file.exists(), "az must not run");
    assert_logs_clean(&logs, &["a-wrong-secret"]);
}

#[tokio::test]
async fn unsupported_or_unassigned_managed_identities_fall_through_to_the_cli() {
    let logs = common::logs();
    let fx = fixture_with_hello("cli-fallback-value-d72").await;
    let (bin, _) = fake_az(fx.ca.scratch_dir(), None);
    let path = path_to(&bin);

    // Cloud Shell (MSI_ENDPOINT) is not supported: unavailable, not fatal.
    let env = env_with(
        fx.ca.scratch_dir(),
        &[
            ("MSI_ENDPOINT", "http://127.0.0.1:1/msi".into()),
            path.clone(),
        ],
    );
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "cli-fallback-value-d72").await;

    // IMDS answering 400 (identity not assigned) is "unavailable" too.
    let imds = imds_without_identity().await;
    let env = env_with(
        fx.ca.scratch_dir(),
        &[("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()), path],
    );
    let backend = chain_backend(&fx, json!({}), env);
    assert_reads_hello(&backend, "cli-fallback-value-d72").await;
    assert_eq!(imds.request_count(), 1, "the probe is a single attempt");
    assert_logs_clean(&logs, &["cli-fallback-value-d72"]);
}

fn chain(env: EnvSnapshot, az_timeout: Duration) -> DefaultAzureCredentialChain {
    DefaultAzureCredentialChain::new(DefaultCredentialOptions {
        environment: env,
        az_timeout,
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn the_source_that_worked_is_remembered() {
    let logs = common::logs();
    let scratch = tempfile::tempdir().unwrap();
    let probes = imds_without_identity().await;
    let (bin, _) = fake_az(scratch.path(), None);
    let env = env_with(
        scratch.path(),
        &[
            ("AZURE_POD_IDENTITY_AUTHORITY_HOST", probes.url()),
            path_to(&bin),
        ],
    );
    let chain = chain(env, Duration::from_secs(10));
    let token = chain.get_token(&[KEY_VAULT_SCOPE], None).await.unwrap();
    assert_eq!(token.token.secret(), ACCESS_TOKEN);
    chain.get_token(&[KEY_VAULT_SCOPE], None).await.unwrap();
    assert_eq!(
        probes.request_count(),
        1,
        "IMDS is not probed again once the CLI worked"
    );
    assert_text_clean("the token's Debug", &format!("{token:?}"), &[]);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn a_hanging_azure_cli_is_stopped() {
    let logs = common::logs();
    let scratch = tempfile::tempdir().unwrap();
    let (bin, _) = fake_az(scratch.path(), Some("exec /bin/sleep 5"));
    let env = env_with(scratch.path(), &[path_to(&bin)]);
    let chain = chain(env, Duration::from_millis(500));
    let err = chain.get_token(&[KEY_VAULT_SCOPE], None).await.unwrap_err();
    assert_says(&err, &["the Azure CLI did not answer within 0.5 s"]);
    assert_text_clean("the error", &format!("{err} {err:?}"), &[]);
    assert_logs_clean(&logs, &[]);
}

#[tokio::test]
async fn an_unreadable_federated_token_file_is_reported() {
    let logs = common::logs();
    let scratch = tempfile::tempdir().unwrap();
    let env = env_with(
        scratch.path(),
        &[
            ("AZURE_AUTHORITY_HOST", "https://127.0.0.1:1".into()),
            ("AZURE_TENANT_ID", "t".into()),
            ("AZURE_CLIENT_ID", "c".into()),
            ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/token".into()),
        ],
    );
    let err = chain(env, Duration::from_secs(10))
        .get_token(&[KEY_VAULT_SCOPE], None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("WorkloadIdentityCredential: failed to read federated token from file /nonexistent/token"), "{text}");
    assert!(
        !text.contains("AzureCliCredential"),
        "a configured-but-broken source stops the chain: {text}"
    );
    assert_text_clean("the error", &format!("{err} {err:?}"), &[]);
    assert_logs_clean(&logs, &[]);
}
