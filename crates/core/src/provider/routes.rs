//! Per-kind routing: where each kind of secret lives in a store (its prefix, path or name part; `None`
//! disables the kind) and which keys are looked up at all (Airflow's `*_lookup_pattern` kwargs).

use crate::{Error, LookupPattern, SecretKind};

/// Where one kind of secret lives and which keys are looked up.
#[derive(Debug, Clone)]
pub struct Route {
    backend: &'static str,
    kind: SecretKind,
    prefix: Option<String>,
    pattern: Option<LookupPattern>,
}

impl Route {
    /// The prefix (path, name part) of this kind; `None` when its kwarg is `null` (kind disabled).
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The key filter, when a `*_lookup_pattern` is set.
    pub fn pattern(&self) -> Option<&LookupPattern> {
        self.pattern.as_ref()
    }

    /// Whether `key` passes the filter (always, without one). A match given up at the pattern's
    /// backtracking limit is [`Error::InvalidKwarg`] naming the pattern's kwarg, the key and what to do.
    pub fn admits(&self, key: &str) -> Result<bool, Error> {
        let Some(pattern) = &self.pattern else {
            return Ok(true);
        };
        pattern.matches(key).map_err(|e| {
            super::context::invalid_kwarg(
                self.backend,
                pattern_kwarg(self.kind),
                format!("key `{key}`: {e}"),
            )
        })
    }
}

/// The routes of the three kinds, built once from a provider's kwargs.
///
/// ```
/// use airflow_secrets_core::provider::routes::Routes;
/// use airflow_secrets_core::SecretKind;
///
/// let routes = Routes::new("MyBackend", |kind| match kind {
///     SecretKind::Connection => (Some("airflow/connections".into()), None),
///     SecretKind::Variable => (Some("airflow/variables".into()), Some("^prod_".into())),
///     SecretKind::Config => (None, None), // `config_prefix: null`
/// })
/// .unwrap();
/// assert_eq!(routes.route(SecretKind::Variable, "prod_db").unwrap(), Some("airflow/variables"));
/// assert_eq!(routes.route(SecretKind::Variable, "dev_db").unwrap(), None); // filtered: nothing is sent
/// assert_eq!(routes.route(SecretKind::Config, "core/x").unwrap(), None); // disabled
/// ```
#[derive(Debug, Clone)]
pub struct Routes {
    backend: &'static str,
    connections: Route,
    variables: Route,
    config: Route,
}

impl Routes {
    /// Builds the routes from `spec`, which gives each kind's prefix (`None`: disabled) and lookup
    /// pattern (`None` or `""`: no filter). A pattern that does not compile is
    /// [`Error::InvalidKwarg`] naming its kwarg (`variables_lookup_pattern`, ...).
    pub fn new(
        backend: &'static str,
        spec: impl Fn(SecretKind) -> (Option<String>, Option<String>),
    ) -> Result<Routes, Error> {
        let route = |kind: SecretKind| -> Result<Route, Error> {
            let (prefix, pattern) = spec(kind);
            let pattern = LookupPattern::optional(pattern.as_deref()).map_err(|e| {
                super::context::invalid_kwarg(
                    backend,
                    pattern_kwarg(kind),
                    format!("not a valid regular expression (Python `re` syntax): {e}"),
                )
            })?;
            Ok(Route {
                backend,
                kind,
                prefix,
                pattern,
            })
        };
        Ok(Routes {
            backend,
            connections: route(SecretKind::Connection)?,
            variables: route(SecretKind::Variable)?,
            config: route(SecretKind::Config)?,
        })
    }

    /// The route of `kind`.
    pub fn get(&self, kind: SecretKind) -> &Route {
        match kind {
            SecretKind::Connection => &self.connections,
            SecretKind::Variable => &self.variables,
            SecretKind::Config => &self.config,
        }
    }

    /// Whether a lookup of `key` is skipped without a request: its kind is disabled or its lookup
    /// pattern filters it out ([`SecretsBackend::skips`](crate::SecretsBackend::skips)). Nothing is
    /// logged; a match given up at its backtracking limit is not a skip (the lookup fails).
    pub fn skips(&self, kind: SecretKind, key: &str) -> bool {
        let route = self.get(kind);
        route.prefix().is_none() || matches!(route.admits(key), Ok(false))
    }

    /// The prefix `key` is looked up under, or `None` when its kind is disabled or its lookup pattern
    /// filters it out — then nothing is sent, and the skip is logged once, at TRACE, naming the
    /// backend, kind, key and reason. A pattern match given up at its backtracking limit is an error
    /// (see [`Route::admits`]).
    pub fn route(&self, kind: SecretKind, key: &str) -> Result<Option<&str>, Error> {
        let route = self.get(kind);
        let Some(prefix) = route.prefix() else {
            tracing::trace!(backend = self.backend, %kind, key, "lookup skipped: this kind is disabled");
            return Ok(None);
        };
        if !route.admits(key)? {
            tracing::trace!(
                backend = self.backend,
                %kind,
                key,
                kwarg = pattern_kwarg(kind),
                "lookup skipped: the key does not match the lookup pattern"
            );
            return Ok(None);
        }
        Ok(Some(prefix))
    }
}

/// Airflow's name of the lookup-pattern kwarg of `kind`.
pub fn pattern_kwarg(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Connection => "connections_lookup_pattern",
        SecretKind::Variable => "variables_lookup_pattern",
        SecretKind::Config => "config_lookup_pattern",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_pattern_names_its_kwarg() {
        let err = Routes::new("B", |kind| match kind {
            SecretKind::Config => (Some("c".into()), Some("(".into())),
            _ => (Some("x".into()), None),
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("B: kwarg `config_lookup_pattern`"), "{text}");
    }

    #[test]
    fn a_match_given_up_names_the_kwarg_and_the_key() {
        let routes = Routes::new("B", |_| (Some("p".into()), Some("(a|aa)+\\1$".into()))).unwrap();
        let key = format!("{}!", "a".repeat(3_000));
        let text = routes
            .route(SecretKind::Variable, &key)
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with("B: kwarg `variables_lookup_pattern`: key `aaa"),
            "{text}"
        );
        assert!(text.contains("backtracking"), "{text}");
    }

    #[test]
    fn skips_are_disabled_kinds_and_pattern_misses_not_given_up_matches() {
        let routes = Routes::new("B", |kind| match kind {
            SecretKind::Connection => (None, None),
            SecretKind::Variable => (Some("v".into()), Some("^(?!aws_default$)".into())),
            SecretKind::Config => (Some("c".into()), Some("(a|aa)+\\1$".into())),
        })
        .unwrap();
        assert!(routes.skips(SecretKind::Connection, "anything"));
        assert!(routes.skips(SecretKind::Variable, "AWS_DEFAULT"));
        assert!(!routes.skips(SecretKind::Variable, "my_var"));
        // Given up: the lookup fails, it is not a skip.
        let key = format!("{}!", "a".repeat(3_000));
        assert!(!routes.skips(SecretKind::Config, &key));
        assert!(routes.route(SecretKind::Config, &key).is_err());
    }

    #[test]
    fn empty_pattern_filters_nothing() {
        let routes = Routes::new("B", |_| (Some("p".into()), Some(String::new()))).unwrap();
        for kind in SecretKind::ALL {
            assert_eq!(routes.route(kind, "anything").unwrap(), Some("p"));
            assert!(routes.get(kind).pattern().is_none());
        }
    }
}
