//! Mock suite: the exact requests, the real response shapes, names and payload decoding, lookup
//! patterns. Every test runs with the TRACE capture; those that read values end with a leak check.

mod common;

use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use common::*;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

#[tokio::test]
async fn variable_lookup_sends_the_exact_request_and_decodes_the_payload() {
    let server = MockServer::start().await;
    serve_value(&server, "airflow-variables-hello", "s3cr3t-world-8812", 1).await;

    assert_eq!(
        variable(&server, json!({}), "hello").await.expose(),
        "s3cr3t-world-8812"
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method.as_str(), "GET");
    assert_eq!(
        r.url.path(),
        "/v1/projects/test-project/secrets/airflow-variables-hello/versions/latest:access"
    );
    // The query exactly as the SDK encodes it.
    assert_eq!(r.url.query(), Some("%24alt=json%3Benum-encoding%3Dint"));
    assert_eq!(
        r.headers.get("authorization").unwrap(),
        format!("Bearer {TOKEN}").as_str()
    );
    assert_no_leak(&[], &["s3cr3t-world-8812"]);
}

#[tokio::test]
async fn connections_and_config_use_their_default_prefixes() {
    let server = MockServer::start().await;
    serve_value(
        &server,
        "airflow-connections-smtp_default",
        "smtps://user:s3cr3t-pa%40ss@smtp.example.com:465",
        1,
    )
    .await;
    serve_value(
        &server,
        "airflow-config-sql_alchemy_conn",
        "postgresql://airflow:s3cr3t-db-pw@db/airflow",
        1,
    )
    .await;

    let b = backend(&server, json!({}));
    // Underscores are kept (no transformation of the key), as in Airflow.
    let conn = b.get_connection("smtp_default").await.unwrap().unwrap();
    assert_eq!(conn.host.as_deref(), Some("smtp.example.com"));
    assert_eq!(conn.port, Some(465));
    assert_eq!(
        conn.password.as_ref().map(|p| p.expose()),
        Some("s3cr3t-pa@ss")
    );
    assert_eq!(
        b.get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "postgresql://airflow:s3cr3t-db-pw@db/airflow"
    );
    assert_no_leak(&[], &["s3cr3t-pa@ss", "s3cr3t-db-pw"]);
}

#[tokio::test]
async fn json_connections_are_parsed() {
    let server = MockServer::start().await;
    let value = r#"{"conn_type": "postgres", "host": "db.internal", "login": "u", "password": "s3cr3t-json-pw", "port": 5432}"#;
    serve_value(&server, "airflow-connections-pg", value, ..).await;
    let conn = backend(&server, json!({}))
        .get_connection("pg")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (conn.conn_type.as_deref(), conn.port),
        (Some("postgres"), Some(5432))
    );
    assert_no_leak(&[], &["s3cr3t-json-pw"]);
}

#[tokio::test]
async fn custom_prefix_and_separator() {
    let server = MockServer::start().await;
    serve_value(&server, "team_a__conns__db", "mysql://h/s", 1).await;
    serve_value(&server, "vars_of_a__k", "v", 1).await;

    let b = backend(
        &server,
        json!({"connections_prefix": "team_a__conns", "variables_prefix": "vars_of_a", "sep": "__"}),
    );
    assert_eq!(
        b.get_conn_value("db").await.unwrap().unwrap().expose(),
        "mysql://h/s"
    );
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");
}

#[tokio::test]
async fn an_empty_prefix_still_adds_the_separator() {
    let server = MockServer::start().await;
    serve_value(&server, "-key", "from -key", 1).await;
    assert_eq!(
        variable(&server, json!({"variables_prefix": ""}), "key")
            .await
            .expose(),
        "from -key"
    );
}

#[tokio::test]
async fn a_disabled_prefix_sends_nothing() {
    let server = MockServer::start().await;
    forbid_requests(&server).await;
    let b = backend(
        &server,
        json!({"connections_prefix": null, "variables_prefix": null, "config_prefix": null}),
    );
    assert!(b.get_conn_value("c").await.unwrap().is_none());
    assert!(b.get_connection("c").await.unwrap().is_none());
    assert!(b.get_variable("v").await.unwrap().is_none());
    assert!(b.get_config("k").await.unwrap().is_none());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_key_with_a_dot_is_sent_and_invalid_argument_gives_none_with_an_error_log() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-variables-my.key",
        google_error(
            400,
            "INVALID_ARGUMENT",
            "The provided Secret ID [airflow-variables-my.key] does not match the expected format [[a-zA-Z_0-9]+]",
        ),
        1,
    )
    .await;
    let logs = Logs::capture();
    let b = backend(&server, json!({}));
    assert!(b.get_variable("my.key").await.unwrap().is_none());
    let errors = logs.lines_at("ERROR").join("\n");
    assert!(errors.contains("Google Cloud API Call Error (InvalidArgument): Invalid secret ID airflow-variables-my.key."), "{errors}");
    assert!(
        errors
            .contains("Only ASCII alphabets (a-Z), numbers (0-9), dashes (-), and underscores (_)"),
        "{errors}"
    );
}

