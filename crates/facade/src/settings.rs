//! The `[secrets]` (or `[workers]`) settings: which backend, with which kwargs, and the cache options.

use std::fmt;
use std::time::Duration;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};
use serde_json::Value;

use crate::build_context::BuildContext;
use crate::cache::CacheSettings;
use crate::config::{AirflowConfig, RawOption, RawValue};
use crate::redact::redact_kwargs;
use crate::registry::build_backend;

/// Which Airflow process this service stands in for; it decides which settings pick the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessContext {
    /// Scheduler, API server, DAG processor, Airflow 2.x: `[secrets] backend` / `backend_kwargs`.
    #[default]
    Server,
    /// An Airflow 3 task worker: `[workers] secrets_backend` / `secrets_backend_kwargs` when set,
    /// otherwise the `[secrets]` pair. The chain is the custom backend, then the environment variables:
    /// a worker never reads the metadata database (task-SDK 1.3.2), so there is no metastore tier, and
    /// Airflow's last worker tier, the Execution API, is out of scope.
    Worker,
}

/// The custom backend Airflow's configuration names.
#[derive(Clone)]
pub struct BackendSetting {
    /// The dotted class path.
    pub class_path: String,
    /// Where it was read from.
    pub class_path_source: String,
    /// The kwargs, after JSON parsing, `$VAR` expansion and per-key overrides. Holds secrets: display
    /// [`BackendSetting::redacted_kwargs`] instead.
    pub kwargs: Kwargs,
    /// Where the kwargs came from (the JSON's source, then each per-key override variable).
    pub kwargs_sources: Vec<String>,
}

impl BackendSetting {
    /// The kwargs with sensitive values masked (Airflow's sensitive-field rule).
    pub fn redacted_kwargs(&self) -> Kwargs {
        redact_kwargs(&self.kwargs)
    }
}

impl fmt::Debug for BackendSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendSetting")
            .field("class_path", &self.class_path)
            .field("class_path_source", &self.class_path_source)
            .field("kwargs", &Value::Object(self.redacted_kwargs()))
            .field("kwargs_sources", &self.kwargs_sources)
            .finish()
    }
}

/// Everything the resolver needs from Airflow's configuration.
#[derive(Debug, Clone)]
pub struct SecretsSettings {
    /// The custom backend, if `backend` is set and non-empty.
    pub backend: Option<BackendSetting>,
    /// `[secrets] use_cache` (default `false`).
    pub use_cache: bool,
    /// `[secrets] cache_ttl_seconds` (default 900).
    pub cache_ttl: Duration,
    /// The cache to use, when `use_cache` is on: `cache_ttl_seconds` plus the airflow-secrets extensions
    /// `[secrets] cache_negative_ttl_seconds` (default 60), `cache_max_entries` (default 10000) and
    /// `cache_config` (default false), which Airflow itself ignores.
    pub cache: Option<CacheSettings>,
    /// `[core] multi_team` (default `false`, Airflow 3.2+): team-scoped names and guards in the backends
    /// that have them.
    pub multi_team: bool,
}

struct Names {
    section: &'static str,
    backend: &'static str,
    kwargs: &'static str,
    per_key_prefix: &'static str,
}

const SECRETS: Names = Names {
    section: "secrets",
    backend: "backend",
    kwargs: "backend_kwargs",
    per_key_prefix: "AIRFLOW__SECRETS__BACKEND_KWARG__",
};
const WORKERS: Names = Names {
    section: "workers",
    backend: "secrets_backend",
    kwargs: "secrets_backend_kwargs",
    per_key_prefix: "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__",
};

