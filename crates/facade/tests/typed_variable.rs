//! `Secrets::variable_json`: Airflow's `Variable.get(key, deserialize_json=True)` into a Rust type.

mod common;

use std::collections::BTreeMap;

use airflow_secrets::{CacheSettings, EnvironmentVariablesBackend, Error, Secrets};
use serde_json::{Value, json};

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Pool {
    size: u32,
    hosts: Vec<String>,
    #[serde(default)]
    tls: bool,
}

async fn secrets_with(vars: &[(&str, &str)]) -> Secrets {
    Secrets::builder()
        .environment(EnvironmentVariablesBackend::from_vars(vars.iter().copied()))
        .cache(CacheSettings::default())
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn round_trips_structs_maps_and_scalars() {
    let secrets = secrets_with(&[
        (
            "AIRFLOW_VAR_POOL",
            r#"{"size": 4, "hosts": ["a", "b"], "tls": true}"#,
        ),
        ("AIRFLOW_VAR_LIMITS", r#"{"cpu": 2, "mem": 512}"#),
        ("AIRFLOW_VAR_NUMBER", " 42\n"),
        ("AIRFLOW_VAR_TEXT", r#""quoted""#),
        ("AIRFLOW_VAR_NULL", "null"),
    ])
    .await;
    assert_eq!(
        secrets.variable_json::<Pool>("pool").await.unwrap(),
        Some(Pool {
            size: 4,
            hosts: vec!["a".into(), "b".into()],
            tls: true
        })
    );
    // A second read is a cache hit of the raw value, parsed again.
    assert!(secrets.variable_lookup("pool").await.unwrap().cached);
    assert_eq!(
        secrets
            .variable_json::<Pool>("pool")
            .await
            .unwrap()
            .unwrap()
            .size,
        4
    );
    assert_eq!(
        secrets
            .variable_json::<BTreeMap<String, u64>>("limits")
            .await
            .unwrap(),
        Some(BTreeMap::from([("cpu".into(), 2), ("mem".into(), 512)]))
    );
    assert_eq!(
        secrets.variable_json::<i64>("number").await.unwrap(),
        Some(42)
    );
    assert_eq!(
        secrets.variable_json::<String>("text").await.unwrap(),
        Some("quoted".into())
    );
    // `json.loads("null")` is None: the key exists, its JSON is null.
    assert_eq!(
        secrets.variable_json::<Option<u8>>("null").await.unwrap(),
        Some(None)
    );
    assert_eq!(
        secrets.variable_json::<Value>("pool").await.unwrap(),
        Some(json!({"size": 4, "hosts": ["a", "b"], "tls": true}))
    );
}

#[tokio::test]
async fn a_missing_key_is_none() {
    let secrets = secrets_with(&[]).await;
    assert_eq!(secrets.variable_json::<Pool>("absent").await.unwrap(), None);
}

/// Each row: the stored value, the full error text. The secret-looking parts must never show.
#[tokio::test]
async fn wrong_json_names_backend_key_and_path_never_the_value() {
    let rows = [
        (
            r#"{"size": "hunter2", "hosts": []}"#,
            "EnvironmentVariablesBackend: the stored variable `pool` is malformed: not valid JSON for the \
             requested type at `size`: expected u32 at line 1 column 18",
        ),
        (
            r#"{"size": 1, "hosts": [{"pw": "hunter2"}]}"#,
            "EnvironmentVariablesBackend: the stored variable `pool` is malformed: not valid JSON for the \
             requested type at `hosts[0]`: expected a string at line 1 column 22",
        ),
        (
            "hunter2",
            "EnvironmentVariablesBackend: the stored variable `pool` is malformed: not valid JSON for the \
             requested type at the top level: expected value at line 1 column 1",
        ),
        (
            r#"{"size": 1, "hosts": [], "tls": "hunter2"}"#,
            "EnvironmentVariablesBackend: the stored variable `pool` is malformed: not valid JSON for the \
             requested type at `tls`: expected a boolean at line 1 column 41",
        ),
    ];
    for (stored, expected) in rows {
        let secrets = secrets_with(&[("AIRFLOW_VAR_POOL", stored)]).await;
        let err = secrets.variable_json::<Pool>("pool").await.unwrap_err();
        assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
        assert_eq!(err.to_string(), expected, "stored {stored:?}");
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }
}

/// `json.loads("")` raises in Airflow: an empty variable is found, and malformed as JSON.
#[tokio::test]
async fn an_empty_value_is_malformed_json() {
    let secrets = secrets_with(&[("AIRFLOW_VAR_EMPTY", "")]).await;
    let err = secrets.variable_json::<Value>("empty").await.unwrap_err();
    assert_eq!(err.code(), "malformed_secret");
    assert!(err.to_string().contains("`empty`"), "{err}");
}
