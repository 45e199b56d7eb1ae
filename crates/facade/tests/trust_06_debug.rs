//! Issue "Trust", item 6: no `Debug` reachable from [`Secrets`] prints a secret.
//!
//! For each provider (Vault, SSM, Secrets Manager, GCP, Azure on their mocks; the metastore on a SQLite file; local
//! files; environment variables) the chain is built from an Airflow configuration whose environment
//! snapshot, kwargs and credential fields hold planted secrets. A found variable, a found connection
//! and a failing lookup are run, and every public type reachable from the chain is formatted with `{:?}`
//! and `{:#?}` — before and after the lookups — and searched for the planted values (plain and
//! percent-encoded).
#![cfg(all(
    feature = "vault",
    feature = "aws-ssm",
    feature = "aws-secrets-manager",
    feature = "gcp-secret-manager",
    feature = "azure-key-vault",
    feature = "metastore"
))]

mod common;

use std::fmt::Debug;
use std::path::Path;

use airflow_secrets::{AirflowConfig, ErrorPolicy, Secrets};
use airflow_secrets_azure_key_vault_mock::key_vault::forbidden_access_denied;
use airflow_secrets_azure_key_vault_mock::{ACCESS_TOKEN, AzureFixture, CLIENT_SECRET};
use airflow_secrets_testkit::aws_json;
use airflow_secrets_testkit::gcp_mock as gcp;
use airflow_secrets_testkit::moto as ssm;
use airflow_secrets_testkit::{airflow_db, vault_responses};
use common::leak_check::assert_no_secret;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

/// In the environment snapshot (values of unrelated variables, `VAULT_TOKEN`, `AIRFLOW_CONN_*`...).
const ENV_SECRET: &str = "Pl4nted-ENV-s3cret";
/// In a credential kwarg (secret_id, aws_session_token...).
const KWARG_SECRET: &str = "Pl4nted-KWARG-s3cret";
/// The password of a proxy URL in the kwargs.
const PROXY_PASSWORD: &str = "Pl4nted-PROXY-passw0rd";
/// The value the store answers for variable `found`.
const STORED_VALUE: &str = "Pl4nted-STORED-value";
/// The password of connection `conn`.
const CONN_PASSWORD: &str = "Pl4nted-CONN-passw0rd";
/// The token Vault issues at login.
const ISSUED_TOKEN: &str = "s.Pl4nted-ISSUED-token";

fn conn_uri() -> String {
    format!("postgres://user:{CONN_PASSWORD}@db.example.com:5432/mydb")
}

