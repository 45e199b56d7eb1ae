//! Every auth method's login request: method, path, body, headers; `auth_mount_point`; validation.

use std::collections::BTreeMap;

use airflow_secrets_core::SecretsBackend;
use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_vault::{EnvSnapshot, HONOURED, VaultBackend};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::*;
use crate::keys::rsa_pem_pair;
use crate::sigv4;

/// The answer of every mocked login: [`ISSUED`], renewable, for an hour.
fn issued() -> ResponseTemplate {
    auth_response(ISSUED, 3600, true)
}

/// Mounts `times` KV v2 reads of `variables/v` that only the token issued by the login may do.
async fn mount_reads(server: &MockServer, times: u64) {
    let read = read_variable("v").and(header("X-Vault-Token", ISSUED));
    mount_expect(server, read, kv2(json!({ "value": VALUE })), times).await;
}

/// Mounts a KV v2 read of `variables/v` that only the token issued by the login may do.
async fn mount_read(server: &MockServer) {
    mount_reads(server, 1).await;
}

/// Mounts `POST <login_path>` answering [`ISSUED`], whatever the body (checked afterwards).
async fn mount_login_any_body(server: &MockServer, login_path: &str) {
    mount_expect(server, post_to(login_path), issued(), 1).await;
}

/// The one request `server` received at `api_path`.
async fn received(server: &MockServer, api_path: &str) -> Request {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == api_path)
        .unwrap_or_else(|| panic!("no request to {api_path}"))
}

/// Mounts `POST <login_path>` expecting `body`, without any token header, answering [`ISSUED`].
async fn mount_login(server: &MockServer, login_path: &str, body: Value) {
    let login = post_to(login_path)
        .and(header("X-Vault-Request", "true"))
        .and(body_json(body));
    mount_expect(server, login, issued(), 1).await;
}

/// A temporary file holding `content` (deleted when dropped).
fn temp_file(content: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), content).unwrap();
    file
}

/// Reads variable `v` through `vault`: [`VALUE`].
async fn assert_reads_value(vault: &VaultBackend) {
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        VALUE
    );
}

/// Builds the backend for `extra` kwargs against `server` and reads variable `v`: [`VALUE`].
async fn assert_kwargs_read_value(server: &MockServer, extra: Value) {
    assert_reads_value(&backend(&kwargs(server, extra))).await;
}

/// Reads variable `v` through `vault` ([`VALUE`]); no login `server` saw carried a token.
async fn assert_reads_with_issued_token(vault: &VaultBackend, server: &MockServer) {
    assert_reads_value(vault).await;
    for request in server.received_requests().await.unwrap() {
        if request.method.as_str() == "POST" {
            assert!(
                request.headers.get("X-Vault-Token").is_none(),
                "a login sends no token"
            );
        }
    }
}

/// Builds the backend for `extra` kwargs against `server`, then [`assert_reads_with_issued_token`].
async fn assert_kwargs_read_with_issued_token(server: &MockServer, extra: Value) {
    assert_reads_with_issued_token(&backend(&kwargs(server, extra)), server).await;
}

/// Reads variable `v` through a backend built from `kwargs` and `env`: `expected`.
async fn assert_env_reads(kwargs: &Kwargs, env: &EnvSnapshot, expected: &str) {
    let vault = VaultBackend::from_kwargs_with_env(kwargs, env).unwrap();
    assert_eq!(
        vault.get_variable("v").await.unwrap().unwrap().expose(),
        expected
    );
}

