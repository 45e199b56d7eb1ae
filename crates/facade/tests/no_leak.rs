//! Secrets never leak: not through `Debug` or `Display` of `SecretValue`, `Connection`, the settings, the
//! chain, or any error produced from inputs that contain a secret.

use std::sync::Arc;

use airflow_secrets::{
    AirflowConfig, Connection, ConnectionFlavor, Error, LocalFilesystemBackend, SecretValue,
    Secrets, SecretsBackend,
};

const SECRET: &str = "Sup3r-S3cret-Value";

fn assert_no_secret(what: &str, text: &str) {
    // Plain and percent-encoded spellings.
    for spelling in airflow_secrets_testkit::logs::spellings(SECRET) {
        assert!(
            !text.contains(&spelling),
            "{what} leaked the secret: {text}"
        );
    }
}

fn check_error(what: &str, err: &Error) {
    assert_no_secret(what, &err.to_string());
    assert_no_secret(what, &format!("{err:?}"));
    assert_no_secret(what, &format!("{err:#?}"));
}

#[test]
fn secret_value_never_prints_itself() {
    let v = SecretValue::new(SECRET);
    assert_eq!(format!("{v}"), "[REDACTED]");
    assert_eq!(format!("{v:?}"), "SecretValue([REDACTED])");
    assert_no_secret(
        "Option<SecretValue> Debug",
        &format!("{:?}", Some(v.clone())),
    );
    assert_eq!(v.expose(), SECRET);
}

#[test]
fn connection_debug_and_display_hide_password_and_extra_values() {
    for flavor in [ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm] {
        let uri = format!("postgres://user:{SECRET}@host:5432/db?api_token={SECRET}&region=eu");
        let conn = Connection::deserialize("c", &uri, flavor).unwrap();
        assert_eq!(conn.password.as_ref().unwrap().expose(), SECRET);
        assert_no_secret("Connection Debug", &format!("{conn:?}"));
        assert_no_secret("Connection Debug (alternate)", &format!("{conn:#?}"));
        let shown = conn.to_string();
        assert_no_secret("Connection Display", &shown);
        assert!(
            shown.contains("host") && shown.contains("postgres"),
            "{shown}"
        );

        let json = format!(
            r#"{{"conn_type": "http", "password": "{SECRET}", "extra": {{"key": "{SECRET}"}}}}"#
        );
        let conn = Connection::deserialize("c", &json, flavor).unwrap();
        assert_no_secret("Connection Debug (json)", &format!("{conn:?}"));
        assert_no_secret("Connection Display (json)", &conn.to_string());
    }
}

