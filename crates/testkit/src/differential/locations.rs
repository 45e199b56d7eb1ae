//! The key → store location differential every provider crate runs: each generated kwargs set is built
//! by Airflow's backend class and by ours, then each of its keys is looked up as a connection, a
//! variable or a config key in turn, and the first name Airflow's backend asked its store for is
//! compared with ours.

use airflow_secrets_core::SecretKind;
use serde_json::{Map, Value, json};

use super::Report;

/// The kind of each key, in turn: key `i` of a kwargs set is looked up as `KINDS[i % 3]`.
pub const KINDS: [(SecretKind, &str); 3] = [
    (SecretKind::Connection, "connection"),
    (SecretKind::Variable, "variable"),
    (SecretKind::Config, "config"),
];

/// The input of a provider's Airflow script: the kwargs texts of the acceptance differential and each
/// kwargs set with its keys, each key paired with its kind's name (`[["connection", key], ...]`).
pub fn locations_input(cases: &[(Value, Vec<String>)], kwargs_texts: &[String]) -> Value {
    json!({
        "kwargs_cases": kwargs_texts,
        "cases": cases.iter().map(|(kwargs, keys)| json!({
            "kwargs": kwargs,
            "keys": keys
                .iter()
                .enumerate()
                .map(|(i, key)| json!([KINDS[i % 3].1, key]))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Airflow's answer for one key (`{"names": [...]}` or `{"error": "..."}`): the first name its backend
/// asked its store for (`None`: it asked for nothing), or the error it raised.
pub fn first_name_asked(answer: &Value) -> Result<Option<String>, String> {
    match answer.get("names") {
        Some(names) => Ok(names
            .as_array()
            .expect("`names` is a list")
            .first()
            .map(|n| n.as_str().expect("a name is a string").to_owned())),
        None => Err(answer["error"].as_str().unwrap_or_default().to_owned()),
    }
}

/// Compares one provider's locations with Airflow's `answers` (one `{"refused": ...}` or
/// `{"answers": [...]}` per kwargs set of `cases`). A kwargs set refused by one side only is a
/// disagreement; for the others, `ours(backend, kind, key, airflow, report)` gives our name for the key
/// — or `None` when it recorded the case itself as a known class (`report.known`).
pub fn compare_locations<B, E>(
    report: &mut Report,
    cases: &[(Value, Vec<String>)],
    answers: &Value,
    build: impl Fn(&Map<String, Value>) -> Result<B, E>,
    mut ours: impl FnMut(
        &B,
        SecretKind,
        &str,
        &Result<Option<String>, String>,
        &mut Report,
    ) -> Option<Option<String>>,
) {
    let answers = answers.as_array().expect("one answer per kwargs set");
    for ((kwargs, keys), airflow) in cases.iter().zip(answers) {
        let backend = match (
            build(kwargs.as_object().expect("kwargs are an object")),
            airflow.get("refused"),
        ) {
            (Ok(backend), None) => backend,
            (built, refused) => {
                report.compare(
                    kwargs,
                    &refused.map(|_| "refused"),
                    &built.err().map(|_| "refused"),
                );
                continue;
            }
        };
        let per_key = airflow["answers"].as_array().expect("one answer per key");
        for (i, (key, airflow)) in keys.iter().zip(per_key).enumerate() {
            let (kind, name) = KINDS[i % 3];
            let airflow = first_name_asked(airflow);
            if let Some(mine) = ours(&backend, kind, key, &airflow, report) {
                report.compare(&(kwargs, name, key), &airflow, &Ok(mine));
            }
        }
    }
}

/// Every kwarg Airflow's constructor (`airflow_signature`) or ours knows; ours are read from the error
/// `build` gives for an unknown kwarg.
pub fn known_kwargs<B, E: std::fmt::Display>(
    build: impl Fn(&Map<String, Value>) -> Result<B, E>,
    airflow_signature: &[&str],
) -> Vec<String> {
    let unknown = json!({ "\u{1}": 1 });
    let error = match build(unknown.as_object().expect("an object")) {
        Ok(_) => panic!("an unknown kwarg was accepted"),
        Err(e) => e.to_string(),
    };
    let mut known = super::accepted_kwargs(&error);
    known.extend(airflow_signature.iter().map(|k| (*k).to_owned()));
    known
}
