//! The real-server suite: every behaviour that depends on Vault itself, against an OpenBao dev server
//! the test starts (and stops) on 127.0.0.1. The documentation walk-through through the facade is in
//! crates/facade/tests/vault.rs.

#[path = "../support/keys.rs"]
mod keys;

mod global_secrets_path;
mod teams;

pub(crate) use airflow_secrets_testkit as testkit;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_vault::{EnvSnapshot, VaultBackend};
use serde_json::{Value, json};
use testkit::leak_check::clean;
use testkit::logs::Logs;
use testkit::openbao::{self, AppRole, OpenBao};

/// Installs the TRACE capture of this test binary (idempotent).
fn logs() -> Logs {
    testkit::logs::capture()
}

/// The backend for `kwargs`, with an empty environment.
fn vault(kwargs: Value) -> VaultBackend {
    let kwargs: Kwargs = kwargs.as_object().unwrap().clone();
    VaultBackend::from_kwargs_with_env(&kwargs, &EnvSnapshot::empty()).unwrap()
}

/// The kwargs object `base` with the keys of `extra` added (or replaced).
fn with(base: Value, extra: Value) -> Value {
    let mut map = base.as_object().unwrap().clone();
    map.extend(extra.as_object().unwrap().clone());
    Value::Object(map)
}

/// Looks up variable `key` through `backend`: it must hold `expected`.
async fn assert_variable(backend: &VaultBackend, key: &str, expected: &str) {
    assert_eq!(
        backend.get_variable(key).await.unwrap().unwrap().expose(),
        expected
    );
}

/// The secrets of the documentation's setup (the AppRole's secret ID, the root token and the stored
/// variable), followed by `extra`: what a test must not leak.
fn setup_secrets<'a>(bao: &'a OpenBao, approle: &'a AppRole, extra: &[&'a str]) -> Vec<&'a str> {
    let mut secrets = vec![
        approle.secret_id.as_str(),
        bao.root_token(),
        "my-test-variable",
    ];
    secrets.extend_from_slice(extra);
    secrets
}

#[tokio::test]
async fn approle_reads_what_the_policy_allows_and_is_denied_elsewhere() {
    let logs = logs();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let secrets = setup_secrets(&bao, &approle, &["p@ss", "never-read", "soon-deleted"]);
    bao.cli(&[
        "kv",
        "put",
        "secret/config/outside_policy",
        "value=never-read",
    ]);
    bao.cli(&["kv", "put", "secret/variables/gone", "value=soon-deleted"]);
    bao.cli(&["kv", "delete", "secret/variables/gone"]);
    let backend = vault(with(
        bao.documentation_kwargs(&approle),
        json!({ "config_path": "config" }),
    ));

    assert_variable(&backend, "my_var", "my-test-variable").await;
    let pg = backend.get_connection("my_pg").await.unwrap().unwrap();
    assert_eq!(
        (
            pg.conn_type.as_deref(),
            pg.host.as_deref(),
            pg.login.as_deref(),
            pg.schema.as_deref(),
            pg.port
        ),
        (
            Some("postgres"),
            Some("db.example.com"),
            Some("user"),
            Some("mydb"),
            Some(5432)
        )
    );
    assert_eq!(pg.password.unwrap().expose(), "p@ss");
    // Inside the policy but absent, or soft-deleted: not found.
    assert!(backend.get_variable("nope").await.unwrap().is_none());
    assert!(backend.get_variable("gone").await.unwrap().is_none());
    // Outside the policy: a permission error naming the path, not "not found".
    let err = clean(backend.get_config("outside_policy").await, &secrets);
    let Error::PermissionDenied { location, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        location.ends_with("/v1/secret/data/config/outside_policy"),
        "{location}"
    );
    logs.assert_free_of(&secrets);
}

