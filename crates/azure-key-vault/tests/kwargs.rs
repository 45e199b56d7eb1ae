//! Construction: Airflow's defaults, every kwarg's validation, and clear errors. No network.

use airflow_secrets_azure_key_vault::{
    AzureKeyVaultBackend, AzureKeyVaultKwargs, ConnectionVerify, build_path,
};
use airflow_secrets_core::{Error, SecretKind};
use serde_json::{Value, json};

fn build(kwargs: Value) -> Result<AzureKeyVaultBackend, Error> {
    AzureKeyVaultBackend::from_kwargs(kwargs.as_object().expect("object"))
}

fn build_err(kwargs: Value) -> String {
    build(kwargs)
        .expect_err("construction must fail")
        .to_string()
}

const VAULT: &str = "https://my-vault.vault.azure.net/";

#[test]
fn airflow_defaults() {
    let backend = build(json!({"vault_url": VAULT})).unwrap();
    assert_eq!(
        backend
            .secret_name(SecretKind::Connection, "smtp_default")
            .as_deref(),
        Some("airflow-connections-smtp-default")
    );
    assert_eq!(
        backend
            .secret_name(SecretKind::Variable, "hello")
            .as_deref(),
        Some("airflow-variables-hello")
    );
    assert_eq!(
        backend
            .secret_name(SecretKind::Config, "sql_alchemy_conn")
            .as_deref(),
        Some("airflow-config-sql-alchemy-conn")
    );
    assert_eq!(backend.vault_url(), VAULT);

    let typed = AzureKeyVaultKwargs::default();
    assert_eq!(
        typed.connections_prefix.as_deref(),
        Some("airflow-connections")
    );
    assert_eq!(typed.variables_prefix.as_deref(), Some("airflow-variables"));
    assert_eq!(typed.config_prefix.as_deref(), Some("airflow-config"));
    assert_eq!(typed.sep, "-");
    assert!(typed.verify_challenge_resource);
    assert_eq!(typed.connection_verify, ConnectionVerify::Enabled);
}

#[test]
fn vault_url_is_required_with_a_clear_error() {
    for kwargs in [
        json!({}),
        json!({"vault_url": ""}),
        json!({"vault_url": "   "}),
        json!({"vault_url": null}),
    ] {
        let err = build_err(kwargs.clone());
        assert!(
            err.starts_with("AzureKeyVaultBackend: kwarg `vault_url`: is required"),
            "{kwargs}: {err}"
        );
        assert!(
            err.contains("https://<vault-name>.vault.azure.net/"),
            "{err}"
        );
    }
}

#[test]
fn vault_url_must_be_an_https_url() {
    let err = build_err(json!({"vault_url": "http://my-vault.vault.azure.net/"}));
    assert!(
        err.contains("kwarg `vault_url`") && err.contains("https"),
        "{err}"
    );
    let err = build_err(json!({"vault_url": "my-vault"}));
    assert!(
        err.contains("kwarg `vault_url`: is not a valid URL"),
        "{err}"
    );
}

