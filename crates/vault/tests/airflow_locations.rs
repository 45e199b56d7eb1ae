//! Differential: where a lookup reads (the request URLs, in order) by our `VaultBackend` and by
//! Airflow's (hashicorp 4.8.4), built from the same generated kwargs and asked for the same generated
//! keys. Airflow runs in one Python process for the whole batch, its HTTP session answering every
//! request with a 404 (nothing leaves the process): the URLs it would have sent are recorded.
//!
//! Half of the kwargs sets run as a multi-team deployment (`[core] multi_team = True`), their keys
//! looked up for a generated team or none: team-scoped base paths and the guard of the shared ones.
//!
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100 times the cases; `AIRFLOW_SECRETS_DIFF_SEED` replays one.

use airflow_secrets_core::SecretKind;
use airflow_secrets_testkit::airflow;
use airflow_secrets_testkit::differential::{
    Generator, PY_ACCEPTS, Report, compare_kwargs, edge_key, edge_prefix, known_kwargs,
    kwargs_cases, scale,
};
use airflow_secrets_vault::{EnvSnapshot, VaultBackend};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Records the URL of every request Airflow's Vault client prepares and answers it with a 404.
const AIRFLOW_SCRIPT: &str = r#"
import logging, os, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import requests
seen = []
def record(self, request, **kwargs):
    seen.append(request.url)
    response = requests.Response()
    response.status_code = 404
    response._content = b'{"errors": []}'
    response.url = request.url
    response.request = request
    return response
requests.Session.send = record
from airflow.providers.hashicorp.secrets.vault import VaultBackend
ACCEPTS
out = []
for case in data["cases"]:
    try:
        backend = VaultBackend(**case["kwargs"])
    except Exception as e:
        out.append({"refused": f"{type(e).__name__}: {e}"})
        continue
    # Read by the backend at each lookup (conf.getboolean), as in a deployment's environment.
    os.environ["AIRFLOW__CORE__MULTI_TEAM"] = "True" if case["multi_team"] else "False"
    getters = {
        "connection": lambda key, team: backend.get_conn_value(key, team_name=team),
        "variable": lambda key, team: backend.get_variable(key, team_name=team),
        "config": lambda key, team: backend.get_config(key),
    }
    answers = []
    for kind, key, team in case["keys"]:
        seen.clear()
        try:
            getters[kind](key, team)
            answers.append({"urls": list(seen)})
        except Exception as e:
            answers.append({"error": f"{type(e).__name__}: {e}"})
    out.append({"answers": answers})
kwargs = [accepts(VaultBackend, text) for text in data["kwargs_cases"]]
print(json.dumps({"locations": out, "kwargs": kwargs}))
"#;

/// The kwargs of Airflow's `VaultBackend` constructor (hashicorp 4.8.4); the others go to hvac.
const AIRFLOW_SIGNATURE: &[&str] = &[
    "connections_path",
    "variables_path",
    "config_path",
    "use_team_secrets_path",
    "global_secrets_path",
    "url",
    "auth_type",
    "auth_mount_point",
    "mount_point",
    "kv_engine_version",
    "token",
    "token_path",
    "username",
    "password",
    "key_id",
    "secret_id",
    "role_id",
    "assume_role_kwargs",
    "region",
    "kubernetes_role",
    "kubernetes_jwt_path",
    "gcp_key_path",
    "gcp_keyfile_dict",
    "gcp_scopes",
    "azure_tenant_id",
    "azure_resource",
    "radius_host",
    "radius_secret",
    "radius_port",
    "jwt_role",
    "jwt_token",
    "jwt_token_path",
];

const URL: &str = "http://127.0.0.1:1";

/// A kwarg that is left out (`None`), or given as this JSON value.
fn optional(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![1 => Just(None), 3 => value.prop_map(Some)]
}

/// A base path kwarg: null, one path, or a list of paths (empty included).
fn base_paths() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        3 => edge_prefix().prop_map(Value::from),
        2 => proptest::collection::vec(edge_prefix(), 0..4).prop_map(Value::from),
    ]
}

/// Token-auth kwargs with generated mounts, engine versions, base paths and global path.
fn kwargs() -> impl Strategy<Value = Value> {
    let mount = prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("secret")),
        Just(json!("/kv/")),
        Just(json!("a/b")),
        edge_prefix().prop_map(Value::from),
    ];
    let global = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        2 => edge_prefix().prop_map(|p| Some(Value::from(p))),
    ];
    (
        optional(mount),
        optional(prop_oneof![Just(json!(1)), Just(json!(2))]),
        optional(base_paths()),
        optional(base_paths()),
        optional(base_paths()),
        global,
    )
        .prop_map(|(mount, version, conns, vars, config, global)| {
            let mut map = Map::new();
            map.insert("url".into(), json!(URL));
            map.insert("token".into(), json!("t"));
            for (name, value) in [
                ("mount_point", mount),
                ("kv_engine_version", version),
                ("connections_path", conns),
                ("variables_path", vars),
                ("config_path", config),
                ("global_secrets_path", global),
            ] {
                if let Some(value) = value {
                    map.insert(name.into(), value);
                }
            }
            Value::Object(map)
        })
}