/// The lookup that must fail.
#[derive(Clone, Copy)]
enum Broken {
    Variable(&'static str),
    Connection(&'static str),
}

/// The environment snapshot every case shares: planted values in unrelated variables, Airflow's own,
/// a private AIRFLOW_HOME, and the cache on (so its settings are reachable too).
fn environment(home: &Path) -> Vec<(String, String)> {
    [
        ("HOME", home.display().to_string()),
        ("AIRFLOW_HOME", home.display().to_string()),
        ("AIRFLOW__SECRETS__USE_CACHE", "true".into()),
        ("AIRFLOW__CORE__FERNET_KEY", ENV_SECRET.into()),
        ("VAULT_TOKEN", ENV_SECRET.into()),
        ("MY_APP_DB_PASSWORD", ENV_SECRET.into()),
        (
            "AIRFLOW_CONN_OTHER",
            format!("postgres://u:{ENV_SECRET}@h/db"),
        ),
        ("AIRFLOW_VAR_OTHER", ENV_SECRET.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The configuration: [`environment`], then `vars` over it.
fn config(home: &Path, vars: &[(&str, String)]) -> AirflowConfig {
    let mut env = environment(home);
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    AirflowConfig::from_vars(env).unwrap()
}

/// `AIRFLOW__SECRETS__BACKEND` and `AIRFLOW__SECRETS__BACKEND_KWARGS`.
fn backend(class_path: &str, kwargs: &Value) -> Vec<(&'static str, String)> {
    vec![
        ("AIRFLOW__SECRETS__BACKEND", class_path.to_owned()),
        ("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs.to_string()),
    ]
}

/// Both `Debug` forms of `value` hold none of `planted`.
#[track_caller]
fn assert_debug_clean(what: &str, value: &impl Debug, planted: &[&str]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert_no_secret(&format!("{what}: {text}"), planted);
    }
}

/// Everything reachable from the chain built on `config`.
#[track_caller]
fn assert_chain_clean(stage: &str, config: &AirflowConfig, secrets: &Secrets, planted: &[&str]) {
    assert_debug_clean(&format!("{stage}: AirflowConfig"), config, planted);
    assert_debug_clean(
        &format!("{stage}: airflow.cfg"),
        &config.cfg_file(),
        planted,
    );
    assert_debug_clean(&format!("{stage}: Secrets"), secrets, planted);
    for backend in secrets.backends() {
        assert_debug_clean(&format!("{stage}: {}", backend.name()), backend, planted);
    }
    assert_debug_clean(
        &format!("{stage}: custom_backend()"),
        &secrets.custom_backend(),
        planted,
    );
    let settings = secrets.settings().expect("built from a configuration");
    assert_debug_clean(&format!("{stage}: settings"), settings, planted);
    assert_debug_clean(
        &format!("{stage}: settings.backend"),
        &settings.backend,
        planted,
    );
    assert_debug_clean(
        &format!("{stage}: cache settings"),
        &settings.cache,
        planted,
    );
}

/// Builds the chain on `config`, runs the lookups, formats everything. `planted` adds the case's own
/// secrets to the shared ones.
async fn assert_nothing_planted_is_shown(config: AirflowConfig, broken: Broken, planted: &[&str]) {
    let mut all = vec![
        ENV_SECRET,
        KWARG_SECRET,
        PROXY_PASSWORD,
        STORED_VALUE,
        CONN_PASSWORD,
        ISSUED_TOKEN,
    ];
    all.extend_from_slice(planted);
    let all = all.as_slice();

    let raw = config.option("secrets", "backend_kwargs").await.unwrap();
    assert_debug_clean("RawOption of backend_kwargs", &raw, all);

    let secrets = Secrets::builder()
        .config(config.clone())
        .build()
        .await
        .unwrap();
    assert_chain_clean("before the lookups", &config, &secrets, all);

    let value = secrets.variable("found").await.unwrap().expect("found");
    assert_eq!(value.expose(), STORED_VALUE);
    assert_debug_clean("SecretValue", &value, all);
    let lookup = secrets.variable_lookup("found").await.unwrap();
    assert_debug_clean("Lookup<SecretValue>", &lookup, all);

    let conn = secrets.connection("conn").await.unwrap();
    assert_eq!(conn.password.as_ref().unwrap().expose(), CONN_PASSWORD);
    assert_debug_clean("Connection", &conn, all);
    let lookup = secrets.connection_lookup("conn").await.unwrap();
    assert_debug_clean("Lookup<Connection>", &lookup, all);

    // Falling through keeps the failure; strict returns it.
    let strict = Secrets::builder()
        .config(config.clone())
        .error_policy(ErrorPolicy::Strict)
        .no_cache()
        .build()
        .await
        .unwrap();
    let err = match broken {
        Broken::Variable(key) => {
            let lookup = secrets.variable_lookup(key).await;
            assert_debug_clean("Lookup with a failure", &lookup, all);
            strict
                .variable(key)
                .await
                .expect_err("the lookup must fail")
        }
        Broken::Connection(id) => {
            let lookup = secrets.connection_lookup(id).await;
            assert_debug_clean("Lookup with a failure", &lookup, all);
            strict
                .connection(id)
                .await
                .expect_err("the lookup must fail")
        }
    };
    assert_debug_clean("Error", &err, all);
    assert_no_secret(&format!("Error Display: {err}"), all);

    assert_chain_clean("after the lookups", &config, &secrets, all);
    assert_chain_clean("strict chain", &config, &strict, all);
}

#[tokio::test]
async fn trust_06_vault() {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth/approle/login"))
        .respond_with(vault_responses::auth_response(ISSUED_TOKEN, 3600, true))
        .mount(&server)
        .await;
    let read = |p: &str| Mock::given(method("GET")).and(path(format!("/v1/secret/data/{p}")));
    read("variables/found")
        .respond_with(vault_responses::kv2(json!({"value": STORED_VALUE})))
        .mount(&server)
        .await;
    read("connections/conn")
        .respond_with(vault_responses::kv2(json!({"conn_uri": conn_uri()})))
        .mount(&server)
        .await;
    read("variables/broken")
        .respond_with(vault_responses::vault_error(400, &["bad request"]))
        .mount(&server)
        .await;
    let kwargs = json!({
        "url": server.uri(),
        "auth_type": "approle",
        "role_id": "airflow-role",
        "secret_id": KWARG_SECRET,
        "connections_path": "connections",
        "variables_path": "variables",
        "config_path": null,
        "max_retries": 0,
        // Only for https URLs: the mock is http, so it is never used, only shown.
        "proxies": {"https": format!("http://proxy-user:{PROXY_PASSWORD}@127.0.0.1:9")},
    });
    let mut vars = backend(
        "airflow.providers.hashicorp.secrets.vault.VaultBackend",
        &kwargs,
    );
    vars.push((
        "AIRFLOW__SECRETS__BACKEND_KWARG__SECRET_ID",
        KWARG_SECRET.into(),
    ));
    let config = config(home.path(), &vars);
    assert_nothing_planted_is_shown(config, Broken::Variable("broken"), &[]).await;
}

/// One AWS JSON-protocol store (SSM, Secrets Manager) on a mock, its names under
/// `{prefix}airflow/`: variable `found` is found, connection `conn` is `conn_value`, variable `broken`
/// is denied; then every `Debug` reachable from the chain is checked.
async fn assert_aws_json_store_clean(
    class_path: &str,
    store: &AwsWire,
    prefix: &str,
    conn_value: String,
) {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    let read = |name: &str| {
        Mock::given(method("POST"))
            .and(path("/"))
            .and(header("x-amz-target", store.target))
            .and(body_json((store.request)(name)))
    };
    let name = |kind: &str, key: &str| format!("{prefix}airflow/{kind}/{key}");
    for (kind, key, value) in [
        ("variables", "found", STORED_VALUE.to_owned()),
        ("connections", "conn", conn_value),
    ] {
        let n = name(kind, key);
        read(&n)
            .respond_with(aws_json::json_11(200).set_body_json((store.found)(&n, &value)))
            .mount(&server)
            .await;
    }
    read(&name("variables", "broken"))
        .respond_with(aws_json::aws_error(400, "AccessDeniedException", "denied"))
        .mount(&server)
        .await;
    let kwargs = Value::Object(ssm::kwargs(
        &server.uri(),
        json!({
            "aws_session_token": KWARG_SECRET,
            "config_kwargs": {"retries": {"total_max_attempts": 1}},
        }),
    ));
    let config = config(home.path(), &backend(class_path, &kwargs));
    assert_nothing_planted_is_shown(
        config,
        Broken::Variable("broken"),
        &[ssm::SECRET_ACCESS_KEY],
    )
    .await;
}

/// An AWS JSON-protocol read as this suite mocks it.
struct AwsWire {
    /// `X-Amz-Target` of the read.
    target: &'static str,
    /// The exact request body for a name.
    request: fn(&str) -> Value,
    /// The success body for a name and value.
    found: fn(&str, &str) -> Value,
}

#[tokio::test]
async fn trust_06_aws_ssm() {
    let ssm = AwsWire {
        target: "AmazonSSM.GetParameter",
        request: |name| json!({"Name": name, "WithDecryption": true}),
        found: |name, value| {
            json!({"Parameter": {
                "Name": name, "Type": "SecureString", "Value": value, "Version": 1, "DataType": "text"
            }})
        },
    };
    assert_aws_json_store_clean(
        "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
        &ssm,
        "/",
        conn_uri(),
    )
    .await;
}

#[tokio::test]
async fn trust_06_aws_secrets_manager() {
    let secrets_manager = AwsWire {
        target: "secretsmanager.GetSecretValue",
        request: |name| json!({"SecretId": name}),
        found: |name, value| json!({"Name": name, "SecretString": value, "VersionStages": ["AWSCURRENT"]}),
    };
    // A JSON-field connection with Airflow's aliases: standardised before it is parsed.
    let fields = json!({"engine": "postgres", "user": "u", "pass": CONN_PASSWORD, "server": "db"});
    assert_aws_json_store_clean(
        "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        &secrets_manager,
        "",
        fields.to_string(),
    )
    .await;
}

/// A service-account key whose private key is generated for the test (google-cloud-auth signs a JWT
/// with it locally; the token URI is never contacted).
fn service_account_key() -> (Value, String) {
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine as _;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = base64::engine::general_purpose::STANDARD.encode(pair.as_der().unwrap().as_ref());
    let lines: Vec<&str> = der
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let key = json!({
        "type": "service_account",
        "project_id": "trust-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "reader@trust-project.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "token_uri": format!("http://127.0.0.1:{}/token", airflow_secrets_testkit::free_port()),
    });
    // A line from the middle of the key: key material, unlike the PEM header.
    (key, lines[3].to_owned())
}

#[tokio::test]
async fn trust_06_gcp_secret_manager() {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    let project = "trust-project";
    gcp::mount(
        &server,
        project,
        "airflow-variables-found",
        gcp::found("airflow-variables-found", STORED_VALUE),
    )
    .await;
    gcp::mount(
        &server,
        project,
        "airflow-connections-conn",
        gcp::found("airflow-connections-conn", &conn_uri()),
    )
    .await;
    gcp::mount(
        &server,
        project,
        "airflow-variables-broken",
        gcp::unavailable(),
    )
    .await;
    let (key, key_material) = service_account_key();
    let kwargs = json!({
        "project_id": project,
        "endpoint": server.uri(),
        "gcp_keyfile_dict": key,
        "max_attempts": 1,
        "timeout_seconds": 10,
    });
    let config = config(
        home.path(),
        &backend(
            "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
            &kwargs,
        ),
    );
    assert_nothing_planted_is_shown(config, Broken::Variable("broken"), &[&key_material]).await;
}

#[tokio::test]
async fn trust_06_azure_key_vault() {
    let home = tempfile::tempdir().unwrap();
    let fx = AzureFixture::start().await;
    fx.vault.put("airflow-variables-found", STORED_VALUE);
    fx.vault.put("airflow-connections-conn", &conn_uri());
    fx.vault
        .always("airflow-variables-broken", forbidden_access_denied("trust"));
    let kwargs = Value::Object(fx.kwargs_with(json!({"retry_total": 0})));
    let config = config(
        home.path(),
        &backend(
            "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
            &kwargs,
        ),
    );
    assert_nothing_planted_is_shown(
        config,
        Broken::Variable("broken"),
        &[CLIENT_SECRET, ACCESS_TOKEN],
    )
    .await;
}

#[tokio::test]
async fn trust_06_metastore() {
    use base64::Engine as _;
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("metadata.db");
    airflow_db::create(
        &db,
        &[
            format!(
                "INSERT INTO variable (id, \"key\", val, is_encrypted) VALUES (1, 'found', '{STORED_VALUE}', 0)"
            ),
            // Encrypted with no usable key: a decryption error.
            "INSERT INTO variable (id, \"key\", val, is_encrypted) VALUES (2, 'broken', 'not-a-fernet-token', 1)"
                .to_owned(),
            format!(
                "INSERT INTO connection (id, conn_id, conn_type, host, login, password, is_encrypted, is_extra_encrypted) \
                 VALUES (1, 'conn', 'postgres', 'db.example.com', 'user', '{CONN_PASSWORD}', 0, 0)"
            ),
        ],
    )
    .await;
    // A well-formed Fernet key: the key itself is the secret.
    let fernet_key =
        base64::engine::general_purpose::URL_SAFE.encode(b"Pl4nted-fernet-key-of-32-bytes!!");
    let vars = [
        (
            "AIRFLOW__SECRETS__BACKEND",
            "airflow.secrets.metastore.MetastoreBackend".to_owned(),
        ),
        (
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            format!("sqlite:///{}", db.display()),
        ),
        ("AIRFLOW__CORE__FERNET_KEY", fernet_key.clone()),
    ];
    let config = config(home.path(), &vars);
    assert_nothing_planted_is_shown(config, Broken::Variable("broken"), &[&fernet_key]).await;
}

#[tokio::test]
async fn trust_06_local_files() {
    let home = tempfile::tempdir().unwrap();
    let variables = home.path().join("variables.json");
    let connections = home.path().join("connections.json");
    std::fs::write(&variables, json!({"found": STORED_VALUE}).to_string()).unwrap();
    std::fs::write(&connections, json!({"conn": conn_uri()}).to_string()).unwrap();
    let kwargs = json!({
        "variables_file_path": variables,
        "connections_file_path": connections,
    });
    let config = config(
        home.path(),
        &backend(
            "airflow.secrets.local_filesystem.LocalFilesystemBackend",
            &kwargs,
        ),
    );
    // The environment tier holds a malformed connection with a planted password.
    let broken = format!("a://b://c://{KWARG_SECRET}");
    let config = AirflowConfig::from_vars(
        config
            .env_vars()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .chain([("AIRFLOW_CONN_BROKEN".to_owned(), broken)]),
    )
    .unwrap();
    assert_nothing_planted_is_shown(config, Broken::Connection("broken"), &[]).await;
}

#[tokio::test]
async fn trust_06_environment_variables() {
    let home = tempfile::tempdir().unwrap();
    let vars = [
        ("AIRFLOW_VAR_FOUND", STORED_VALUE.to_owned()),
        ("AIRFLOW_CONN_CONN", conn_uri()),
        (
            "AIRFLOW_CONN_BROKEN",
            format!("postgres://user:{KWARG_SECRET}@host:99999{KWARG_SECRET}/db"),
        ),
        // `backend_kwargs` is read (and shown) even without a backend; its command prints a secret.
        (
            "AIRFLOW__SECRETS__BACKEND_KWARGS_CMD",
            format!("echo {{\"token\": \"{KWARG_SECRET}\"}}"),
        ),
    ];
    let config = config(home.path(), &vars);
    assert_nothing_planted_is_shown(config, Broken::Connection("broken"), &[]).await;
}
