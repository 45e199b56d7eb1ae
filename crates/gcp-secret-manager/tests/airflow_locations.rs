//! Differential: the secret version a lookup reads, by our backend and by Airflow's
//! `CloudSecretManagerBackend` (google 22.8.0), built from the same generated prefixes and `sep` (which
//! Airflow checks against `SECRET_ID_PATTERN` at construction) and asked for the same generated keys.
//! Airflow runs in one Python process for the whole batch, its credentials stubbed out and its client's
//! `get_secret` recording the version name it would access (and answering not found).
//!
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100 times the cases; `AIRFLOW_SECRETS_DIFF_SEED` replays one.

use airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend;
use airflow_secrets_gcp_secret_manager::names::is_mangled_in_url;
use airflow_secrets_testkit::airflow;
use airflow_secrets_testkit::differential::{
    Generator, PY_ACCEPTS, Report, compare_kwargs, compare_locations, edge_key, edge_prefix,
    edge_sep, extension_refused_by_airflow, known_kwargs, kwargs_cases, locations_input, scale,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const AIRFLOW_SCRIPT: &str = r#"
import logging
logging.disable(logging.CRITICAL)
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from airflow.providers.google.cloud._internal_client.secret_manager_client import _SecretManagerClient
from airflow.providers.google.cloud.secrets import secret_manager
secret_manager.get_credentials_and_project_id = lambda **kwargs: (None, None)
seen = []
def record(self, secret_id, project_id, secret_version="latest"):
    seen.append(SecretManagerServiceClient.secret_version_path(project_id, secret_id, secret_version))
    return None
_SecretManagerClient.get_secret = record
ACCEPTS
out = []
for case in data["cases"]:
    try:
        backend = secret_manager.CloudSecretManagerBackend(**case["kwargs"])
    except Exception as e:
        out.append({"refused": f"{type(e).__name__}: {e}"})
        continue
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
kwargs = [accepts(secret_manager.CloudSecretManagerBackend, text) for text in data["kwargs_cases"]]
print(json.dumps({"locations": out, "kwargs": kwargs}))
"#;

/// The kwargs of Airflow's constructor (google 22.8.0); the others are passed on to its client, or ours.
const AIRFLOW_SIGNATURE: &[&str] = &[
    "connections_prefix",
    "variables_prefix",
    "config_prefix",
    "gcp_keyfile_dict",
    "gcp_key_path",
    "gcp_credential_config_file",
    "gcp_scopes",
    "project_id",
    "sep",
    "impersonation_chain",
];

/// Generated prefixes (left out, null, or a string at the edges) and `sep`.
fn kwargs() -> impl Strategy<Value = Value> {
    let prefix = || {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            4 => edge_prefix().prop_map(|p| Some(Value::from(p))),
        ]
    };
    let sep = prop_oneof![1 => Just(None), 3 => edge_sep().prop_map(|s| Some(Value::from(s)))];
    (prefix(), prefix(), prefix(), sep).prop_map(|(conns, vars, config, sep)| {
        let mut map = Map::new();
        map.insert("project_id".into(), json!("proj"));
        for (name, value) in [
            ("connections_prefix", conns),
            ("variables_prefix", vars),
            ("config_prefix", config),
            ("sep", sep),
        ] {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        }
        Value::Object(map)
    })
}

#[test]
fn secret_versions_agree_with_airflow() {
    let mut generator = Generator::new();
    let (sets, keys_per_set) = (80 * scale(), 80);
    let cases: Vec<(Value, Vec<String>)> = generator
        .many(kwargs(), sets)
        .into_iter()
        .map(|kwargs| (kwargs, generator.many(edge_key(), keys_per_set)))
        .collect();
    let build = |kwargs: &Map<String, Value>| CloudSecretManagerBackend::from_kwargs(kwargs);
    let kwargs_texts = kwargs_cases(
        &mut generator,
        &json!({ "project_id": "proj" }),
        &known_kwargs(build, AIRFLOW_SIGNATURE),
        1000 * scale(),
    );
    let input = locations_input(&cases, &kwargs_texts);
    let answers = airflow::run(&AIRFLOW_SCRIPT.replace("ACCEPTS", PY_ACCEPTS), &input);
    let mut acceptance = Report::new("gcp-secret-manager kwargs acceptance", &generator);
    compare_kwargs(
        &mut acceptance,
        &kwargs_texts,
        &answers["kwargs"],
        AIRFLOW_SIGNATURE,
        |kwargs| build(kwargs).map(drop).map_err(|e| e.to_string()),
        |_, airflow| {
            extension_refused_by_airflow(airflow).or_else(|| {
                // Airflow runs `google.auth.default()` in its constructor (no metadata server here).
                airflow.contains("Project ID could not be determined").then_some(
                    "no project_id with application-default credentials: asked of the metadata server at the first lookup (Airflow asks at construction)",
                )
            })
        },
    );
    let answers = &answers["locations"];

    let mut report = Report::new("gcp-secret-manager key → secret version", &generator);
    compare_locations(
        &mut report,
        &cases,
        answers,
        build,
        |backend, kind, key, _, report| {
            let id = backend
                .secret_id(kind, key)
                .filter(|_| backend.is_looked_up(kind, key));
            if id.as_deref().is_some_and(is_mangled_in_url) {
                // Airflow sends it and Secret Manager answers INVALID_ARGUMENT: None either way.
                report.known("an id the URL would change (`%`, `\\`, control, `.`/`..`): not sent, answered as Airflow's INVALID_ARGUMENT (None)");
                return None;
            }
            Some(id.and_then(|_| backend.version_name(kind, key)))
        },
    );
    report.finish();
    acceptance.finish();
}
