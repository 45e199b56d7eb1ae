//! Typed variables: Airflow's `Variable.get(key, deserialize_json=True)` into any
//! `T: DeserializeOwned`, with errors that name the key and the serde path but never the value.

use airflow_secrets_core::provider::redact;
use airflow_secrets_core::{Error, SecretKind};
use serde::de::DeserializeOwned;

use crate::resolver::Secrets;

impl Secrets {
    /// A variable parsed as JSON into `T`: Airflow's `Variable.get(key, deserialize_json=True)`.
    ///
    /// The raw value is looked up (and cached) exactly as [`variable`](Self::variable) does, then
    /// parsed. `Ok(None)` when no backend has the key. A value that is not valid JSON for `T` (an empty
    /// value too, as `json.loads("")` fails in Airflow) is [`Error::MalformedSecret`] naming the backend,
    /// the key and the path inside the JSON (`.pool.size`), never the value.
    ///
    /// ```no_run
    /// # async fn demo(secrets: &airflow_secrets::Secrets) -> Result<(), airflow_secrets::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Pool { size: u32, hosts: Vec<String> }
    /// let pool: Option<Pool> = secrets.variable_json("pool").await?;
    /// # Ok(()) }
    /// ```
    pub async fn variable_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        let lookup = self.variable_lookup(key).await?;
        let Some(value) = lookup.value else {
            return Ok(None);
        };
        parse_json(
            lookup.found_in.unwrap_or("Secrets"),
            SecretKind::Variable,
            key,
            value.expose(),
        )
        .map(Some)
    }
}

/// `text` parsed as JSON into `T`; a failure names `key` and the serde path, with serde's message
/// cut to its "expected ..." part (which is where a value would be quoted).
pub(crate) fn parse_json<T: DeserializeOwned>(
    backend: &'static str,
    kind: SecretKind,
    key: &str,
    text: &str,
) -> Result<T, Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut json);
    let (path, error) = match parsed {
        // Trailing characters after the value are an error, as in `json.loads`.
        Ok(value) => match json.end() {
            Ok(()) => return Ok(value),
            Err(e) => (".".to_owned(), e),
        },
        Err(e) => (e.path().to_string(), e.into_inner()),
    };
    let at = if path == "." {
        "at the top level".to_owned()
    } else {
        format!("at `{path}`")
    };
    Err(Error::MalformedSecret {
        backend,
        kind,
        key: key.to_owned(),
        problem: format!(
            "not valid JSON for the requested type {at}: {}",
            redact::serde_message(&error.to_string())
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Pool {
        size: u32,
        hosts: Vec<String>,
    }

    fn problem(text: &str) -> String {
        match parse_json::<Pool>("B", SecretKind::Variable, "pool", text).unwrap_err() {
            Error::MalformedSecret { problem, .. } => problem,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn valid_json_parses() {
        let pool: Pool = parse_json(
            "B",
            SecretKind::Variable,
            "pool",
            r#" {"size": 3, "hosts": ["a"]} "#,
        )
        .unwrap();
        assert_eq!(
            pool,
            Pool {
                size: 3,
                hosts: vec!["a".into()]
            }
        );
    }

    /// Each row: input, the problem text (exact: it must never quote the value).
    #[test]
    fn errors_name_the_path_and_never_the_value() {
        let rows = [
            (
                r#"{"size": "s3cr3t", "hosts": []}"#,
                "not valid JSON for the requested type at `size`: expected u32 at line 1 column 17",
            ),
            (
                r#"{"size": 1, "hosts": ["ok", 7]}"#,
                "not valid JSON for the requested type at `hosts[1]`: expected a string at line 1 column 29",
            ),
            (
                "s3cr3t",
                "not valid JSON for the requested type at the top level: expected value at line 1 column 1",
            ),
            (
                "",
                "not valid JSON for the requested type at the top level: EOF while parsing a value at line 1 column 0",
            ),
            (
                r#"{"size": 1, "hosts": []} s3cr3t"#,
                "not valid JSON for the requested type at the top level: trailing characters at line 1 column 26",
            ),
            (
                r#"{"size": 1}"#,
                "not valid JSON for the requested type at the top level: missing field `hosts` at line 1 column 11",
            ),
        ];
        for (input, expected) in rows {
            let got = problem(input);
            assert_eq!(got, expected, "input {input:?}");
            assert!(!got.contains("s3cr3t"));
        }
    }
}
