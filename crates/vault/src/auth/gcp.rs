//! `gcp` (IAM type): the login JWT `{"iat", "exp": iat + 900, "sub": <service account>, "aud":
//! "vault/<role>"}`.
//!
//! Airflow asks Google's IAM Credentials API (`projects/-/serviceAccounts/<email>:signJwt`) to sign it.
//! We sign it locally with the service-account key (RS256, `kid` = the key's `private_key_id`), which
//! Vault verifies the same way (it fetches the account's public keys from Google), and which needs no
//! network call and no `iam.serviceAccounts.signJwt` permission. Without a key (application-default
//! credentials from the GCE metadata server), it is signed by IAM `signJwt` as in Airflow.

use std::time::{SystemTime, UNIX_EPOCH};

use airflow_secrets_core::provider::files::{MAX_CREDENTIAL_FILE_BYTES, read_text_bounded};
use airflow_secrets_core::provider::redact;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{GcpAuth, GcpKeySource};
use crate::errors::{Failure, chain};
use crate::http::{read_body, too_large};

/// The fields of a service-account key file that matter here. Never printed (no `Debug`).
#[derive(Deserialize)]
struct ServiceAccountKey {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
}

/// Claims in Airflow's order.
#[derive(Serialize)]
struct Claims<'a> {
    iat: u64,
    exp: u64,
    sub: &'a str,
    aud: String,
}

/// The signed login JWT for `auth` at `now`.
pub(crate) fn signed_jwt(auth: &GcpAuth, now: SystemTime) -> Result<SecretString, Failure> {
    let (json, origin) = match &auth.key {
        GcpKeySource::File(path) => {
            // A regular file of at most 1 MiB (a key file is ~2.3 KiB): no FIFO, device or huge file.
            let text = read_text_bounded(path, MAX_CREDENTIAL_FILE_BYTES).map_err(|e| {
                Failure::Local(format!(
                    "cannot read gcp_key_path `{}`: {e}",
                    path.display()
                ))
            })?;
            (
                SecretString::from(text),
                format!("gcp_key_path `{}`", path.display()),
            )
        }
        GcpKeySource::Json(json) => (json.clone(), "gcp_keyfile_dict".to_owned()),
        GcpKeySource::MetadataServer { .. } => {
            return Err(Failure::Local(
                "no service-account key to sign the login JWT with".into(),
            ));
        }
    };
    // serde's message is not shown: it could quote part of the key.
    let key: ServiceAccountKey = serde_json::from_str(json.expose_secret()).map_err(|_| {
        Failure::Local(format!(
            "{origin} is not a service-account key file (JSON with client_email and private_key)"
        ))
    })?;
    if key.kind.as_deref().is_some_and(|k| k != "service_account") {
        return Err(Failure::Local(format!(
            "{origin} is not a service-account key (its `type` is not `service_account`)"
        )));
    }
    let signing_key = EncodingKey::from_rsa_pem(key.private_key.as_bytes()).map_err(|_| {
        Failure::Local(format!(
            "{origin}: `private_key` is not an RSA private key in PEM form"
        ))
    })?;
    let iat = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let claims = Claims {
        iat,
        exp: iat + 900,
        sub: &key.client_email,
        aud: format!("vault/{}", auth.role),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = key.private_key_id.clone();
    let jwt = jsonwebtoken::encode(&header, &claims, &signing_key)
        .map_err(|e| Failure::Local(format!("{origin}: cannot sign the login JWT: {e}")))?;
    Ok(SecretString::from(jwt))
}

/// The metadata server's paths google-auth's `compute_engine.Credentials` reads.
const ACCOUNT_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/?recursive=true";
const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";
const PROJECT_PATH: &str = "/computeMetadata/v1/project/project-id";

/// Airflow's `_auth_gcp` with application-default credentials from the GCE metadata server: the
/// default account's email, an access token (with `gcp_scopes`) and the project, from `metadata`; then
/// IAM `projects/{project}/serviceAccounts/{email}:signJwt` at `iam` signs Airflow's claims.
pub(crate) async fn metadata_signed_jwt(
    auth: &GcpAuth,
    metadata: &str,
    iam: &str,
    client: &reqwest::Client,
    now: SystemTime,
) -> Result<SecretString, Failure> {
    let account: Value = serde_json::from_slice(
        &metadata_get(client, metadata, ACCOUNT_PATH, &[]).await?,
    )
    .map_err(|_| {
        Failure::BadResponse("the GCE metadata server's service account is not JSON".into())
    })?;
    let email = account
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty() && *e != "default")
        .ok_or_else(|| {
            Failure::BadResponse(
                "Could not determine service account email from Compute Engine credentials.".into(),
            )
        })?
        .to_owned();
    let scopes = auth.scopes.join(",");
    let token: Value = serde_json::from_slice(
        &metadata_get(client, metadata, TOKEN_PATH, &[("scopes", &scopes)]).await?,
    )
    .map_err(|_| {
        Failure::BadResponse("the GCE metadata server's token answer is not JSON".into())
    })?;
    let access_token = SecretString::from(
        token
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| crate::client::header_safe(t) && !t.is_empty())
            .ok_or_else(|| {
                Failure::BadResponse(
                    "the GCE metadata server's token answer has no access_token".into(),
                )
            })?
            .to_owned(),
    );
    let project = String::from_utf8(metadata_get(client, metadata, PROJECT_PATH, &[]).await?)
        .ok()
        .map(|p| p.trim().to_owned())
        .filter(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.'))
        })
        .ok_or_else(|| {
            Failure::BadResponse("the GCE metadata server did not answer a project id".into())
        })?;

    let iat = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Python's json.dumps of Airflow's dict: its key order and its ", " / ": " separators.
    let payload = format!(
        "{{\"iat\": {iat}, \"exp\": {}, \"sub\": {}, \"aud\": {}}}",
        iat + 900,
        Value::from(email.as_str()),
        Value::from(format!("vault/{}", auth.role)),
    );
    let url = format!(
        "{iam}/v1/projects/{}/serviceAccounts/{}:signJwt",
        utf8_percent_encode(&project, PATH_SEGMENT),
        utf8_percent_encode(&email, PATH_SEGMENT)
    );
    let shown = redact::url(&url).into_owned();
    let response = client
        .post(&url)
        .bearer_auth(access_token.expose_secret())
        .header("Content-Type", "application/json")
        .body(json!({ "payload": payload }).to_string())
        .send()
        .await
        .map_err(|e| Failure::Transport {
            timeout: e.is_timeout(),
            message: format!("IAM signJwt at {shown}: {}", chain(&e)),
        })?;
    let status = response.status();
    let body = bounded(response, &format!("IAM signJwt at {shown}")).await?;
    if !status.is_success() {
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let problem = format!(
            "IAM signJwt at {shown} answered HTTP {} {message}",
            status.as_u16()
        );
        return Err(if status.is_server_error() || status.as_u16() == 429 {
            Failure::Transport {
                timeout: false,
                message: problem,
            }
        } else {
            Failure::Local(problem)
        });
    }
    let signed: Value = serde_json::from_slice(&body)
        .map_err(|_| Failure::BadResponse(format!("IAM signJwt at {shown} did not answer JSON")))?;
    signed
        .get("signedJwt")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
        .map(|j| SecretString::from(j.to_owned()))
        .ok_or_else(|| {
            Failure::BadResponse(format!("IAM signJwt at {shown} answered no signedJwt"))
        })
}

