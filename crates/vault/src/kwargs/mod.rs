//! Airflow's `VaultBackend` kwargs (spec §1.1) → [`VaultConfig`].
//!
//! JSON `null` and a missing key differ where Airflow's default is not `None`: a missing
//! `connections_path` is `"connections"`, a `null` one turns connection lookups off. Credential checks
//! use Python truthiness (`""` counts as missing), as Airflow's `if not token` does.

use std::path::PathBuf;
use std::time::Duration;

use airflow_secrets_core::kwargs::{Kwargs, de, parse_kwargs};
use airflow_secrets_core::{Error, LookupPattern};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::header_safe;
use crate::config::{
    ClientCert, DEFAULT_KUBERNETES_JWT_PATH, DEFAULT_URL, KvVersion, ProxyScheme, RetryConfig,
    Timeout, VaultConfig, Verify,
};
use crate::env::VaultEnv;

mod auth;

use auth::auth_from_raw;

pub(crate) const BACKEND: &str = "VaultBackend";

/// The auth types Airflow accepts (`VALID_AUTH_TYPES`, with `jwt` from Airflow's main branch).
pub const AUTH_TYPES: &[&str] = &[
    "approle",
    "aws_iam",
    "azure",
    "github",
    "gcp",
    "jwt",
    "kubernetes",
    "ldap",
    "radius",
    "token",
    "userpass",
];

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrString {
    Bool(bool),
    String(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TimeoutValue {
    Number(f64),
    String(String),
    Pair(Vec<Option<f64>>),
}

fn connections() -> Option<OneOrMany> {
    Some(OneOrMany::One("connections".into()))
}
fn variables() -> Option<OneOrMany> {
    Some(OneOrMany::One("variables".into()))
}
fn config() -> Option<OneOrMany> {
    Some(OneOrMany::One("config".into()))
}
fn token() -> Option<String> {
    Some("token".into())
}
fn secret() -> Option<String> {
    Some("secret".into())
}
fn kubernetes_jwt_path() -> Option<String> {
    Some(DEFAULT_KUBERNETES_JWT_PATH.into())
}
fn thirty() -> Option<TimeoutValue> {
    Some(TimeoutValue::Number(30.0))
}

/// The kwargs exactly as they arrive. Field order is the order listed in "accepted kwargs" errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKwargs {
    #[serde(default = "connections")]
    connections_path: Option<OneOrMany>,
    #[serde(default = "variables")]
    variables_path: Option<OneOrMany>,
    #[serde(default = "config")]
    config_path: Option<OneOrMany>,
    // airflow-secrets extension: Airflow's AWS backends' key filters, for Vault too.
    #[serde(default)]
    connections_lookup_pattern: Option<String>,
    #[serde(default)]
    variables_lookup_pattern: Option<String>,
    #[serde(default)]
    config_lookup_pattern: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default = "token")]
    auth_type: Option<String>,
    #[serde(default)]
    auth_mount_point: Option<String>,
    #[serde(default = "secret")]
    mount_point: Option<String>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    kv_engine_version: Option<i64>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    token_path: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    key_id: Option<String>,
    #[serde(default)]
    secret_id: Option<String>,
    #[serde(default)]
    role_id: Option<String>,
    #[serde(default)]
    assume_role_kwargs: Option<Value>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    kubernetes_role: Option<String>,
    #[serde(default = "kubernetes_jwt_path")]
    kubernetes_jwt_path: Option<String>,
    #[serde(default)]
    gcp_key_path: Option<String>,
    #[serde(default)]
    gcp_keyfile_dict: Option<Value>,
    #[serde(default)]
    gcp_scopes: Option<OneOrMany>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    azure_tenant_id: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    azure_resource: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    radius_host: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    radius_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    radius_port: Option<u16>,
    #[serde(default)]
    jwt_role: Option<String>,
    #[serde(default)]
    jwt_token: Option<String>,
    #[serde(default)]
    jwt_token_path: Option<String>,
    // Airflow main's multi-team options: accepted so shared kwargs keep working; no effect here.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    use_team_secrets_path: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; no effect (README)
    global_secrets_path: Option<String>,
    // hvac.Client(**kwargs) pass-throughs.
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    verify: Option<BoolOrString>,
    #[serde(default)]
    cert: Option<OneOrMany>,
    #[serde(default = "thirty")]
    timeout: Option<TimeoutValue>,
    #[serde(default)]
    proxies: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    allow_redirects: Option<bool>,
    // Extensions (Airflow hard-codes these in its requests session).
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    max_retries: Option<u32>,
    #[serde(default, deserialize_with = "de::opt_number_lenient")]
    retry_backoff_factor: Option<f64>,
}

