//! [`Config`]: the validated configuration of a backend, built from [`CloudSecretManagerKwargs`]
//! without the network (routes, names, endpoint, credential plan, project, request policy).

use std::time::Duration;

use airflow_secrets_core::provider::context::invalid_kwarg;
use airflow_secrets_core::provider::env::EnvSnapshot;
use airflow_secrets_core::provider::limits::{self, MAX_ATTEMPTS, MAX_SECONDS};
use airflow_secrets_core::provider::routes::Routes;
use airflow_secrets_core::{Error, SecretKind};

use crate::BACKEND;
use crate::auth::{self, CredentialPlan, Source, metadata};
use crate::client::{DEFAULT_ENDPOINT, RequestPolicy};
use crate::kwargs::CloudSecretManagerKwargs;
use crate::names::{SECRET_ID_PATTERN, is_valid_secret_name};

/// Airflow's message when no project can be found.
pub(crate) const NO_PROJECT: &str = "Project ID could not be determined. Please provide 'project_id' in \
     backend configuration or ensure your credentials include a default project.";

/// Where the project comes from.
#[derive(Debug, Clone)]
pub(crate) enum Project {
    /// `project_id`, or the credentials' own project.
    Known(String),
    /// Application-default credentials naming none offline: the metadata server at this base URL is
    /// asked on the first lookup.
    FromMetadataServer(String),
}

/// Everything a lookup needs, checked at construction.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Per-kind prefixes (`None`: disabled) and `*_lookup_pattern` filters.
    pub routes: Routes,
    pub sep: String,
    pub project: Project,
    pub endpoint: String,
    pub plan: CredentialPlan,
    pub policy: RequestPolicy,
    pub raise_on_permission_denied: bool,
}

impl Config {
    /// Validates `kwargs`; `env` is read only to find the project of application-default credentials.
    pub(crate) fn new(
        kwargs: CloudSecretManagerKwargs,
        env: &EnvSnapshot,
    ) -> Result<Config, Error> {
        // Airflow checks `connections_prefix + sep` only, and only when connections are enabled.
        if let Some(prefix) = &kwargs.connections_prefix
            && !is_valid_secret_name(&format!("{prefix}{}", kwargs.sep))
        {
            return Err(invalid_kwarg(
                BACKEND,
                "connections_prefix, sep",
                format!(
                    "`connections_prefix`, `variables_prefix` and `sep` should follows that pattern \
                     {SECRET_ID_PATTERN}"
                ),
            ));
        }
        // Prefixes are used as given (Airflow's `build_path` does not normalise them).
        let routes = Routes::new(BACKEND, |kind| match kind {
            SecretKind::Connection => (
                kwargs.connections_prefix.clone(),
                kwargs.connections_lookup_pattern.clone(),
            ),
            SecretKind::Variable => (
                kwargs.variables_prefix.clone(),
                kwargs.variables_lookup_pattern.clone(),
            ),
            SecretKind::Config => (
                kwargs.config_prefix.clone(),
                kwargs.config_lookup_pattern.clone(),
            ),
        })?;
        let policy = request_policy(&kwargs)?;
        let endpoint = endpoint(kwargs.endpoint.as_deref())?;
        let (plan, credentials_project) = auth::plan(&kwargs, env)?;
        let known = kwargs
            .project_id
            .clone()
            .filter(|p| !p.is_empty())
            .or(credentials_project);
        let project = match known {
            Some(id) => Project::Known(id),
            // google.auth.default() asks the metadata server last; that is a request, so it waits for
            // the first lookup.
            None if matches!(plan.source, Source::ApplicationDefault) => {
                Project::FromMetadataServer(metadata::base_url(
                    env.get(metadata::METADATA_HOST_VAR),
                ))
            }
            None => {
                return Err(invalid_kwarg(BACKEND, "project_id", NO_PROJECT));
            }
        };
        Ok(Config {
            routes,
            sep: kwargs.sep,
            project,
            endpoint,
            plan,
            policy,
            raise_on_permission_denied: kwargs.raise_on_permission_denied,
        })
    }
}