impl SecretsSettings {
    /// Reads the settings as Airflow does for `context`.
    pub async fn load(
        config: &AirflowConfig,
        context: ProcessContext,
    ) -> Result<SecretsSettings, Error> {
        let multi_team = config.get_bool("core", "multi_team", false).await?;
        let mut backend = None;
        if context == ProcessContext::Worker {
            backend = read_backend(config, &WORKERS, multi_team).await?;
        }
        if backend.is_none() {
            backend = read_backend(config, &SECRETS, multi_team).await?;
        }
        let use_cache = config.get_bool("secrets", "use_cache", false).await?;
        let cache_ttl =
            Duration::from_secs(config.get_u64("secrets", "cache_ttl_seconds", 900).await?);
        let cache = if use_cache {
            let defaults = CacheSettings::default();
            Some(CacheSettings {
                ttl: cache_ttl,
                negative_ttl: Duration::from_secs(
                    config
                        .get_u64(
                            "secrets",
                            "cache_negative_ttl_seconds",
                            defaults.negative_ttl.as_secs(),
                        )
                        .await?,
                ),
                max_entries: config
                    .get_u64("secrets", "cache_max_entries", defaults.max_entries)
                    .await?,
                cache_config: config
                    .get_bool("secrets", "cache_config", defaults.cache_config)
                    .await?,
                ..defaults
            })
        } else {
            None
        };
        Ok(SecretsSettings {
            backend,
            use_cache,
            cache_ttl,
            cache,
            multi_team,
        })
    }
}

async fn read_backend(
    config: &AirflowConfig,
    names: &Names,
    multi_team: bool,
) -> Result<Option<BackendSetting>, Error> {
    let Some((class_path, class_path_source)) =
        config.get_str(names.section, names.backend).await?
    else {
        return Ok(None);
    };
    // As Airflow 3.3.2's `getimport`: only an empty value means "no backend"; a class path with
    // whitespace (around it, from the environment or a `$VAR`; or a blank one) cannot be imported there,
    // and Airflow fails to start.
    if class_path.is_empty() {
        return Ok(None);
    }
    if class_path.chars().any(char::is_whitespace) {
        return Err(Error::InvalidSetting {
            option: format!("[{}] {}", names.section, names.backend),
            source_name: class_path_source,
            problem: format!(
                "the class path {class_path:?} contains whitespace, which Airflow cannot import (\"The \
                 object could not be loaded\"); remove the spaces"
            ),
        });
    }
    let (mut kwargs, mut kwargs_sources) = match config.option(names.section, names.kwargs).await? {
        None => (Kwargs::new(), Vec::new()),
        Some(RawOption {
            source_name,
            value: RawValue::Value(text),
        }) => (parse_kwargs_json(&text, &source_name)?, vec![source_name]),
        Some(RawOption {
            source_name,
            value: RawValue::SecretKey(key),
        }) => {
            let text = kwargs_from_secret(config, &class_path, &key, names, multi_team).await?;
            (parse_kwargs_json(&text, &source_name)?, vec![source_name])
        }
    };
    let mut overrides: Vec<(&str, &str)> = config
        .env_vars()
        .filter_map(|(k, v)| Some((k.strip_prefix(names.per_key_prefix)?, v)))
        .filter(|(k, _)| !k.is_empty())
        .collect();
    overrides.sort();
    for (key, value) in overrides {
        kwargs.insert(key.to_lowercase(), Value::String(value.to_owned()));
        kwargs_sources.push(format!(
            "environment variable {}{key}",
            names.per_key_prefix
        ));
    }
    Ok(Some(BackendSetting {
        class_path,
        class_path_source,
        kwargs,
        kwargs_sources,
    }))
}

