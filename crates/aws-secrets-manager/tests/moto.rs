//! Real-server suite: a moto server (`python -m moto.server`) on 127.0.0.1, seeded with boto3, read by
//! the backend exactly as Airflow's kwargs configure it. Static credentials only: nothing probes the
//! instance metadata service or leaves the machine.
//!
//! Every test runs with TRACE logs captured and ends by checking that none of the values, passwords and
//! keys it handled was logged or shown in an error.

use airflow_secrets_aws_secrets_manager::SecretsManagerBackend;
use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_testkit::leak_check::assert_error_clean;
use airflow_secrets_testkit::logs::capture;
use airflow_secrets_testkit::moto::*;
use serde_json::{Value, json};

const HELLO: &str = "hello-s3cr3t-world";
const SMTP_URI: &str = "smtp://user:p%40ss@smtp.example.com:587/?timeout=30";

fn backend(endpoint: &str, extra: Value) -> SecretsManagerBackend {
    SecretsManagerBackend::from_kwargs(&kwargs(endpoint, extra)).expect("valid kwargs")
}

/// `create_secret` for each `(name, value)`: a string, or `{"binary": "<base64>"}` for a SecretBinary.
fn create(endpoint: &str, secrets: Value) {
    run_boto3(
        endpoint,
        r#"
import base64
sm = session.client("secretsmanager")
for name, value in data:
    if isinstance(value, dict):
        sm.create_secret(Name=name, SecretBinary=base64.b64decode(value["binary"]))
    else:
        sm.create_secret(Name=name, SecretString=value)
"#,
        &secrets,
    );
}

#[tokio::test]
async fn reads_variables_connections_and_config_with_airflow_defaults() {
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            ["airflow/variables/hello", HELLO],
            ["airflow/connections/smtp_default", SMTP_URI],
            [
                "airflow/config/sql_alchemy_conn",
                "postgresql://a:b@db/airflow"
            ],
        ]),
    );
    let b = backend(&moto.url(), json!({}));
    assert_eq!(
        b.get_variable("hello").await.unwrap().unwrap().expose(),
        HELLO
    );
    assert_eq!(
        b.get_conn_value("smtp_default")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        SMTP_URI,
        "a URI secret is handed on as stored"
    );
    let smtp = b.get_connection("smtp_default").await.unwrap().unwrap();
    assert_eq!(
        (smtp.conn_type.as_deref(), smtp.host.as_deref(), smtp.port),
        (Some("smtp"), Some("smtp.example.com"), Some(587))
    );
    assert_eq!(smtp.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    assert_eq!(
        b.get_config("sql_alchemy_conn")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "postgresql://a:b@db/airflow"
    );
    // ResourceNotFoundException is "not found", never an error.
    assert!(b.get_variable("missing").await.unwrap().is_none());
    assert!(b.get_connection("missing").await.unwrap().is_none());
    assert!(b.get_config("missing").await.unwrap().is_none());
    assert!(
        logs.contents().contains("secretsmanager.GetSecretValue")
            || logs.contents().contains("GetSecretValue")
    );
    logs.assert_free_of(&[HELLO, "p@ss", "p%40ss", SECRET_ACCESS_KEY]);
}