#[test]
fn unknown_kwargs_list_the_accepted_ones() {
    let err = build(json!({"vault_url": VAULT, "vault_uri": "x"})).unwrap_err();
    assert!(matches!(err, Error::UnknownKwarg { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("unknown kwarg `vault_uri`"), "{text}");
    for accepted in [
        "connections_prefix",
        "vault_url",
        "sep",
        "client_secret",
        "managed_identity_client_id",
        "workload_identity_tenant_id",
        "verify_challenge_resource",
        "connection_verify",
        "authority_host",
        "read_timeout",
        "retry_total",
        "timeout",
        "connections_lookup_pattern",
        "variables_lookup_pattern",
        "config_lookup_pattern",
    ] {
        assert!(text.contains(accepted), "{accepted} missing from: {text}");
    }
}

#[test]
fn null_prefixes_disable_lookups_and_empty_prefixes_mean_no_prefix() {
    let backend = build(json!({
        "vault_url": VAULT, "connections_prefix": null, "variables_prefix": "", "config_prefix": null
    }))
    .unwrap();
    assert_eq!(backend.secret_name(SecretKind::Connection, "c"), None);
    assert_eq!(backend.secret_name(SecretKind::Config, "c"), None);
    assert_eq!(
        backend
            .secret_name(SecretKind::Variable, "my_var")
            .as_deref(),
        Some("my-var")
    );
}

#[test]
fn prefixes_are_rstripped_and_sep_applies_everywhere() {
    let backend =
        build(json!({"vault_url": VAULT, "variables_prefix": "vars__", "sep": "_"})).unwrap();
    // rstrip("_") then "_" replaced by "_" (no change): `vars_a_b`, which breaks Key Vault's name rule, so
    // nothing is sent (the provider's check, 15.2.1)
    assert_eq!(build_path("vars", "a_b", "_"), "vars_a_b");
    assert_eq!(backend.secret_name(SecretKind::Variable, "a_b"), None);
    let backend = build(json!({"vault_url": VAULT, "sep": ""})).unwrap();
    assert_eq!(
        backend
            .secret_name(SecretKind::Variable, "my_var")
            .as_deref(),
        Some("airflow-variablesmyvar")
    );
}

#[test]
fn team_namespace_keys_are_refused_for_every_kind_only_in_multi_team_mode() {
    let ordinary = build(json!({"vault_url": VAULT})).unwrap();
    let multi_team = build(json!({"vault_url": VAULT}))
        .unwrap()
        .with_multi_team(true);
    for (kind, prefix) in [
        (SecretKind::Connection, "airflow-connections"),
        (SecretKind::Variable, "airflow-variables"),
        (SecretKind::Config, "airflow-config"),
    ] {
        for key in ["team__key", "team--key"] {
            assert_eq!(
                ordinary.secret_name(kind, key),
                Some(format!("{prefix}-team--key")),
                "{kind} {key}"
            );
            assert_eq!(multi_team.secret_name(kind, key), None, "{kind} {key}");
        }
        assert_eq!(
            multi_team.secret_name(kind, "team_key"),
            Some(format!("{prefix}-team-key"))
        );
    }
}

#[test]
fn names_breaking_the_key_vault_rule_have_no_secret_name() {
    let backend = build(json!({"vault_url": VAULT})).unwrap();
    for key in ["a.b", "a b", "é", &"k".repeat(110)] {
        assert_eq!(
            backend.secret_name(SecretKind::Variable, key),
            None,
            "{key}"
        );
    }
    assert_eq!(
        backend
            .secret_name(SecretKind::Variable, &"k".repeat(109))
            .map(|n| n.len()),
        Some(127)
    );
}

#[test]
fn connection_verify_accepts_booleans_strings_and_a_ca_bundle() {
    for value in [
        json!(true),
        json!(false),
        json!("false"),
        json!("True"),
        json!(null),
    ] {
        build(json!({"vault_url": VAULT, "connection_verify": value})).unwrap();
    }
    let err = build_err(json!({"vault_url": VAULT, "connection_verify": "/nonexistent/ca.pem"}));
    assert!(
        err.contains("kwarg `connection_verify`: cannot read the CA bundle `/nonexistent/ca.pem`"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let err =
        build_err(json!({"vault_url": VAULT, "connection_verify": garbage.to_str().unwrap()}));
    assert!(
        err.contains("kwarg `connection_verify`") && err.contains("garbage.pem"),
        "{err}"
    );
    assert!(
        !err.contains("not a certificate"),
        "the file's content must not be echoed: {err}"
    );

    let err = build_err(json!({"vault_url": VAULT, "connection_verify": 42}));
    assert!(err.contains("kwarg `connection_verify`"), "{err}");

    let ca = airflow_secrets_azure_key_vault_mock::TestCa::new();
    build(json!({"vault_url": VAULT, "connection_verify": ca.ca_pem()})).unwrap();
}

#[test]
fn numbers_and_booleans_may_be_strings() {
    build(json!({
        "vault_url": VAULT,
        "connection_timeout": "2.5",
        "read_timeout": 10,
        "retry_total": "5",
        "retry_backoff_factor": "0",
        "retry_backoff_max": 3,
        "timeout": "30",
        "verify_challenge_resource": "False",
    }))
    .unwrap();
}

#[test]
fn invalid_numbers_name_the_kwarg() {
    for (kwarg, value) in [
        ("connection_timeout", json!(0)),
        ("read_timeout", json!(-1)),
        ("retry_total", json!(-1)),
        ("retry_total", json!("many")),
        ("retry_backoff_factor", json!(-0.5)),
        ("timeout", json!(0)),
        ("timeout", json!("soon")),
        ("timeout", json!(1e300)),
        ("read_timeout", json!(1e300)),
        ("verify_challenge_resource", json!("maybe")),
    ] {
        let err = build_err(json!({"vault_url": VAULT, kwarg: value}));
        assert!(
            err.contains(&format!("kwarg `{kwarg}`")),
            "{kwarg}={value}: {err}"
        );
    }
}

#[test]
fn authority_host_must_be_https() {
    let err = build_err(json!({"vault_url": VAULT, "authority_host": "http://login.example.com"}));
    assert!(
        err.contains("kwarg `authority_host`: must use https"),
        "{err}"
    );
    build(json!({"vault_url": VAULT, "authority_host": "login.microsoftonline.us"})).unwrap();
    build(json!({"vault_url": VAULT, "authority_host": "https://login.chinacloudapi.cn/"}))
        .unwrap();
}

#[test]
fn tenant_ids_are_checked_when_used() {
    let err = build_err(
        json!({"vault_url": VAULT, "tenant_id": "bad tenant/", "client_id": "c", "client_secret": "s"}),
    );
    assert!(err.contains("kwarg `tenant_id`"), "{err}");
    // Without a secret the client-secret credential is not used (Airflow falls back to the default chain).
    build(json!({"vault_url": VAULT, "tenant_id": "bad tenant/", "client_id": "c"})).unwrap();
    let err = build_err(json!({
        "vault_url": VAULT, "managed_identity_client_id": "mi", "workload_identity_tenant_id": "bad/tenant"
    }));
    assert!(err.contains("kwarg `workload_identity_tenant_id`"), "{err}");
}

#[test]
fn other_invalid_values() {
    let err = build_err(json!({"vault_url": VAULT, "sep": null}));
    assert!(err.contains("kwarg `sep`"), "{err}");
    let err = build_err(json!({"vault_url": VAULT, "api_version": " "}));
    assert!(err.contains("kwarg `api_version`"), "{err}");
    let err = build_err(json!({"vault_url": VAULT, "connections_prefix": ["a"]}));
    assert!(err.contains("kwarg `connections_prefix`"), "{err}");
}

#[test]
fn typed_constructor_matches_kwargs() {
    let backend = AzureKeyVaultBackend::new(AzureKeyVaultKwargs {
        vault_url: Some(VAULT.into()),
        connections_prefix: Some("conns".into()),
        sep: ".".into(),
        ..AzureKeyVaultKwargs::default()
    })
    .unwrap();
    // `conns.a.b` breaks Key Vault's name rule: nothing is sent (15.2.1)
    assert_eq!(backend.secret_name(SecretKind::Connection, "a_b"), None);
    assert_eq!(
        backend.secret_name(SecretKind::Connection, "ab").as_deref(),
        None
    );
    let backend = AzureKeyVaultBackend::new(AzureKeyVaultKwargs {
        vault_url: Some(VAULT.into()),
        connections_prefix: Some("conns".into()),
        sep: "X".into(),
        ..AzureKeyVaultKwargs::default()
    })
    .unwrap();
    assert_eq!(
        backend
            .secret_name(SecretKind::Connection, "a_b")
            .as_deref(),
        Some("connsXaXb")
    );
    assert!(AzureKeyVaultBackend::new(AzureKeyVaultKwargs::default()).is_err());
}

#[test]
fn lookup_patterns_filter_keys_like_python_re_match() {
    let backend = build(json!({
        "vault_url": VAULT,
        "connections_lookup_pattern": "^prod_",
        "variables_lookup_pattern": "team_a|shared",
        "config_lookup_pattern": "",
    }))
    .unwrap();
    let name = |kind, key| backend.secret_name(kind, key);
    // anchored at the start, case-insensitive
    assert_eq!(
        name(SecretKind::Connection, "PROD_db").as_deref(),
        Some("airflow-connections-PROD-db")
    );
    assert_eq!(name(SecretKind::Connection, "my_prod_db"), None);
    assert_eq!(name(SecretKind::Connection, "staging_db"), None);
    // alternation, matched at the start only
    assert!(name(SecretKind::Variable, "team_a_key").is_some());
    assert!(name(SecretKind::Variable, "shared").is_some());
    assert_eq!(name(SecretKind::Variable, "team_b_key"), None);
    // "" is no filter, as in Airflow
    assert!(name(SecretKind::Config, "anything").is_some());

    // null (the default) is no filter either
    let backend = build(json!({"vault_url": VAULT, "variables_lookup_pattern": null})).unwrap();
    assert!(backend.secret_name(SecretKind::Variable, "x").is_some());
}

#[test]
fn an_invalid_lookup_pattern_names_the_kwarg() {
    for kwarg in [
        "connections_lookup_pattern",
        "variables_lookup_pattern",
        "config_lookup_pattern",
    ] {
        let err = build(json!({"vault_url": VAULT, kwarg: "(unclosed"})).unwrap_err();
        assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("kwarg `{kwarg}`: not a valid regular expression")),
            "{text}"
        );
    }
    let err = build_err(json!({"vault_url": VAULT, "variables_lookup_pattern": 7}));
    assert!(err.contains("kwarg `variables_lookup_pattern`"), "{err}");
}