/// `backend_kwargs_secret`: Airflow builds the backend to read its own kwargs, which in practice means a
/// backend built with default kwargs; errors are wrapped as Airflow's AirflowConfigException.
async fn kwargs_from_secret(
    config: &AirflowConfig,
    class_path: &str,
    key: &str,
    names: &Names,
    multi_team: bool,
) -> Result<String, Error> {
    let fail = |problem: String| Error::InvalidSetting {
        option: format!("[{}] {}", names.section, names.kwargs),
        source_name: format!("{}_secret", names.kwargs),
        problem: format!(
            "Cannot retrieve config from alternative secrets backend. Make sure it is configured properly \
             and that the Backend is accessible. {problem}"
        ),
    };
    let backend = build_backend(
        class_path,
        &Kwargs::new(),
        &BuildContext {
            config: Some(config),
            multi_team,
        },
    )
    .map_err(|e| fail(e.to_string()))?;
    match backend.get_config(key).await {
        Ok(Some(v)) => Ok(v.expose().to_owned()),
        Ok(None) => Ok(String::new()),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Parses kwargs JSON. Empty (or whitespace) text means `{}`, as in Airflow. Invalid JSON and non-objects
/// are errors naming `source_name` (Airflow silently uses `{}`; see docs/configuration.md).
pub fn parse_kwargs_json(text: &str, source_name: &str) -> Result<Kwargs, Error> {
    if text.trim().is_empty() {
        return Ok(Kwargs::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Error::KwargsNotObject {
            source_name: source_name.to_owned(),
            found: json_type_name(&other),
        }),
        Err(e) => {
            let message = e.to_string();
            let problem = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(head, _)| head)
                .to_owned();
            Err(Error::InvalidKwargsJson {
                source_name: source_name.to_owned(),
                line: e.line(),
                column: e.column(),
                problem,
            })
        }
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> AirflowConfig {
        AirflowConfig::from_vars(vars.iter().copied().chain([("HOME", "/nonexistent-home")]))
            .unwrap()
    }

    #[tokio::test]
    async fn reads_backend_kwargs_and_per_key_overrides() {
        let c = config(&[
            (
                "AIRFLOW__SECRETS__BACKEND",
                "airflow.secrets.local_filesystem.LocalFilesystemBackend",
            ),
            (
                "AIRFLOW__SECRETS__BACKEND_KWARGS",
                r#"{"variables_file_path": "$VARS", "kv_engine_version": 2}"#,
            ),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__KV_ENGINE_VERSION", "1"),
            ("AIRFLOW__SECRETS__BACKEND_KWARG__ROLE_ID", "$NOT_EXPANDED"),
            ("VARS", "/v.json"),
            ("AIRFLOW__SECRETS__USE_CACHE", "true"),
            ("AIRFLOW__SECRETS__CACHE_TTL_SECONDS", "60"),
        ]);
        let s = SecretsSettings::load(&c, ProcessContext::Server)
            .await
            .unwrap();
        let b = s.backend.unwrap();
        assert_eq!(
            b.class_path,
            "airflow.secrets.local_filesystem.LocalFilesystemBackend"
        );
        assert_eq!(
            Value::Object(b.kwargs),
            serde_json::json!({"variables_file_path": "/v.json", "kv_engine_version": "1", "role_id": "$NOT_EXPANDED"})
        );
        assert_eq!(
            b.kwargs_sources,
            [
                "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS",
                "environment variable AIRFLOW__SECRETS__BACKEND_KWARG__KV_ENGINE_VERSION",
                "environment variable AIRFLOW__SECRETS__BACKEND_KWARG__ROLE_ID",
            ]
        );
        assert!(s.use_cache);
        assert_eq!(s.cache_ttl, Duration::from_secs(60));
        assert_eq!(
            s.cache,
            Some(CacheSettings {
                ttl: Duration::from_secs(60),
                ..CacheSettings::default()
            })
        );
    }

    #[tokio::test]
    async fn empty_backend_means_none_and_empty_kwargs_mean_empty_object() {
        let s = SecretsSettings::load(
            &config(&[("AIRFLOW__SECRETS__BACKEND", "")]),
            ProcessContext::Server,
        )
        .await
        .unwrap();
        assert!(s.backend.is_none() && !s.use_cache && s.cache_ttl == Duration::from_secs(900));
        assert!(s.cache.is_none());
        let s = SecretsSettings::load(
            &config(&[
                ("AIRFLOW__SECRETS__BACKEND", "x.Y"),
                ("AIRFLOW__SECRETS__BACKEND_KWARGS", "  "),
            ]),
            ProcessContext::Server,
        )
        .await
        .unwrap();
        assert!(s.backend.unwrap().kwargs.is_empty());
    }

    #[tokio::test]
    async fn class_path_with_whitespace_is_refused_as_airflow_cannot_import_it() {
        for value in [" x.Y", "x.Y ", "\tx.Y", " ", "x. Y"] {
            let err = SecretsSettings::load(
                &config(&[("AIRFLOW__SECRETS__BACKEND", value)]),
                ProcessContext::Server,
            )
            .await
            .unwrap_err()
            .to_string();
            assert!(
                err.contains("[secrets] backend")
                    && err.contains("AIRFLOW__SECRETS__BACKEND")
                    && err.contains("contains whitespace"),
                "{value:?}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn workers_pair_wins_for_workers_and_falls_back_to_secrets() {
        let vars = [
            ("AIRFLOW__SECRETS__BACKEND", "server.Backend"),
            ("AIRFLOW__SECRETS__BACKEND_KWARGS", r#"{"a": 1}"#),
            ("AIRFLOW__WORKERS__SECRETS_BACKEND", "worker.Backend"),
            ("AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS", r#"{"b": 2}"#),
            ("AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__C", "3"),
        ];
        let s = SecretsSettings::load(&config(&vars), ProcessContext::Worker)
            .await
            .unwrap();
        let b = s.backend.unwrap();
        assert_eq!(b.class_path, "worker.Backend");
        assert_eq!(
            Value::Object(b.kwargs),
            serde_json::json!({"b": 2, "c": "3"})
        );
        let s = SecretsSettings::load(&config(&vars), ProcessContext::Server)
            .await
            .unwrap();
        assert_eq!(s.backend.unwrap().class_path, "server.Backend");
        let s = SecretsSettings::load(&config(&vars[..2]), ProcessContext::Worker)
            .await
            .unwrap();
        let b = s.backend.unwrap();
        assert_eq!(
            (b.class_path.as_str(), Value::Object(b.kwargs)),
            ("server.Backend", serde_json::json!({"a": 1}))
        );
    }

    #[tokio::test]
    async fn backend_kwargs_secret_is_read_by_the_backend_built_with_default_kwargs() {
        // Airflow reads `backend_kwargs_secret` with the backend built from default kwargs. A
        // LocalFilesystemBackend with no files has no config values, so the kwargs come out empty.
        let c = config(&[
            (
                "AIRFLOW__SECRETS__BACKEND",
                "airflow.secrets.local_filesystem.LocalFilesystemBackend",
            ),
            ("AIRFLOW__SECRETS__BACKEND_KWARGS_SECRET", "backend_kwargs"),
        ]);
        let b = SecretsSettings::load(&c, ProcessContext::Server)
            .await
            .unwrap()
            .backend
            .unwrap();
        assert!(b.kwargs.is_empty());
        assert_eq!(
            b.kwargs_sources,
            ["environment variable AIRFLOW__SECRETS__BACKEND_KWARGS_SECRET"]
        );
        // A backend that cannot be built with default kwargs gives Airflow's config error.
        let c = config(&[
            ("AIRFLOW__SECRETS__BACKEND", "airflow.secrets.nope.Nope"),
            ("AIRFLOW__SECRETS__BACKEND_KWARGS_SECRET", "backend_kwargs"),
        ]);
        let err = SecretsSettings::load(&c, ProcessContext::Server)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Cannot retrieve config from alternative secrets backend"),
            "{err}"
        );
        assert!(err.contains("[secrets] backend_kwargs"), "{err}");
    }

    #[test]
    fn invalid_kwargs_json_names_source_and_position() {
        let err = parse_kwargs_json(
            "{\"url\": \"http://x\",\n \"token\": s3cr3t}",
            "environment variable X",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON in environment variable X at line 2, column 11: expected value; fix the JSON \
             (it must be an object such as {\"url\": \"http://127.0.0.1:8200\"})"
        );
        let err = parse_kwargs_json("[1, 2]", "environment variable X").unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable X must hold a JSON object of backend kwargs, but it holds an array"
        );
    }
}
