//! Airflow's secret-name rules for Key Vault (`AzureKeyVaultBackend.build_path` and friends).

/// Airflow's `AzureKeyVaultBackend.build_path(path_prefix, secret_id, sep)`.
///
/// The name is `key` when `prefix` is empty, else `prefix + sep + key`; then **every** `_` in the whole
/// string (prefix included) is replaced by `sep`, because Key Vault names allow only letters, digits and
/// `-`. With `sep = ""` underscores are simply deleted. The key's case is kept.
///
/// ```
/// use airflow_secrets_azure_key_vault::build_path;
/// assert_eq!(build_path("airflow-connections", "smtp_default", "-"), "airflow-connections-smtp-default");
/// assert_eq!(build_path("", "my_var", "-"), "my-var");
/// assert_eq!(build_path("air_flow", "a_b", ""), "airflowab");
/// ```
pub fn build_path(prefix: &str, key: &str, sep: &str) -> String {
    let path = if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}{sep}{key}")
    };
    path.replace('_', sep)
}

/// Airflow's prefix normalisation: a truthy prefix is `rstrip(sep)`ped. Python's `str.rstrip(chars)` removes
/// any trailing character that appears in `chars` (a set, not a suffix), so `sep = "-_"` strips both. An
/// empty `sep` strips nothing; `None` (lookup disabled) and `""` (no prefix) are kept as they are.
pub(crate) fn normalize_prefix(prefix: Option<&str>, sep: &str) -> Option<String> {
    prefix.map(|p| p.trim_end_matches(|c| sep.contains(c)).to_owned())
}

/// Separator Airflow (main, multi-team) puts between a team name and the key.
const TEAM_SEP: &str = "--";

/// Airflow's `_is_team_specific_accessed_as_global(secret_id, team_name=None)`: a connection or variable key
/// that, once `_` is replaced by `sep`, fully matches `[^<sep chars>]+--.+` names a team-scoped secret and is
/// refused (not looked up) when no team is given. This crate has no team concept, so the guard always applies.
///
/// With `sep = ""` Airflow builds the invalid regex `[^]+--.+` and raises on every lookup; we skip the guard
/// instead (documented deviation).
pub(crate) fn is_team_scoped(key: &str, sep: &str) -> bool {
    if sep.is_empty() {
        return false;
    }
    let normalized = key.replace('_', sep);
    // `[^S]+--.+` with fullmatch: some i >= 1 where normalized[i..] starts with "--", every char before i is
    // outside S, and at least one char follows the "--".
    for (i, c) in normalized.char_indices() {
        if i > 0 && normalized[i..].starts_with(TEAM_SEP) && normalized.len() > i + TEAM_SEP.len() {
            return true;
        }
        if sep.contains(c) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_path_table() {
        // (prefix as given, sep, key, expected name) — prefix goes through Airflow's rstrip(sep) first.
        let cases: &[(Option<&str>, &str, &str, Option<&str>)] = &[
            (
                Some("airflow-connections"),
                "-",
                "smtp_default",
                Some("airflow-connections-smtp-default"),
            ),
            (
                Some("airflow-variables"),
                "-",
                "hello",
                Some("airflow-variables-hello"),
            ),
            (
                Some("airflow-config"),
                "-",
                "sql_alchemy_conn",
                Some("airflow-config-sql-alchemy-conn"),
            ),
            // trailing separators are stripped from the prefix (all of them: rstrip is a character set)
            (
                Some("airflow-variables-"),
                "-",
                "hello",
                Some("airflow-variables-hello"),
            ),
            (
                Some("airflow-variables--"),
                "-",
                "hello",
                Some("airflow-variables-hello"),
            ),
            // underscores in the prefix are replaced too
            (
                Some("airflow_variables"),
                "-",
                "my_key",
                Some("airflow-variables-my-key"),
            ),
            // empty prefix: the bare key, no leading separator (astronomer-providers#485)
            (Some(""), "-", "my_key", Some("my-key")),
            // a prefix made only of separators becomes "" after rstrip, so the key stands alone
            (Some("---"), "-", "k", Some("k")),
            // key case is kept
            (
                Some("Airflow-Variables"),
                "-",
                "MyKey_X",
                Some("Airflow-Variables-MyKey-X"),
            ),
            // sep="" deletes underscores and concatenates
            (
                Some("airflow_variables"),
                "",
                "my_key",
                Some("airflowvariablesmykey"),
            ),
            (Some(""), "", "a_b_c", Some("abc")),
            // other separators
            // rstrip takes a character set: "prefix".rstrip("x") is "prefi" (Python quirk, kept)
            (Some("prefix"), "x", "a_b", Some("prefixaxb")),
            (Some("prefix."), ".", "a_b", Some("prefix.a.b")),
            (Some("p-_"), "-_", "k_1", Some("p--_k-_1")), // the "_" of the separator itself is replaced too
            // keys already using dashes are untouched
            (
                Some("airflow-connections"),
                "-",
                "smtp-default",
                Some("airflow-connections-smtp-default"),
            ),
            // None disables the lookup
            (None, "-", "anything", None),
        ];
        for &(prefix, sep, key, expected) in cases {
            let name = normalize_prefix(prefix, sep).map(|p| build_path(&p, key, sep));
            assert_eq!(
                name.as_deref(),
                expected,
                "prefix={prefix:?} sep={sep:?} key={key:?}"
            );
        }
    }

    #[test]
    fn team_scoped_keys() {
        let cases = [
            ("team--key", "-", true),
            ("team__key", "-", true),    // `__` becomes `--`
            ("team_a--key", "-", false), // the part before `--` contains a separator
            ("--key", "-", false),       // nothing before `--`
            ("team--", "-", false),      // nothing after `--`
            ("plain_key", "-", false),
            ("a--b", "_", true),
            ("a--b", "", false), // guard skipped with an empty separator
        ];
        for (key, sep, expected) in cases {
            assert_eq!(is_team_scoped(key, sep), expected, "{key:?} sep={sep:?}");
        }
    }
}
