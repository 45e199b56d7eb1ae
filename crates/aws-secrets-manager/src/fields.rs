//! Connections stored as a JSON object of fields, with the key aliases of Airflow's
//! `SecretsManagerBackend._standardize_secret_keys`: the secret is parsed, each connection field takes
//! the value of the first key (in the secret's order) that is one of its words, and the result is
//! written back as JSON — `{"login": ..., "password": ..., "host": ..., "port": ..., "schema": ...,
//! "conn_type": ..., "extra": ...}`, a missing field as `null` — which Airflow then reads with
//! `Connection.from_json`, like any JSON connection.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The connection fields in Airflow's order, each with its default words.
const DEFAULT_WORDS: [(&str, &[&str]); 7] = [
    ("login", &["login", "user", "username", "user_name"]),
    ("password", &["password", "pass", "key"]),
    ("host", &["host", "remote_host", "server"]),
    ("port", &["port"]),
    ("schema", &["database", "schema"]),
    (
        "conn_type",
        &["conn_type", "conn_id", "connection_type", "engine"],
    ),
    ("extra", &["extra"]),
];

/// The words that name each connection field: Airflow's, plus `extra_conn_words`.
#[derive(Debug, Clone)]
pub(crate) struct FieldWords {
    fields: Vec<(&'static str, Vec<String>)>,
}

impl FieldWords {
    /// Airflow's words extended by `extra` (`extra_conn_words`). `Err` names a key that is not a
    /// connection field: Airflow raises a `KeyError` for it at the first JSON connection it reads.
    pub(crate) fn new(extra: Option<&BTreeMap<String, Vec<String>>>) -> Result<FieldWords, String> {
        let mut fields: Vec<(&'static str, Vec<String>)> = DEFAULT_WORDS
            .iter()
            .map(|(field, words)| (*field, words.iter().map(|w| (*w).to_owned()).collect()))
            .collect();
        for (field, words) in extra.into_iter().flatten() {
            // `user` is Airflow's backwards-compatible name for `login`.
            let field = if field == "user" { "login" } else { field };
            let Some((_, list)) = fields.iter_mut().find(|(f, _)| *f == field) else {
                return Err(format!(
                    "`{field}` is not a connection field; the keys are login (or user), password, \
                     host, port, schema, conn_type and extra"
                ));
            };
            list.extend(words.iter().cloned());
        }
        Ok(FieldWords { fields })
    }

    /// The standardised JSON text of a secret that is a JSON object (Airflow: `json.loads`, the key
    /// aliases, `json.dumps`). `Err` says why the text is not a JSON object, without quoting it.
    pub(crate) fn standardize(&self, secret: &str) -> Result<String, String> {
        let parsed: Value = serde_json::from_str(secret).map_err(|e| {
            format!(
                "the secret starts with `{{` but is not valid JSON (line {}, column {}: {})",
                e.line(),
                e.column(),
                match e.classify() {
                    serde_json::error::Category::Syntax => "syntax error",
                    serde_json::error::Category::Eof => "unexpected end",
                    _ => "invalid value",
                }
            )
        })?;
        let Value::Object(secret) = parsed else {
            return Err("the secret starts with `{` but is not a JSON object".to_owned());
        };
        let mut standardized = Map::new();
        for (field, words) in &self.fields {
            let value = secret
                .iter()
                .find(|(key, _)| words.iter().any(|w| w == *key))
                .map_or(Value::Null, |(_, value)| value.clone());
            standardized.insert((*field).to_owned(), value);
        }
        Ok(airflow_secrets_core::pyjson::dumps(&standardized))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standardize(secret: &str) -> String {
        FieldWords::new(None).unwrap().standardize(secret).unwrap()
    }

    /// Every alias of the provider's word lists, as amazon 9.39.0's `_standardize_secret_keys` maps them
    /// (the CLI suite compares the same kind of secrets with the real backend).
    #[test]
    fn aliases_map_onto_airflows_fields() {
        assert_eq!(
            standardize(
                r#"{"user": "airflow", "pass": "airflow", "host": "localhost", "port": 5432,
                    "database": "airflow", "engine": "postgresql"}"#
            ),
            r#"{"login": "airflow", "password": "airflow", "host": "localhost", "port": 5432, "schema": "airflow", "conn_type": "postgresql", "extra": null}"#
        );
        assert_eq!(
            standardize(
                r#"{"username": "u", "key": "k", "server": "s", "schema": "d", "conn_id": "mysql",
                    "extra": {"a": 1}}"#
            ),
            r#"{"login": "u", "password": "k", "host": "s", "port": null, "schema": "d", "conn_type": "mysql", "extra": {"a": 1}}"#
        );
        assert_eq!(
            standardize(
                r#"{"user_name": "u", "remote_host": "h", "connection_type": "http", "extra": "{\"x\": true}"}"#
            ),
            r#"{"login": "u", "password": null, "host": "h", "port": null, "schema": null, "conn_type": "http", "extra": "{\"x\": true}"}"#
        );
        assert_eq!(
            standardize("{}"),
            r#"{"login": null, "password": null, "host": null, "port": null, "schema": null, "conn_type": null, "extra": null}"#
        );
    }

