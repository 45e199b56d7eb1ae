//! Obtaining a token: one function per auth method (spec §1.3), each honouring `auth_mount_point`.

mod aws;
mod gcp;

use std::path::Path;
use std::time::Duration;

use airflow_secrets_core::provider::context::LookupContext;
use airflow_secrets_core::provider::files::{MAX_CREDENTIAL_FILE_BYTES, read_text_bounded};
use airflow_secrets_core::provider::limits;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::BACKEND;
use crate::client::{Transport, header_safe, token_safe, with_retries};
use crate::config::{GcpKeySource, TokenSource, VaultAuth, VaultConfig};
use crate::errors::{Failure, LoginError};
use crate::http::{self, AuthInfo};

/// A token and what Vault said about its lifetime.
pub(crate) struct Login {
    pub token: SecretString,
    /// `None`: no expiry known (root or non-expiring tokens, or a token whose lookup was refused).
    pub lease: Option<Duration>,
    pub renewable: bool,
}

/// The longest lease taken from a server: Vault's default `max_lease_ttl` (768 h). A longer one is
/// renewed earlier than needed; an absurd one (`u64::MAX`) cannot overflow the renewal instant.
pub(crate) const MAX_LEASE: Duration = Duration::from_secs(768 * 3600);

/// A server-sent lease in seconds, clamped to [`MAX_LEASE`]; `None` for 0 (no expiry).
fn lease(seconds: u64) -> Option<Duration> {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    (seconds > 0).then(|| limits::server_seconds(seconds, MAX_LEASE))
}

/// A token from a server (login or renewal answer) or from the configuration, checked before it can
/// become an `X-Vault-Token` header. `origin` says where it came from; the token is never shown.
pub(crate) fn checked_token(origin: &str, token: String) -> Result<SecretString, Failure> {
    if token_safe(&token) {
        Ok(SecretString::from(token))
    } else {
        Err(Failure::BadResponse(format!(
            "{origin} is not a usable Vault token: it is empty or holds control, space or non-ASCII \
             characters, which an X-Vault-Token header cannot carry"
        )))
    }
}

impl TryFrom<AuthInfo> for Login {
    type Error = Failure;

    fn try_from(auth: AuthInfo) -> Result<Self, Failure> {
        Ok(Login {
            token: checked_token("the `client_token` Vault answered", auth.client_token)?,
            lease: lease(auth.lease_duration),
            renewable: auth.renewable,
        })
    }
}

/// Reads a token or JWT file and strips it, as Airflow does (`f.read().strip()`). Only a regular file
/// of at most [`MAX_CREDENTIAL_FILE_BYTES`] (1 MiB) is read: a FIFO (whose open would block the login,
/// with the session locked, forever), a device (`/dev/zero`) or a larger file is an error saying so.
pub(crate) fn read_secret_file(what: &str, path: &Path) -> Result<SecretString, Failure> {
    let text = read_text_bounded(path, MAX_CREDENTIAL_FILE_BYTES)
        .map_err(|e| Failure::Local(format!("cannot read {what} `{}`: {e}", path.display())))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::Local(format!(
            "{what} `{}` is empty",
            path.display()
        )));
    }
    // A newline inside would make the X-Vault-Token header invalid (reqwest refuses to build it).
    if !header_safe(text) {
        return Err(Failure::Local(format!(
            "{what} `{}` contains control characters",
            path.display()
        )));
    }
    Ok(SecretString::from(text.to_owned()))
}

fn resolve(what: &str, source: &TokenSource) -> Result<SecretString, Failure> {
    match source {
        TokenSource::Literal(s) => Ok(s.clone()),
        TokenSource::File(path) => read_secret_file(what, path),
    }
}

/// The API path of the method's login, relative to `/v1/`.
fn login_path(auth: &VaultAuth, mount: &str) -> String {
    match auth {
        VaultAuth::Token(_) => "auth/token/lookup-self".into(),
        VaultAuth::UserPass { username, .. }
        | VaultAuth::Ldap { username, .. }
        | VaultAuth::Radius { username, .. } => {
            format!("auth/{mount}/login/{username}")
        }
        _ => format!("auth/{mount}/login"),
    }
}

