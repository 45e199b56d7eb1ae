//! [`LookupPattern`]: Airflow's `*_lookup_pattern` kwargs, with Python `re` semantics.

mod python;

use fancy_regex::{Regex, RegexBuilder};

/// How many backtracking steps one match may take before it is given up (`fancy-regex`'s default
/// limit; a few tens of milliseconds). Only patterns with look-around or back-references backtrack:
/// the rest run on the linear-time `regex` engine and cannot hit it.
pub const BACKTRACK_LIMIT: usize = 1_000_000;

/// A key filter with the semantics of Airflow's `*_lookup_pattern` kwargs: Python
/// `re.match(pattern, key, re.IGNORECASE)`, i.e. anchored at the **start only** and case-insensitive,
/// in Python's syntax (look-ahead and look-behind, back-references, `(?P<name>...)`, `\Z`...).
/// A key that does not match is not looked up at all (no request is sent).
///
/// ```
/// use airflow_secrets_core::LookupPattern;
/// let p = LookupPattern::new("aws_").unwrap();
/// assert!(p.matches("AWS_default").unwrap());       // case-insensitive
/// assert!(p.matches("aws_default_extra").unwrap()); // anchored at the start only
/// assert!(!p.matches("my_aws_conn").unwrap());
///
/// // Amazon MWAA's documented default: everything but `aws_default`.
/// let mwaa = LookupPattern::new("^(?!aws_default$).*$").unwrap();
/// assert!(!mwaa.matches("aws_default").unwrap());
/// assert!(mwaa.matches("aws_default_2").unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct LookupPattern {
    source: String,
    regex: Regex,
}

/// A pattern that Python's `re` refuses, or that uses one of the few Python constructs not supported
/// here (the message says which, and what to write instead).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct InvalidPattern(String);

/// Matching one key took more than [`BACKTRACK_LIMIT`] backtracking steps: the pattern backtracks
/// catastrophically on that key (nested repetition next to a back-reference or look-around).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "matching the key against the pattern `{pattern}` took more than {BACKTRACK_LIMIT} backtracking \
     steps and was given up; simplify the pattern (avoid nested repetition such as `(a|aa)+` around \
     a back-reference or look-around)"
)]
pub struct MatchLimitExceeded {
    /// The pattern as given.
    pub pattern: String,
}

impl LookupPattern {
    /// Compiles a pattern written in Python's `re` syntax (see the module `python` for the few
    /// constructs that are rewritten or refused).
    pub fn new(pattern: &str) -> Result<Self, InvalidPattern> {
        let translated = python::translate(pattern).map_err(InvalidPattern)?;
        // Compiled alone first, so that an error's position is in the pattern (as rewritten), not in
        // the anchoring wrapper.
        RegexBuilder::new(&translated)
            .build()
            .map_err(|e| InvalidPattern(e.to_string()))?;
        let regex = RegexBuilder::new(&format!(r"\A(?:{translated})"))
            .case_insensitive(true)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| InvalidPattern(e.to_string()))?;
        Ok(LookupPattern {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// Builds the optional filter from a kwarg value: `None` and `""` mean "no filter", as in Airflow.
    pub fn optional(pattern: Option<&str>) -> Result<Option<Self>, InvalidPattern> {
        match pattern {
            None | Some("") => Ok(None),
            Some(p) => Self::new(p).map(Some),
        }
    }

    /// `Ok(true)` when `key` should be looked up; an error when the match was given up after
    /// [`BACKTRACK_LIMIT`] steps (never a hang).
    pub fn matches(&self, key: &str) -> Result<bool, MatchLimitExceeded> {
        self.regex.is_match(key).map_err(|_| MatchLimitExceeded {
            pattern: self.source.clone(),
        })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests;
