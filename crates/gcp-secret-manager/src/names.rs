//! Secret ids and resource names, as Airflow builds them.

/// Airflow's `SECRET_ID_PATTERN`, checked (at construction only) against `connections_prefix + sep`.
pub const SECRET_ID_PATTERN: &str = r"^[a-zA-Z0-9-_]*$";

/// Airflow's `_SecretManagerClient.is_valid_secret_name`: `re.match(SECRET_ID_PATTERN, name)`.
///
/// Python's `$` also matches just before a final `\n`, so a name ending in one newline passes, as it
/// does in Airflow.
pub fn is_valid_secret_name(name: &str) -> bool {
    let name = name.strip_suffix('\n').unwrap_or(name);
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Airflow's `BaseSecretsBackend.build_path`: `f"{prefix}{sep}{key}"`, with no special case for an empty
/// prefix (`""` gives `-key`) and no change to the key (underscores are kept).
pub fn build_path(prefix: &str, key: &str, sep: &str) -> String {
    format!("{prefix}{sep}{key}")
}

/// `projects/{project}/secrets/{secret_id}/versions/latest`: the version Airflow always reads.
pub fn latest_version_name(project_id: &str, secret_id: &str) -> String {
    format!("projects/{project_id}/secrets/{secret_id}/versions/latest")
}

/// Secret ids that the REST transport would silently change in the URL path: `%` starts an escape the
/// server decodes, `\` becomes `/` in an `http(s)` URL, a whole segment `.` or `..` is resolved
/// away (`secrets/../versions` would read another resource), and control characters: the URL parser
/// drops ASCII tab, CR and LF before resolving dot segments (`"..\t"` becomes `..`), and no control
/// character can be in a Secret Manager id. Such an id cannot reach the service as written, and Secret
/// Manager refuses it anyway (ids are `[a-zA-Z0-9_-]` only), so it is answered like Secret Manager's
/// `InvalidArgument` without sending a request.
pub fn is_mangled_in_url(secret_id: &str) -> bool {
    secret_id.contains(['%', '\\'])
        || secret_id.chars().any(char::is_control)
        || matches!(secret_id, "." | "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_matches_pythons_re_match() {
        for ok in ["", "airflow-connections-", "a_b-C9", "prefix-\n"] {
            assert!(is_valid_secret_name(ok), "{ok:?}");
        }
        for bad in ["a.b-", "a/b", "a b", "é", "a\n\n", "\na", "a:b"] {
            assert!(!is_valid_secret_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn build_path_keeps_the_separator_for_an_empty_prefix() {
        assert_eq!(
            build_path("airflow-connections", "smtp_default", "-"),
            "airflow-connections-smtp_default"
        );
        assert_eq!(build_path("", "key", "-"), "-key");
        assert_eq!(build_path("p", "k", ""), "pk");
        assert_eq!(
            latest_version_name("P", "S"),
            "projects/P/secrets/S/versions/latest"
        );
    }

    #[test]
    fn url_mangling_characters() {
        assert!(is_mangled_in_url("a%41") && is_mangled_in_url("a\\b"));
        assert!(!is_mangled_in_url("a.b") && !is_mangled_in_url("a b"));
        for id in ["..\t", ".\n.", "..\r", "a\u{0}", "a\u{7f}", "a\u{85}"] {
            assert!(is_mangled_in_url(id), "{id:?}");
        }
    }
}
