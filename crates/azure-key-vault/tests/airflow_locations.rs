//! Differential: the secret name a lookup reads, by our backend and by Airflow's `AzureKeyVaultBackend`
//! (microsoft-azure 15.2.1), built from the same generated prefixes and `sep` and asked for the same
//! generated keys. Airflow runs in one Python process for the whole batch with a stand-in `SecretClient`
//! that records each `get_secret` name and answers `ResourceNotFoundError`.
//!
//! Keys holding the team separator (`--`, or `__` with `sep = "-"`) are generated too: without
//! `[core] multi_team` 15.2.1 looks them up like any other, as we do; a name outside
//! `[0-9a-zA-Z-]{1,127}` is not sent by either side.
//!
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100 times the cases; `AIRFLOW_SECRETS_DIFF_SEED` replays one.

use airflow_secrets_azure_key_vault::AzureKeyVaultBackend;
use airflow_secrets_testkit::airflow;
use airflow_secrets_testkit::differential::{
    Generator, PY_ACCEPTS, Report, compare_kwargs, compare_locations, edge_key, edge_prefix,
    edge_sep, known_kwargs, kwargs_cases, locations_input, scale,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const AIRFLOW_SCRIPT: &str = r#"
import logging
logging.disable(logging.CRITICAL)
from azure.core.exceptions import ResourceNotFoundError
from airflow.providers.microsoft.azure.secrets.key_vault import AzureKeyVaultBackend
seen = []
class RecordingClient:
    def get_secret(self, name):
        seen.append(name)
        raise ResourceNotFoundError("not found")
ACCEPTS
out = []
for case in data["cases"]:
    try:
        backend = AzureKeyVaultBackend(**case["kwargs"])
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
kwargs = [accepts(AzureKeyVaultBackend, text) for text in data["kwargs_cases"]]
print(json.dumps({"locations": out, "kwargs": kwargs}))
"#;

/// The kwargs of Airflow's constructor (microsoft-azure 15.2.1); the others are passed on to its client, or ours.
const AIRFLOW_SIGNATURE: &[&str] = &[
    "connections_prefix",
    "variables_prefix",
    "config_prefix",
    "vault_url",
    "sep",
    "tenant_id",
    "client_id",
    "client_secret",
    "managed_identity_client_id",
    "workload_identity_tenant_id",
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
        map.insert(
            "vault_url".into(),
            json!("https://example.vault.azure.net/"),
        );
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
fn secret_names_agree_with_airflow() {
    let mut generator = Generator::new();
    let (sets, keys_per_set) = (40 * scale(), 75);
    let cases: Vec<(Value, Vec<String>)> = generator
        .many(kwargs(), sets)
        .into_iter()
        .map(|kwargs| {
            // Half the keys from Key Vault's own alphabet (plus `_`), so that names pass the name rule.
            let keys = generator.many(prop_oneof![edge_key(), "[a-zA-Z0-9_-]{0,24}"], keys_per_set);
            (kwargs, keys)
        })
        .collect();
    let build = |kwargs: &Map<String, Value>| AzureKeyVaultBackend::from_kwargs(kwargs);
    let kwargs_texts = kwargs_cases(
        &mut generator,
        &json!({ "vault_url": "https://example.vault.azure.net/" }),
        &known_kwargs(build, AIRFLOW_SIGNATURE),
        1000 * scale(),
    );
    let input = locations_input(&cases, &kwargs_texts);
    let answers = airflow::run(&AIRFLOW_SCRIPT.replace("ACCEPTS", PY_ACCEPTS), &input);
    let mut acceptance = Report::new("azure-key-vault kwargs acceptance", &generator);
    compare_kwargs(
        &mut acceptance,
        &kwargs_texts,
        &answers["kwargs"],
        AIRFLOW_SIGNATURE,
        |kwargs| build(kwargs).map(drop).map_err(|e| e.to_string()),
        |_, _| None,
    );
    let answers = &answers["locations"];

    let mut report = Report::new("azure-key-vault key → secret name", &generator);
    compare_locations(
        &mut report,
        &cases,
        answers,
        build,
        |backend, kind, key, _, _| Some(backend.secret_name(kind, key)),
    );
    report.finish();
    acceptance.finish();
}
