//! Per-kind lookup settings: the prefix (`None`: lookups of that kind are disabled) and the optional
//! `*_lookup_pattern` key filter.

use airflow_secrets_core::{Error, LookupPattern, SecretKind};

use crate::errors::invalid;
use crate::kwargs::CloudSecretManagerKwargs;

/// Where one kind of value lives and which keys are looked up.
#[derive(Debug, Clone)]
pub(crate) struct KindLookup {
    /// `None`: the prefix kwarg is `null`, nothing of this kind is looked up.
    pub prefix: Option<String>,
    /// Keys that do not match are not looked up.
    pub pattern: Option<LookupPattern>,
    /// The pattern's kwarg name, for logs.
    pub pattern_kwarg: &'static str,
}

impl KindLookup {
    fn new(
        prefix: &Option<String>,
        pattern: Option<&str>,
        pattern_kwarg: &'static str,
    ) -> Result<Self, Error> {
        let pattern = LookupPattern::optional(pattern).map_err(|e| {
            invalid(
                pattern_kwarg,
                format!("not a valid regular expression: {e}"),
            )
        })?;
        Ok(KindLookup {
            prefix: prefix.clone(),
            pattern,
            pattern_kwarg,
        })
    }

    /// `false` when a pattern is set and `key` does not match it.
    pub fn admits(&self, key: &str) -> bool {
        self.pattern.as_ref().is_none_or(|p| p.matches(key))
    }
}

/// The settings of the three kinds.
#[derive(Debug, Clone)]
pub(crate) struct Kinds {
    connections: KindLookup,
    variables: KindLookup,
    config: KindLookup,
}

impl Kinds {
    /// Compiles the patterns (an invalid one is an error naming its kwarg).
    pub fn new(kwargs: &CloudSecretManagerKwargs) -> Result<Self, Error> {
        Ok(Kinds {
            connections: KindLookup::new(
                &kwargs.connections_prefix,
                kwargs.connections_lookup_pattern.as_deref(),
                "connections_lookup_pattern",
            )?,
            variables: KindLookup::new(
                &kwargs.variables_prefix,
                kwargs.variables_lookup_pattern.as_deref(),
                "variables_lookup_pattern",
            )?,
            config: KindLookup::new(
                &kwargs.config_prefix,
                kwargs.config_lookup_pattern.as_deref(),
                "config_lookup_pattern",
            )?,
        })
    }

    /// The settings of `kind`.
    pub fn get(&self, kind: SecretKind) -> &KindLookup {
        match kind {
            SecretKind::Connection => &self.connections,
            SecretKind::Variable => &self.variables,
            SecretKind::Config => &self.config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_filter_keys_and_invalid_ones_name_their_kwarg() {
        let kinds = Kinds::new(&CloudSecretManagerKwargs {
            variables_lookup_pattern: Some("^prod_".into()),
            config_lookup_pattern: Some(String::new()),
            ..CloudSecretManagerKwargs::default()
        })
        .unwrap();
        let variables = kinds.get(SecretKind::Variable);
        assert!(variables.admits("PROD_db") && !variables.admits("dev_prod_db"));
        assert!(
            kinds.get(SecretKind::Config).admits("anything"),
            "\"\" = no pattern"
        );
        assert!(kinds.get(SecretKind::Connection).admits("anything"));

        let err = Kinds::new(&CloudSecretManagerKwargs {
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