#[tokio::test]
async fn kv_v1_mount_and_mount_point_null() {
    let logs = logs();
    let bao = OpenBao::start();
    bao.cli(&["secrets", "enable", "-path=airflow", "-version=1", "kv"]);
    bao.cli(&[
        "kv",
        "put",
        "airflow/variables/hello",
        "value=kv1-world-value",
    ]);
    bao.cli(&[
        "kv",
        "put",
        "airflow/path/to/variables/hello",
        "value=kv1-deep-value",
    ]);
    let token = json!({ "url": bao.url(), "token": bao.root_token(), "kv_engine_version": 1 });

    let v1 = vault(with(token.clone(), json!({ "mount_point": "airflow" })));
    assert_variable(&v1, "hello", "kv1-world-value").await;
    let v1_no_prefix = vault(with(
        token.clone(),
        json!({ "mount_point": "airflow", "variables_path": "" }),
    ));
    assert_variable(&v1_no_prefix, "path/to/variables/hello", "kv1-deep-value").await;
    let split = vault(with(token.clone(), json!({ "mount_point": null })));
    assert_variable(&split, "airflow/hello", "kv1-world-value").await;
    assert!(
        split.get_variable("hello").await.unwrap().is_none(),
        "no `/`: not looked up"
    );
    let split_no_prefix = vault(with(
        token,
        json!({ "mount_point": null, "variables_path": "" }),
    ));
    assert_variable(
        &split_no_prefix,
        "airflow/path/to/variables/hello",
        "kv1-deep-value",
    )
    .await;
    logs.assert_free_of(&[bao.root_token(), "kv1-world-value", "kv1-deep-value"]);
}

#[tokio::test]
async fn userpass_login() {
    let logs = logs();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    bao.cli(&["auth", "enable", "userpass"]);
    bao.cli(&[
        "write",
        "auth/userpass/users/alice",
        "password=correct-horse-battery",
        "token_policies=airflow-read",
    ]);
    let base = json!({ "url": bao.url(), "auth_type": "userpass", "username": "alice" });
    let backend = vault(with(
        base.clone(),
        json!({ "password": "correct-horse-battery" }),
    ));
    assert_variable(&backend, "my_var", "my-test-variable").await;
    let secrets = setup_secrets(
        &bao,
        &approle,
        &["correct-horse-battery", "wrong-password-2b"],
    );
    let err = clean(
        vault(with(base, json!({ "password": "wrong-password-2b" })))
            .get_variable("my_var")
            .await,
        &secrets,
    );
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(err.to_string().contains("userpass login at"), "{err}");
    logs.assert_free_of(&secrets);
}

