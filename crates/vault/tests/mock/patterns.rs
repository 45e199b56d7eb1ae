//! `connections_lookup_pattern`, `variables_lookup_pattern`, `config_lookup_pattern`: an airflow-secrets
//! extension with the semantics of Airflow's AWS backends (Python `re.match`: anchored at the start,
//! case-insensitive). A key that does not match is "not found" without any request, not even a login.

use airflow_secrets_core::{Error, LookupPattern, SecretsBackend};
use airflow_secrets_vault::{EnvSnapshot, VaultAuth, VaultBackend, VaultConfig};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

fn patterns() -> serde_json::Value {
    json!({
        "connections_lookup_pattern": "^aws_",
        "variables_lookup_pattern": "prod_",
        "config_lookup_pattern": "(core|secrets)/",
    })
}

#[tokio::test]
async fn keys_outside_the_patterns_send_no_request_at_all() {
    let logs = logs();
    let server = MockServer::start().await;
    let vault = backend(&token_kwargs(&server, patterns()));
    assert!(vault.get_conn_value("my_aws_conn").await.unwrap().is_none());
    assert!(vault.get_variable("dev_db").await.unwrap().is_none());
    assert!(vault.get_variable("my_prod_db").await.unwrap().is_none());
    assert!(
        vault
            .get_config("webserver/secret_key")
            .await
            .unwrap()
            .is_none()
    );
    let received = requests(&server).await;
    assert!(received.is_empty(), "not even a login: {received:?}");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn matching_keys_are_looked_up_case_insensitively() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    for (api_path, field) in [
        ("/v1/secret/data/connections/AWS_default", "conn_uri"),
        ("/v1/secret/data/variables/PROD_db", "value"),
        ("/v1/secret/data/config/core/fernet_key", "value"),
    ] {
        Mock::given(method("GET"))
            .and(path(api_path))
            .respond_with(kv2(json!({ field: VALUE })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let vault = backend(&token_kwargs(&server, patterns()));
    let conn = vault.get_conn_value("AWS_default").await.unwrap().unwrap();
    assert_eq!(conn.expose(), VALUE);
    let var = vault.get_variable("PROD_db").await.unwrap().unwrap();
    assert_eq!(var.expose(), VALUE);
    let config = vault.get_config("core/fernet_key").await.unwrap().unwrap();
    assert_eq!(config.expose(), VALUE);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn null_and_empty_patterns_filter_nothing() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/anything"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .expect(2)
        .mount(&server)
        .await;
    for pattern in [json!(null), json!("")] {
        let vault = backend(&token_kwargs(
            &server,
            json!({ "variables_lookup_pattern": pattern }),
        ));
        assert!(vault.config().variables_lookup_pattern.is_none());
        let value = vault.get_variable("anything").await.unwrap().unwrap();
        assert_eq!(value.expose(), VALUE);
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn an_invalid_pattern_is_a_construction_error_naming_the_kwarg() {
    let logs = logs();
    for kwarg in [
        "connections_lookup_pattern",
        "variables_lookup_pattern",
        "config_lookup_pattern",
    ] {
        // Both refused by Python's re too (look-around is accepted since Python `re` semantics).
        for pattern in ["(unclosed", "a{3,2}"] {
            let mut kwargs = json!({ "url": "http://127.0.0.1:1", "token": TOKEN })
                .as_object()
                .unwrap()
                .clone();
            kwargs.insert(kwarg.into(), json!(pattern));
            let err =
                VaultBackend::from_kwargs_with_env(&kwargs, &EnvSnapshot::empty()).clean_err();
            let Error::InvalidKwarg {
                kwarg: named,
                problem,
                ..
            } = &err
            else {
                panic!("{err:?}")
            };
            assert_eq!(named, kwarg);
            assert!(
                problem.starts_with("not a valid regular expression"),
                "{problem}"
            );
        }
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn the_typed_configuration_takes_patterns_too() {
    let logs = logs();
    let server = MockServer::start().await;
    let mut config = VaultConfig::new(
        server.uri(),
        VaultAuth::Token(airflow_secrets_vault::TokenSource::Literal(TOKEN.into())),
    );
    config.variables_lookup_pattern = Some(LookupPattern::new("team_a_").unwrap());
    let vault = VaultBackend::new(config).unwrap();
    assert!(vault.get_variable("team_b_db").await.unwrap().is_none());
    assert!(requests(&server).await.is_empty());
    assert!(
        format!("{vault:?}").contains("team_a_"),
        "the pattern is shown"
    );
    logs.assert_free_of(SUITE_SECRETS);
}