#[tokio::test]
async fn approle_login() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login(
        &server,
        "/v1/auth/approle/login",
        json!({ "role_id": "my-role", "secret_id": SECRET_ID }),
    )
    .await;
    mount_read(&server).await;
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "approle", "role_id": "my-role", "secret_id": SECRET_ID }),
    )
    .await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn approle_without_secret_id_and_with_auth_mount_point_and_namespace() {
    let logs = logs();
    let server = MockServer::start().await;
    let login = post_to("/v1/auth/ci/approle/login")
        .and(header("X-Vault-Namespace", "ns1"))
        .and(body_json(json!({ "role_id": "my-role" })));
    mount_expect(&server, login, issued(), 1).await;
    mount_read(&server).await;
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "approle", "role_id": "my-role", "auth_mount_point": "ci/approle", "namespace": "ns1" }),
    )
    .await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn userpass_ldap_and_radius_logins() {
    let logs = logs();
    for (auth_type, mount) in [
        ("userpass", "userpass"),
        ("ldap", "ldap"),
        ("radius", "radius"),
    ] {
        let server = MockServer::start().await;
        mount_login(
            &server,
            &format!("/v1/auth/{mount}/login/alice"),
            json!({ "password": PASSWORD }),
        )
        .await;
        mount_read(&server).await;
        assert_kwargs_read_with_issued_token(
            &server,
            json!({ "auth_type": auth_type, "username": "alice", "password": PASSWORD }),
        )
        .await;
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn github_login_with_token_or_token_file() {
    let logs = logs();
    let server = MockServer::start().await;
    let login = post_to("/v1/auth/gh/login").and(body_json(json!({ "token": "ghp_example-4d1e" })));
    mount_expect(&server, login, issued(), 2).await;
    mount_reads(&server, 2).await;
    assert_kwargs_read_value(
        &server,
        json!({ "auth_type": "github", "token": "ghp_example-4d1e", "auth_mount_point": "gh" }),
    )
    .await;
    let file = temp_file("ghp_example-4d1e\n");
    assert_kwargs_read_value(
        &server,
        json!({ "auth_type": "github", "token_path": file.path(), "auth_mount_point": "gh" }),
    )
    .await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn kubernetes_login_reads_and_strips_the_jwt_file() {
    let logs = logs();
    let server = MockServer::start().await;
    let file = temp_file("  eyJhbGciOi.k8s.jwt \n");
    mount_login(
        &server,
        "/v1/auth/kubernetes/login",
        json!({ "role": "airflow", "jwt": "eyJhbGciOi.k8s.jwt" }),
    )
    .await;
    mount_read(&server).await;
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "kubernetes", "kubernetes_role": "airflow", "kubernetes_jwt_path": file.path() }),
    )
    .await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn kubernetes_missing_jwt_file_is_an_authentication_error() {
    let logs = logs();
    let server = MockServer::start().await;
    let vault = backend(&kwargs(
        &server,
        json!({ "auth_type": "kubernetes", "kubernetes_role": "airflow", "kubernetes_jwt_path": "/nonexistent/token" }),
    ));
    let err = vault.get_variable("v").await.clean_err();
    assert!(
        matches!(err, airflow_secrets_core::Error::Authentication { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("/nonexistent/token"), "{err}");
    assert!(requests(&server).await.is_empty());
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn jwt_login_from_inline_token_or_file() {
    let logs = logs();
    let server = MockServer::start().await;
    let login = post_to("/v1/auth/jwt/login").and(body_json(
        json!({ "jwt": "header.payload.sig", "role": "reader" }),
    ));
    mount_expect(&server, login, issued(), 2).await;
    mount_reads(&server, 2).await;
    assert_kwargs_read_value(
        &server,
        json!({ "auth_type": "jwt", "jwt_role": "reader", "jwt_token": " header.payload.sig\n" }),
    )
    .await;
    let file = temp_file("header.payload.sig\n");
    assert_kwargs_read_value(
        &server,
        json!({ "auth_type": "jwt", "jwt_role": "reader", "jwt_token_path": file.path() }),
    )
    .await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn token_auth_from_file_kwarg_or_vault_token_env() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, "s.fromFile").await;
    mount_lookup_self(&server, "s.fromEnv").await;
    for token in ["s.fromFile", "s.fromEnv"] {
        let read = read_variable("v").and(header("X-Vault-Token", token));
        mount_expect(&server, read, kv2(json!({ "value": token })), 1).await;
    }
    let file = temp_file("s.fromFile\n\n");
    // token_path wins over token, as in Airflow.
    let from_file = kwargs(
        &server,
        json!({ "token_path": file.path(), "token": "s.ignored" }),
    );
    assert_env_reads(&from_file, &EnvSnapshot::empty(), "s.fromFile").await;
    let env = EnvSnapshot::from_vars(HONOURED, [("VAULT_TOKEN", "s.fromEnv")]);
    assert_env_reads(&kwargs(&server, json!({})), &env, "s.fromEnv").await;
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn vault_addr_is_used_when_url_is_missing_or_null() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_lookup_self(&server, TOKEN).await;
    let read = kv2(json!({ "value": "via VAULT_ADDR" }));
    mount_expect(&server, read_variable("v"), read, 1).await;
    let env = EnvSnapshot::from_vars(HONOURED, [("VAULT_ADDR", server.uri())]);
    let kwargs = json!({ "url": null, "token": TOKEN })
        .as_object()
        .unwrap()
        .clone();
    assert_env_reads(&kwargs, &env, "via VAULT_ADDR").await;
    logs.assert_free_of(SUITE_SECRETS);
}

/// The decoded `iam_request_*` fields of an aws login body.
struct IamLogin {
    url: String,
    body: String,
    headers: BTreeMap<String, String>,
    role: Value,
}

fn decode_iam_login(request: &Request) -> IamLogin {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let field = |name: &str| {
        String::from_utf8(STANDARD.decode(body[name].as_str().unwrap()).unwrap()).unwrap()
    };
    assert_eq!(body["iam_http_request_method"], "POST");
    let headers: Value = serde_json::from_str(&field("iam_request_headers")).unwrap();
    let headers = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.as_array().expect("values are lists")[0]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    IamLogin {
        url: field("iam_request_url"),
        body: field("iam_request_body"),
        headers,
        role: body["role"].clone(),
    }
}

#[tokio::test]
async fn aws_iam_with_static_keys_sends_a_valid_sigv4_get_caller_identity() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login_any_body(&server, "/v1/auth/aws/login").await;
    mount_read(&server).await;
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "aws_iam", "key_id": "AKIDEXAMPLE", "secret_id": secret, "role_id": "airflow-role" }),
    )
    .await;

    let login = decode_iam_login(&received(&server, "/v1/auth/aws/login").await);
    assert_eq!(login.url, "https://sts.amazonaws.com/");
    assert_eq!(login.body, "Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(login.role, "airflow-role");
    assert_eq!(login.headers["host"], "sts.amazonaws.com");
    assert_eq!(
        login.headers["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert!(!login.headers.contains_key("x-amz-security-token"));
    let auth = sigv4::parse_authorization(&login.headers["authorization"]);
    assert_eq!(
        (
            auth.access_key.as_str(),
            auth.region.as_str(),
            auth.service.as_str()
        ),
        ("AKIDEXAMPLE", "us-east-1", "sts")
    );
    assert!(
        auth.signed_headers.iter().any(|h| h == "host")
            && auth.signed_headers.iter().any(|h| h == "x-amz-date")
    );
    assert_eq!(login.headers["x-amz-date"][..8], auth.date);
    let expected = sigv4::expected_signature(secret, &auth, &login.headers, "/", &login.body);
    assert_eq!(auth.signature, expected, "the SigV4 signature must verify");
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn aws_iam_from_environment_with_session_token_and_region() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login_any_body(&server, "/v1/auth/aws-prod/login").await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AWS_ACCESS_KEY_ID", "ASIAENVEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "envSecretKeyExample"),
            ("AWS_SESSION_TOKEN", "envSessionToken"),
        ],
    );
    let vault = VaultBackend::from_kwargs_with_env(
        &kwargs(&server, json!({ "auth_type": "aws_iam", "region": "eu-west-1", "auth_mount_point": "aws-prod" })),
        &env,
    )
    .unwrap();
    mount_any(&server, read_variable("v"), kv2(json!({ "value": VALUE }))).await;
    vault.get_variable("v").await.unwrap().unwrap();
    let login = decode_iam_login(&received(&server, "/v1/auth/aws-prod/login").await);
    assert_eq!(login.role, Value::Null, "no role_id: Vault picks the role");
    assert_eq!(login.headers["x-amz-security-token"], "envSessionToken");
    let auth = sigv4::parse_authorization(&login.headers["authorization"]);
    assert_eq!(
        (auth.access_key.as_str(), auth.region.as_str()),
        ("ASIAENVEXAMPLE", "eu-west-1")
    );
    assert!(
        auth.signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token")
    );
    let expected = sigv4::expected_signature(
        "envSecretKeyExample",
        &auth,
        &login.headers,
        "/",
        &login.body,
    );
    assert_eq!(auth.signature, expected);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn aws_iam_assume_role_first_then_signs_with_the_assumed_credentials() {
    let logs = logs();
    let sts = MockServer::start().await;
    let vault_server = MockServer::start().await;
    let xml = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMED</AccessKeyId>
      <SecretAccessKey>assumedSecret</SecretAccessKey>
      <SessionToken>assumedSessionToken</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>"#;
    let assume_role = post_to("/").and(header_exists("authorization"));
    let credentials = ResponseTemplate::new(200).set_body_raw(xml, "text/xml");
    mount_expect(&sts, assume_role, credentials, 1).await;
    mount_login_any_body(&vault_server, "/v1/auth/aws/login").await;
    mount_read(&vault_server).await;
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("AWS_ACCESS_KEY_ID", "AKIDBASE"),
            ("AWS_SECRET_ACCESS_KEY", "baseSecret-61c0"),
            ("AWS_ENDPOINT_URL_STS", sts.uri().as_str()),
        ],
    );
    let vault = VaultBackend::from_kwargs_with_env(
        &kwargs(
            &vault_server,
            json!({ "auth_type": "aws_iam", "assume_role_kwargs": { "RoleArn": "arn:aws:iam::123456789012:role/vault", "RoleSessionName": "airflow", "DurationSeconds": 900 } }),
        ),
        &env,
    )
    .unwrap();
    assert_reads_with_issued_token(&vault, &vault_server).await;

    let sts_request = &sts.received_requests().await.unwrap()[0];
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&sts_request.body)
        .into_owned()
        .collect();
    assert_eq!(form["Action"], "AssumeRole");
    assert_eq!(form["RoleArn"], "arn:aws:iam::123456789012:role/vault");
    assert_eq!(form["RoleSessionName"], "airflow");
    assert_eq!(form["DurationSeconds"], "900");
    let sts_auth = sigv4::parse_authorization(
        sts_request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
    );
    assert_eq!(
        (sts_auth.access_key.as_str(), sts_auth.service.as_str()),
        ("AKIDBASE", "sts")
    );

    let login = decode_iam_login(&received(&vault_server, "/v1/auth/aws/login").await);
    assert_eq!(login.headers["x-amz-security-token"], "assumedSessionToken");
    let auth = sigv4::parse_authorization(&login.headers["authorization"]);
    assert_eq!(auth.access_key, "ASIAASSUMED");
    assert_eq!(
        auth.signature,
        sigv4::expected_signature("assumedSecret", &auth, &login.headers, "/", &login.body)
    );
    logs.assert_free_of(SUITE_SECRETS);
}

