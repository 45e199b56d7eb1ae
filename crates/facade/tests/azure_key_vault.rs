//! `AzureKeyVaultBackend` through the facade: Airflow's class paths, kwargs JSON and environment variables,
//! against the HTTPS fakes of Key Vault and Entra ID on 127.0.0.1 (the `connection_verify` kwarg trusts their
//! test CA). Every test runs under the TRACE log capture and ends by checking that no secret was logged.
#![cfg(feature = "azure-key-vault")]

mod common;

use airflow_secrets::{
    EnvironmentVariablesBackend, Error, ErrorPolicy, Kwargs, Secrets, SecretsBackend,
};
use airflow_secrets_azure_key_vault_mock::key_vault::forbidden_access_denied;
use airflow_secrets_azure_key_vault_mock::{ACCESS_TOKEN, AzureFixture, CLIENT_SECRET};
use airflow_secrets_testkit::logs::{self, Logs};
use common::{assert_from_environment, backend_config, config_value, fell_through, variable_value};
use serde_json::json;

const CLASS: &str = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend";
const LEGACY_CLASS: &str =
    "airflow.providers.microsoft.azure.secrets.azure_key_vault.AzureKeyVaultBackend";

/// Every value the fixture stores (and the password inside the connection URI).
const STORED: [&str; 4] = [
    "world-from-key-vault",
    "postgres://user:p%40ss@db.example.com:5432/analytics",
    "p@ss",
    "postgresql://airflow@db/airflow",
];

/// Ends a test: no fixture secret, stored value or `extra` secret in the captured logs, nor in `errors`.
fn assert_clean(logs: &Logs, errors: &[&Error], extra: &[&str]) {
    let mut secrets = vec![CLIENT_SECRET, ACCESS_TOKEN];
    secrets.extend_from_slice(&STORED);
    secrets.extend_from_slice(extra);
    common::assert_clean(logs, errors, &secrets);
}

async fn fixture() -> AzureFixture {
    let fx = AzureFixture::start().await;
    fx.vault
        .put("airflow-variables-hello", "world-from-key-vault");
    fx.vault.put(
        "airflow-connections-my-db",
        "postgres://user:p%40ss@db.example.com:5432/analytics",
    );
    fx.vault.put(
        "airflow-config-sql-alchemy-conn",
        "postgresql://airflow@db/airflow",
    );
    fx
}

