//! `auth_type` and its credential kwargs → [`VaultAuth`], with Airflow's validation messages.

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::invalid_kwarg;
use secrecy::SecretString;
use serde_json::{Map, Value};

use super::checks::check_header_value;
use super::raw::{AUTH_TYPES, OneOrMany, RawKwargs, secret_of, truthy};
use crate::BACKEND;
use crate::config::{
    AssumeRole, AwsCredentialSource, AwsCredentials, AwsIamAuth, GcpAuth, GcpKeySource,
    TokenSource, VaultAuth,
};
use airflow_secrets_core::provider::env::EnvSnapshot;

fn requires(auth_type: &str, what: &str) -> Error {
    invalid_kwarg(
        BACKEND,
        what,
        format!("The '{auth_type}' authentication type requires '{what}'"),
    )
}

pub(super) fn auth_from_raw(
    auth_type: &str,
    raw: &RawKwargs,
    env: &EnvSnapshot,
) -> Result<VaultAuth, Error> {
    let token = truthy(raw.token.clone());
    let token_path = truthy(raw.token_path.clone());
    let username = truthy(raw.username.clone());
    let password = truthy(raw.password.clone());
    let role_id = truthy(raw.role_id.clone());
    let secret_id = truthy(raw.secret_id.clone());
    Ok(match auth_type {
        "token" => {
            // Airflow: `token_path` wins; else `token or os.getenv("VAULT_TOKEN")`.
            let source = match (
                token_path,
                token.or_else(|| env.get("VAULT_TOKEN").map(str::to_owned)),
            ) {
                (Some(path), _) => TokenSource::File(path.into()),
                (None, Some(token)) => TokenSource::Literal(literal_token("token", token)?),
                (None, None) => {
                    return Err(invalid_kwarg(
                        BACKEND,
                        "token, token_path",
                        "The 'token' authentication type requires 'token' or 'token_path' \
                         (or the VAULT_TOKEN environment variable)",
                    ));
                }
            };
            VaultAuth::Token(source)
        }
        "github" => {
            // Airflow logs in with `token` only (it never reads `token_path` for github); we read the
            // file when no token is given instead of sending `null`.
            let source = match (token, token_path) {
                (Some(token), _) => TokenSource::Literal(literal_token("token", token)?),
                (None, Some(path)) => TokenSource::File(path.into()),
                (None, None) => {
                    return Err(invalid_kwarg(
                        BACKEND,
                        "token, token_path",
                        "The 'github' authentication type requires 'token' or 'token_path'",
                    ));
                }
            };
            VaultAuth::Github { token: source }
        }
        "approle" => VaultAuth::AppRole {
            role_id: role_id.ok_or_else(|| requires("approle", "role_id"))?,
            secret_id: secret_id.map(secret_of),
        },
        "userpass" | "ldap" | "radius" => {
            let (Some(username), Some(password)) = (username, password) else {
                let extra = if auth_type == "radius" {
                    " (Airflow's radius auth only calls auth/radius/config with radius_host/radius_secret and \
                     never logs in; this backend logs in at auth/radius/login/<username>)"
                } else {
                    ""
                };
                return Err(invalid_kwarg(
                    BACKEND,
                    "username, password",
                    format!(
                        "The '{auth_type}' authentication type requires 'username' and 'password'{extra}"
                    ),
                ));
            };
            let password = secret_of(password);
            match auth_type {
                "userpass" => VaultAuth::UserPass { username, password },
                "ldap" => VaultAuth::Ldap { username, password },
                _ => VaultAuth::Radius { username, password },
            }
        }
        "kubernetes" => VaultAuth::Kubernetes {
            role: truthy(raw.kubernetes_role.clone())
                .ok_or_else(|| requires("kubernetes", "kubernetes_role"))?,
            jwt_path: truthy(raw.kubernetes_jwt_path.clone())
                .ok_or_else(|| requires("kubernetes", "kubernetes_jwt_path"))?
                .into(),
        },
        "jwt" => {
            let role = truthy(raw.jwt_role.clone()).ok_or_else(|| requires("jwt", "jwt_role"))?;
            let jwt = match (
                truthy(raw.jwt_token.clone()),
                truthy(raw.jwt_token_path.clone()),
            ) {
                (Some(jwt), _) => TokenSource::Literal(literal_token("jwt_token", jwt)?),
                (None, Some(path)) => TokenSource::File(path.into()),
                (None, None) => {
                    return Err(invalid_kwarg(
                        BACKEND,
                        "jwt_token, jwt_token_path",
                        "The 'jwt' authentication type requires 'jwt_token' or 'jwt_token_path'",
                    ));
                }
            };
            VaultAuth::Jwt { role, jwt }
        }
        "aws_iam" => VaultAuth::AwsIam(aws_iam(raw, key_pair(raw), role_id, env)?),
        "gcp" => VaultAuth::Gcp(gcp(raw, role_id, env)?),
        "azure" => {
            return Err(invalid_kwarg(
                BACKEND,
                "auth_type",
                "auth_type 'azure' is not supported: Airflow's azure auth only calls Vault's auth/azure/config \
                 endpoint and never logs in (it works only with a token already in VAULT_TOKEN). Use \
                 auth_type 'jwt' with an Azure workload-identity token (jwt_role, jwt_token_path), or \
                 'approle', or 'token'",
            ));
        }
        other => {
            return Err(invalid_kwarg(
                BACKEND,
                "auth_type",
                format!(
                    "The auth_type is not supported: {other}; supported auth types: {}",
                    AUTH_TYPES.join(", ")
                ),
            ));
        }
    })
}