#[tokio::test]
async fn jwt_login_with_a_generated_key() {
    let logs = logs();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let (private_pem, public_pem) = keys::rsa_pem_pair();
    bao.cli(&["auth", "enable", "jwt"]);
    bao.cli(&[
        "write",
        "auth/jwt/config",
        &format!("jwt_validation_pubkeys={public_pem}"),
    ]);
    bao.cli(&[
        "write",
        "auth/jwt/role/airflow",
        "role_type=jwt",
        "bound_audiences=vault",
        "user_claim=sub",
        "token_policies=airflow-read",
    ]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({ "sub": "airflow-worker", "aud": "vault", "iat": now, "nbf": now, "exp": now + 600 });
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{jwt}\n")).unwrap();
    let backend = vault(
        json!({ "url": bao.url(), "auth_type": "jwt", "jwt_role": "airflow", "jwt_token_path": file.path() }),
    );
    assert_variable(&backend, "my_var", "my-test-variable").await;
    let key_line = private_pem.lines().nth(10).unwrap();
    logs.assert_free_of(&setup_secrets(&bao, &approle, &[jwt.as_str(), key_line]));
}

/// A token that lives 2 s (renewable up to 4 s) keeps serving lookups for longer than its lifetime,
/// through renewals, a capped renewal and new logins, and after an idle period longer than the TTL.
#[tokio::test]
async fn a_role_with_a_two_second_token_ttl_keeps_serving_lookups() {
    let logs = logs();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    bao.cli(&[
        "write",
        "auth/approle/role/airflow",
        "token_policies=airflow-read",
        "token_ttl=2s",
        "token_max_ttl=4s",
    ]);
    let backend = vault(bao.documentation_kwargs(&approle));
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        assert_variable(&backend, "my_var", "my-test-variable").await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_variable(&backend, "my_var", "my-test-variable").await;
    logs.assert_free_of(&setup_secrets(&bao, &approle, &[]));
}

#[tokio::test]
async fn a_stopped_server_is_unavailable_within_the_timeout() {
    let logs = logs();
    let mut bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let backend = vault(with(
        bao.documentation_kwargs(&approle),
        json!({ "timeout": 3 }),
    ));
    assert!(backend.get_variable("my_var").await.unwrap().is_some());
    bao.server.stop();
    let start = Instant::now();
    let secrets = setup_secrets(&bao, &approle, &[]);
    let err = clean(backend.get_variable("my_var").await, &secrets);
    // Refused connections fail fast; 3 retries add 0.7–1.4 s of backoff. Generous bound for a busy
    // machine.
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let Error::Unavailable { attempts, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*attempts, 4, "{err}");
    logs.assert_free_of(&secrets);
}

#[tokio::test]
async fn a_connection_stored_as_fields() {
    let logs = logs();
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    bao.cli(&[
        "kv",
        "put",
        "secret/connections/fields_pg",
        "conn_type=postgresql",
        "host=db.example.com",
        "login=user",
        "password=p@ss",
        "port=5432",
        "schema=mydb",
        r#"extra={"sslmode": "require"}"#,
    ]);
    let backend = vault(bao.documentation_kwargs(&approle));
    let raw = backend.get_conn_value("fields_pg").await.unwrap().unwrap();
    assert!(raw.expose().starts_with('{'), "the whole secret, as JSON");
    let pg = backend.get_connection("fields_pg").await.unwrap().unwrap();
    assert_eq!(
        pg.conn_type.as_deref(),
        Some("postgres"),
        "from_json normalises postgresql"
    );
    assert_eq!(
        (
            pg.host.as_deref(),
            pg.login.as_deref(),
            pg.schema.as_deref(),
            pg.port
        ),
        (
            Some("db.example.com"),
            Some("user"),
            Some("mydb"),
            Some(5432)
        )
    );
    assert_eq!(pg.password.as_ref().unwrap().expose(), "p@ss");
    assert_eq!(
        pg.get_uri(),
        "postgres://user:p%40ss@db.example.com:5432/mydb?sslmode=require"
    );
    logs.assert_free_of(&setup_secrets(&bao, &approle, &["p@ss"]));
}

#[tokio::test]
async fn a_namespace_header_and_a_custom_approle_mount() {
    let logs = logs();
    let bao = OpenBao::start();
    bao.cli(&["namespace", "create", "team-a"]);
    let ns = |args: &[&str]| bao.cli_in(Some("team-a"), args, "");
    ns(&["secrets", "enable", "-path=secret", "-version=2", "kv"]);
    ns(&["auth", "enable", "-path=ci-approle", "approle"]);
    ns(&["kv", "put", "secret/variables/ns_var", "value=in-namespace"]);
    bao.cli_in(
        Some("team-a"),
        &["policy", "write", "reader", "-"],
        openbao::AIRFLOW_POLICY,
    );
    ns(&["write", "auth/ci-approle/role/r", "token_policies=reader"]);
    let role_id = ns(&["read", "-field=role_id", "auth/ci-approle/role/r/role-id"]);
    let secret_id = ns(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/ci-approle/role/r/secret-id",
    ]);
    let backend = vault(json!({
        "url": bao.url(), "auth_type": "approle", "role_id": role_id, "secret_id": secret_id,
        "auth_mount_point": "ci-approle", "namespace": "team-a"
    }));
    assert_variable(&backend, "ns_var", "in-namespace").await;
    logs.assert_free_of(&[secret_id.as_str(), bao.root_token(), "in-namespace"]);
}