#[tokio::test]
async fn keys_the_url_would_change_are_not_sent() {
    let server = MockServer::start().await;
    forbid_requests(&server).await;
    let logs = Logs::capture();
    let b = backend(&server, json!({}));
    for key in ["a/b", "a%41", "a\\b"] {
        assert!(b.get_variable(key).await.unwrap().is_none(), "{key}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(
        logs.lines_at("ERROR")
            .iter()
            .filter(|l| l.contains("(InvalidArgument)"))
            .count(),
        3,
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn other_characters_are_percent_encoded_in_the_path() {
    let server = MockServer::start().await;
    serve_any_secret(&server, google_error(400, "INVALID_ARGUMENT", "bad id"), 1).await;
    let b = backend(&server, json!({}));
    assert!(b.get_variable("a b?#").await.unwrap().is_none());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.path(),
        "/v1/projects/test-project/secrets/airflow-variables-a%20b%3F%23/versions/latest:access"
    );
}

#[tokio::test]
async fn a_response_without_a_checksum_is_accepted() {
    let server = MockServer::start().await;
    let body = json!({"name": "projects/123/secrets/airflow-variables-k/versions/1", "payload": {"data": "dsOpcml0w6k="}});
    serve(
        &server,
        "airflow-variables-k",
        ResponseTemplate::new(200).set_body_json(body),
        ..,
    )
    .await;
    assert_eq!(variable(&server, json!({}), "k").await.expose(), "vérité");
}

#[tokio::test]
async fn an_empty_payload_is_an_empty_value() {
    let server = MockServer::start().await;
    let body =
        json!({"name": "projects/123/secrets/airflow-variables-k/versions/1", "payload": {}});
    serve(
        &server,
        "airflow-variables-k",
        ResponseTemplate::new(200).set_body_json(body),
        ..,
    )
    .await;
    let value = variable(&server, json!({}), "k").await;
    assert!(value.is_empty());
}

#[tokio::test]
async fn a_checksum_mismatch_is_a_malformed_secret() {
    let server = MockServer::start().await;
    let mut body = payload_body("airflow-variables-k", b"s3cr3t-value-0451");
    body["payload"]["dataCrc32c"] = json!("12345");
    serve(
        &server,
        "airflow-variables-k",
        ResponseTemplate::new(200).set_body_json(body),
        ..,
    )
    .await;
    let err = variable_error(&server, json!({}), "k").await;
    assert!(
        matches!(
            err,
            Error::MalformedSecret {
                kind: SecretKind::Variable,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("dataCrc32c")
            && text.contains("projects/test-project/secrets/airflow-variables-k/versions/latest"),
        "{text}"
    );
    assert!(
        !text.contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"),
        "{text}"
    );
    assert_no_leak(&[&err], &["s3cr3t-value-0451"]);
}

#[tokio::test]
async fn invalid_utf8_is_a_malformed_secret() {
    let server = MockServer::start().await;
    serve(
        &server,
        "airflow-variables-bin",
        ResponseTemplate::new(200)
            .set_body_json(payload_body("airflow-variables-bin", b"ok\xff\xfe")),
        ..,
    )
    .await;
    let err = variable_error(&server, json!({}), "bin").await;
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("not valid UTF-8 (invalid byte at offset 2)"),
        "{err}"
    );
}

#[tokio::test]
async fn one_client_is_built_lazily_and_shared_by_concurrent_lookups() {
    let server = MockServer::start().await;
    serve_value(&server, "airflow-variables-k", "v", 8).await;
    let b = std::sync::Arc::new(backend(&server, json!({})));
    assert!(format!("{b:?}").contains("client_built: false"));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "construction sends nothing"
    );
    let lookups: Vec<_> = (0..8)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move { b.get_variable("k").await })
        })
        .collect();
    for lookup in lookups {
        assert_eq!(lookup.await.unwrap().unwrap().unwrap().expose(), "v");
    }
    assert!(format!("{b:?}").contains("client_built: true"));
}