/// The chain of the Key Vault backend with `kwargs`, then an environment-variables tier holding only
/// `variable` (name, value), with `policy`.
async fn with_env_variable(kwargs: Kwargs, variable: (&str, &str), policy: ErrorPolicy) -> Secrets {
    Secrets::builder()
        .backend(CLASS, kwargs)
        .environment(EnvironmentVariablesBackend::from_vars([variable]))
        .error_policy(policy)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn both_class_paths_build_the_backend_from_airflow_kwargs() {
    let logs = logs::capture();
    let fx = fixture().await;
    for class in [CLASS, LEGACY_CLASS] {
        let secrets = Secrets::builder()
            .backend(class, fx.kwargs())
            .no_cache()
            .build()
            .await
            .unwrap();
        assert_eq!(
            secrets.custom_backend().unwrap().name(),
            "AzureKeyVaultBackend"
        );
        let lookup = secrets.variable_lookup("hello").await.unwrap();
        assert_eq!(lookup.value.unwrap().expose(), "world-from-key-vault");
        assert_eq!(lookup.found_in, Some("AzureKeyVaultBackend"));
        let conn = secrets.connection("my_db").await.unwrap();
        assert_eq!(
            (conn.conn_type.as_deref(), conn.host.as_deref(), conn.port),
            (Some("postgres"), Some("db.example.com"), Some(5432))
        );
        assert_eq!(conn.password.as_ref().map(|p| p.expose()), Some("p@ss"));
        assert_eq!(
            config_value(&secrets, "sql_alchemy_conn").await,
            "postgresql://airflow@db/airflow"
        );
    }
    assert_clean(&logs, &[], &[]);
}

/// `[core] multi_team` reaches the backend: in an ordinary deployment `team__key` is read
/// (`…-team--key`), in a multi-team one it is refused and nothing is sent (microsoft-azure 15.2.1).
#[tokio::test]
async fn core_multi_team_turns_the_team_namespace_guard_on() {
    let logs = logs::capture();
    let fx = fixture().await;
    fx.vault
        .put("airflow-variables-team--key", "team-namespace-value-4b8");
    let kwargs_json = serde_json::to_string(&fx.kwargs()).unwrap();
    let ordinary = backend_config(CLASS, &kwargs_json, &[]);
    let secrets = Secrets::builder().config(ordinary).build().await.unwrap();
    assert_eq!(
        variable_value(&secrets, "team__key").await,
        "team-namespace-value-4b8"
    );
    let sent = fx.vault_server.request_count();
    assert!(sent > 0);
    let multi_team = backend_config(
        CLASS,
        &kwargs_json,
        &[("AIRFLOW__CORE__MULTI_TEAM", "True")],
    );
    let secrets = Secrets::builder().config(multi_team).build().await.unwrap();
    assert!(secrets.variable("team__key").await.unwrap().is_none());
    assert_eq!(fx.vault_server.request_count(), sent, "nothing sent");
    assert_clean(&logs, &[], &["team-namespace-value-4b8"]);
}

#[tokio::test]
async fn configured_by_airflow_environment_variables() {
    let logs = logs::capture();
    let fx = fixture().await;
    fx.vault
        .put("team-vars-hello", "from-the-overridden-prefix");
    let kwargs_json = serde_json::to_string(&fx.kwargs()).unwrap();
    let config = backend_config(
        CLASS,
        &kwargs_json,
        &[
            // Per-key overrides arrive as strings.
            (
                "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_PREFIX",
                "team_vars",
            ),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__RETRY_TOTAL", "1"),
            ("AIRFLOW_VAR_ONLY_IN_ENV", "from-the-environment"),
        ],
    );
    let secrets = Secrets::builder().config(config).build().await.unwrap();
    assert_eq!(
        variable_value(&secrets, "hello").await,
        "from-the-overridden-prefix"
    );
    // Not in Key Vault (404 -> None): Airflow goes on to the environment variables.
    assert_from_environment(&secrets, "only_in_env", "from-the-environment").await;
    let paths: Vec<String> = fx
        .vault_server
        .requests()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(
        paths.contains(&"/secrets/team-vars-only-in-env/".to_owned()),
        "{paths:?}"
    );
    assert_clean(
        &logs,
        &[],
        &["from-the-overridden-prefix", "from-the-environment"],
    );
}

#[tokio::test]
async fn a_denied_read_falls_through_like_airflow_or_stops_in_strict_mode() {
    let logs = logs::capture();
    let fx = fixture().await;
    fx.vault.always(
        "airflow-variables-guarded",
        forbidden_access_denied("my-vault"),
    );
    let env = ("AIRFLOW_VAR_GUARDED", "env-copy");
    let secrets = with_env_variable(fx.kwargs(), env, ErrorPolicy::FallThrough).await;
    let (_, failure) = fell_through(&secrets, "guarded", "env-copy").await;
    assert!(
        matches!(failure, Error::PermissionDenied { .. }),
        "{failure:?}"
    );

    let strict = with_env_variable(fx.kwargs(), env, ErrorPolicy::Strict).await;
    let err = strict.variable("guarded").await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert!(
        err.to_string().contains("airflow-variables-guarded"),
        "{err}"
    );
    assert_clean(&logs, &[&err, &failure], &["env-copy"]);
}

#[tokio::test]
async fn null_prefixes_from_airflow_kwargs_disable_lookups() {
    let logs = logs::capture();
    let fx = fixture().await;
    let kwargs = fx.kwargs_with(json!({"variables_prefix": null}));
    let secrets = with_env_variable(
        kwargs,
        ("AIRFLOW_VAR_HELLO", "env-hello"),
        ErrorPolicy::FallThrough,
    )
    .await;
    assert_eq!(variable_value(&secrets, "hello").await, "env-hello");
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_clean(&logs, &[], &["env-hello"]);
}

#[tokio::test]
async fn lookup_patterns_from_airflow_kwargs_send_nothing_for_other_keys() {
    let logs = logs::capture();
    let fx = fixture().await;
    fx.vault
        .put("airflow-variables-prod-token", "prod-only-value-19f");
    let kwargs = fx.kwargs_with(json!({
        "variables_lookup_pattern": "prod_",
        "connections_lookup_pattern": "^(?:warehouse|lake)_",
    }));
    let secrets = with_env_variable(
        kwargs,
        ("AIRFLOW_VAR_HELLO", "env-hello"),
        ErrorPolicy::FallThrough,
    )
    .await;
    // `hello` does not match: Key Vault is not asked; Airflow's next backend answers.
    assert_from_environment(&secrets, "hello", "env-hello").await;
    assert!(secrets.connection("my_db").await.is_err());
    assert_eq!(fx.vault_server.request_count(), 0);
    assert_eq!(fx.token_requests(), 0);

    assert_eq!(
        variable_value(&secrets, "PROD_token").await,
        "prod-only-value-19f"
    );
    assert!(fx.vault_server.request_count() > 0);

    let err = Secrets::builder()
        .backend(
            CLASS,
            fx.kwargs_with(json!({"config_lookup_pattern": "[unclosed"})),
        )
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("kwarg `config_lookup_pattern`: not a valid regular expression"),
        "{err}"
    );
    assert_clean(&logs, &[&err], &["env-hello", "prod-only-value-19f"]);
}

#[tokio::test]
async fn configuration_errors_surface_when_the_chain_is_built() {
    let logs = logs::capture();
    let config = backend_config(CLASS, r#"{"connections_prefix": "c"}"#, &[]);
    let err = Secrets::builder().config(config).build().await.unwrap_err();
    assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
    assert!(
        err.to_string().contains("kwarg `vault_url`: is required"),
        "{err}"
    );

    let err = Secrets::builder()
        .backend(
            CLASS,
            json!({"vault_url": "https://v.vault.azure.net/", "vault_name": "v"})
                .as_object()
                .unwrap()
                .clone(),
        )
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
    assert_clean(&logs, &[&err], &[]);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let logs = logs::capture();
    let fx = fixture().await;
    let secrets = Secrets::builder()
        .backend(CLASS, fx.kwargs())
        .build()
        .await
        .unwrap();
    let backend = secrets.custom_backend().unwrap();
    backend.get_variable("hello").await.unwrap();
    let debug = format!("{secrets:?} {backend:?}");
    assert!(
        !debug.contains(CLIENT_SECRET) && !debug.contains(ACCESS_TOKEN),
        "{debug}"
    );
    fx.vault
        .always("airflow-variables-guarded", forbidden_access_denied("v"));
    let err = backend.get_variable("guarded").await.unwrap_err();
    assert_clean(&logs, &[&err], &[]);
}
