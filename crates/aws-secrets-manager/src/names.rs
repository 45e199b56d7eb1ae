//! Key → secret name, exactly as Airflow builds it: the prefix `rstrip(sep)`ed at construction, then
//! `build_path(prefix, key, sep)` = `prefix + sep + key`, or the key alone when the prefix is empty.

/// A prefix as Airflow stores it: `prefix.rstrip(sep)` — Python strips every trailing character that
/// occurs in `sep` (a set, not a suffix), and an empty `sep` strips nothing. An empty prefix stays empty.
pub(crate) fn normalize_prefix(prefix: &str, sep: &str) -> String {
    prefix.trim_end_matches(|c| sep.contains(c)).to_owned()
}

/// The secret name of `key` under `prefix`: `prefix + sep + key`, or `key` for an empty prefix. The key
/// is used as given: no quoting, no case change.
pub(crate) fn location(prefix: &str, key: &str, sep: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}{sep}{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Airflow's own examples plus the edge cases of `rstrip(sep)` and the empty prefix.
    #[test]
    fn names_match_airflow() {
        let cases = [
            // (prefix as configured, sep, key, secret name)
            (
                "airflow/connections",
                "/",
                "smtp_default",
                "airflow/connections/smtp_default",
            ),
            (
                "airflow/connections/",
                "/",
                "smtp_default",
                "airflow/connections/smtp_default",
            ),
            (
                "/airflow/variables//",
                "/",
                "hello",
                "/airflow/variables/hello",
            ),
            ("", "/", "hello", "hello"),
            ("/", "/", "hello", "hello"),
            ("airflow", "_", "conn", "airflow_conn"),
            ("airflow__", "_", "conn", "airflow_conn"),
            // rstrip takes a set of characters: "ab" strips trailing a's and b's.
            ("prefixbab", "ab", "k", "prefixabk"),
            ("p--", "--", "k", "p--k"),
            ("p-", "--", "k", "p--k"),
            ("p/", "", "k", "p/k"),
            ("airflow", "/", "a/b", "airflow/a/b"),
            ("airflow", "/", "../x", "airflow/../x"),
        ];
        for (prefix, sep, key, expected) in cases {
            assert_eq!(
                location(&normalize_prefix(prefix, sep), key, sep),
                expected,
                "{prefix:?} {sep:?} {key:?}"
            );
        }
    }
}
