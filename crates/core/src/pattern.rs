//! [`LookupPattern`]: Airflow's `*_lookup_pattern` kwargs.

use regex::{Regex, RegexBuilder};

/// A key filter with the semantics of Airflow's `*_lookup_pattern` kwargs: Python
/// `re.match(pattern, key, re.IGNORECASE)`, i.e. anchored at the **start only** and case-insensitive.
/// A key that does not match is not looked up at all (no request is sent).
///
/// ```
/// use airflow_secrets_core::LookupPattern;
/// let p = LookupPattern::new("aws_").unwrap();
/// assert!(p.matches("AWS_default"));       // case-insensitive
/// assert!(p.matches("aws_default_extra")); // anchored at the start only
/// assert!(!p.matches("my_aws_conn"));
/// ```
#[derive(Debug, Clone)]
pub struct LookupPattern {
    source: String,
    regex: Regex,
}

impl LookupPattern {
    /// Compiles a pattern. The syntax is Rust's `regex` crate, which accepts the Python patterns people
    /// use for this (classes, alternation, groups, anchors) but not look-around or back-references.
    pub fn new(pattern: &str) -> Result<Self, regex::Error> {
        let regex = RegexBuilder::new(&format!("^(?:{pattern})"))
            .case_insensitive(true)
            .build()?;
        Ok(LookupPattern {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// Builds the optional filter from a kwarg value: `None` and `""` mean "no filter", as in Airflow.
    pub fn optional(pattern: Option<&str>) -> Result<Option<Self>, regex::Error> {
        match pattern {
            None | Some("") => Ok(None),
            Some(p) => Self::new(p).map(Some),
        }
    }

    /// `true` when `key` should be looked up.
    pub fn matches(&self, key: &str) -> bool {
        self.regex.is_match(key)
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_re_match_semantics() {
        let cases = [
            ("^aws", "aws_default", true),
            ("aws", "AWS_DEFAULT", true),
            ("aws", "my_aws", false),
            ("a|b", "bcd", true),
            ("db_$", "db_", true),
            ("db_$", "db_x", false),
            ("[0-9]+", "12abc", true),
        ];
        for (pattern, key, expected) in cases {
            assert_eq!(
                LookupPattern::new(pattern).unwrap().matches(key),
                expected,
                "{pattern} {key}"
            );
        }
        assert!(LookupPattern::optional(Some("")).unwrap().is_none());
        assert!(LookupPattern::optional(None).unwrap().is_none());
        assert!(LookupPattern::new("(?<=a)b").is_err());
    }
}