/// `(key_id, secret_id)` when both are truthy: Airflow's static AWS keys.
fn key_pair(raw: &RawKwargs) -> Option<(String, String)> {
    Some((truthy(raw.key_id.clone())?, truthy(raw.secret_id.clone())?))
}

/// A token given inline: stripped (as Airflow strips `jwt_token` and token files) and checked, because
/// a newline cannot go into the `X-Vault-Token` header.
fn literal_token(kwarg: &str, token: String) -> Result<SecretString, Error> {
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(invalid_kwarg(BACKEND, kwarg, "is blank"));
    }
    check_header_value(kwarg, &token)?;
    Ok(secret_of(token))
}

fn aws_iam(
    raw: &RawKwargs,
    static_keys: Option<(String, String)>,
    role: Option<String>,
    env: &EnvSnapshot,
) -> Result<AwsIamAuth, Error> {
    let region = truthy(raw.region.clone());
    if let Some((access_key_id, secret)) = static_keys {
        // Airflow: static keys win and `assume_role_kwargs` is then ignored.
        let credentials = AwsCredentials {
            access_key_id,
            secret_access_key: secret_of(secret),
            session_token: None,
        };
        return Ok(AwsIamAuth {
            role,
            credentials: AwsCredentialSource::Kwargs(credentials),
            assume_role: None,
            region,
        });
    }
    // boto3's default chain: its first link (the variables) from the snapshot, the rest at login.
    let environment = match (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => Some(AwsCredentials {
            access_key_id: id.to_owned(),
            secret_access_key: secret_of(secret.to_owned()),
            session_token: env
                .get("AWS_SESSION_TOKEN")
                .map(|t| secret_of(t.to_owned())),
        }),
        _ => None,
    };
    let environment_region = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .map(str::to_owned);
    let credentials = AwsCredentialSource::DefaultChain {
        environment,
        environment_region,
    };
    let assume_role = match &raw.assume_role_kwargs {
        None => None,
        Some(value) => {
            let sts_region = region
                .clone()
                .or_else(|| {
                    env.get("AWS_REGION")
                        .or_else(|| env.get("AWS_DEFAULT_REGION"))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "us-east-1".to_owned());
            let endpoint = env
                .get("AWS_ENDPOINT_URL_STS")
                .or_else(|| env.get("AWS_ENDPOINT_URL"))
                .map(|e| e.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| format!("https://sts.{sts_region}.amazonaws.com"));
            Some(AssumeRole {
                params: assume_role_params(value)?,
                endpoint,
                region: sts_region,
            })
        }
    };
    Ok(AwsIamAuth {
        role,
        credentials,
        assume_role,
        region,
    })
}

/// boto3's `assume_role(**kwargs)` keyword arguments → STS query parameters. Scalars only; the list
/// arguments (`PolicyArns`, `Tags`, `TransitiveTagKeys`, `ProvidedContexts`) are refused.
fn assume_role_params(value: &Value) -> Result<Vec<(String, String)>, Error> {
    const KWARG: &str = "assume_role_kwargs";
    let parsed;
    let object = match value {
        Value::Object(map) => map,
        Value::String(text) => {
            parsed = serde_json::from_str::<Map<String, Value>>(text).map_err(|_| {
                invalid_kwarg(
                    BACKEND,
                    KWARG,
                    "expected a JSON object of sts.assume_role arguments",
                )
            })?;
            &parsed
        }
        _ => {
            return Err(invalid_kwarg(
                BACKEND,
                KWARG,
                "expected a JSON object of sts.assume_role arguments",
            ));
        }
    };
    const SCALARS: &[&str] = &[
        "RoleArn",
        "RoleSessionName",
        "DurationSeconds",
        "ExternalId",
        "Policy",
        "SerialNumber",
        "TokenCode",
        "SourceIdentity",
    ];
    let mut params = Vec::new();
    for (key, v) in object {
        if !SCALARS.contains(&key.as_str()) {
            return Err(invalid_kwarg(
                BACKEND,
                KWARG,
                format!(
                    "unsupported key `{key}`; supported keys are: {}",
                    SCALARS.join(", ")
                ),
            ));
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(invalid_kwarg(
                    BACKEND,
                    KWARG,
                    format!("`{key}` must be a string or a number"),
                ));
            }
        };
        params.push((key.clone(), text));
    }
    for required in ["RoleArn", "RoleSessionName"] {
        if !params.iter().any(|(k, _)| k == required) {
            return Err(invalid_kwarg(
                BACKEND,
                KWARG,
                format!("sts.assume_role requires `{required}`"),
            ));
        }
    }
    Ok(params)
}