fn invalid(kwarg: &str, problem: impl Into<String>) -> Error {
    Error::InvalidKwarg {
        backend: BACKEND,
        kwarg: kwarg.to_owned(),
        problem: problem.into(),
    }
}

/// Python truthiness for an optional string: `None` and `""` are both "not given".
fn truthy(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

fn secret_of(value: String) -> SecretString {
    SecretString::from(value)
}

/// Builds the configuration from Airflow's kwargs, reading fallbacks from `env`.
pub(crate) fn config_from_kwargs(kwargs: &Kwargs, env: &VaultEnv) -> Result<VaultConfig, Error> {
    let raw: RawKwargs = parse_kwargs(BACKEND, kwargs)?;

    let auth = auth_from_raw(raw.auth_type.as_deref().unwrap_or("None"), &raw, env)?;
    let kv_engine_version = match raw.kv_engine_version {
        None | Some(0) => KvVersion::V2,
        Some(1) => KvVersion::V1,
        Some(2) => KvVersion::V2,
        Some(other) => {
            return Err(invalid(
                "kv_engine_version",
                format!("The version is not supported: {other}; use 1 or 2"),
            ));
        }
    };

    let url = match truthy(raw.url).or_else(|| env.get("VAULT_ADDR").map(str::to_owned)) {
        Some(url) => url,
        None => DEFAULT_URL.to_owned(),
    };
    check_url(&url)?;

    let namespace = truthy(raw.namespace);
    if let Some(ns) = &namespace {
        check_header_value("namespace", ns)?;
    }

    let verify = match raw.verify {
        Some(BoolOrString::Bool(true)) | None => default_verify(env),
        Some(BoolOrString::Bool(false)) => Verify::No,
        Some(BoolOrString::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => default_verify(env),
            "false" | "0" | "no" | "off" => Verify::No,
            "" => {
                return Err(invalid(
                    "verify",
                    "expected true, false or the path of a CA bundle",
                ));
            }
            _ => Verify::CaBundle(PathBuf::from(s)),
        },
    };
    let client_cert = match raw.cert {
        Some(OneOrMany::One(cert)) if !cert.is_empty() => Some(ClientCert {
            cert: cert.into(),
            key: None,
        }),
        Some(OneOrMany::Many(pair)) if pair.len() == 2 => {
            let mut it = pair.into_iter();
            let (cert, key) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
            Some(ClientCert {
                cert: cert.into(),
                key: Some(key.into()),
            })
        }
        Some(_) => {
            return Err(invalid(
                "cert",
                "expected a PEM file path or a [certificate, key] pair of paths",
            ));
        }
        None => match (env.get("VAULT_CLIENT_CERT"), env.get("VAULT_CLIENT_KEY")) {
            (Some(cert), key) => Some(ClientCert {
                cert: cert.into(),
                key: key.map(PathBuf::from),
            }),
            (None, _) => None,
        },
    };

    let config = VaultConfig {
        url,
        auth,
        auth_mount_point: truthy(raw.auth_mount_point),
        mount_point: truthy(raw.mount_point),
        kv_engine_version,
        connections_path: base_paths("connections_path", raw.connections_path)?,
        variables_path: base_paths("variables_path", raw.variables_path)?,
        config_path: base_paths("config_path", raw.config_path)?,
        connections_lookup_pattern: lookup_pattern(
            "connections_lookup_pattern",
            raw.connections_lookup_pattern.as_deref(),
        )?,
        variables_lookup_pattern: lookup_pattern(
            "variables_lookup_pattern",
            raw.variables_lookup_pattern.as_deref(),
        )?,
        config_lookup_pattern: lookup_pattern(
            "config_lookup_pattern",
            raw.config_lookup_pattern.as_deref(),
        )?,
        namespace,
        verify,
        client_cert,
        timeout: timeout(raw.timeout)?,
        proxies: proxies(raw.proxies)?,
        allow_redirects: raw.allow_redirects.unwrap_or(true),
        retry: retry(raw.max_retries, raw.retry_backoff_factor)?,
    };
    Ok(config)
}

fn default_verify(env: &VaultEnv) -> Verify {
    // hvac: `verify` left at True picks up VAULT_CACERT, else VAULT_CAPATH.
    match env.get("VAULT_CACERT").or_else(|| env.get("VAULT_CAPATH")) {
        Some(path) => Verify::CaBundle(path.into()),
        None => Verify::Yes,
    }
}

pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(invalid(
            "url",
            "expected an http:// or https:// URL such as http://127.0.0.1:8200",
        )),
    }
}

