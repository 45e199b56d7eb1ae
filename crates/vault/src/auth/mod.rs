//! Obtaining a token: one function per auth method (spec §1.3), each honouring `auth_mount_point`.

mod aws;
mod gcp;

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use vaultrs::api::AuthInfo;
use vaultrs::client::VaultClient;

use crate::client::{Transport, header_safe};
use crate::config::{TokenSource, VaultAuth, VaultConfig};
use crate::endpoint::RawEndpoint;
use crate::failure::{Failure, with_retries};
use crate::kwargs::BACKEND;

/// A token and what Vault said about its lifetime.
pub(crate) struct Login {
    pub token: SecretString,
    /// `None`: no expiry known (root or non-expiring tokens, or a token whose lookup was refused).
    pub lease: Option<Duration>,
    pub renewable: bool,
}

/// A failed login: where it was attempted (`approle login at http://…/v1/auth/approle/login`) and why.
#[derive(Debug)]
pub(crate) struct LoginError {
    pub location: String,
    pub failure: Failure,
    pub attempts: u32,
}

fn lease(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

impl From<AuthInfo> for Login {
    fn from(auth: AuthInfo) -> Self {
        Login {
            token: SecretString::from(auth.client_token),
            lease: lease(auth.lease_duration),
            renewable: auth.renewable,
        }
    }
}

/// Reads a token or JWT file and strips it, as Airflow does (`f.read().strip()`).
pub(crate) fn read_secret_file(what: &str, path: &Path) -> Result<SecretString, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Local(format!("cannot read {what} `{}`: {e}", path.display())))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::Local(format!(
            "{what} `{}` is empty",
            path.display()
        )));
    }
    // A newline inside would make the X-Vault-Token header invalid (vaultrs panics on it).
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
/// ([`Failure::is_transient`]).
pub(crate) async fn login(
    config: &VaultConfig,
    transport: &Transport,
) -> Result<Login, LoginError> {
    let auth = &config.auth;
    let mount = config
        .auth_mount_point
        .as_deref()
        .unwrap_or(auth.default_mount())
        .trim_matches('/')
        .to_owned();
    let path = login_path(auth, &mount);
    with_retries(&config.retry, "login", || {
        login_once(auth, &mount, &path, transport)
    })
    .await
    .map_err(|(failure, attempts)| LoginError {
        location: format!("{} login at {}", auth.auth_type(), transport.api_url(&path)),
        failure,
        attempts,
    })
}

async fn login_once(
    auth: &VaultAuth,
    mount: &str,
    path: &str,
    transport: &Transport,
) -> Result<Login, Failure> {
    let anonymous = transport.vault_client("");
    let info = match auth {
        VaultAuth::Token(source) => {
            return token_login(resolve("token_path", source)?, path, transport).await;
        }
        VaultAuth::AppRole {
            role_id,
            secret_id: Some(secret_id),
        } => {
            vaultrs::auth::approle::login(&anonymous, mount, role_id, secret_id.expose_secret())
                .await
        }
        // hvac leaves `secret_id` out when it is None (roles with bind_secret_id=false).
        VaultAuth::AppRole {
            role_id,
            secret_id: None,
        } => post(&anonymous, path, json!({ "role_id": role_id })).await,
        VaultAuth::UserPass { username, password } => {
            vaultrs::auth::userpass::login(&anonymous, mount, username, password.expose_secret())
                .await
        }
        VaultAuth::Ldap { password, .. } | VaultAuth::Radius { password, .. } => {
            post(
                &anonymous,
                path,
                json!({ "password": password.expose_secret() }),
            )
            .await
        }
        VaultAuth::Github { token } => {
            let token = resolve("token_path", token)?;
            post(&anonymous, path, json!({ "token": token.expose_secret() })).await
        }
        VaultAuth::Kubernetes { role, jwt_path } => {
            let jwt = read_secret_file("kubernetes_jwt_path", jwt_path)?;
            vaultrs::auth::kubernetes::login(&anonymous, mount, role, jwt.expose_secret()).await
        }
        VaultAuth::Jwt { role, jwt } => {
            let jwt = resolve("jwt_token_path", jwt)?;
            vaultrs::auth::oidc::login(&anonymous, mount, jwt.expose_secret(), Some(role.clone()))
                .await
        }
        VaultAuth::AwsIam(aws) => {
            let request = aws::login_request(aws, transport).await?;
            vaultrs::auth::aws::iam_login(
                &anonymous,
                mount,
                "POST",
                &request.url,
                &request.headers,
                &request.body,
                aws.role.as_deref(),
            )
            .await
        }
        VaultAuth::Gcp(gcp) => {
            let jwt = gcp::signed_jwt(gcp, std::time::SystemTime::now())?;
            post(
                &anonymous,
                path,
                json!({ "role": gcp.role, "jwt": jwt.expose_secret() }),
            )
            .await
        }
    };
    Ok(Login::from(info?))
}

async fn post(
    client: &VaultClient,
    path: &str,
    body: Value,
) -> Result<AuthInfo, vaultrs::error::ClientError> {
    vaultrs::api::auth(client, RawEndpoint::<()>::post(path.to_owned(), &body)).await
}

/// Token auth sends no login: the token is used as is. One `lookup-self` tells its remaining TTL, so a
/// renewable token can be renewed before it expires. A refused lookup (a policy without `default`) is
/// not fatal: the token may still read secrets, it just cannot be scheduled for renewal.
async fn token_login(
    token: SecretString,
    lookup_self: &str,
    transport: &Transport,
) -> Result<Login, Failure> {
    let client = transport.vault_client(token.expose_secret());
    match vaultrs::api::exec_with_result(&client, RawEndpoint::<Value>::get(lookup_self.to_owned()))
        .await
    {
        Ok(data) => Ok(Login {
            token,
            lease: data.get("ttl").and_then(Value::as_u64).and_then(lease),
            renewable: data
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        Err(e) => match Failure::from(e) {
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

/// `POST auth/token/renew-self` with the session's token.
pub(crate) async fn renew_self(client: &VaultClient) -> Result<Login, Failure> {
    Ok(Login::from(vaultrs::token::renew_self(client, None).await?))
}