fn request_policy(kwargs: &CloudSecretManagerKwargs) -> Result<RequestPolicy, Error> {
    // Finite, not negative, at most a day (`limits::seconds`): larger values would overflow the
    // deadline arithmetic of the SDK and of the back-off.
    let seconds = |kwarg: &str, value: f64, min_exclusive: bool| -> Result<Duration, Error> {
        if min_exclusive && value == 0.0 {
            return Err(invalid_kwarg(
                BACKEND,
                kwarg,
                "expected a number of seconds greater than 0",
            ));
        }
        limits::seconds(BACKEND, kwarg, value, MAX_SECONDS)
    };
    let timeout = seconds("timeout_seconds", kwargs.timeout_seconds, true)?;
    let initial_backoff = seconds(
        "retry_initial_backoff_seconds",
        kwargs.retry_initial_backoff_seconds,
        false,
    )?;
    let max_backoff = seconds(
        "retry_max_backoff_seconds",
        kwargs.retry_max_backoff_seconds,
        false,
    )?;
    if kwargs.max_attempts == 0 {
        return Err(invalid_kwarg(
            BACKEND,
            "max_attempts",
            "expected at least 1 (1 means no retry)",
        ));
    }
    limits::count(
        BACKEND,
        "max_attempts",
        kwargs.max_attempts.into(),
        MAX_ATTEMPTS,
    )?;
    if max_backoff < initial_backoff {
        return Err(invalid_kwarg(
            BACKEND,
            "retry_max_backoff_seconds",
            "must not be smaller than retry_initial_backoff_seconds",
        ));
    }
    Ok(RequestPolicy {
        timeout,
        max_attempts: kwargs.max_attempts,
        initial_backoff,
        max_backoff,
    })
}

fn endpoint(endpoint: Option<&str>) -> Result<String, Error> {
    let Some(endpoint) = endpoint.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(DEFAULT_ENDPOINT.to_owned());
    };
    match url::Url::parse(endpoint) {
        // The bearer token authenticates; URL credentials would only end up in logs and errors.
        Ok(url) if !url.username().is_empty() || url.password().is_some() => Err(invalid_kwarg(
            BACKEND,
            "endpoint",
            "must not contain a user name or password (`user:password@`); requests are authenticated \
             with the Google credentials",
        )),
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(endpoint.trim_end_matches('/').to_owned())
        }
        _ => Err(invalid_kwarg(
            BACKEND,
            "endpoint",
            "expected an http(s) URL such as https://secretmanager.googleapis.com or http://127.0.0.1:8085",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kwargs: CloudSecretManagerKwargs) -> Result<Config, Error> {
        Config::new(
            CloudSecretManagerKwargs {
                project_id: Some("p".into()),
                ..kwargs
            },
            &EnvSnapshot::empty(),
        )
    }

    #[test]
    fn patterns_filter_keys_and_invalid_ones_name_their_kwarg() {
        let routes = config(CloudSecretManagerKwargs {
            variables_lookup_pattern: Some("^prod_".into()),
            config_lookup_pattern: Some(String::new()),
            ..CloudSecretManagerKwargs::default()
        })
        .unwrap()
        .routes;
        let variables = routes.get(SecretKind::Variable);
        assert!(variables.admits("PROD_db").unwrap() && !variables.admits("dev_prod_db").unwrap());
        assert!(
            routes.get(SecretKind::Config).admits("anything").unwrap(),
            "\"\" = no pattern"
        );
        assert!(
            routes
                .get(SecretKind::Connection)
                .admits("anything")
                .unwrap()
        );

        let err = config(CloudSecretManagerKwargs {
            connections_lookup_pattern: Some("(unclosed".into()),
            ..CloudSecretManagerKwargs::default()
        })
        .unwrap_err();
        let Error::InvalidKwarg { kwarg, problem, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(kwarg, "connections_lookup_pattern");
        assert!(
            problem.starts_with("not a valid regular expression"),
            "{problem}"
        );
    }
}
