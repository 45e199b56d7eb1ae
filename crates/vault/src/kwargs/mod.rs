//! Airflow's `VaultBackend` kwargs (spec §1.1) → [`VaultConfig`].
//!
//! JSON `null` and a missing key differ where Airflow's default is not `None`: a missing
//! `connections_path` is `"connections"`, a `null` one turns connection lookups off. Credential checks
//! use Python truthiness (`""` counts as missing), as Airflow's `if not token` does.

use std::path::PathBuf;
use std::time::Duration;

use airflow_secrets_core::kwargs::{Kwargs, parse_kwargs};
use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::limits;
use airflow_secrets_core::{Error, LookupPattern};
use serde_json::{Map, Value};

use crate::BACKEND;
use crate::config::{
    ClientCert, DEFAULT_URL, KvVersion, ProxyScheme, Timeout, VaultConfig, Verify,
};

mod auth;
mod checks;
mod raw;

use auth::auth_from_raw;
pub(crate) use checks::{check_config, check_header_value, check_url, retry};
pub use raw::AUTH_TYPES;
use raw::{BoolOrString, OneOrMany, RawKwargs, TimeoutValue, truthy};

/// Builds the configuration from Airflow's kwargs, reading fallbacks from `env`.
pub(crate) fn config_from_kwargs(kwargs: &Kwargs, env: &EnvSnapshot) -> Result<VaultConfig, Error> {
    let raw: RawKwargs = parse_kwargs(BACKEND, kwargs)?;

    let auth = auth_from_raw(raw.auth_type.as_deref().unwrap_or("None"), &raw, env)?;
    let kv_engine_version = match raw.kv_engine_version {
        None | Some(0) => KvVersion::V2,
        Some(1) => KvVersion::V1,
        Some(2) => KvVersion::V2,
        Some(other) => {
            return Err(invalid_kwarg(
                BACKEND,
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

    let verify = verify(raw.verify, env)?;
    // `""` is no certificate, as for requests (Python truthiness).
    let cert = raw
        .cert
        .filter(|c| !matches!(c, OneOrMany::One(c) if c.is_empty()));
    let client_cert = match cert {
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
            return Err(invalid_kwarg(
                BACKEND,
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

    // Airflow (hashicorp 4.8.4): a deprecated last fallback base path of every kind, `rstrip("/")`ped.
    let global = raw
        .global_secrets_path
        .map(|path| path.trim_end_matches('/').to_owned());
    if global.is_some() {
        tracing::warn!(
            backend = BACKEND,
            "The `global_secrets_path` parameter is deprecated (hashicorp provider 4.8.4): give each of \
             `connections_path`, `variables_path` and `config_path` a list of base paths instead, e.g. \
             [\"connections/foobar\", \"connections/common\"]"
        );
    }

    let config = VaultConfig {
        url,
        auth,
        auth_mount_point: truthy(raw.auth_mount_point),
        mount_point: truthy(raw.mount_point),
        kv_engine_version,
        connections_path: with_global(base_paths(raw.connections_path), global.as_deref()),
        variables_path: with_global(base_paths(raw.variables_path), global.as_deref()),
        config_path: with_global(base_paths(raw.config_path), global.as_deref()),
        use_team_secrets_path: raw.use_team_secrets_path.unwrap_or(true),
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

/// requests' `verify`, as hvac passes it on: JSON `true`/`false`, else a string is the path of a CA
/// bundle. The only strings read as booleans are exactly `"true"` and `"false"` (any case, no
/// surrounding whitespace): the per-key
/// override `AIRFLOW__SECRETS__BACKEND_KWARG__VERIFY=false` can only send a string. `"0"`, `"no"`,
/// `"off"` and the like stay paths, as for requests, and fail closed: no such file.
fn verify(value: Option<BoolOrString>, env: &EnvSnapshot) -> Result<Verify, Error> {
    let text = match value {
        Some(BoolOrString::Bool(true)) | None => return Ok(default_verify(env)),
        Some(BoolOrString::Bool(false)) => return Ok(Verify::No),
        Some(BoolOrString::String(s)) => s,
    };
    // Exact matches only: `" false"` (a stray space in an override) is a path like any other string,
    // and fails closed, rather than silently disabling verification.
    if text.eq_ignore_ascii_case("true") {
        return Ok(default_verify(env));
    }
    if text.eq_ignore_ascii_case("false") {
        return Ok(Verify::No);
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(invalid_kwarg(
            BACKEND,
            "verify",
            "expected true, false or the path of a CA bundle",
        ));
    }
    let path = PathBuf::from(&text);
    const BOOLISH: &[&str] = &["0", "1", "no", "yes", "off", "on", "n", "y"];
    if BOOLISH.contains(&trimmed.to_ascii_lowercase().as_str()) && !path.exists() {
        return Err(invalid_kwarg(
            BACKEND,
            "verify",
            format!(
                "\"{trimmed}\" is read as the path of a CA bundle (as requests and hvac do) and there is \
                 no such file; use false (or \"false\") to disable TLS verification, true to verify"
            ),
        ));
    }
    Ok(Verify::CaBundle(path))
}

fn default_verify(env: &EnvSnapshot) -> Verify {
    // hvac: `verify` left at True picks up VAULT_CACERT, else VAULT_CAPATH.
    match env.get("VAULT_CACERT").or_else(|| env.get("VAULT_CAPATH")) {
        Some(path) => Verify::CaBundle(path.into()),
        None => Verify::Yes,
    }
}

/// `None` disables the lookup, as does an empty list (Airflow: `if not base_paths: return None`); each
/// path loses its trailing `/` (Airflow's `rstrip("/")`).
fn base_paths(value: Option<OneOrMany>) -> Option<Vec<String>> {
    let paths = match value? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(ps) => ps,
    };
    Some(
        paths
            .into_iter()
            .map(|p| p.trim_end_matches('/').to_owned())
            .collect(),
    )
}

/// Airflow's `_append_path`: `global_secrets_path` becomes the last base path of the kind, also of a
/// kind whose `*_path` is null (which it turns back on, with that one path).
fn with_global(paths: Option<Vec<String>>, global: Option<&str>) -> Option<Vec<String>> {
    let Some(global) = global else { return paths };
    let mut paths = paths.unwrap_or_default();
    paths.push(global.to_owned());
    Some(paths)
}

/// `null` and `""` mean no filter (Airflow's AWS backends); anything else must compile.
fn lookup_pattern(kwarg: &str, pattern: Option<&str>) -> Result<Option<LookupPattern>, Error> {
    LookupPattern::optional(pattern).map_err(|e| {
        invalid_kwarg(
            BACKEND,
            kwarg,
            format!("not a valid regular expression: {e}"),
        )
    })
}

fn timeout(value: Option<TimeoutValue>) -> Result<Timeout, Error> {
    let seconds = |s: f64| -> Result<Duration, Error> {
        // requests (urllib3) refuses 0 too; the rest (NaN, infinite, negative, over a day) the core's
        // limits refuse.
        if s == 0.0 {
            return Err(invalid_kwarg(
                BACKEND,
                "timeout",
                "must be a positive number of seconds, a [connect, read] pair, or null",
            ));
        }
        limits::seconds(BACKEND, "timeout", s, limits::MAX_SECONDS)
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
                .map_err(|_| invalid_kwarg(BACKEND, "timeout", "expected a number of seconds"))?;
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
            return Err(invalid_kwarg(
                BACKEND,
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
                return Err(invalid_kwarg(
                    BACKEND,
                    "proxies",
                    format!("unsupported key `{key}`; the supported keys are http, https and all"),
                ));
            }
        };
        let Value::String(proxy) = v else {
            return Err(invalid_kwarg(
                BACKEND,
                "proxies",
                format!("the `{key}` proxy must be a URL string"),
            ));
        };
        // The URL is not echoed: proxy URLs may carry credentials.
        if url::Url::parse(&proxy).is_err() {
            return Err(invalid_kwarg(
                BACKEND,
                "proxies",
                format!("the `{key}` proxy is not a valid URL"),
            ));
        }
        out.push((scheme, proxy));
    }
    Ok(out)
}