pub(crate) fn check_header_value(kwarg: &str, value: &str) -> Result<(), Error> {
    if header_safe(value) {
        Ok(())
    } else {
        Err(invalid(
            kwarg,
            "contains control characters (a newline?), which an HTTP header cannot carry",
        ))
    }
}

/// `None` disables the lookup; each path loses its trailing `/` (Airflow's `rstrip("/")`).
fn base_paths(kwarg: &str, value: Option<OneOrMany>) -> Result<Option<Vec<String>>, Error> {
    let paths = match value {
        None => return Ok(None),
        Some(OneOrMany::One(p)) => vec![p],
        Some(OneOrMany::Many(ps)) if ps.is_empty() => {
            return Err(invalid(
                kwarg,
                "expected a path, a non-empty list of paths, or null",
            ));
        }
        Some(OneOrMany::Many(ps)) => ps,
    };
    Ok(Some(
        paths
            .into_iter()
            .map(|p| p.trim_end_matches('/').to_owned())
            .collect(),
    ))
}

/// `null` and `""` mean no filter (Airflow's AWS backends); anything else must compile.
fn lookup_pattern(kwarg: &str, pattern: Option<&str>) -> Result<Option<LookupPattern>, Error> {
    LookupPattern::optional(pattern)
        .map_err(|e| invalid(kwarg, format!("not a valid regular expression: {e}")))
}

fn timeout(value: Option<TimeoutValue>) -> Result<Timeout, Error> {
    let seconds = |s: f64| -> Result<Duration, Error> {
        if s.is_finite() && s > 0.0 && s < 1e9 {
            Ok(Duration::from_secs_f64(s))
        } else {
            Err(invalid(
                "timeout",
                "expected a positive number of seconds, a [connect, read] pair, or null",
            ))
        }
    };
    Ok(match value {
        None => Timeout {
            connect: None,
            read: None,
        },
        Some(TimeoutValue::Number(n)) => Timeout {
            connect: Some(seconds(n)?),
            read: Some(seconds(n)?),
        },
        Some(TimeoutValue::String(s)) => {
            let n: f64 = s
                .trim()
                .parse()
                .map_err(|_| invalid("timeout", "expected a number of seconds"))?;
            Timeout {
                connect: Some(seconds(n)?),
                read: Some(seconds(n)?),
            }
        }
        Some(TimeoutValue::Pair(pair)) if pair.len() == 2 => Timeout {
            connect: pair[0].map(seconds).transpose()?,
            read: pair[1].map(seconds).transpose()?,
        },
        Some(TimeoutValue::Pair(_)) => {
            return Err(invalid(
                "timeout",
                "expected a number of seconds or a [connect, read] pair",
            ));
        }
    })
}

fn proxies(value: Option<Map<String, Value>>) -> Result<Vec<(ProxyScheme, String)>, Error> {
    let mut out = Vec::new();
    for (key, v) in value.unwrap_or_default() {
        let scheme = match key.as_str() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "all" => ProxyScheme::All,
            _ => {
                return Err(invalid(
                    "proxies",
                    format!("unsupported key `{key}`; the supported keys are http, https and all"),
                ));
            }
        };
        let Value::String(proxy) = v else {
            return Err(invalid(
                "proxies",
                format!("the `{key}` proxy must be a URL string"),
            ));
        };
        // The URL is not echoed: proxy URLs may carry credentials.
        if url::Url::parse(&proxy).is_err() {
            return Err(invalid(
                "proxies",
                format!("the `{key}` proxy is not a valid URL"),
            ));
        }
        out.push((scheme, proxy));
    }
    Ok(out)
}

fn retry(max_retries: Option<u32>, factor: Option<f64>) -> Result<RetryConfig, Error> {
    let defaults = RetryConfig::default();
    let max_retries = max_retries.unwrap_or(defaults.max_retries);
    if max_retries > 10 {
        return Err(invalid(
            "max_retries",
            "expected a number of retries between 0 and 10",
        ));
    }
    let backoff_factor = factor.unwrap_or(defaults.backoff_factor);
    if !(0.0..=10.0).contains(&backoff_factor) {
        return Err(invalid(
            "retry_backoff_factor",
            "expected a number of seconds between 0 and 10",
        ));
    }
    Ok(RetryConfig {
        max_retries,
        backoff_factor,
    })
}
