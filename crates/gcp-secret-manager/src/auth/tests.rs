//! Tests of the credential plan: sources, projects, impersonation.

use super::project::*;
use super::*;
use airflow_secrets_core::provider::env::EnvSnapshot;
use serde_json::json;

fn no_env() -> EnvSnapshot {
    EnvSnapshot::empty()
}

fn kwargs(v: Value) -> CloudSecretManagerKwargs {
    airflow_secrets_core::kwargs::parse_kwargs("CloudSecretManagerBackend", v.as_object().unwrap())
        .unwrap()
}

fn sa_key() -> Value {
    json!({"type": "service_account", "project_id": "key-project", "private_key_id": "kid",
           "private_key": "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n",
           "client_email": "sa@key-project.iam.gserviceaccount.com"})
}

#[test]
fn keyfile_dict_as_object_or_string_gives_its_project_and_unescapes_the_key() {
    for dict in [sa_key(), Value::String(sa_key().to_string())] {
        let (p, project) = plan(&kwargs(json!({"gcp_keyfile_dict": dict})), &no_env()).unwrap();
        assert_eq!(project.as_deref(), Some("key-project"));
        let Source::ServiceAccount { key, from } = &p.source else {
            panic!("{p:?}")
        };
        assert_eq!(*from, "gcp_keyfile_dict");
        assert!(
            key["private_key"]
                .as_str()
                .unwrap()
                .contains("KEY-----\nAAAA\n")
        );
        assert_eq!(p.scopes, [DEFAULT_SCOPE]);
    }
}

