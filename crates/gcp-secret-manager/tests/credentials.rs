//! Mock suite: credentials chosen by the kwargs, seen on the wire.
//!
//! google-cloud-auth 1.x signs a **self-signed JWT** with a service-account key and sends it as the
//! bearer token (Google APIs accept it; no OAuth token endpoint is involved, so `token_uri` is never
//! contacted). These tests generate an RSA key, hand it over as `gcp_keyfile_dict` / `gcp_key_path`,
//! and check the token the mock receives: its header, its claims and its RS256 signature.
//!
//! Every test runs with the TRACE capture and ends by checking that neither the private key's material
//! nor the signed token was logged or shown in an error.

mod common;

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

const CLIENT_EMAIL: &str = "airflow-reader@key-project.iam.gserviceaccount.com";

/// A fresh RSA key: the service-account JSON holding it, and its public key (PKCS#1 DER).
fn service_account_key(project: &str) -> (Value, Vec<u8>) {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .expect("RSA key generation");
    let pkcs8 = STANDARD.encode(pair.as_der().expect("PKCS#8 encoding").as_ref());
    let body: Vec<&str> = pkcs8
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        body.join("\n")
    );
    let key = json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        // Never contacted: the SDK signs its own JWT. Pointing it at a closed port proves it.
        "token_uri": format!("http://127.0.0.1:{}/token", airflow_secrets_testkit::free_port()),
        "universe_domain": "googleapis.com",
    });
    (key, pair.public_key().as_ref().to_vec())
}

/// Any `AccessSecretVersion` on `project` for `secret_id`, whatever the credentials.
async fn mount_secret(server: &MockServer, project: &str, secret_id: &str, value: &str) {
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1/projects/{project}/secrets/{secret_id}/versions/latest:access"
        )))
        .and(query_param("$alt", "json;enum-encoding=int"))
        .respond_with(found(secret_id, value))
        .mount(server)
        .await;
}

/// The private key's base64 lines (each is key material) and `extra` (tokens), for the leak checks.
fn key_secrets(key: &Value, extra: &[String]) -> Vec<String> {
    let pem = key["private_key"].as_str().unwrap().replace("\\n", "\n");
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_owned)
        .chain(extra.iter().cloned())
        .collect()
}

fn assert_key_not_leaked(errors: &[&Error], key: &Value, extra: &[String]) {
    let secrets = key_secrets(key, extra);
    assert!(!secrets.is_empty());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_leak(errors, &secrets);
}

fn bearer(server_requests: &[wiremock::Request]) -> String {
    let auth = server_requests[0]
        .headers
        .get("authorization")
        .expect("an Authorization header")
        .to_str()
        .unwrap();
    auth.strip_prefix("Bearer ")
        .expect("a bearer token")
        .to_owned()
}

/// Decodes the JWT, checks its RS256 signature against `public_key`, returns (header, claims).
fn verify_jwt(token: &str, public_key: &[u8]) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS has three parts");
    let decode =
        |p: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap() };
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        public_key,
    )
    .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
    .expect("the JWT is signed by the service-account key");
    (decode(parts[0]), decode(parts[1]))
}

#[tokio::test]
async fn a_keyfile_dict_signs_the_bearer_token_with_the_key() {
    let server = MockServer::start().await;
    airflow_secrets_testkit::logs::capture();
    mount_secret(&server, "explicit-project", "airflow-variables-k", "v").await;
    let (key, public_key) = service_account_key("key-project");
    let kwargs = json!({"project_id": "explicit-project", "endpoint": server.uri(), "gcp_keyfile_dict": key});
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");

    let requests = server.received_requests().await.unwrap();
    let (header, claims) = verify_jwt(&bearer(&requests), &public_key);
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "JWT", "kid": "0123456789abcdef"})
    );
    assert_eq!(claims["iss"], CLIENT_EMAIL);
    assert_eq!(claims["sub"], CLIENT_EMAIL);
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 3700, "iat {iat} exp {exp}");
    assert_key_not_leaked(&[], &key, &[bearer(&requests)]);
}