#[tokio::test]
async fn json_field_connections_use_airflows_aliases() {
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            [
                "airflow/connections/aliases",
                r#"{"user": "airflow", "pass": "pw-s3cr3t-1", "host": "db.internal", "port": 5432, "database": "prod", "engine": "postgresql"}"#
            ],
            [
                "airflow/connections/long_names",
                r#"{"username": "u", "key": "pw-s3cr3t-2", "server": "s.internal", "schema": "db", "conn_id": "mysql", "extra": {"ssl": true}}"#
            ],
            [
                "airflow/connections/other_names",
                r#"  {"user_name": "u2", "password": "pw-s3cr3t-3", "remote_host": "h", "connection_type": "http", "port": "8080", "extra": "{\"timeout\": 30}"}"#
            ],
            [
                "airflow/connections/first_wins",
                r#"{"login": "first", "user": "second", "unrelated": "dropped"}"#
            ],
            [
                "airflow/connections/principal",
                r#"{"principal": "svc", "secret": "pw-s3cr3t-4", "kind": "postgres", "host": "p"}"#
            ],
        ]),
    );
    let b = backend(&moto.url(), json!({}));

    // What Airflow's get_conn_value returns: the standardised JSON text.
    assert_eq!(
        b.get_conn_value("aliases").await.unwrap().unwrap().expose(),
        r#"{"login": "airflow", "password": "pw-s3cr3t-1", "host": "db.internal", "port": 5432, "schema": "prod", "conn_type": "postgresql", "extra": null}"#
    );
    let c = b.get_connection("aliases").await.unwrap().unwrap();
    assert_eq!(
        c.conn_type.as_deref(),
        Some("postgres"),
        "normalised by from_json"
    );
    assert_eq!(
        (
            c.login.as_deref(),
            c.host.as_deref(),
            c.port,
            c.schema.as_deref()
        ),
        (
            Some("airflow"),
            Some("db.internal"),
            Some(5432),
            Some("prod")
        )
    );
    assert_eq!(c.password.as_ref().map(|p| p.expose()), Some("pw-s3cr3t-1"));
    assert_eq!(c.extra, None);

    let c = b.get_connection("long_names").await.unwrap().unwrap();
    assert_eq!(
        (
            c.login.as_deref(),
            c.host.as_deref(),
            c.schema.as_deref(),
            c.conn_type.as_deref()
        ),
        (Some("u"), Some("s.internal"), Some("db"), Some("mysql"))
    );
    assert_eq!(c.password.as_ref().map(|p| p.expose()), Some("pw-s3cr3t-2"));
    assert_eq!(c.extra.as_deref(), Some(r#"{"ssl": true}"#));

    let c = b.get_connection("other_names").await.unwrap().unwrap();
    assert_eq!(
        (
            c.login.as_deref(),
            c.host.as_deref(),
            c.port,
            c.conn_type.as_deref()
        ),
        (Some("u2"), Some("h"), Some(8080), Some("http"))
    );
    assert_eq!(
        c.extra.as_deref(),
        Some(r#"{"timeout": 30}"#),
        "a string extra is kept verbatim"
    );

    let c = b.get_connection("first_wins").await.unwrap().unwrap();
    assert_eq!(c.login.as_deref(), Some("first"));

    // Unknown field names are dropped, unless extra_conn_words names them.
    let c = b.get_connection("principal").await.unwrap().unwrap();
    assert_eq!((c.login, c.password, c.conn_type), (None, None, None));
    let words = backend(
        &moto.url(),
        json!({"extra_conn_words": {"user": ["principal"], "password": ["secret"], "conn_type": ["kind"]}}),
    );
    let c = words.get_connection("principal").await.unwrap().unwrap();
    assert_eq!(
        (c.login.as_deref(), c.conn_type.as_deref()),
        (Some("svc"), Some("postgres"))
    );
    assert_eq!(c.password.as_ref().map(|p| p.expose()), Some("pw-s3cr3t-4"));

    logs.assert_free_of(&[
        "pw-s3cr3t-1",
        "pw-s3cr3t-2",
        "pw-s3cr3t-3",
        "pw-s3cr3t-4",
        SECRET_ACCESS_KEY,
    ]);
}

#[tokio::test]
async fn variables_are_never_standardised_and_bad_json_connections_are_malformed() {
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            [
                "airflow/variables/json_var",
                r#"{"user": "x", "password": "pw-s3cr3t-5"}"#
            ],
            [
                "airflow/connections/broken",
                r#"{"password": "pw-s3cr3t-6", "host": "#
            ],
        ]),
    );
    let b = backend(&moto.url(), json!({}));
    assert_eq!(
        b.get_variable("json_var").await.unwrap().unwrap().expose(),
        r#"{"user": "x", "password": "pw-s3cr3t-5"}"#
    );
    let err = b.get_conn_value("broken").await.unwrap_err();
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("secret `airflow/connections/broken`"),
        "{err}"
    );
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert_error_clean(&err, &["pw-s3cr3t-6"]);
    logs.assert_free_of(&["pw-s3cr3t-5", "pw-s3cr3t-6", SECRET_ACCESS_KEY]);
}

