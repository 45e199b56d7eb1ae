//! Real-server suite: a moto server (`python -m moto.server`) on 127.0.0.1, seeded with the AWS SDK, read
//! by the backend exactly as Airflow's kwargs configure it. Static credentials or a temporary profile file
//! only: nothing probes the instance metadata service or leaves the machine.
//!
//! Every test runs with TRACE logs captured (`airflow_secrets_testkit::logs`) and ends by checking that
//! none of the values, passwords and keys it handled was logged or shown in an error.

mod common;

use airflow_secrets_aws_ssm::aws_config::BehaviorVersion;
use airflow_secrets_aws_ssm::aws_config::sts::AssumeRoleProvider;
use airflow_secrets_aws_ssm::aws_sdk_ssm::config::{Credentials, ProvideCredentials, Region};
use airflow_secrets_aws_ssm::{
    EnvConfigFileKind, EnvConfigFiles, SsmKwargs, SystemsManagerParameterStoreBackend,
};
use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretKind, SecretsBackend};
use airflow_secrets_testkit::logs::capture;
use common::*;
use serde_json::json;

const HELLO: &str = "hello-s3cr3t-world";
const SMTP_URI: &str = "smtp://user:p%40ss@smtp.example.com:587/?timeout=30";
const PG_JSON: &str = r#"{"conn_type": "postgres", "host": "db.internal", "login": "airflow", "password": "s3cr3t", "port": 5432, "schema": "prod", "extra": {"sslmode": "require"}}"#;