/// `gcp_iam_endpoint` (an extension): an http(s) URL without credentials; default Google's.
fn iam_endpoint(given: Option<&str>) -> Result<String, Error> {
    let Some(url) = given.filter(|u| !u.is_empty()) else {
        return Ok("https://iam.googleapis.com".into());
    };
    match url::Url::parse(url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.username().is_empty()
                && u.password().is_none() =>
        {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(invalid_kwarg(
            BACKEND,
            "gcp_iam_endpoint",
            "expected an http:// or https:// URL with a host and no user name or password",
        )),
    }
}

fn gcp(raw: &RawKwargs, role_id: Option<String>, env: &EnvSnapshot) -> Result<GcpAuth, Error> {
    let scopes: Vec<String> = match &raw.gcp_scopes {
        Some(OneOrMany::One(s)) => s
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(OneOrMany::Many(v)) => v.iter().filter(|s| !s.is_empty()).cloned().collect(),
        None => Vec::new(),
    };
    if scopes.is_empty() {
        return Err(requires("gcp", "gcp_scopes"));
    }
    let role = role_id.ok_or_else(|| requires("gcp", "role_id"))?;
    let key_path = truthy(raw.gcp_key_path.clone());
    let key = match (&key_path, &raw.gcp_keyfile_dict) {
        (Some(_), Some(v)) if !v.is_null() => {
            return Err(invalid_kwarg(
                BACKEND,
                "gcp_key_path, gcp_keyfile_dict",
                "The `keyfile_dict` and `key_path` fields are mutually exclusive. Please provide only one value.",
            ));
        }
        (Some(path), _) => GcpKeySource::File(path.into()),
        (None, Some(Value::Object(map))) => {
            GcpKeySource::Json(secret_of(Value::Object(map.clone()).to_string()))
        }
        (None, Some(Value::String(text))) if !text.is_empty() => {
            GcpKeySource::Json(secret_of(text.clone()))
        }
        (None, Some(Value::Null) | None) => match env.get("GOOGLE_APPLICATION_CREDENTIALS") {
            Some(path) => GcpKeySource::File(path.into()),
            // Application-default credentials without a key file: the metadata server's account.
            None => GcpKeySource::MetadataServer {
                metadata: format!(
                    "http://{}",
                    env.get("GCE_METADATA_HOST")
                        .unwrap_or("metadata.google.internal")
                ),
                iam: iam_endpoint(raw.gcp_iam_endpoint.as_deref())?,
            },
        },
        (None, Some(_)) => {
            return Err(invalid_kwarg(
                BACKEND,
                "gcp_keyfile_dict",
                "expected the service-account key file as a JSON object",
            ));
        }
    };
    Ok(GcpAuth { role, key, scopes })
}