#[tokio::test]
async fn binary_deleted_and_staged_secrets_answer_as_airflow() {
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            ["airflow/variables/binary", {"binary": "AAEC"}],
            ["airflow/variables/scheduled", "deleted-s3cr3t"],
            ["airflow/variables/forced", "forced-s3cr3t"],
            ["airflow/variables/staged", "current-value"],
        ]),
    );
    run_boto3(
        &moto.url(),
        r#"
sm = session.client("secretsmanager")
sm.delete_secret(SecretId="airflow/variables/scheduled")
sm.delete_secret(SecretId="airflow/variables/forced", ForceDeleteWithoutRecovery=True)
sm.put_secret_value(SecretId="airflow/variables/staged", SecretString="pending-value", VersionStages=["AWSPENDING"])
"#,
        &json!(null),
    );
    let b = backend(&moto.url(), json!({}));
    // Airflow reads SecretString only.
    assert!(b.get_variable("binary").await.unwrap().is_none());
    // Scheduled for deletion: InvalidRequestException, which Airflow answers with None (logged here).
    assert!(b.get_variable("scheduled").await.unwrap().is_none());
    assert!(
        logs.contents().contains("InvalidRequestException"),
        "{}",
        logs.contents()
    );
    assert!(b.get_variable("forced").await.unwrap().is_none());
    // GetSecretValue reads the AWSCURRENT version.
    assert_eq!(
        b.get_variable("staged").await.unwrap().unwrap().expose(),
        "current-value"
    );
    logs.assert_free_of(&[
        "deleted-s3cr3t",
        "forced-s3cr3t",
        "pending-value",
        SECRET_ACCESS_KEY,
    ]);
}

#[tokio::test]
async fn prefixes_sep_patterns_and_disabled_kinds() {
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            ["team_variables_k", "with-sep"],
            ["bare_key", "no-prefix"],
            ["prod/variables/prod_db", "prod-value"],
            ["prod/variables/dev_db", "dev-value"],
            ["airflow/variables/MWAA_style", "matched"],
            [
                "airflow/connections/aws_default",
                "aws://?region_name=eu-west-1"
            ],
        ]),
    );
    let m = moto.url();
    let sep = backend(
        &m,
        json!({"variables_prefix": "team_variables__", "sep": "_"}),
    );
    assert_eq!(
        sep.secret_name(airflow_secrets_core::SecretKind::Variable, "k")
            .as_deref(),
        Some("team_variables_k")
    );
    assert_eq!(
        sep.get_variable("k").await.unwrap().unwrap().expose(),
        "with-sep"
    );

    let bare = backend(&m, json!({"variables_prefix": ""}));
    assert_eq!(
        bare.get_variable("bare_key")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "no-prefix"
    );

    let patterned = backend(
        &m,
        json!({"variables_prefix": "prod/variables/", "variables_lookup_pattern": "^PROD_"}),
    );
    assert_eq!(
        patterned
            .get_variable("prod_db")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "prod-value"
    );
    assert!(
        patterned.get_variable("dev_db").await.unwrap().is_none(),
        "filtered out: never read"
    );

    let disabled = backend(
        &m,
        json!({"connections_prefix": null, "config_prefix": null}),
    );
    assert!(
        disabled
            .get_connection("aws_default")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        disabled
            .get_variable("MWAA_style")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "matched"
    );
    logs.assert_free_of(&[SECRET_ACCESS_KEY]);
}

