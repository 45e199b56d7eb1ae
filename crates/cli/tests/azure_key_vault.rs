//! The `airflow-secrets` binary with `AzureKeyVaultBackend`, configured only by Airflow's environment
//! variables on the child process, against HTTPS fakes of Key Vault, Entra ID and the App Service managed
//! identity endpoint on 127.0.0.1. The child's `AZURE_*`/`IDENTITY_*`/`MSI_*` variables are removed or
//! pointed at the fakes, so no credential source can reach a non-loopback address.
// The CLI enables every provider through its default `all-providers` feature, which does not turn on its own
// `azure-key-vault` feature: accept either, or this file compiles to nothing by default.
#![cfg(feature = "azure-key-vault")]

mod common;

use std::path::Path;

use airflow_secrets_azure_key_vault_mock::key_vault::forbidden_access_denied;
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_SECRET, MockServer, app_service_handler,
};
use airflow_secrets_testkit::free_port;
use common::{assert_no_secret_on_stderr, clean_cli, outcome, with_backend};
use serde_json::{Value, json};
use tokio::process::Command;

const CLASS: &str = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend";

/// The binary with a clean environment: no inherited Airflow or Azure credential variables, HOME in a
/// scratch directory, IMDS moved to a closed loopback port, and an empty PATH for `az`.
fn cli(home: &Path) -> std::process::Command {
    let mut cmd = clean_cli(home, &["AZURE_", "IDENTITY_", "MSI_", "IMDS_ENDPOINT"]);
    let empty_bin = home.join("empty-bin");
    std::fs::create_dir_all(&empty_bin).unwrap();
    cmd.env(
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        format!("http://127.0.0.1:{}", free_port()),
    )
    .env("PATH", empty_bin);
    cmd
}

async fn run(cmd: &mut Command) -> (i32, String, String) {
    outcome(cmd.output().await.expect("the CLI runs"))
}

/// The fakes, holding a variable, a connection, a config value and a secret the caller may not read;
/// and a scratch HOME for the child.
async fn fixture() -> (AzureFixture, tempfile::TempDir) {
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-hello", "world-from-key-vault");
    fx.vault.put(
        "airflow-connections-my-db",
        "postgres://user:p%40ss@db.example.com:5432/analytics",
    );
    fx.vault.put("airflow-config-secret-key", "cfg-value");
    fx.vault.always(
        "airflow-variables-guarded",
        forbidden_access_denied("my-vault"),
    );
    (fx, tempfile::tempdir().unwrap())
}

/// The fixture's kwargs without a client secret (nor the tenant and client IDs that go with it): the
/// default credential chain runs in the child, reading its real environment.
fn kwargs_without_client_secret(fx: &AzureFixture) -> Value {
    let mut kwargs = fx.kwargs();
    for k in ["tenant_id", "client_id", "client_secret"] {
        kwargs.remove(k);
    }
    Value::Object(kwargs)
}

