//! The one redaction of the workspace: what may carry a secret is cut here before it is shown.
//!
//! * [`serde_message`]: serde writes `invalid type: string "<value>", expected <what>`; only the
//!   "expected" part is kept.
//! * [`url`] / [`urls_in_text`]: URL userinfo (`user:password@`) is replaced by `***@`, for one URL or
//!   for every URL inside a longer text (an SDK error that quotes the request URL, a log line).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The replacement shown for a masked value (Airflow's).
pub const MASK: &str = "***";

/// Keeps the "expected ..." part of a serde message and drops the `invalid type: string "..."` part,
/// which would echo the value.
///
/// The split is at the **last** `, expected `: the value comes first and may itself contain
/// `, expected ` (found by the property tests). A message with a value but no "expected" part becomes
/// a fixed sentence; any other message (`missing field`, positions) is kept.
///
/// ```
/// use airflow_secrets_core::provider::redact;
/// let m = redact::serde_message(r#"invalid type: string "a, expected s3cr3t", expected u64"#);
/// assert_eq!(m, "expected u64");
/// ```
pub fn serde_message(message: &str) -> String {
    match message.rsplit_once(", expected ") {
        Some((_, expected)) => format!("expected {expected}"),
        None if message.starts_with("invalid type")
            || message.starts_with("invalid value")
            || message.starts_with("invalid length")
            || message.starts_with("unknown variant")
            || message.starts_with("unknown field") =>
        {
            "has a value of the wrong type".into()
        }
        None => message.to_owned(),
    }
}

/// `scheme://` followed by an authority part that holds an `@` (userinfo). The match runs to the
/// **last** `@` before white space or a quote: a password may itself contain `@`, `:` or `/` when it
/// was written unquoted, and masking too much is safe where masking too little is not.
static USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s"'`<>]*@"#).expect("static regex")
});

/// One URL with its userinfo (user and password) replaced by `***`.
///
/// ```
/// use airflow_secrets_core::provider::redact;
/// assert_eq!(redact::url("http://user:pa55@proxy:3128"), "http://***@proxy:3128");
/// assert_eq!(redact::url("https://vault:8200/v1"), "https://vault:8200/v1");
/// ```
pub fn url(url: &str) -> Cow<'_, str> {
    urls_in_text(url)
}

/// `text` with the userinfo of every URL in it replaced by `***` (see [`url`]).
///
/// ```
/// use airflow_secrets_core::provider::redact;
/// let m = redact::urls_in_text("error sending request for url (http://u:p@127.0.0.1:1/v1/x)");
/// assert_eq!(m, "error sending request for url (http://***@127.0.0.1:1/v1/x)");
/// ```
pub fn urls_in_text(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    USERINFO.replace_all(text, |c: &regex::Captures<'_>| format!("{}{MASK}@", &c[1]))
}

/// `true` when `value` is a URL whose userinfo holds a password (`scheme://user:password@…`) or a
/// bare token (`scheme://token@…`): such a value is masked wherever kwargs are shown.
pub fn has_userinfo(value: &str) -> bool {
    value.contains('@') && USERINFO.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_message_keeps_only_what_was_expected() {
        let cases = [
            (
                r#"invalid type: string "hunter2", expected u64"#,
                "expected u64",
            ),
            (
                r#"invalid type: string "x, expected y", expected u64"#,
                "expected u64",
            ),
            (
                r#"invalid value: string "hunter2""#,
                "has a value of the wrong type",
            ),
            (
                "missing field `auth` at line 1 column 2",
                "missing field `auth` at line 1 column 2",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(serde_message(input), want, "{input}");
        }
    }

    #[test]
    fn userinfo_is_masked_in_urls_and_in_text() {
        let cases = [
            (
                "http://user:ProxyPassw0rd@proxy:3128",
                "http://***@proxy:3128",
            ),
            (
                "postgresql://airflow:p@ss:w0rdS3cret@db:5432/airflow",
                "postgresql://***@db:5432/airflow",
            ),
            ("https://TOKEN@host/x", "https://***@host/x"),
            (
                "see `http://a:b@h` and (HTTPS://c:d@i/p)",
                "see `http://***@h` and (HTTPS://***@i/p)",
            ),
            (
                "http://127.0.0.1:8200/v1/secret",
                "http://127.0.0.1:8200/v1/secret",
            ),
            ("mail me@example.com", "mail me@example.com"),
        ];
        for (input, want) in cases {
            assert_eq!(urls_in_text(input), want, "{input}");
            for secret in ["ProxyPassw0rd", "w0rdS3cret", "TOKEN", ":b@", ":d@"] {
                assert!(!urls_in_text(input).contains(secret), "{input}");
            }
        }
        assert!(has_userinfo("http://u:p@h"));
        assert!(!has_userinfo("http://h/p@x") || urls_in_text("http://h/p@x") == "http://***@x");
        assert!(!has_userinfo("not a url"));
    }
}