    #[test]
    fn the_first_matching_key_in_the_secrets_order_wins_and_others_are_dropped() {
        // Python iterates the dict in insertion order: `user` comes before `login` here.
        let s =
            standardize(r#"{"user": "first", "login": "second", "unrelated": "x", "Login": "y"}"#);
        assert!(
            s.starts_with(r#"{"login": "first", "password": null"#),
            "{s}"
        );
        assert!(!s.contains("unrelated") && !s.contains("second"), "{s}");
        // A repeated key keeps its first position and its last value, as Python's dict does.
        let s = standardize(r#"{"host": "a", "server": "b", "host": "c"}"#);
        assert!(s.contains(r#""host": "c""#), "{s}");
    }

    #[test]
    fn extra_conn_words_extend_the_fields_and_user_means_login() {
        let extra: BTreeMap<String, Vec<String>> = [
            ("user".to_owned(), vec!["principal".to_owned()]),
            ("password".to_owned(), vec!["secret".to_owned()]),
            ("conn_type".to_owned(), vec!["kind".to_owned()]),
        ]
        .into();
        let words = FieldWords::new(Some(&extra)).unwrap();
        assert_eq!(
            words
                .standardize(r#"{"principal": "p", "secret": "s", "kind": "postgres"}"#)
                .unwrap(),
            r#"{"login": "p", "password": "s", "host": null, "port": null, "schema": null, "conn_type": "postgres", "extra": null}"#
        );
    }

    #[test]
    fn an_extra_word_list_for_no_field_is_refused() {
        let extra: BTreeMap<String, Vec<String>> =
            [("hostname".to_owned(), vec!["h".to_owned()])].into();
        let err = FieldWords::new(Some(&extra)).unwrap_err();
        assert!(
            err.starts_with("`hostname` is not a connection field"),
            "{err}"
        );
    }

    #[test]
    fn values_keep_their_json_types_and_pythons_spelling() {
        let s = standardize(r#"{"port": "5432", "extra": {"n": 1.0, "u": "é", "big": 1e16}}"#);
        assert!(
            s.ends_with(r#""port": "5432", "schema": null, "conn_type": null, "extra": {"n": 1.0, "u": "\u00e9", "big": 1e+16}}"#),
            "{s}"
        );
    }

    #[test]
    fn not_json_or_not_an_object_is_an_error_without_the_secret() {
        let words = FieldWords::new(None).unwrap();
        for bad in [
            r#"{"password": "s3cr3t""#,
            r#"{password: "s3cr3t"}"#,
            "{NaN}",
        ] {
            let err = words.standardize(bad).unwrap_err();
            assert!(
                err.contains("not valid JSON") && !err.contains("s3cr3t"),
                "{err}"
            );
        }
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// Keys drawn from every field's words and from names that are no field's.
        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                proptest::sample::select(
                    DEFAULT_WORDS
                        .iter()
                        .flat_map(|(_, w)| w.iter().copied())
                        .collect::<Vec<_>>()
                )
                .prop_map(str::to_owned),
                "[a-zA-Z_]{1,8}",
            ]
        }

        fn value() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::String),
                proptest::collection::btree_map("[a-z]{1,4}", any::<i32>(), 0..3)
                    .prop_map(|m| serde_json::to_value(m).unwrap()),
            ]
        }

        proptest! {
            /// Any text is an answer or an error, never a panic.
            #[test]
            fn any_text_is_standardised_or_refused(text in "\\{\\PC{0,64}") {
                let _ = FieldWords::new(None).unwrap().standardize(&text);
            }

            /// Generated secrets: the seven fields in Airflow's order, each the value of the first key
            /// (in the secret's order) among its words, else null.
            #[test]
            fn every_field_is_its_first_words_value(pairs in proptest::collection::vec((key(), value()), 0..10)) {
                let mut secret = Map::new();
                for (k, v) in &pairs {
                    secret.insert(k.clone(), v.clone());
                }
                let text = serde_json::to_string(&Value::Object(secret.clone())).unwrap();
                let out: Map<String, Value> =
                    serde_json::from_str(&FieldWords::new(None).unwrap().standardize(&text).unwrap()).unwrap();
                let fields: Vec<&str> = out.keys().map(String::as_str).collect();
                prop_assert_eq!(fields, vec!["login", "password", "host", "port", "schema", "conn_type", "extra"]);
                for (field, words) in DEFAULT_WORDS {
                    let expected = secret
                        .iter()
                        .find(|(k, _)| words.contains(&k.as_str()))
                        .map_or(Value::Null, |(_, v)| v.clone());
                    prop_assert_eq!(&out[field], &expected, "{}", field);
                }
            }
        }
    }
}