// aws_iam without any credentials goes through AWS's default chain, which reads the process
// environment: crates/cli/tests/vault_aws_chain.rs runs it in a child process with its own.

#[tokio::test]
async fn gcp_login_carries_a_jwt_signed_with_the_service_account_key() {
    let logs = logs();
    let (private_pem, public_pem) = rsa_pem_pair();
    let server = MockServer::start().await;
    mount_login_any_body(&server, "/v1/auth/gcp/login").await;
    mount_read(&server).await;
    let keyfile = json!({
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "kid-123",
        "private_key": private_pem,
        "client_email": "airflow@demo.iam.gserviceaccount.com",
        "client_id": "1"
    });
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "gcp", "role_id": "airflow-role", "gcp_scopes": "https://www.googleapis.com/auth/cloud-platform", "gcp_keyfile_dict": keyfile }),
    )
    .await;

    let request = received(&server, "/v1/auth/gcp/login").await;
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["role"], "airflow-role");
    let jwt = body["jwt"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some("kid-123"));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["vault/airflow-role"]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap();
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("signature and claims verify")
        .claims;
    assert_eq!(claims["sub"], "airflow@demo.iam.gserviceaccount.com");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["iat", "exp", "sub", "aud"], "Airflow's claim order");
    // The signed login JWT is a credential too, as is any line of the private key.
    logs.assert_free_of(&[jwt, pem_body_line(&private_pem)]);
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn gcp_key_from_file() {
    let logs = logs();
    let (private_pem, _) = rsa_pem_pair();
    let server = MockServer::start().await;
    mount_login_any_body(&server, "/v1/auth/gcp/login").await;
    mount_read(&server).await;
    let keyfile = json!({ "type": "service_account", "private_key": private_pem, "client_email": "sa@p.iam.gserviceaccount.com" });
    let file = temp_file(&keyfile.to_string());
    assert_kwargs_read_with_issued_token(
        &server,
        json!({ "auth_type": "gcp", "role_id": "r", "gcp_scopes": ["s1"], "gcp_key_path": file.path() }),
    )
    .await;
    logs.assert_free_of(&[pem_body_line(&private_pem)]);
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn construction_errors_follow_airflow() {
    let logs = logs();
    let server_uri = "http://127.0.0.1:1";
    let err = |kwargs: Value| {
        VaultBackend::from_kwargs_with_env(
            &merge(json!({ "url": server_uri }), kwargs),
            &EnvSnapshot::empty(),
        )
        .clean_err()
        .to_string()
    };
    let cases = [
        (
            json!({ "auth_type": "kerberos" }),
            "The auth_type is not supported: kerberos",
        ),
        (
            json!({ "auth_type": "token" }),
            "The 'token' authentication type requires 'token' or 'token_path'",
        ),
        (
            json!({ "auth_type": "github" }),
            "The 'github' authentication type requires 'token' or 'token_path'",
        ),
        (
            json!({ "auth_type": "approle" }),
            "The 'approle' authentication type requires 'role_id'",
        ),
        (
            json!({ "auth_type": "approle", "role_id": "" }),
            "The 'approle' authentication type requires 'role_id'",
        ),
        (
            json!({ "auth_type": "kubernetes" }),
            "The 'kubernetes' authentication type requires 'kubernetes_role'",
        ),
        (
            json!({ "auth_type": "kubernetes", "kubernetes_role": "r", "kubernetes_jwt_path": null }),
            "The 'kubernetes' authentication type requires 'kubernetes_jwt_path'",
        ),
        (
            json!({ "auth_type": "jwt", "jwt_token": "x" }),
            "The 'jwt' authentication type requires 'jwt_role'",
        ),
        (
            json!({ "auth_type": "jwt", "jwt_role": "r" }),
            "The 'jwt' authentication type requires 'jwt_token' or 'jwt_token_path'",
        ),
        (
            json!({ "auth_type": "gcp", "role_id": "r" }),
            "The 'gcp' authentication type requires 'gcp_scopes'",
        ),
        (
            json!({ "auth_type": "gcp", "gcp_scopes": "s" }),
            "The 'gcp' authentication type requires 'role_id'",
        ),
        // Without a key, gcp uses the GCE metadata server (crates/cli/tests/vault_gcp_metadata.rs).
        (
            json!({ "auth_type": "gcp", "gcp_scopes": "s", "role_id": "r", "gcp_iam_endpoint": "ftp://iam" }),
            "kwarg `gcp_iam_endpoint`",
        ),
        (
            json!({ "auth_type": "userpass", "username": "u" }),
            "requires 'username' and 'password'",
        ),
        (
            json!({ "auth_type": "radius", "radius_host": "h", "radius_secret": "radius-secret-5e7a" }),
            "never logs in",
        ),
        (
            json!({ "auth_type": "azure", "azure_tenant_id": "t", "azure_resource": "r" }),
            "auth_type 'azure' is not supported",
        ),
        (
            json!({ "token": TOKEN, "kv_engine_version": 3 }),
            "The version is not supported: 3",
        ),
        (
            json!({ "token": TOKEN, "url": "ftp://vault" }),
            "kwarg `url`",
        ),
        (
            json!({ "token": TOKEN, "configs_path": "x" }),
            "unknown kwarg `configs_path`",
        ),
        (json!({ "token": TOKEN, "timeout": 0 }), "kwarg `timeout`"),
        (
            json!({ "token": TOKEN, "proxies": { "socks": "socks5://p" } }),
            "unsupported key `socks`",
        ),
        (json!({ "token": "a\nb" }), "control characters"),
        (
            json!({ "auth_type": "aws_iam", "assume_role_kwargs": { "RoleArn": "a" } }),
            "requires `RoleSessionName`",
        ),
    ];
    for (kwargs, expected) in cases {
        let message = err(kwargs.clone());
        assert!(message.contains(expected), "{kwargs}: {message}");
        assert!(message.starts_with("VaultBackend: "), "{message}");
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn defaults_and_pass_through_options_are_accepted() {
    let logs = logs();
    let ok = |kwargs: Value| {
        VaultBackend::from_kwargs_with_env(
            &merge(json!({ "token": TOKEN }), kwargs),
            &EnvSnapshot::empty(),
        )
        .unwrap()
    };
    let vault = ok(json!({}));
    let config = vault.config();
    assert_eq!(config.url, "http://localhost:8200");
    assert_eq!(config.mount_point.as_deref(), Some("secret"));
    assert_eq!(
        config.kv_engine_version,
        airflow_secrets_vault::KvVersion::V2
    );
    assert_eq!(
        config.connections_path,
        Some(vec!["connections".to_owned()])
    );
    assert_eq!(config.config_path, Some(vec!["config".to_owned()]));
    assert_eq!(
        config.timeout.read,
        Some(std::time::Duration::from_secs(30))
    );
    assert_eq!(
        config.retry.base_delays(),
        [0.1, 0.2, 0.4].map(std::time::Duration::from_secs_f64)
    );
    // Strings from AIRFLOW__SECRETS__BACKEND_KWARG__<KEY> overrides, and falsy versions.
    let vault = ok(
        json!({ "kv_engine_version": "1", "timeout": "2.5", "verify": "False", "max_retries": "0" }),
    );
    assert_eq!(
        vault.config().kv_engine_version,
        airflow_secrets_vault::KvVersion::V1
    );
    assert_eq!(vault.config().verify, airflow_secrets_vault::Verify::No);
    assert_eq!(vault.config().retry.max_retries, 0);
    assert_eq!(
        ok(json!({ "kv_engine_version": 0 }))
            .config()
            .kv_engine_version,
        airflow_secrets_vault::KvVersion::V2
    );
    assert_eq!(
        ok(json!({ "kv_engine_version": null }))
            .config()
            .kv_engine_version,
        airflow_secrets_vault::KvVersion::V2
    );
    let vault = ok(json!({
        "namespace": "ns", "verify": "/etc/ssl/ca.pem", "cert": ["/c.pem", "/k.pem"], "timeout": [1, 5],
        "proxies": { "https": "http://proxy:3128" }, "allow_redirects": false, "use_team_secrets_path": true,
        "global_secrets_path": null, "radius_port": "1812", "mount_point": null
    }));
    assert_eq!(
        vault.config().verify,
        airflow_secrets_vault::Verify::CaBundle("/etc/ssl/ca.pem".into())
    );
    assert_eq!(vault.config().mount_point, None);
    assert_eq!(
        vault.config().timeout.connect,
        Some(std::time::Duration::from_secs(1))
    );
    assert_eq!(
        vault.config().timeout.read,
        Some(std::time::Duration::from_secs(5))
    );
    assert_eq!(ok(json!({ "timeout": null })).config().timeout.read, None);
    // The environment fills what the kwargs leave out.
    let env = EnvSnapshot::from_vars(
        HONOURED,
        [
            ("VAULT_CACERT", "/env/ca.pem"),
            ("VAULT_ADDR", "https://vault.internal:8200"),
        ],
    );
    let map = json!({ "token": TOKEN }).as_object().unwrap().clone();
    let vault = VaultBackend::from_kwargs_with_env(&map, &env).unwrap();
    assert_eq!(vault.config().url, "https://vault.internal:8200");
    assert_eq!(
        vault.config().verify,
        airflow_secrets_vault::Verify::CaBundle("/env/ca.pem".into())
    );
    logs.assert_free_of(SUITE_SECRETS);
}

#[tokio::test]
async fn a_server_under_a_path_prefix_gets_v1_after_the_prefix() {
    let logs = logs();
    let server = MockServer::start().await;
    mount_login(
        &server,
        "/vault-proxy/v1/auth/approle/login",
        json!({ "role_id": "r", "secret_id": SECRET_ID }),
    )
    .await;
    let read = Mock::given(method("GET"))
        .and(path("/vault-proxy/v1/secret/data/variables/v"))
        .and(header("X-Vault-Token", ISSUED));
    mount_expect(&server, read, kv2(json!({ "value": VALUE })), 1).await;
    let kwargs = json!({ "url": format!("{}/vault-proxy/", server.uri()), "auth_type": "approle", "role_id": "r", "secret_id": SECRET_ID });
    let vault = backend(kwargs.as_object().unwrap());
    assert_reads_with_issued_token(&vault, &server).await;
    logs.assert_free_of(SUITE_SECRETS);
}