#[tokio::test]
async fn reads_variables_connections_and_config_with_airflow_defaults() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(&seed, "/airflow/variables/hello", HELLO, false).await;
    put(&seed, "/airflow/connections/smtp_default", SMTP_URI, true).await;
    put(&seed, "/airflow/connections/pg_json", PG_JSON, true).await;
    put(
        &seed,
        "/airflow/config/sql_alchemy_conn",
        "postgresql://a:b@db/airflow",
        true,
    )
    .await;

    let b = backend(&moto.url(), json!({}));
    assert_eq!(
        b.get_variable("hello").await.unwrap().unwrap().expose(),
        HELLO
    );

    // SecureString values come back decrypted (WithDecryption=true), as the raw URI.
    let raw = b.get_conn_value("smtp_default").await.unwrap().unwrap();
    assert_eq!(raw.expose(), SMTP_URI);
    let smtp = b.get_connection("smtp_default").await.unwrap().unwrap();
    assert_eq!(smtp.conn_type.as_deref(), Some("smtp"));
    assert_eq!(smtp.host.as_deref(), Some("smtp.example.com"));
    assert_eq!(smtp.login.as_deref(), Some("user"));
    assert_eq!(smtp.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    assert_eq!(smtp.port, Some(587));
    assert_eq!(smtp.extra.as_deref(), Some(r#"{"timeout": "30"}"#));

    let pg = b.get_connection("pg_json").await.unwrap().unwrap();
    assert_eq!(pg.conn_type.as_deref(), Some("postgres"));
    assert_eq!(pg.host.as_deref(), Some("db.internal"));
    assert_eq!(pg.schema.as_deref(), Some("prod"));
    assert_eq!(pg.port, Some(5432));
    assert_eq!(pg.password.as_ref().map(|p| p.expose()), Some("s3cr3t"));
    assert_eq!(pg.extra.as_deref(), Some(r#"{"sslmode": "require"}"#));

    assert_eq!(
        b.get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "postgresql://a:b@db/airflow"
    );

    // ParameterNotFound is "not found", never an error.
    assert!(b.get_variable("missing").await.unwrap().is_none());
    assert!(b.get_connection("missing").await.unwrap().is_none());
    assert!(b.get_config("missing").await.unwrap().is_none());
    assert!(
        logs.contents().contains("SSM.GetParameter"),
        "the capture saw the SDK's own TRACE logs"
    );
    logs.assert_free_of(&[
        HELLO,
        SMTP_URI,
        PG_JSON,
        "p@ss",
        "s3cr3t",
        "postgresql://a:b@db/airflow",
        SECRET_ACCESS_KEY,
    ]);
}

#[tokio::test]
async fn custom_empty_and_disabled_prefixes() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(&seed, "/team-a/vars/color", "blue", false).await;
    put(&seed, "/flat_key", "at the root", false).await;
    put(&seed, "/airflow/connections/c1", "http://example.com", true).await;
    put(&seed, "/airflow/variables/v1", "default place", false).await;

    // Prefix without a leading slash and with trailing ones: Airflow strips the `/`s and forces one in front.
    let b = backend(
        &moto.url(),
        json!({"variables_prefix": "team-a/vars//", "connections_prefix": null,
        "config_prefix": ""}),
    );
    assert_eq!(
        b.get_variable("color").await.unwrap().unwrap().expose(),
        "blue"
    );
    assert!(
        b.get_variable("v1").await.unwrap().is_none(),
        "read under the custom prefix only"
    );
    // `""` means no prefix: the name is `/key`.
    assert_eq!(
        b.get_config("flat_key").await.unwrap().unwrap().expose(),
        "at the root"
    );
    // `null` disables connection lookups even though the parameter exists at the default place.
    assert!(b.get_conn_value("c1").await.unwrap().is_none());

    let b = backend(&moto.url(), json!({"variables_prefix": ""}));
    assert_eq!(
        b.get_variable("flat_key").await.unwrap().unwrap().expose(),
        "at the root"
    );
    assert_eq!(
        b.get_conn_value("c1").await.unwrap().unwrap().expose(),
        "http://example.com"
    );
    logs.assert_free_of(&["at the root", "default place", SECRET_ACCESS_KEY]);
}

#[tokio::test]
async fn lookup_patterns_skip_keys_that_do_not_match() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(
        &seed,
        "/airflow/variables/prod_db",
        "prod-db-password",
        false,
    )
    .await;
    put(&seed, "/airflow/variables/dev_db", "dev-db-password", false).await;
    put(&seed, "/airflow/connections/aws_default", "aws://", true).await;
    put(&seed, "/airflow/connections/other", "http://x", true).await;

    let b = backend(
        &moto.url(),
        json!({"variables_lookup_pattern": "prod_", "connections_lookup_pattern": "^aws"}),
    );
    assert_eq!(
        b.get_variable("prod_db").await.unwrap().unwrap().expose(),
        "prod-db-password"
    );
    // Python re.match: anchored at the start, case-insensitive. The parameter exists, but is not looked up.
    assert!(b.get_variable("dev_db").await.unwrap().is_none());
    assert!(b.parameter_name(SecretKind::Variable, "PROD_DB").is_some());
    assert!(
        b.parameter_name(SecretKind::Variable, "my_prod_db")
            .is_none()
    );
    assert_eq!(
        b.get_conn_value("aws_default")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "aws://"
    );
    assert!(b.get_conn_value("other").await.unwrap().is_none());
    // An empty pattern is no pattern.
    let b = backend(&moto.url(), json!({"variables_lookup_pattern": ""}));
    assert_eq!(
        b.get_variable("dev_db").await.unwrap().unwrap().expose(),
        "dev-db-password"
    );
    logs.assert_free_of(&["prod-db-password", "dev-db-password", SECRET_ACCESS_KEY]);
}

/// Credentials of `role_arn` as moto hands them out (moto files them under the role's account).
async fn role_credentials(endpoint: &str, role_arn: &str) -> Credentials {
    let base = airflow_secrets_aws_ssm::aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .load()
        .await;
    let provider = AssumeRoleProvider::builder(role_arn)
        .session_name("seeding")
        .configure(&base)
        .build()
        .await;
    quietly(provider.provide_credentials())
        .await
        .expect("moto AssumeRole")
}

#[tokio::test]
async fn role_arn_assumes_the_role_through_sts() {
    let logs = capture();
    let moto = start_moto();
    let role_arn = "arn:aws:iam::111111111111:role/airflow-secrets";
    put(
        &seed_client(&moto.url(), None),
        "/airflow/variables/where",
        "default account",
        false,
    )
    .await;
    // moto hands out the same credentials for the role each time: the backend's must not leak either.
    let role = role_credentials(&moto.url(), role_arn).await;
    let role_secret = role.secret_access_key().to_owned();
    let role_token = role.session_token().expect("a session token").to_owned();
    let role_seed = seed_client(&moto.url(), Some(role));
    put(&role_seed, "/airflow/variables/where", "role account", true).await;

    // Airflow never sends AssumeRole to the global endpoint_url; service_config.sts.endpoint_url does.
    let b = backend(
        &moto.url(),
        json!({"role_arn": role_arn, "assume_role_kwargs": {"RoleSessionName": "airflow-test", "DurationSeconds": 900},
               "service_config": {"sts": {"endpoint_url": moto.url()}}}),
    );
    assert_eq!(
        b.get_variable("where").await.unwrap().unwrap().expose(),
        "role account"
    );
    assert_eq!(
        b.get_variable("where").await.unwrap().unwrap().expose(),
        "role account"
    );
    assert!(b.get_variable("nowhere").await.unwrap().is_none());

    let without_role = backend(&moto.url(), json!({}));
    assert_eq!(
        without_role
            .get_variable("where")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "default account"
    );
    logs.assert_free_of(&[
        "role account",
        "default account",
        &role_secret,
        &role_token,
        SECRET_ACCESS_KEY,
    ]);
}

/// `assume_role_method = "assume_role_with_web_identity"` with the `file` federation (Airflow's
/// `_get_web_identity_credential_fetcher`): moto's STS exchanges the token of the file for the role's
/// credentials (filed under the role's account), which sign SSM's requests.
#[tokio::test]
async fn web_identity_assumes_the_role_with_the_token_file() {
    let logs = capture();
    let moto = start_moto();
    let role_arn = "arn:aws:iam::222222222222:role/airflow-irsa";
    put(
        &seed_client(&moto.url(), None),
        "/airflow/variables/where",
        "default account",
        false,
    )
    .await;
    let role = role_credentials(&moto.url(), role_arn).await;
    put(
        &seed_client(&moto.url(), Some(role)),
        "/airflow/variables/where",
        "web identity account",
        true,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "eyJ.web-identity-jwt-4d2a.sig").unwrap();

    let b = backend(
        &moto.url(),
        json!({"role_arn": role_arn, "assume_role_method": "assume_role_with_web_identity",
               "assume_role_with_web_identity_federation": "file",
               "assume_role_with_web_identity_token_file": token_file.to_str().unwrap(),
               "assume_role_kwargs": {"RoleSessionName": "airflow-irsa", "DurationSeconds": 900},
               "service_config": {"sts": {"endpoint_url": moto.url()}}}),
    );
    assert_eq!(
        b.get_variable("where").await.unwrap().unwrap().expose(),
        "web identity account"
    );

    // A token file that cannot be read: an authentication error naming the file, no value.
    let missing = backend(
        &moto.url(),
        json!({"role_arn": role_arn, "assume_role_method": "assume_role_with_web_identity",
               "assume_role_with_web_identity_federation": "file",
               "assume_role_with_web_identity_token_file": dir.path().join("absent").to_str().unwrap(),
               "service_config": {"sts": {"endpoint_url": moto.url()}}}),
    );
    let err = missing.get_variable("where").await.unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.contains("AssumeRoleWithWebIdentity") && shown.contains("absent"),
        "{shown}"
    );
    logs.assert_free_of(&[
        "web identity account",
        "default account",
        "web-identity-jwt-4d2a",
        SECRET_ACCESS_KEY,
    ]);
}

#[tokio::test]
async fn profile_name_reads_a_temporary_profile_file() {
    let logs = capture();
    let moto = start_moto();
    put(
        &seed_client(&moto.url(), None),
        "/airflow/variables/from_profile",
        "from-profile-value",
        false,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, format!("[profile airflow]\nregion = {REGION}\n")).unwrap();
    std::fs::write(
        &credentials,
        format!("[airflow]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"),
    )
    .unwrap();
    let files = || {
        EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, &config)
            .with_file(EnvConfigFileKind::Credentials, &credentials)
            .build()
    };
    let build = |profile: &str, region: Option<&str>| {
        let k: Kwargs = serde_json::from_value(
            json!({"endpoint_url": moto.url(), "profile_name": profile, "region_name": region}),
        )
        .unwrap();
        let k = SsmKwargs::from_kwargs(&k).unwrap();
        SystemsManagerParameterStoreBackend::builder()
            .kwargs(k)
            .profile_files(files())
            .build()
            .unwrap()
    };

    // No region_name: the region comes from the profile's config file too.
    assert_eq!(
        build("airflow", None)
            .get_variable("from_profile")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "from-profile-value"
    );

    // A profile that is not in the files: an authentication error, not a fallback to other credentials.
    // (region_name is given so that the SDK's region chain has no reason to ask the metadata service.)
    let err = build("nope", Some(REGION))
        .get_variable("from_profile")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(err.to_string().contains("nope"), "{err}");
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
    logs.assert_free_of(&["from-profile-value", SECRET_ACCESS_KEY]);
}