/// The team a lookup is made for: none, a plain name, or an edge key (separators, `/`, dots, ...).
fn team() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        2 => "[a-z][a-z0-9_-]{0,8}".prop_map(Some),
        1 => edge_key().prop_map(Some),
    ]
}

fn kind_name(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Connection => "connection",
        SecretKind::Variable => "variable",
        SecretKind::Config => "config",
    }
}

/// What a lookup reads, ours: the URLs as reqwest sends them (parsed), or the refusal.
async fn our_urls(
    backend: &VaultBackend,
    kind: SecretKind,
    key: &str,
    team: Option<&str>,
) -> Result<Vec<String>, String> {
    match backend.read_urls_for_team(kind, key, team).await {
        Ok(urls) => Ok(urls
            .iter()
            .map(|u| {
                url::Url::parse(u)
                    .map(String::from)
                    .unwrap_or_else(|e| format!("unparsable {u}: {e}"))
            })
            .collect()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn locations_and_kwargs_acceptance_agree_with_airflow() {
    let mut generator = Generator::new();
    let (sets, keys_per_set) = (60 * scale(), 60);
    type Keys = Vec<(SecretKind, String, Option<String>)>;
    let cases: Vec<(Value, bool, Keys)> = generator
        .many(kwargs(), sets)
        .into_iter()
        .enumerate()
        .map(|(set, kwargs)| {
            let kinds = [
                SecretKind::Connection,
                SecretKind::Variable,
                SecretKind::Config,
            ];
            let multi_team = set % 2 == 1;
            let keys = generator.many(edge_key(), keys_per_set);
            let teams = generator.many(team(), keys_per_set);
            let keys = keys
                .into_iter()
                .zip(teams)
                .enumerate()
                .map(|(i, (key, team))| (kinds[i % 3], key, team.filter(|_| multi_team)))
                .collect();
            (kwargs, multi_team, keys)
        })
        .collect();
    let base = json!({ "url": URL, "token": "t" });
    let kwargs_texts = kwargs_cases(
        &mut generator,
        &base,
        &known_kwargs(
            |kwargs| VaultBackend::from_kwargs_with_env(kwargs, &EnvSnapshot::empty()),
            AIRFLOW_SIGNATURE,
        ),
        1000 * scale(),
    );
    let input = json!({ "cases": cases.iter().map(|(kwargs, multi_team, keys)| json!({
        "kwargs": kwargs,
        "multi_team": multi_team,
        "keys": keys.iter().map(|(kind, key, team)| json!([kind_name(*kind), key, team])).collect::<Vec<_>>(),
    })).collect::<Vec<_>>(), "kwargs_cases": kwargs_texts });
    let answers = airflow::run(&AIRFLOW_SCRIPT.replace("ACCEPTS", PY_ACCEPTS), &input);
    let acceptance = kwargs_acceptance(&generator, &kwargs_texts, &answers["kwargs"]);
    let answers = &answers["locations"];

    let mut report = Report::new("vault key → request URLs", &generator);
    for ((kwargs, multi_team, keys), airflow) in cases.iter().zip(answers.as_array().unwrap()) {
        let ours =
            VaultBackend::from_kwargs_with_env(kwargs.as_object().unwrap(), &EnvSnapshot::empty())
                .map(|b| b.with_multi_team(*multi_team));
        let (ours, refused) = match (ours, airflow.get("refused")) {
            (Ok(backend), None) => (backend, ()),
            (ours, refused) => {
                report.compare(
                    kwargs,
                    &refused.map(|_| "refused"),
                    &ours.err().map(|_| "refused"),
                );
                continue;
            }
        };
        let () = refused;
        for ((kind, key, team), airflow) in keys.iter().zip(airflow["answers"].as_array().unwrap())
        {
            let input = (kwargs, multi_team, kind_name(*kind), key, team);
            let airflow: Result<Vec<String>, String> = match airflow.get("urls") {
                Some(urls) => Ok(serde_json::from_value(urls.clone()).unwrap()),
                None => Err(airflow["error"].as_str().unwrap_or_default().to_owned()),
            };
            match our_urls(&ours, *kind, key, team.as_deref()).await {
                Err(e) if e.contains("path segment") => {
                    report.known("a `.`/`..` segment in the mount or path: refused, nothing sent (Airflow sends it; requests resolves plain dot segments)")
                }
                ours => report.compare(&input, &airflow, &ours),
            }
        }
    }
    report.finish();
    acceptance.finish();
}

/// Airflow's verdicts on the kwargs texts against ours.
fn kwargs_acceptance(generator: &Generator, texts: &[String], airflow: &Value) -> Report {
    let mut report = Report::new("vault kwargs acceptance", generator);
    let build = |kwargs: &Map<String, Value>| {
        VaultBackend::from_kwargs_with_env(kwargs, &EnvSnapshot::empty())
            .map(drop)
            .map_err(|e| e.to_string())
    };
    // Airflow compares `kv_engine_version` with [1, 2] as given; a per-key override is a string.
    let reverse = |text: &str, _: &str| {
        (text.contains(r#""kv_engine_version": "1""#)
            || text.contains(r#""kv_engine_version": "2""#))
        .then_some("a string for a number or boolean is read (per-key overrides are strings)")
    };
    compare_kwargs(
        &mut report,
        texts,
        airflow,
        AIRFLOW_SIGNATURE,
        build,
        reverse,
    );
    report
}
