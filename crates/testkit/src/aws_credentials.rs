//! The sources of AWS's default credential chain as local mocks, for the suites that run a program with
//! its own environment pointed at them: the container credentials endpoint
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), the EC2 instance metadata service, IMDSv2
//! (`AWS_EC2_METADATA_SERVICE_ENDPOINT`: token `PUT`, role name, role credentials), and shared profile
//! files in a directory. Also: reading what a Vault `aws_iam` login carries (the signed
//! `sts:GetCallerIdentity` request), to prove which credentials signed it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The IMDSv2 session token the mock hands out and then requires.
pub const IMDS_TOKEN: &str = "imds-session-token-for-tests";
/// The instance profile's role name the IMDS mock lists.
pub const IMDS_ROLE: &str = "airflow-instance-role";

/// Temporary credentials as the container endpoint and IMDS send them.
pub fn credentials_json(access_key_id: &str, secret: &str, token: &str) -> Value {
    json!({
        "Code": "Success",
        "Type": "AWS-HMAC",
        "AccessKeyId": access_key_id,
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": "2099-01-01T00:00:00Z",
        "LastUpdated": "2026-01-01T00:00:00Z",
    })
}

/// Mounts the container credentials endpoint at `GET {path}`, answering only requests that carry
/// `Authorization: {authorization}` (`AWS_CONTAINER_AUTHORIZATION_TOKEN`).
pub async fn mount_container_credentials(
    server: &MockServer,
    at: &str,
    authorization: &str,
    credentials: Value,
) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(header("authorization", authorization))
        .respond_with(ResponseTemplate::new(200).set_body_json(credentials))
        .mount(server)
        .await;
}

/// Mounts IMDSv2: `PUT /latest/api/token` (with the TTL header) gives [`IMDS_TOKEN`]; with that token,
/// `GET /latest/meta-data/iam/security-credentials/` lists [`IMDS_ROLE`] and
/// `GET .../{IMDS_ROLE}` answers `credentials`. A request without the token gets 401, as IMDSv2 does.
pub async fn mount_imds(server: &MockServer, credentials: Value) {
    Mock::given(method("PUT"))
        .and(path("/latest/api/token"))
        .and(wiremock::matchers::header_exists(
            "x-aws-ec2-metadata-token-ttl-seconds",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                .set_body_string(IMDS_TOKEN),
        )
        .mount(server)
        .await;
    let with_token = |at: String| {
        Mock::given(method("GET"))
            .and(path(at))
            .and(header("x-aws-ec2-metadata-token", IMDS_TOKEN))
    };
    with_token("/latest/meta-data/iam/security-credentials/".into())
        .respond_with(ResponseTemplate::new(200).set_body_string(IMDS_ROLE))
        .mount(server)
        .await;
    with_token(format!(
        "/latest/meta-data/iam/security-credentials/{IMDS_ROLE}"
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(credentials))
    .mount(server)
    .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// Writes `config` and `credentials` files in `dir` with one profile, `profile`, holding these keys
/// and this region; returns their paths (for `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`).
pub fn write_profile_files(
    dir: &Path,
    profile: &str,
    access_key_id: &str,
    secret: &str,
    region: &str,
) -> (PathBuf, PathBuf) {
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(&config, format!("[profile {profile}]\nregion = {region}\n"))
        .expect("write the config file");
    std::fs::write(
        &credentials,
        format!(
            "[{profile}]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n"
        ),
    )
    .expect("write the credentials file");
    (config, credentials)
}

/// What a Vault `aws_iam` login (`POST auth/<mount>/login`) carried: the signed request's URL, body and
/// headers (names lowercased), and the SigV4 credential scope of its `Authorization` header.
#[derive(Debug)]
pub struct IamLogin {
    /// `iam_request_url`, decoded.
    pub url: String,
    /// `iam_request_body`, decoded.
    pub body: String,
    /// `iam_request_headers`, decoded, names lowercased.
    pub headers: BTreeMap<String, String>,
    /// The access key id that signed it.
    pub access_key_id: String,
    /// The signing region.
    pub region: String,
}

impl IamLogin {
    /// Decodes the login request `request` received.
    pub fn from_request(request: &Request) -> IamLogin {
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON login body");
        let field = |name: &str| {
            let encoded = body[name].as_str().unwrap_or_else(|| panic!("no `{name}`"));
            String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("UTF-8")
        };
        let headers: Value = serde_json::from_str(&field("iam_request_headers")).expect("JSON");
        let headers: BTreeMap<String, String> = headers
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| {
                let value = v.as_array().expect("values are lists")[0].as_str();
                (k.to_ascii_lowercase(), value.expect("a string").to_owned())
            })
            .collect();
        let authorization = headers
            .get("authorization")
            .expect("a signed request")
            .clone();
        let credential = authorization
            .split("Credential=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .expect("a SigV4 credential scope");
        let scope: Vec<&str> = credential.split('/').collect();
        assert_eq!(scope.len(), 5, "{authorization}");
        IamLogin {
            url: field("iam_request_url"),
            body: field("iam_request_body"),
            access_key_id: scope[0].to_owned(),
            region: scope[2].to_owned(),
            headers,
        }
    }
}