#[test]
fn connection_parse_errors_never_echo_the_input() {
    let inputs = [
        format!("type://user:{SECRET}@protocol://host"),
        format!("a://b://c://{SECRET}"),
        format!("type://user:{SECRET}/x@host"),
        format!("type://host:{SECRET}"),
        format!("type://host:99999{SECRET}"),
        format!(r#"{{"password": "{SECRET}", "bogus_key": 1}}"#),
        format!(r#"{{"password": "{SECRET}", "port": "{SECRET}"}}"#),
        format!(r#"{{"password": "{SECRET}""#),
        format!(r#"{{"password": "{SECRET}", "uri": "http://x"}}"#),
        format!(r#"["{SECRET}"]"#),
        format!(r#"{{"extra": "{SECRET}", "conn_type": "x"}}"#),
    ];
    for input in &inputs {
        for flavor in [ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm] {
            if let Err(e) = Connection::deserialize("c", input, flavor) {
                assert_no_secret("ConnectionError Display", &e.to_string());
                assert_no_secret("ConnectionError Debug", &format!("{e:?}"));
            }
        }
    }
}

#[tokio::test]
async fn settings_and_chain_debug_mask_kwargs() {
    let dir = tempfile::tempdir().unwrap();
    let config = AirflowConfig::from_vars([
        ("HOME", dir.path().display().to_string()),
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend".to_owned(),
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_FILE_PATH",
            dir.path().join("v.json").display().to_string(),
        ),
    ])
    .unwrap();
    let secrets = Secrets::builder().config(config).build().await.unwrap();
    assert_no_secret("Secrets Debug", &format!("{secrets:?}"));

    let config = AirflowConfig::from_vars([
        ("HOME", dir.path().display().to_string()),
        ("AIRFLOW__SECRETS__BACKEND", "x.Y".to_owned()),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            format!(r#"{{"secret_id": "{SECRET}", "token": "{SECRET}"}}"#),
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARG__CLIENT_SECRET",
            SECRET.to_owned(),
        ),
    ])
    .unwrap();
    let settings = airflow_secrets::SecretsSettings::load(&config, Default::default())
        .await
        .unwrap();
    assert_no_secret("SecretsSettings Debug", &format!("{settings:?}"));
    let backend = settings.backend.unwrap();
    assert_no_secret(
        "redacted kwargs",
        &serde_json::Value::Object(backend.redacted_kwargs()).to_string(),
    );
    // The unredacted kwargs are still there for the backend to use.
    assert_eq!(backend.kwargs["secret_id"], SECRET);
}

#[tokio::test]
async fn errors_from_inputs_holding_secrets_do_not_repeat_them() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let local = "airflow.secrets.local_filesystem.LocalFilesystemBackend";
    let mut errors: Vec<(&str, Error)> = Vec::new();

    // Configuration errors whose input holds the secret.
    for (name, kwargs) in [
        ("InvalidKwargsJson", format!(r#"{{"token": {SECRET}}}"#)),
        ("KwargsNotObject", format!(r#""{SECRET}""#)),
        ("UnknownKwarg", format!(r#"{{"secret": "{SECRET}"}}"#)),
        (
            "InvalidKwarg",
            format!(r#"{{"variables_file_path": ["{SECRET}"]}}"#),
        ),
    ] {
        let config = AirflowConfig::from_vars([
            ("HOME", home.clone()),
            ("AIRFLOW__SECRETS__BACKEND", local.to_owned()),
            ("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs),
        ])
        .unwrap();
        errors.push((
            name,
            Secrets::builder().config(config).build().await.unwrap_err(),
        ));
    }
    let config = AirflowConfig::from_vars([
        ("HOME", home.clone()),
        ("AIRFLOW__SECRETS__BACKEND", local.to_owned()),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS_CMD",
            format!("sh -c 'echo {SECRET}; exit 1'"),
        ),
    ])
    .unwrap();
    errors.push((
        "InvalidSetting (_CMD)",
        Secrets::builder().config(config).build().await.unwrap_err(),
    ));

    // Lookup errors from stored values holding the secret.
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let env_file = write("v.env", format!("{SECRET}\nK={SECRET}\nK={SECRET}\n"));
    let json_file = write(
        "c.json",
        format!(
            r#"{{"c": {{"password": "{SECRET}", "nope": "{SECRET}"}}, "d": "a://b:{SECRET}@c://d"}}"#
        ),
    );
    let dup_file = write("d.env", format!("K={SECRET}\nK={SECRET}2\n"));
    let backend = |kind: &str, path: &std::path::Path| {
        let kwargs = serde_json::json!({ format!("{kind}_file_path"): path });
        Arc::new(LocalFilesystemBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap())
    };
    errors.push((
        "FileParse",
        backend("variables", &env_file)
            .get_variable("K")
            .await
            .unwrap_err(),
    ));
    errors.push((
        "DuplicateKeys",
        backend("variables", &dup_file)
            .get_variable("K")
            .await
            .unwrap_err(),
    ));
    errors.push((
        "illegal keys",
        backend("connections", &json_file)
            .get_connection("c")
            .await
            .unwrap_err(),
    ));
    errors.push((
        "MalformedSecret",
        backend("connections", &json_file)
            .get_connection("d")
            .await
            .unwrap_err(),
    ));
    // The remaining variants, from the paths that produce them.
    let txt = write("v.txt", format!("K={SECRET}"));
    errors.push((
        "UnsupportedFileType",
        backend("variables", &txt)
            .get_variable("K")
            .await
            .unwrap_err(),
    ));
    errors.push((
        "FileRead",
        backend("variables", &dir.path().join("missing.json"))
            .get_variable("K")
            .await
            .unwrap_err(),
    ));
    let config = AirflowConfig::from_vars([
        ("HOME", home.clone()),
        ("AIRFLOW__SECRETS__BACKEND", "nope.Backend".into()),
    ])
    .unwrap();
    errors.push((
        "UnknownClassPath",
        Secrets::builder().config(config).build().await.unwrap_err(),
    ));
    let config = AirflowConfig::from_vars([
        ("HOME", home.clone()),
        ("AIRFLOW_CONN_X", format!("p://u:{SECRET}@h")),
    ])
    .unwrap();
    let secrets = Secrets::builder().config(config).build().await.unwrap();
    errors.push((
        "ConnectionNotFound",
        secrets.connection("absent").await.unwrap_err(),
    ));
    errors.push((
        "InvalidConnection",
        Error::InvalidConnection {
            conn_id: "c".into(),
            source: Connection::from_uri("c", &format!("a://u:{SECRET}@b://c")).unwrap_err(),
        },
    ));
    // The blocking API called from inside this test's runtime, configured with the secret.
    errors.push((
        "Blocking",
        airflow_secrets::blocking::Secrets::builder()
            .backend_with_json(
                LocalFilesystemBackend::CLASS_PATH,
                &format!(r#"{{"variables_file_path": "/{SECRET}"}}"#),
            )
            .unwrap()
            .build()
            .unwrap_err(),
    ));
    // Provoked only by a build without that provider (scripts/test.sh runs this suite with every
    // provider compiled in), so it is built by hand; its fields are a class path and a feature name.
    errors.push((
        "ProviderNotCompiled",
        Error::ProviderNotCompiled {
            class_path: "airflow.providers.x.Backend".into(),
            feature: "x",
        },
    ));
    #[cfg(feature = "vault")]
    errors.extend(vault_errors().await);

    for (what, err) in &errors {
        check_error(what, err);
    }
    // Every variant of `Error` was produced (the store-side ones need the `vault` feature, which
    // `scripts/test.sh` enables with --all-features).
    let produced: std::collections::BTreeSet<&str> = errors.iter().map(|(_, e)| e.code()).collect();
    let mut expected: std::collections::BTreeSet<&str> = Error::CODES.iter().copied().collect();
    if !cfg!(feature = "vault") {
        for code in [
            "authentication",
            "permission_denied",
            "unavailable",
            "rejected",
        ] {
            expected.remove(code);
        }
    }
    assert_eq!(produced, expected);
}

/// Store-side errors (authentication, permission denied, unavailable, rejected) from a Vault backend whose
/// kwargs and server answers hold the secret, against a mock on 127.0.0.1.
#[cfg(feature = "vault")]
async fn vault_errors() -> Vec<(&'static str, Error)> {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    let vault_error = |status: u16| {
        ResponseTemplate::new(status)
            .set_body_json(serde_json::json!({"errors": ["permission denied"]}))
    };
    // Token auth looks its token up once to learn its TTL (a non-expiring token here).
    let lookup_self = serde_json::json!({
        "request_id": "r", "lease_id": "", "renewable": false, "lease_duration": 0, "wrap_info": null,
        "warnings": null, "auth": null,
        "data": {
            "accessor": "a", "creation_ttl": 0, "display_name": "token", "entity_id": "", "expire_time": null,
            "explicit_max_ttl": 0, "id": "", "meta": null, "num_uses": 0, "orphan": true,
            "path": "auth/token/create", "policies": ["root"], "renewable": false, "ttl": 0, "type": "service"
        }
    });
    Mock::given(method("GET"))
        .and(path("/v1/auth/token/lookup-self"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lookup_self))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(vault_error(400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/denied"))
        .respond_with(vault_error(403))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/down"))
        .respond_with(vault_error(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/secret/data/variables/bad"))
        .respond_with(vault_error(400))
        .mount(&server)
        .await;
    let vault = |kwargs: serde_json::Value| {
        airflow_secrets::build_backend(
            "airflow.providers.hashicorp.secrets.vault.VaultBackend",
            kwargs.as_object().unwrap(),
            &Default::default(),
        )
        .unwrap()
    };
    let approle = vault(serde_json::json!({
        "url": server.uri(), "auth_type": "approle", "role_id": SECRET, "secret_id": SECRET,
    }));
    let token = vault(serde_json::json!({"url": server.uri(), "token": SECRET, "max_retries": 0}));
    vec![
        (
            "Authentication",
            approle.get_variable("x").await.unwrap_err(),
        ),
        (
            "PermissionDenied",
            token.get_variable("denied").await.unwrap_err(),
        ),
        ("Unavailable", token.get_variable("down").await.unwrap_err()),
        ("Rejected", token.get_variable("bad").await.unwrap_err()),
    ]
}

#[tokio::test]
async fn trace_logs_of_the_chain_never_contain_secrets() {
    let logs = airflow_secrets_testkit::logs::capture();
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("variables.json");
    let conns = dir.path().join("connections.json");
    std::fs::write(&vars, format!(r#"{{"api_key": "{SECRET}"}}"#)).unwrap();
    std::fs::write(
        &conns,
        format!(r#"{{"good": "postgres://u:{SECRET}@h/db", "other": {{"conn_type": "http", "password": "{SECRET}"}}}}"#),
    )
    .unwrap();
    let config = AirflowConfig::from_vars([
        ("HOME", dir.path().display().to_string()),
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.local_filesystem.LocalFilesystemBackend".to_owned(),
        ),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            serde_json::json!({"variables_file_path": vars, "connections_file_path": conns})
                .to_string(),
        ),
        (
            "AIRFLOW_CONN_BROKEN",
            format!("x://user:{SECRET}@proto://host"),
        ),
        ("AIRFLOW_VAR_FROM_ENV", SECRET.to_owned()),
        ("AIRFLOW__SECRETS__USE_CACHE", "true".to_owned()),
    ])
    .unwrap();
    let secrets = Secrets::builder().config(config).build().await.unwrap();
    assert_eq!(
        secrets.variable("api_key").await.unwrap().unwrap().expose(),
        SECRET
    );
    assert_eq!(
        secrets
            .variable("from_env")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        SECRET
    );
    assert!(secrets.connection("good").await.is_ok());
    assert!(secrets.connection("other").await.is_ok());
    // A malformed stored value is logged (fall-through) and reported, without the secret.
    let lookup = secrets.connection_lookup("broken").await.unwrap();
    assert!(lookup.value.is_none() && lookup.failures.len() == 1);
    check_error("fall-through failure", &lookup.failures[0].1);
    logs.assert_free_of(&[SECRET]);
}