/// Logs in with the configured method, retried on transient failures as reads are
/// ([`Failure::is_transient`]), for the lookup `lookup`. The login has a context of its own (its
/// location is the login URL; it counts the login's requests, not the lookup's reads).
pub(crate) async fn login(
    config: &VaultConfig,
    transport: &Transport,
    lookup: &LookupContext,
) -> Result<Login, LoginError> {
    let auth = &config.auth;
    let mount = config
        .auth_mount_point
        .as_deref()
        .unwrap_or(auth.default_mount())
        .trim_matches('/')
        .to_owned();
    let path = login_path(auth, &mount);
    let shown = format!(
        "{} login at {}",
        auth.auth_type(),
        transport.shown_url(&path)
    );
    let ctx = LookupContext::new(lookup.backend(), lookup.kind(), lookup.key(), shown);
    let result = with_retries(&ctx, &config.retry, "login", Failure::is_transient, || {
        login_once(auth, &path, transport)
    })
    .await;
    result.map_err(|failure| LoginError { ctx, failure })
}

async fn login_once(auth: &VaultAuth, path: &str, transport: &Transport) -> Result<Login, Failure> {
    // The bodies hvac sends; the answer is read by src/http.rs, within its size cap.
    let body = match auth {
        VaultAuth::Token(source) => {
            return token_login(resolve("token_path", source)?, path, transport).await;
        }
        VaultAuth::AppRole {
            role_id,
            secret_id: Some(secret_id),
        } => json!({ "role_id": role_id, "secret_id": secret_id.expose_secret() }),
        // hvac leaves `secret_id` out when it is None (roles with bind_secret_id=false).
        VaultAuth::AppRole {
            role_id,
            secret_id: None,
        } => json!({ "role_id": role_id }),
        VaultAuth::UserPass { password, .. }
        | VaultAuth::Ldap { password, .. }
        | VaultAuth::Radius { password, .. } => json!({ "password": password.expose_secret() }),
        VaultAuth::Github { token } => {
            let token = resolve("token_path", token)?;
            json!({ "token": token.expose_secret() })
        }
        VaultAuth::Kubernetes { role, jwt_path } => {
            let jwt = read_secret_file("kubernetes_jwt_path", jwt_path)?;
            json!({ "role": role, "jwt": jwt.expose_secret() })
        }
        VaultAuth::Jwt { role, jwt } => {
            let jwt = resolve("jwt_token_path", jwt)?;
            json!({ "jwt": jwt.expose_secret(), "role": role })
        }
        VaultAuth::AwsIam(aws) => {
            let request = aws::login_request(aws, transport).await?;
            let mut body = json!({
                "iam_http_request_method": "POST",
                "iam_request_url": request.url,
                "iam_request_body": request.body,
                "iam_request_headers": request.headers,
            });
            if let Some(role) = &aws.role {
                body["role"] = json!(role);
            }
            body
        }
        VaultAuth::Gcp(gcp) => {
            let now = std::time::SystemTime::now();
            let jwt = match &gcp.key {
                GcpKeySource::MetadataServer { metadata, iam } => {
                    let client = transport
                        .cloud()
                        .ok_or_else(|| Failure::Local("no Google client was built".into()))?;
                    gcp::metadata_signed_jwt(gcp, metadata, iam, client, now).await?
                }
                _ => gcp::signed_jwt(gcp, now)?,
            };
            json!({ "role": gcp.role, "jwt": jwt.expose_secret() })
        }
    };
    Login::try_from(http::auth(transport, path, "", &body).await?)
}

/// Token auth sends no login: the token is used as is. One `lookup-self` tells its remaining TTL, so a
/// renewable token can be renewed before it expires. A refused lookup (a policy without `default`) is
/// not fatal: the token may still read secrets, it just cannot be scheduled for renewal.
async fn token_login(
    token: SecretString,
    lookup_self: &str,
    transport: &Transport,
) -> Result<Login, Failure> {
    let token = checked_token(
        "the configured token (`token`, `token_path` or VAULT_TOKEN)",
        token.expose_secret().to_owned(),
    )
    .map_err(|f| Failure::Local(f.to_string()))?;
    match http::data(transport, lookup_self, token.expose_secret()).await {
        Ok(data) => Ok(Login {
            token,
            lease: data.get("ttl").and_then(Value::as_u64).and_then(lease),
            renewable: data
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        Err(e) => match e {
            f @ Failure::Transport { .. } => Err(f),
            f => {
                tracing::debug!(backend = BACKEND, problem = %f, "token lookup-self failed; no renewal scheduled");
                Ok(Login {
                    token,
                    lease: None,
                    renewable: false,
                })
            }
        },
    }
}

/// `POST auth/token/renew-self` with the session's `token` (no `increment`: the token's own TTL).
pub(crate) async fn renew_self(transport: &Transport, token: &str) -> Result<Login, Failure> {
    Login::try_from(http::auth(transport, "auth/token/renew-self", token, &json!({})).await?)
}
