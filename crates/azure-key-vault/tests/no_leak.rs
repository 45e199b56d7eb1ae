//! No stored value, client secret, access token or identity header ever appears in Debug output, error
//! messages or tracing logs (captured at TRACE level, every crate included, by the testkit's global capture
//! that the other suites of this crate install too).

mod common;

use airflow_secrets_azure_key_vault::{
    AzureKeyVaultBackend, AzureKeyVaultKwargs, EnvSnapshot, HONOURED,
};
use airflow_secrets_azure_key_vault_mock::key_vault::{
    forbidden_access_denied, secret_disabled, throttled,
};
use airflow_secrets_azure_key_vault_mock::{
    ACCESS_TOKEN, AzureFixture, CLIENT_ID, CLIENT_SECRET, MockServer, Reply, TENANT_ID,
    app_service_handler,
};
use airflow_secrets_core::SecretsBackend;
use airflow_secrets_testkit::free_port;
use serde_json::json;

const STORED_VALUE: &str = "st0red-VALUE-MUST-NOT-LEAK";
const IDENTITY_HEADER: &str = "identity-HEADER-MUST-NOT-LEAK";
const WRONG_SECRET: &str = "wrong-SECRET-MUST-NOT-LEAK";

const ALL_SECRETS: [&str; 5] = [
    CLIENT_SECRET,
    ACCESS_TOKEN,
    STORED_VALUE,
    IDENTITY_HEADER,
    WRONG_SECRET,
];

fn assert_clean(what: &str, text: &str) {
    for secret in ALL_SECRETS {
        assert!(!text.contains(secret), "{what} leaks `{secret}`:\n{text}");
    }
}

#[test]
fn debug_output_is_redacted() {
    let logs = common::logs();
    let kwargs = AzureKeyVaultKwargs {
        vault_url: Some("https://v.vault.azure.net/".into()),
        tenant_id: Some(TENANT_ID.into()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        ..AzureKeyVaultKwargs::default()
    };
    assert_clean("kwargs Debug", &format!("{kwargs:?}"));
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
            ("IDENTITY_HEADER", IDENTITY_HEADER),
        ],
    );
    let debug = format!("{env:?}");
    assert_clean("EnvSnapshot Debug", &debug);
    assert!(
        debug.contains("AZURE_CLIENT_SECRET"),
        "names are shown: {debug}"
    );
    let backend = AzureKeyVaultBackend::new(kwargs)
        .unwrap()
        .with_environment(env);
    let debug = format!("{backend:?}");
    assert_clean("backend Debug", &debug);
    assert!(debug.contains(CLIENT_ID), "{debug}");

    // Construction warnings (incomplete credentials, TLS verification off) name kwargs, never values.
    let partial = AzureKeyVaultKwargs {
        vault_url: Some("https://v.vault.azure.net/".into()),
        tenant_id: Some(TENANT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        connection_verify: airflow_secrets_azure_key_vault::ConnectionVerify::Disabled,
        ..AzureKeyVaultKwargs::default()
    };
    let backend = AzureKeyVaultBackend::new(partial).unwrap();
    assert_clean("backend Debug", &format!("{backend:?}"));
    assert!(
        logs.contents().contains("are not all set"),
        "the warning is captured"
    );
    logs.assert_free_of(&ALL_SECRETS);
}

#[tokio::test]
async fn errors_and_logs_never_contain_secrets() {
    let logs = common::logs();

    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-found", STORED_VALUE);
    fx.vault.put(
        "airflow-connections-db",
        &format!("postgres://user:{STORED_VALUE}@host/db"),
    );
    fx.vault
        .always("airflow-variables-denied", forbidden_access_denied("v"));
    fx.vault
        .always("airflow-variables-disabled", secret_disabled());
    fx.vault.always("airflow-variables-busy", throttled(0));
    fx.vault.always(
        "airflow-variables-weird",
        Reply::json(200, json!({"value": [STORED_VALUE]})),
    );
    fx.vault.always(
        "airflow-variables-weirder",
        Reply::json(200, json!({"value": 7, "id": STORED_VALUE})),
    );

    let mut messages = Vec::new();
    let backend = common::backend(&fx, json!({"retry_total": 1}));
    let value = backend.get_variable("found").await.unwrap().unwrap();
    assert_eq!(value.expose(), STORED_VALUE);
    messages.push(format!("{value:?} {value}"));
    let connection = backend.get_connection("db").await.unwrap().unwrap();
    messages.push(format!("{connection:?}"));
    for key in ["denied", "disabled", "busy", "weird", "weirder"] {
        let err = backend.get_variable(key).await.unwrap_err();
        messages.push(format!("{err} {err:?}"));
    }
    messages.push(format!("{backend:?}"));

    // A rejected client secret.
    let backend = common::backend(&fx, json!({"client_secret": WRONG_SECRET}));
    let err = backend.get_variable("found").await.unwrap_err();
    messages.push(format!("{err} {err:?}"));

    // The chain: a wrong AZURE_CLIENT_SECRET, then a managed identity whose header is a secret.
    let chain_kwargs =
        fx.kwargs_with(json!({"tenant_id": null, "client_id": null, "client_secret": null}));
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AZURE_TENANT_ID", TENANT_ID.to_owned()),
            ("AZURE_CLIENT_ID", CLIENT_ID.to_owned()),
            ("AZURE_CLIENT_SECRET", WRONG_SECRET.to_owned()),
            ("AZURE_AUTHORITY_HOST", fx.entra_server.url()),
            // Never reached (the failing environment step stops the chain), but kept local all the same.
            (
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                format!("http://127.0.0.1:{}", free_port()),
            ),
            ("PATH", String::new()),
        ],
    );
    let backend = AzureKeyVaultBackend::from_kwargs(&chain_kwargs)
        .unwrap()
        .with_environment(env);
    let err = backend.get_variable("found").await.unwrap_err();
    messages.push(format!("{err} {err:?} {backend:?}"));

    let msi = MockServer::https(&fx.ca, app_service_handler(IDENTITY_HEADER, ACCESS_TOKEN)).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("IDENTITY_ENDPOINT", format!("{}/msi/token", msi.url())),
            ("IDENTITY_HEADER", IDENTITY_HEADER.to_owned()),
        ],
    );
    let backend = AzureKeyVaultBackend::from_kwargs(&chain_kwargs)
        .unwrap()
        .with_environment(env);
    assert_eq!(
        backend
            .get_variable("found")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        STORED_VALUE
    );
    messages.push(format!("{backend:?}"));

    for message in &messages {
        assert_clean("a message", message);
    }
    assert!(
        logs.contents().contains("airflow-variables-busy"),
        "the capture works"
    );
    logs.assert_free_of(&ALL_SECRETS);
}