/// moto with IAM enforced after seeding: unknown keys are refused (403 `InvalidClientTokenId`), and a
/// user without `secretsmanager:GetSecretValue` is denied (403 `AccessDenied`). moto answers both as
/// XML, the Query protocol's shape, where Secrets Manager's own errors are JSON.
#[tokio::test]
async fn refused_credentials_and_denied_reads_are_errors_naming_the_secret() {
    let logs = capture();
    let moto = start_moto_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]);
    let m = moto.url();
    run_boto3(
        &m,
        r#"
import json
sm = session.client("secretsmanager")
iam = session.client("iam")
sm.create_secret(Name="airflow/variables/guarded", SecretString="guarded-s3cr3t")
iam.create_user(UserName="reader")
iam.put_user_policy(UserName="reader", PolicyName="describe-only", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]}))
key = iam.create_access_key(UserName="reader")["AccessKey"]
open(data, "w").write(json.dumps([key["AccessKeyId"], key["SecretAccessKey"]]))
"#,
        &json!(std::env::temp_dir().join(format!("sm-reader-{}.json", std::process::id()))),
    );
    let key_file = std::env::temp_dir().join(format!("sm-reader-{}.json", std::process::id()));
    let [id, secret]: [String; 2] =
        serde_json::from_str(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    std::fs::remove_file(&key_file).unwrap();

    // The suite's default keys are not moto IAM keys: refused.
    let err = backend(&m, json!({}))
        .get_variable("guarded")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(
        err.to_string().contains("airflow/variables/guarded"),
        "{err}"
    );
    assert_error_clean(&err, &["guarded-s3cr3t", SECRET_ACCESS_KEY]);

    let reader = SecretsManagerBackend::from_kwargs(
        &serde_json::from_value(json!({
            "endpoint_url": m, "region_name": REGION,
            "aws_access_key_id": id, "aws_secret_access_key": secret,
        }))
        .unwrap(),
    )
    .unwrap();
    let err = reader.get_variable("guarded").await.unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("secret `airflow/variables/guarded`"),
        "{err}"
    );
    assert_error_clean(&err, &["guarded-s3cr3t", &secret]);
    logs.assert_free_of(&["guarded-s3cr3t", SECRET_ACCESS_KEY, &secret]);
}

/// Multi-team (amazon 9.39.0, `[core] multi_team = True`): a lookup for a team reads
/// `airflow/variables/<team>--<key>` first, then the shared secret; with an empty prefix there is no team
/// name; a key holding `--` is refused without a request.
#[tokio::test]
async fn a_team_reads_its_own_secret_first() {
    use airflow_secrets_core::SecretKind;
    let logs = capture();
    let moto = start_moto();
    create(
        &moto.url(),
        json!([
            ["airflow/variables/team_a--greeting", "team-a-greeting-6e2"],
            ["airflow/variables/greeting", "shared-greeting-6e2"],
            ["team_a--bare", "team-bare-6e2"],
            ["bare", "shared-bare-6e2"],
            ["airflow/variables/a--b", "ambiguous-6e2"],
        ]),
    );
    let b = backend(&moto.url(), json!({})).with_multi_team(true);
    let value = |v: Option<airflow_secrets_core::SecretValue>| v.map(|v| v.expose().to_owned());
    let var = SecretKind::Variable;
    let got = b
        .get_for_team(var, "greeting", Some("team_a"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("team-a-greeting-6e2"));
    let got = b
        .get_for_team(var, "greeting", Some("team_b"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("shared-greeting-6e2"));
    assert!(b.get_for_team(var, "a--b", None).await.unwrap().is_none());
    // An empty prefix: the provider tries no team name.
    let bare = backend(&moto.url(), json!({"variables_prefix": ""})).with_multi_team(true);
    let got = bare
        .get_for_team(var, "bare", Some("team_a"))
        .await
        .unwrap();
    assert_eq!(value(got).as_deref(), Some("shared-bare-6e2"));
    assert_eq!(bare.team_secret_name(var, "team_a", "bare"), None);
    // Without multi_team the same key is an ordinary secret.
    let ordinary = backend(&moto.url(), json!({}));
    assert_eq!(
        ordinary
            .get_variable("a--b")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "ambiguous-6e2"
    );
    logs.assert_free_of(&[
        "team-a-greeting-6e2",
        "shared-greeting-6e2",
        "team-bare-6e2",
        "shared-bare-6e2",
        "ambiguous-6e2",
    ]);
}
