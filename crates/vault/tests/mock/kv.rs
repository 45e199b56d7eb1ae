//! KV v1/v2 reads: exact requests, paths (spec §1.4), what is read (spec §1.5).

use airflow_secrets_core::{Connection, SecretsBackend};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

#[tokio::test]
async fn kv2_variable_read_sends_vault_headers() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/my_var"))
        .and(header("X-Vault-Token", TOKEN))
        .and(header("X-Vault-Request", "true"))
        .and(header("X-Vault-Namespace", "team-a"))
        .respond_with(kv2(json!({ "value": "my-test-variable" })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(&server, json!({ "namespace": "team-a" })));
    let value = vault.get_variable("my_var").await.unwrap().unwrap();
    assert_eq!(value.expose(), "my-test-variable");
    let read = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path().contains("secret"));
    assert_eq!(read.unwrap().url.query(), None, "no ?version= unless asked");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn kv1_reads_the_mount_path_directly() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/kv1/config/sql_alchemy_conn"))
        .and(header("X-Vault-Token", TOKEN))
        .respond_with(kv1(json!({ "value": "kv1-config-value-3f" })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(
        &server,
        json!({ "mount_point": "kv1", "kv_engine_version": 1 }),
    ));
    assert_eq!(
        vault
            .get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "kv1-config-value-3f"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

/// The four examples of spec §1.4 (`test_get_variable_value_engine_version_1`), through the backend.
#[tokio::test]
async fn spec_path_table_with_kv1() {
    let logs = logs();
    let table = [
        (
            json!("airflow"),
            "variables",
            "hello",
            "/v1/airflow/variables/hello",
        ),
        (
            json!("airflow"),
            "",
            "path/to/variables/hello",
            "/v1/airflow/path/to/variables/hello",
        ),
        (
            json!(null),
            "variables",
            "airflow/hello",
            "/v1/airflow/variables/hello",
        ),
        (
            json!(null),
            "",
            "airflow/path/to/variables/hello",
            "/v1/airflow/path/to/variables/hello",
        ),
    ];
    for (mount_point, variables_path, key, expected) in table {
        let server = MockServer::start().await;
        mount_lookup_self(&server, TOKEN).await;
        Mock::given(method("GET"))
            .and(path(expected))
            .respond_with(kv1(json!({ "value": "world-value-a61b" })))
            .expect(1)
            .mount(&server)
            .await;
        let vault = backend(&token_kwargs(
            &server,
            json!({ "mount_point": mount_point, "variables_path": variables_path, "kv_engine_version": 1 }),
        ));
        let got = vault.get_variable(key).await.unwrap();
        assert_eq!(
            got.map(|v| v.expose().to_owned()).as_deref(),
            Some("world-value-a61b"),
            "{mount_point} {variables_path} {key}"
        );
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn empty_mount_point_splits_the_key_and_skips_keys_without_slash() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/team/data/connections/pg"))
        .respond_with(kv2(json!({ "conn_uri": "postgres://team-pg-5c1e/db" })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(&server, json!({ "mount_point": "" })));
    assert_eq!(
        vault
            .get_conn_value("team/pg")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "postgres://team-pg-5c1e/db"
    );
    assert!(vault.get_conn_value("pg").await.unwrap().is_none());
    let reads: Vec<_> = requests(&server)
        .await
        .into_iter()
        .filter(|r| !r.contains("lookup-self"))
        .collect();
    assert_eq!(reads, ["GET /v1/team/data/connections/pg"]);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn null_paths_turn_lookups_off_without_any_request() {
    let logs = logs();
    let server = MockServer::start().await;
    let vault = backend(&token_kwargs(
        &server,
        json!({ "connections_path": null, "variables_path": null, "config_path": null }),
    ));
    assert!(vault.get_conn_value("c").await.unwrap().is_none());
    assert!(vault.get_variable("v").await.unwrap().is_none());
    assert!(vault.get_config("k").await.unwrap().is_none());
    assert!(
        requests(&server).await.is_empty(),
        "not even a login: {:?}",
        requests(&server).await
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn trailing_slash_is_stripped_and_empty_path_means_no_prefix() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/conns/a"))
        .respond_with(kv2(json!({ "conn_uri": "http://conn-a-0e4f" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/b"))
        .respond_with(kv2(json!({ "value": VALUE })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(
        &server,
        json!({ "connections_path": "conns/", "variables_path": "" }),
    ));
    assert_eq!(
        vault.get_conn_value("a").await.unwrap().unwrap().expose(),
        "http://conn-a-0e4f"
    );
    assert_eq!(
        vault.get_variable("b").await.unwrap().unwrap().expose(),
        VALUE
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_list_of_paths_is_tried_in_order() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/first/v"))
        .respond_with(vault_error(404, &[]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/second/v"))
        .respond_with(kv2(json!({ "value": "from-second-value-77" })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(
        &server,
        json!({ "variables_path": ["first", "second/"] }),
    ));
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        "from-second-value-77"
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn not_found_in_both_404_shapes_is_none() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/missing"))
        .respond_with(vault_error(404, &[]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/deleted"))
        .respond_with(kv2_deleted())
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(&server, json!({})));
    assert!(vault.get_variable("missing").await.unwrap().is_none());
    assert!(vault.get_variable("deleted").await.unwrap().is_none());
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn connections_from_conn_uri_or_from_the_whole_secret() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    let uri = "postgresql://user:p%40ss-word-07@db.example.com:5432/mydb";
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/connections/by_uri"))
        .respond_with(kv2(json!({ "conn_uri": uri })))
        .mount(&server)
        .await;
    // The vault_secret_data cases of airflow-conn-uri-cases.json (passwords made distinctive, so that
    // the leak check can look for them).
    let cases = [
        (
            "fields1",
            json!({"conn_type": "postgresql", "login": "airflow", "password": "airflow-pw-c4e9", "host": "host", "port": "5432", "schema": "airflow", "extra": "{\"foo\":\"bar\",\"baz\":\"taz\"}"}),
            "postgres://airflow:airflow-pw-c4e9@host:5432/airflow?foo=bar&baz=taz",
        ),
        (
            "fields2",
            json!({"conn_type": "postgres", "login": "airflow", "password": "airflow-pw-c4e9", "host": "host", "port": "5432", "schema": "airflow"}),
            "postgres://airflow:airflow-pw-c4e9@host:5432/airflow",
        ),
        (
            "fields3",
            json!({"conn_type": "postgres", "login": "user", "password": "pass-word-8d20", "host": "host", "port": "5432", "schema": "db"}),
            "postgres://user:pass-word-8d20@host:5432/db",
        ),
    ];
    for (id, data, _) in &cases {
        Mock::given(method("GET"))
            .and(path(format!("/v1/secret/data/connections/{id}")))
            .respond_with(kv2(data.clone()))
            .mount(&server)
            .await;
    }
    let vault = backend(&token_kwargs(&server, json!({})));
    assert_eq!(
        vault
            .get_conn_value("by_uri")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        uri
    );
    let pg: Connection = vault.get_connection("by_uri").await.unwrap().unwrap();
    assert_eq!(pg.conn_type.as_deref(), Some("postgres"));
    assert_eq!(
        pg.password.as_ref().map(|p| p.expose()),
        Some("p@ss-word-07")
    );
    for (id, _, expected_uri) in cases {
        let raw = vault.get_conn_value(id).await.unwrap().unwrap();
        assert!(
            raw.expose().starts_with("{\"conn_type\": "),
            "Python json.dumps form: {}",
            raw.expose()
        );
        let conn = vault.get_connection(id).await.unwrap().unwrap();
        assert_eq!(conn.get_uri(), expected_uri, "{id}");
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn variables_without_value_are_none_and_non_strings_are_json() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/no_value"))
        .respond_with(kv2(json!({ "val": "typo-value-1c5e" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/object"))
        .respond_with(kv2(json!({ "value": { "a": 1, "b": [true, null] } })))
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(&server, json!({})));
    assert!(vault.get_variable("no_value").await.unwrap().is_none());
    assert_eq!(
        vault
            .get_variable("object")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        r#"{"a": 1, "b": [true, null]}"#
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn keys_are_sent_verbatim_and_percent_encoded_where_needed() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/My%20Var%3F%23"))
        .respond_with(kv2(json!({ "value": "odd-value-90fd" })))
        .expect(1)
        .mount(&server)
        .await;
    let vault = backend(&token_kwargs(&server, json!({})));
    assert_eq!(
        vault
            .get_variable("My Var?#")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "odd-value-90fd"
    );
    logs.assert_free_of(SUITE_SECRETS);
}
