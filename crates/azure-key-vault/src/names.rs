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

/// Separator the microsoft-azure provider (15.2.1) puts between a team name and the key
/// (`TEAM_SEP`).
pub(crate) const TEAM_SEP: &str = "--";

/// The provider's `_names_a_team_namespace(secret_id)` without its `[core] multi_team` test (the caller
/// makes it): a key whose name, once `_` is replaced by `sep`, contains `--` would be ambiguous next to
/// the team-scoped names (`team--key`), so it is refused for every kind, config included.
pub(crate) fn names_a_team_namespace(key: &str, sep: &str) -> bool {
    build_path("", key, sep).contains(TEAM_SEP)
}

/// The provider's (15.2.1) team-scoped name for `key` of `team` under `prefix`:
/// `build_path(prefix, build_path("", team, sep) + "--" + key.replace("_", sep), sep)`, i.e.
/// `airflow-variables-team-a--my-key` for team `team_a` and key `my_key`.
///
/// ```
/// use airflow_secrets_azure_key_vault::team_secret_name;
/// assert_eq!(team_secret_name("airflow-variables", "team_a", "my_key", "-"), "airflow-variables-team-a--my-key");
/// assert_eq!(team_secret_name("", "t", "k", "-"), "t--k");
/// ```
pub fn team_secret_name(prefix: &str, team: &str, key: &str, sep: &str) -> String {
    let team_prefix = build_path("", team, sep);
    let id = key.replace('_', sep);
    build_path(prefix, &format!("{team_prefix}{TEAM_SEP}{id}"), sep)
}

/// Key Vault's name rule as the provider (15.2.1) checks it before sending anything:
/// `re.fullmatch(r"[0-9a-zA-Z-]{1,127}", name)` — 1 to 127 ASCII letters, digits and `-`.
///
/// ```
/// use airflow_secrets_azure_key_vault::is_valid_secret_name;
/// assert!(is_valid_secret_name("airflow-variables-hello"));
/// assert!(!is_valid_secret_name("airflow-variables-a.b"));
/// assert!(!is_valid_secret_name(""));
/// assert!(!is_valid_secret_name(&"a".repeat(128)));
/// ```
pub fn is_valid_secret_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
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
    fn team_namespace_keys() {
        let cases = [
            ("team--key", "-", true),
            ("team__key", "-", true), // `__` becomes `--`
            ("team_a--key", "-", true),
            ("--key", "-", true),
            ("team--", "-", true),
            ("a_b", "-", false),
            ("plain_key", "-", false),
            ("a--b", "_", true),
            ("a_b", "--", true), // the separator itself makes `--`
            ("a__b", "", false), // underscores are deleted
            ("a--b", "", true),
        ];
        for (key, sep, expected) in cases {
            assert_eq!(
                names_a_team_namespace(key, sep),
                expected,
                "{key:?} sep={sep:?}"
            );
        }
    }

    #[test]
    fn secret_name_rule() {
        let long = "a".repeat(127);
        let too_long = "a".repeat(128);
        let cases = [
            ("a", true),
            ("A-9-z", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            ("a_b", false),
            ("a.b", false),
            ("..", false),
            ("a\\b", false),
            ("é", false),
            ("a\n", false),
            ("a b", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_valid_secret_name(name), expected, "{name:?}");
        }
    }
}