#[test]
fn key_path_rules_follow_airflow() {
    let err = plan(&kwargs(json!({"gcp_key_path": "/k.p12"})), &no_env())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Legacy P12 key file are not supported"),
        "{err}"
    );
    let err = plan(&kwargs(json!({"gcp_key_path": "/k.pem"})), &no_env())
        .unwrap_err()
        .to_string();
    assert!(err.contains("Unrecognised extension for key file"), "{err}");
    let err = plan(
        &kwargs(json!({"gcp_key_path": "/nonexistent/k.json"})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("cannot read `/nonexistent/k.json`"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.json");
    std::fs::write(&path, sa_key().to_string()).unwrap();
    let (p, project) = plan(
        &kwargs(json!({"gcp_key_path": path.to_str().unwrap()})),
        &no_env(),
    )
    .unwrap();
    assert!(matches!(
        p.source,
        Source::ServiceAccount {
            from: "gcp_key_path",
            ..
        }
    ));
    assert_eq!(project.as_deref(), Some("key-project"));
}

#[test]
fn credential_options_are_mutually_exclusive() {
    let err = plan(
        &kwargs(json!({"gcp_key_path": "/k.json", "gcp_keyfile_dict": sa_key()})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("mutually exclusive") && err.contains("gcp_key_path, gcp_keyfile_dict"),
        "{err}"
    );
    let err = plan(
        &kwargs(json!({"anonymous_credentials": true, "gcp_keyfile_dict": sa_key()})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("anonymous_credentials"), "{err}");
    // Python truthiness: empty values do not count.
    let (p, _) = plan(
        &kwargs(json!({"gcp_key_path": "", "gcp_keyfile_dict": {}, "anonymous_credentials": true})),
        &no_env(),
    )
    .unwrap();
    assert!(matches!(p.source, Source::Anonymous));
}

#[test]
fn incomplete_keys_name_the_missing_fields_but_not_the_values() {
    let err = plan(
        &kwargs(json!({"gcp_keyfile_dict": {"private_key": "s3cr3t", "client_email": "a@b"}})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`private_key_id`, `project_id`"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    let err = plan(
        &kwargs(json!({"gcp_keyfile_dict": "{not json s3cr3t"})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("not valid JSON") && !err.contains("s3cr3t"),
        "{err}"
    );
}

#[test]
fn credential_config_file_as_path_text_or_object() {
    let external = json!({"type": "external_account",
        "audience": "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/q",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": "/var/run/token"}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wif.json");
    std::fs::write(&path, external.to_string()).unwrap();
    for value in [
        external.clone(),
        Value::String(external.to_string()),
        json!(path.to_str().unwrap()),
    ] {
        let (p, project) = plan(
            &kwargs(json!({"gcp_credential_config_file": value})),
            &no_env(),
        )
        .unwrap();
        assert!(matches!(p.source, Source::ExternalAccount(_)), "{p:?}");
        assert_eq!(project.as_deref(), Some("123456"));
    }
    let (p, project) = plan(
        &kwargs(json!({"gcp_credential_config_file": sa_key()})),
        &no_env(),
    )
    .unwrap();
    assert!(matches!(p.source, Source::ServiceAccount { .. }));
    assert_eq!(project.as_deref(), Some("key-project"));
    let user = json!({"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"});
    let (p, project) = plan(
        &kwargs(json!({"gcp_credential_config_file": user})),
        &no_env(),
    )
    .unwrap();
    assert!(matches!(p.source, Source::AuthorizedUser(_)) && project.is_none());

    let err = plan(
        &kwargs(json!({"gcp_credential_config_file": "/no/such/file.json"})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("neither an existing file nor JSON"), "{err}");
    let err = plan(
        &kwargs(json!({"gcp_credential_config_file": {"type": "gdch_service_account"}})),
        &no_env(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("unsupported credential type `gdch_service_account`"),
        "{err}"
    );
}

#[test]
fn workforce_pools_use_the_user_project() {
    let config = json!({"audience": "//iam.googleapis.com/locations/global/workforcePools/p/providers/q",
                        "workforce_pool_user_project": "wf-project"});
    assert_eq!(
        external_account_project(&config).as_deref(),
        Some("wf-project")
    );
    assert_eq!(external_account_project(&json!({"audience": "x"})), None);
}

#[test]
fn impersonation_chain_maps_to_target_and_delegates_and_sets_the_project() {
    let k = kwargs(json!({"gcp_keyfile_dict": sa_key(), "gcp_scopes": "a, b,",
        "impersonation_chain": ["d1@one.iam.gserviceaccount.com", "t@target-project.iam.gserviceaccount.com"]}));
    let (p, project) = plan(&k, &no_env()).unwrap();
    let imp = p.impersonation.unwrap();
    assert_eq!(
        imp.target_principal,
        "t@target-project.iam.gserviceaccount.com"
    );
    assert_eq!(imp.delegates, ["d1@one.iam.gserviceaccount.com"]);
    assert_eq!(project.as_deref(), Some("target-project"));
    assert_eq!(p.scopes, ["a", "b"]);

    let k = kwargs(
        json!({"anonymous_credentials": true, "impersonation_chain": "t@p.iam.gserviceaccount.com"}),
    );
    assert!(plan_err(&k).contains("anonymous"));
    let k = kwargs(json!({"impersonation_chain": "not-an-email"}));
    assert!(
        plan_err(&k)
            .contains("Could not extract project_id from service account's email: not-an-email.")
    );
}

fn plan_err(k: &CloudSecretManagerKwargs) -> String {
    plan(k, &no_env()).unwrap_err().to_string()
}

#[test]
fn adc_project_from_env_then_the_adc_file() {
    let dir = tempfile::tempdir().unwrap();
    let adc = dir.path().join("adc.json");
    std::fs::write(&adc, sa_key().to_string()).unwrap();
    let adc_str = adc.to_str().unwrap().to_owned();
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("GCLOUD_PROJECT", "env-project"),
            ("GOOGLE_APPLICATION_CREDENTIALS", adc_str.as_str()),
        ],
    );
    assert_eq!(adc_project(&env).as_deref(), Some("env-project"));
    let env = EnvSnapshot::from_vars(HONOURED, [("GOOGLE_APPLICATION_CREDENTIALS", &adc_str)]);
    assert_eq!(adc_project(&env).as_deref(), Some("key-project"));
    let home = dir.path().to_str().unwrap().to_owned();
    let env = EnvSnapshot::from_vars(HONOURED, [("HOME", &home)]);
    assert_eq!(adc_project(&env), None);
    // Through plan(): only consulted for ADC without an explicit project.
    let (p, project) = plan(
        &kwargs(json!({})),
        &EnvSnapshot::from_vars(HONOURED, [("GOOGLE_CLOUD_PROJECT", "from-env")]),
    )
    .unwrap();
    assert!(matches!(p.source, Source::ApplicationDefault));
    assert_eq!(project.as_deref(), Some("from-env"));
}

#[test]
fn build_error_messages_do_not_echo_values() {
    let e = BuildError::from_sdk("cannot parse: invalid type: string \"s3cr3t\", expected u64");
    assert!(
        !e.0.contains("s3cr3t") && e.0.contains("expected u64"),
        "{}",
        e.0
    );
}

/// Trust item 14: a value holding serde's own separator must not leak its tail (the old local copy split
/// at the *first* `, expected `); the one redaction splits at the last.
#[test]
fn trust_14_build_errors_use_the_one_serde_redaction() {
    let e = BuildError::from_sdk(
        "cannot parse: invalid type: string \"a, expected PlantedS3cret\", expected u64",
    );
    assert!(
        !e.0.contains("PlantedS3cret") && e.0.ends_with("expected u64"),
        "{}",
        e.0
    );
}
