//! Differential: the parameter name a lookup reads, by our backend and by Airflow's
//! `SystemsManagerParameterStoreBackend` (amazon 9.39.0), built from the same generated prefixes and
//! asked for the same generated keys. Airflow runs in one Python process for the whole batch with a
//! stand-in SSM client that records each `GetParameter` name and answers `ParameterNotFound`.
//!
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100 times the cases; `AIRFLOW_SECRETS_DIFF_SEED` replays one.

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_testkit::airflow;
use airflow_secrets_testkit::differential::{
    Generator, PY_ACCEPTS, Report, compare_kwargs, compare_locations, edge_key, edge_prefix,
    known_kwargs, kwargs_cases, locations_input, scale,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const AIRFLOW_SCRIPT: &str = r#"
import logging
logging.disable(logging.CRITICAL)
from airflow.providers.amazon.aws.secrets.systems_manager import SystemsManagerParameterStoreBackend
seen = []
class NotFound(Exception):
    pass
class RecordingClient:
    class exceptions:
        ParameterNotFound = NotFound
    def get_parameter(self, Name, WithDecryption):
        seen.append(Name)
        raise NotFound()
ACCEPTS
out = []
for case in data["cases"]:
    try:
        backend = SystemsManagerParameterStoreBackend(**case["kwargs"])
    except Exception as e:
        out.append({"refused": f"{type(e).__name__}: {e}"})
        continue
    backend.__dict__["client"] = RecordingClient()
    getters = {"connection": backend.get_conn_value, "variable": backend.get_variable, "config": backend.get_config}
    answers = []
    for kind, key in case["keys"]:
        seen.clear()
        try:
            getters[kind](key)
            answers.append({"names": list(seen)})
        except Exception as e:
            answers.append({"error": f"{type(e).__name__}: {e}"})
    out.append({"answers": answers})
kwargs = [accepts(SystemsManagerParameterStoreBackend, text) for text in data["kwargs_cases"]]
print(json.dumps({"locations": out, "kwargs": kwargs}))
"#;

/// The kwargs of Airflow's constructor (amazon 9.39.0); the others are passed on to its client, or ours.
const AIRFLOW_SIGNATURE: &[&str] = &[
    "connections_prefix",
    "connections_lookup_pattern",
    "variables_prefix",
    "variables_lookup_pattern",
    "config_prefix",
    "config_lookup_pattern",
];

/// Generated prefixes (left out, null, or a string at the edges).
fn kwargs() -> impl Strategy<Value = Value> {
    let prefix = || {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            4 => edge_prefix().prop_map(|p| Some(Value::from(p))),
        ]
    };
    (prefix(), prefix(), prefix()).prop_map(|(conns, vars, config)| {
        let mut map = Map::new();
        map.insert("region_name".into(), json!("us-east-1"));
        for (name, value) in [
            ("connections_prefix", conns),
            ("variables_prefix", vars),
            ("config_prefix", config),
        ] {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        }
        Value::Object(map)
    })
}

#[test]
fn parameter_names_agree_with_airflow() {
    let mut generator = Generator::new();
    let (sets, keys_per_set) = (40 * scale(), 75);
    let cases: Vec<(Value, Vec<String>)> = generator
        .many(kwargs(), sets)
        .into_iter()
        .map(|kwargs| (kwargs, generator.many(edge_key(), keys_per_set)))
        .collect();
    let build =
        |kwargs: &Map<String, Value>| SystemsManagerParameterStoreBackend::from_kwargs(kwargs);
    let kwargs_texts = kwargs_cases(
        &mut generator,
        &json!({ "region_name": "us-east-1" }),
        &known_kwargs(build, AIRFLOW_SIGNATURE),
        1000 * scale(),
    );
    let input = locations_input(&cases, &kwargs_texts);
    let answers = airflow::run(&AIRFLOW_SCRIPT.replace("ACCEPTS", PY_ACCEPTS), &input);
    let mut acceptance = Report::new("aws-ssm kwargs acceptance", &generator);
    compare_kwargs(
        &mut acceptance,
        &kwargs_texts,
        &answers["kwargs"],
        AIRFLOW_SIGNATURE,
        |kwargs| build(kwargs).map(drop).map_err(|e| e.to_string()),
        |_, _| None,
    );
    let answers = &answers["locations"];

    let mut report = Report::new("aws-ssm key → parameter name", &generator);
    compare_locations(
        &mut report,
        &cases,
        answers,
        build,
        |backend, kind, key, _, _| Some(backend.parameter_name(kind, key)),
    );
    report.finish();
    acceptance.finish();
}
