//! Key → store location: parameter names, exactly as Airflow builds them (spec §2.1).

/// A prefix as Airflow stores it: `rstrip("/")`, so `"/airflow/connections/"` becomes
/// `"/airflow/connections"`, `"/"` becomes `""`, and `""` stays `""`.
pub(crate) fn normalize_prefix(prefix: &str) -> String {
    prefix.trim_end_matches('/').to_owned()
}

/// `build_path(prefix, key)` = `prefix + "/" + key`, then a leading `/` is added if missing
/// (`_ensure_leading_slash`). The key is used as given: no quoting, no case change.
pub(crate) fn location(prefix: &str, key: &str) -> String {
    let name = format!("{prefix}/{key}");
    if name.starts_with('/') {
        name
    } else {
        format!("/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec §2.1 examples plus the edge cases of `rstrip("/")` and the forced leading slash.
    #[test]
    fn names_match_airflow() {
        let cases = [
            // (prefix as configured, key, parameter name sent)
            (
                "airflow/connections",
                "smtp_default",
                "/airflow/connections/smtp_default",
            ),
            (
                "/airflow/connections",
                "smtp_default",
                "/airflow/connections/smtp_default",
            ),
            (
                "/airflow/connections/",
                "smtp_default",
                "/airflow/connections/smtp_default",
            ),
            ("/airflow/variables//", "hello", "/airflow/variables/hello"),
            ("", "key", "/key"),
            ("/", "key", "/key"),
            ("airflow", "a/b", "/airflow/a/b"),
            ("", "/already", "//already"),
            ("/prod", "My_Var.x-1", "/prod/My_Var.x-1"),
        ];
        for (prefix, key, expected) in cases {
            assert_eq!(
                location(&normalize_prefix(prefix), key),
                expected,
                "{prefix:?} + {key:?}"
            );
        }
    }
}
