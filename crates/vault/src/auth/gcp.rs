//! `gcp` (IAM type): the login JWT `{"iat", "exp": iat + 900, "sub": <service account>, "aud":
//! "vault/<role>"}`.
//!
//! Airflow asks Google's IAM Credentials API (`projects/-/serviceAccounts/<email>:signJwt`) to sign it.
//! We sign it locally with the service-account key (RS256, `kid` = the key's `private_key_id`), which
//! Vault verifies the same way (it fetches the account's public keys from Google), and which needs no
//! network call and no `iam.serviceAccounts.signJwt` permission. The consequence: a key file is
//! required; credentials from the GCE metadata server cannot sign.

use std::time::{SystemTime, UNIX_EPOCH};

use airflow_secrets_core::provider::files::{MAX_CREDENTIAL_FILE_BYTES, read_text_bounded};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::{GcpAuth, GcpKeySource};
use crate::errors::Failure;

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