#[tokio::test]
async fn lookup_patterns_filter_keys_without_a_request() {
    let server = MockServer::start().await;
    serve_value(&server, "airflow-variables-prod_db", "s3cr3t-prod-value", 1).await;
    serve_value(&server, "airflow-connections-AWS_default", "aws://", 1).await;
    let b = backend(
        &server,
        json!({"variables_lookup_pattern": "prod_", "connections_lookup_pattern": "^aws",
               "config_lookup_pattern": "^core__"}),
    );
    assert!(b.is_looked_up(SecretKind::Variable, "prod_db"));
    assert!(!b.is_looked_up(SecretKind::Variable, "dev_prod_db"));
    // re.match: anchored at the start only, case-insensitive.
    assert_eq!(
        b.get_variable("prod_db").await.unwrap().unwrap().expose(),
        "s3cr3t-prod-value"
    );
    assert!(b.get_conn_value("AWS_default").await.unwrap().is_some());
    // Misses: no request at all (the mock would answer 404 for them and count them).
    for key in ["dev_prod_db", "PRO", "x_prod_"] {
        assert!(b.get_variable(key).await.unwrap().is_none(), "{key}");
    }
    assert!(b.get_conn_value("my_aws").await.unwrap().is_none());
    assert!(b.get_config("sql_alchemy_conn").await.unwrap().is_none());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "only the two matching keys were sent");
    assert_no_leak(&[], &["s3cr3t-prod-value"]);
}

#[tokio::test]
async fn empty_and_null_lookup_patterns_filter_nothing() {
    let server = MockServer::start().await;
    serve_any_secret(&server, not_found("any"), 2).await;
    let b = backend(
        &server,
        json!({"variables_lookup_pattern": "", "connections_lookup_pattern": null}),
    );
    assert!(b.get_variable("anything").await.unwrap().is_none());
    assert!(b.get_conn_value("anything").await.unwrap().is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_invalid_lookup_pattern_is_a_construction_error_naming_the_kwarg() {
    for kwarg in [
        "connections_lookup_pattern",
        "variables_lookup_pattern",
        "config_lookup_pattern",
    ] {
        let kwargs = json!({"project_id": PROJECT, "anonymous_credentials": true, kwarg: "a{3,2}"});
        let err = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap_err();
        let Error::InvalidKwarg { kwarg: named, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(named, kwarg);
        assert!(
            err.to_string().contains("not a valid regular expression"),
            "{err}"
        );
    }
}

/// Multi-team (google 22.8.0, `[core] multi_team = True`): a lookup for a team reads
/// `<prefix><sep><team>--<key>` first, then the shared id; a connection id or variable key holding `--`
/// is refused without a request; config keys are neither guarded nor team-scoped.
#[tokio::test]
async fn a_team_reads_its_own_secret_first() {
    let server = MockServer::start().await;
    serve_value(
        &server,
        "airflow-variables-team_a--greeting",
        "team-a-greeting-7a3",
        1,
    )
    .await;
    serve_value(
        &server,
        "airflow-variables-greeting",
        "shared-greeting-7a3",
        1,
    )
    .await;
    let team_b = "airflow-variables-team_b--greeting";
    serve(&server, team_b, not_found(team_b), 1).await;
    serve_value(&server, "airflow-config-a--b", "config-7a3", 1).await;
    let b = backend(&server, json!({})).with_multi_team(true);
    let value = |v: Option<airflow_secrets_core::SecretValue>| v.map(|v| v.expose().to_owned());
    let var = SecretKind::Variable;
    let got = b
        .get_for_team(var, "greeting", Some("team_a"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("team-a-greeting-7a3"));
    let got = b
        .get_for_team(var, "greeting", Some("team_b"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("shared-greeting-7a3"));
    assert!(b.get_for_team(var, "a--b", None).await.unwrap().is_none());
    let got = b
        .get_for_team(SecretKind::Config, "a--b", Some("team_a"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("config-7a3"));
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            access_path("airflow-variables-team_a--greeting"),
            access_path("airflow-variables-team_b--greeting"),
            access_path("airflow-variables-greeting"),
            access_path("airflow-config-a--b"),
        ]
    );
    assert_no_leak(
        &[],
        &["team-a-greeting-7a3", "shared-greeting-7a3", "config-7a3"],
    );
}