/// [`cli`] configured for the Key Vault backend with `kwargs`, to run on the async runtime.
fn configured(home: &Path, kwargs: Value) -> Command {
    Command::from(with_backend(cli(home), CLASS, &kwargs))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_variable_connection_and_config() {
    let (fx, home) = fixture().await;
    let kwargs = Value::Object(fx.kwargs());

    let (code, stdout, stderr) =
        run(configured(home.path(), kwargs.clone()).args(["get", "variable", "hello"])).await;
    assert_eq!(
        (code, stdout.as_str()),
        (0, "world-from-key-vault\n"),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(configured(home.path(), kwargs.clone()).args([
        "get",
        "connection",
        "my_db",
        "--output",
        "json",
    ]))
    .await;
    assert_eq!(code, 0, "{stderr}");
    let conn: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(conn["conn_type"], "postgres");
    assert_eq!(conn["host"], "db.example.com");
    assert_eq!(conn["port"], 5432);
    assert_eq!(conn["password"], "p@ss");

    let (code, stdout, _) =
        run(configured(home.path(), kwargs.clone()).args(["get", "config", "secret_key"])).await;
    assert_eq!((code, stdout.as_str()), (0, "cfg-value\n"));

    let (code, _, stderr) =
        run(configured(home.path(), kwargs).args(["get", "variable", "missing"])).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("Variable missing does not exist"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_secret_is_a_backend_failure() {
    let (fx, home) = fixture().await;
    let kwargs = Value::Object(fx.kwargs());
    let (code, _, stderr) =
        run(configured(home.path(), kwargs.clone()).args(["get", "variable", "guarded"])).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "permission denied reading variable `guarded` at secret `airflow-variables-guarded`"
        ),
        "{stderr}"
    );

    // Airflow falls through to the environment variables after the error.
    let (code, stdout, stderr) = run(configured(home.path(), kwargs.clone())
        .env("AIRFLOW_VAR_GUARDED", "env-copy")
        .args(["get", "variable", "guarded"]))
    .await;
    assert_eq!((code, stdout.as_str()), (0, "env-copy\n"), "{stderr}");

    let (code, _, stderr) = run(configured(home.path(), kwargs)
        .env("AIRFLOW_VAR_GUARDED", "env-copy")
        .args(["--strict", "get", "variable", "guarded"]))
    .await;
    assert_eq!(code, 3, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_exit_with_status_2() {
    let (fx, home) = fixture().await;
    let (code, _, stderr) =
        run(configured(home.path(), json!({})).args(["get", "variable", "hello"])).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("kwarg `vault_url`: is required"),
        "{stderr}"
    );
    assert_eq!(fx.vault_server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_overrides_and_the_managed_identity_from_the_process_environment() {
    let (fx, home) = fixture().await;
    // No client secret in the kwargs: the default chain runs in the child, reading its real environment.
    let kwargs = kwargs_without_client_secret(&fx);
    let msi = MockServer::https(
        &fx.ca,
        app_service_handler("identity-header-value", ACCESS_TOKEN),
    )
    .await;
    let (code, stdout, stderr) = run(configured(home.path(), kwargs)
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", msi.url()))
        .env("IDENTITY_HEADER", "identity-header-value")
        .env(
            "AIRFLOW__SECRETS__BACKEND_KWARG__VERIFY_CHALLENGE_RESOURCE",
            "False",
        )
        .args(["get", "variable", "hello"]))
    .await;
    assert_eq!(
        (code, stdout.as_str()),
        (0, "world-from-key-vault\n"),
        "{stderr}"
    );
    assert_eq!(msi.request_count(), 1);
    assert_eq!(
        msi.requests()[0].header("x-identity-header"),
        Some("identity-header-value")
    );
    assert_eq!(
        fx.token_requests(),
        0,
        "the managed identity, not the client secret, was used"
    );
    assert!(!stderr.contains("identity-header-value"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_source_lists_every_step_and_leaks_nothing() {
    let (fx, home) = fixture().await;
    let kwargs = kwargs_without_client_secret(&fx);
    let (code, _, stderr) =
        run(configured(home.path(), kwargs).args(["-vvv", "get", "variable", "hello"])).await;
    assert_eq!(code, 3, "{stderr}");
    for step in [
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        "AzureCliCredential",
    ] {
        assert!(stderr.contains(step), "{step} missing: {stderr}");
    }

    assert_stderr_clean(&stderr);
}

/// Every secret the fixture handles: the client secret, the access token, each stored value, and the connection's
/// password; each is checked in every spelling `logs::spellings` gives (plain and percent-encoded).
const SECRETS: [&str; 6] = [
    CLIENT_SECRET,
    ACCESS_TOKEN,
    "world-from-key-vault",
    "postgres://user:p%40ss@db.example.com:5432/analytics",
    "p@ss",
    "cfg-value",
];

fn assert_stderr_clean(stderr: &str) {
    assert_no_secret_on_stderr(stderr, &SECRETS, "stderr holds a secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_stderr_holds_no_secret() {
    let (fx, home) = fixture().await;
    let kwargs = Value::Object(fx.kwargs());
    // -vvv: TRACE for every crate (the SDK, reqwest, hyper, rustls included).
    let (code, stdout, stderr) =
        run(configured(home.path(), kwargs.clone()).args(["-vvv", "get", "variable", "hello"]))
            .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "world-from-key-vault\n");
    assert!(
        stderr.contains("TRACE") || stderr.contains("trace"),
        "trace logs are on: {stderr}"
    );
    assert_stderr_clean(&stderr);

    let (code, stdout, stderr) = run(configured(home.path(), kwargs.clone()).args([
        "-vvv",
        "get",
        "connection",
        "my_db",
        "--output",
        "uri",
    ]))
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("p%40ss"),
        "the password is printed on stdout only"
    );
    assert_stderr_clean(&stderr);

    for args in [
        ["-vvv", "get", "config", "secret_key"],
        ["-vvv", "get", "variable", "guarded"],
    ] {
        let (_, _, stderr) = run(configured(home.path(), kwargs.clone()).args(args)).await;
        assert_stderr_clean(&stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_vault_is_a_backend_failure_with_attempts_and_time() {
    let (fx, home) = fixture().await;
    let kwargs = Value::Object(fx.kwargs_with(json!({
        "vault_url": format!("https://127.0.0.1:{}/", free_port()),
        "retry_total": 1,
        "retry_backoff_factor": 0.05,
    })));
    let (code, stdout, stderr) =
        run(configured(home.path(), kwargs).args(["--strict", "get", "variable", "hello"])).await;
    assert_eq!((code, stdout.as_str()), (3, ""), "{stderr}");
    assert!(
        stderr.contains("the secrets store is unavailable for variable `hello`"),
        "{stderr}"
    );
    assert!(stderr.contains("(2 attempt(s) in "), "{stderr}");
    assert_stderr_clean(&stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_pattern_from_a_per_key_override_sends_nothing_for_other_keys() {
    let (fx, home) = fixture().await;
    let kwargs = Value::Object(fx.kwargs());
    let (code, _, stderr) = run(configured(home.path(), kwargs.clone())
        .env(
            "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_LOOKUP_PATTERN",
            "^team_",
        )
        .args(["get", "variable", "hello"]))
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(fx.token_requests(), 0);

    let (code, _, stderr) = run(configured(home.path(), kwargs)
        .env(
            "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_LOOKUP_PATTERN",
            "(unclosed",
        )
        .args(["get", "variable", "hello"]))
    .await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("kwarg `variables_lookup_pattern`: not a valid regular expression"),
        "{stderr}"
    );
}