#[tokio::test]
async fn a_key_file_gives_the_project_and_the_scopes() {
    let server = MockServer::start().await;
    airflow_secrets_testkit::logs::capture();
    mount_secret(
        &server,
        "key-project",
        "airflow-connections-db",
        "postgres://h/d",
    )
    .await;
    let (key, public_key) = service_account_key("key-project");
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("sa.json");
    std::fs::write(&key_path, serde_json::to_vec_pretty(&key).unwrap()).unwrap();
    let kwargs = json!({"endpoint": server.uri(), "gcp_key_path": key_path.to_str().unwrap(),
        "gcp_scopes": "https://www.googleapis.com/auth/cloud-platform.read-only, https://www.googleapis.com/auth/userinfo.email"});
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    assert_eq!(
        b.project_id(),
        Some("key-project"),
        "the key's project_id, as in Airflow"
    );
    assert_eq!(
        b.get_conn_value("db").await.unwrap().unwrap().expose(),
        "postgres://h/d"
    );

    // The token is cached: a second lookup reuses it.
    assert!(b.get_conn_value("db").await.unwrap().is_some());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].headers.get("authorization"),
        requests[1].headers.get("authorization")
    );
    let (_, claims) = verify_jwt(&bearer(&requests), &public_key);
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform.read-only https://www.googleapis.com/auth/userinfo.email"
    );
    assert_key_not_leaked(&[], &key, &[bearer(&requests)]);
}

#[tokio::test]
async fn a_keyfile_dict_string_with_escaped_newlines_is_accepted() {
    let server = MockServer::start().await;
    airflow_secrets_testkit::logs::capture();
    mount_secret(&server, "key-project", "airflow-variables-k", "v").await;
    let (mut key, public_key) = service_account_key("key-project");
    let escaped = key["private_key"].as_str().unwrap().replace('\n', "\\n");
    key["private_key"] = json!(escaped);
    let kwargs = json!({"endpoint": server.uri(), "gcp_keyfile_dict": key.to_string()});
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");
    let token = bearer(&server.received_requests().await.unwrap());
    verify_jwt(&token, &public_key);
    assert_key_not_leaked(&[], &key, &[token]);
}

#[tokio::test]
async fn anonymous_credentials_send_no_authorization_header() {
    let server = MockServer::start().await;
    airflow_secrets_testkit::logs::capture();
    mount_secret(&server, PROJECT, "airflow-variables-k", "v").await;
    let kwargs =
        json!({"project_id": PROJECT, "endpoint": server.uri(), "anonymous_credentials": true});
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn an_unusable_private_key_is_an_authentication_error_at_lookup_without_key_material() {
    let server = MockServer::start().await;
    airflow_secrets_testkit::logs::capture();
    mount_secret(&server, "key-project", "airflow-variables-k", "v").await;
    let (mut key, _) = service_account_key("key-project");
    key["private_key"] =
        json!("-----BEGIN PRIVATE KEY-----\ns3cr3tKeyMaterial\n-----END PRIVATE KEY-----\n");
    let kwargs = json!({"endpoint": server.uri(), "gcp_keyfile_dict": key, "max_attempts": 2,
        "retry_initial_backoff_seconds": 0.01, "retry_max_backoff_seconds": 0.01});
    // Construction accepts it: the PEM is parsed when the first token is signed.
    let b = CloudSecretManagerBackend::from_kwargs(kwargs.as_object().unwrap()).unwrap();
    let err = b.get_variable("k").await.unwrap_err();
    let Error::Authentication { location, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        location.contains("service-account key (gcp_keyfile_dict)"),
        "{location}"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is sent without a token"
    );
    for text in [err.to_string(), format!("{err:?}"), format!("{b:?}")] {
        assert!(!text.contains("s3cr3tKeyMaterial"), "{text}");
    }
    assert_key_not_leaked(&[&err], &key, &[]);
}