/// Multi-team (amazon 9.39.0, `[core] multi_team = True`): a lookup for a team reads
/// `/airflow/variables/<team>--<key>` first, then the shared parameter; a key holding `--` is refused
/// without a request.
#[tokio::test]
async fn a_team_reads_its_own_parameter_first() {
    let logs = capture();
    let moto = start_moto();
    let seed = seed_client(&moto.url(), None);
    put(
        &seed,
        "/airflow/variables/team_a--greeting",
        "team-a-greeting-5f1",
        true,
    )
    .await;
    put(
        &seed,
        "/airflow/variables/greeting",
        "shared-greeting-5f1",
        true,
    )
    .await;
    put(
        &seed,
        "/airflow/connections/team_a--my_db",
        "postgres://team-a-host/db",
        true,
    )
    .await;
    put(&seed, "/airflow/variables/a--b", "ambiguous-5f1", true).await;
    let b = backend(&moto.url(), json!({})).with_multi_team(true);
    let get = |kind, key: &'static str, team: Option<&'static str>| {
        let b = &b;
        async move {
            b.get_for_team(kind, key, team)
                .await
                .unwrap()
                .map(|v| v.expose().to_owned())
        }
    };
    let var = SecretKind::Variable;
    assert_eq!(
        get(var, "greeting", Some("team_a")).await.as_deref(),
        Some("team-a-greeting-5f1")
    );
    assert_eq!(
        get(var, "greeting", Some("team_b")).await.as_deref(),
        Some("shared-greeting-5f1")
    );
    assert_eq!(
        get(var, "greeting", None).await.as_deref(),
        Some("shared-greeting-5f1")
    );
    assert_eq!(get(var, "a--b", None).await, None);
    assert_eq!(
        get(var, "b", Some("a")).await.as_deref(),
        Some("ambiguous-5f1")
    );
    let conn = b
        .get_connection_for_team("my_db", Default::default(), Some("team_a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conn.host.as_deref(), Some("team-a-host"));
    // Without multi_team the same key is an ordinary parameter.
    let ordinary = backend(&moto.url(), json!({}));
    assert_eq!(
        ordinary
            .get_variable("a--b")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "ambiguous-5f1"
    );
    assert_eq!(
        b.team_parameter_name(SecretKind::Connection, "team_a", "my_db")
            .as_deref(),
        Some("/airflow/connections/team_a--my_db")
    );
    assert_eq!(
        b.team_parameter_name(SecretKind::Config, "team_a", "k"),
        None
    );
    logs.assert_free_of(&[
        "team-a-greeting-5f1",
        "shared-greeting-5f1",
        "ambiguous-5f1",
    ]);
}