/// Characters escaped in a path segment (`@` of the email stays, as Google's clients send it).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `GET {metadata}{path}` with `Metadata-Flavor: Google`; the answer must carry that header too (else
/// it is not the metadata server) and fit the body cap.
async fn metadata_get(
    client: &reqwest::Client,
    metadata: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Vec<u8>, Failure> {
    let mut url = format!("{metadata}{path}");
    if !query.is_empty() {
        url.push(if path.contains('?') { '&' } else { '?' });
        url.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish(),
        );
    }
    let shown = format!("the GCE metadata server ({})", redact::url(&url));
    let response = client
        .get(&url)
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .map_err(|e| Failure::Transport {
            timeout: e.is_timeout(),
            message: format!("{shown}: {}", chain(&e)),
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure::Local(format!(
            "{shown} answered HTTP {}",
            status.as_u16()
        )));
    }
    if response
        .headers()
        .get("metadata-flavor")
        .and_then(|v| v.to_str().ok())
        != Some("Google")
    {
        return Err(Failure::Local(format!(
            "{shown} answered without `Metadata-Flavor: Google`: it is not a metadata server"
        )));
    }
    bounded(response, &shown).await
}

/// The body of `response`, within the crate's cap.
async fn bounded(response: reqwest::Response, what: &str) -> Result<Vec<u8>, Failure> {
    read_body(response)
        .await
        .map_err(|e| Failure::Transport {
            timeout: e.is_timeout(),
            message: format!("{what}: {}", chain(&e)),
        })?
        .ok_or_else(|| Failure::BadResponse(format!("{what}: {}", too_large())))
}
