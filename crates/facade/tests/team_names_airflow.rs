//! Team-scoped names against the real Airflow (the pinned releases) with `[core] multi_team = True`: for
//! a generated table of (kind, team, key), the names each backend asks its store for — the team's name
//! first, then the shared one, nothing for a refused key — computed by Airflow's own backend objects
//! (`tests/data/team_names.py`, one Python run for the whole table) and by ours.
#![cfg(all(
    feature = "aws-ssm",
    feature = "aws-secrets-manager",
    feature = "gcp-secret-manager",
    feature = "azure-key-vault"
))]

use airflow_secrets::aws_secrets_manager::SecretsManagerBackend;
use airflow_secrets::aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets::azure_key_vault::AzureKeyVaultBackend;
use airflow_secrets::gcp_secret_manager::CloudSecretManagerBackend;
use airflow_secrets::{EnvironmentVariablesBackend, SecretKind};
use airflow_secrets_testkit::airflow;
use serde_json::json;

const SCRIPT: &str = include_str!("data/team_names.py");

/// Keys built from the pieces that matter to the names: separators (`_`, `-`, `--`, `___`, `/`, `.`),
/// case, digits, a non-ASCII letter, a space.
fn keys() -> Vec<String> {
    let pieces = [
        "a", "B", "_", "-", "--", "___", "/", ".", "9", "ß", " ", "__",
    ];
    let mut keys: Vec<String> = pieces.iter().map(|p| format!("k{p}")).collect();
    for first in pieces {
        for second in pieces {
            keys.push(format!("{first}x{second}y"));
        }
    }
    keys.extend(
        [
            "smtp_default",
            "my-key",
            "MixedCase_Key",
            "a--b",
            "team_a___x",
            "",
            "_",
        ]
        .map(String::from),
    );
    keys
}

const TEAMS: [Option<&str>; 5] = [None, Some("team_a"), Some("Team-B"), Some("t--x"), Some("")];

fn kind_name(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Connection => "connection",
        SecretKind::Variable => "variable",
        SecretKind::Config => "config",
    }
}

/// What our backend asks for: the team's name (when it tries one), then the shared one.
fn ours(team: Option<String>, shared: Option<String>) -> Vec<String> {
    team.into_iter().chain(shared).collect()
}

#[test]
fn team_scoped_names_match_airflow_with_multi_team_on() {
    let kwargs = json!({
        "env": {},
        "ssm": {"region_name": "us-east-1"},
        "secrets_manager": {"region_name": "us-east-1"},
        "gcp": {"project_id": "proj"},
        "azure": {"vault_url": "https://example.vault.azure.net/"},
    });
    let ssm = SystemsManagerParameterStoreBackend::from_kwargs(kwargs["ssm"].as_object().unwrap())
        .unwrap()
        .with_multi_team(true);
    let sm = SecretsManagerBackend::from_kwargs(kwargs["secrets_manager"].as_object().unwrap())
        .unwrap()
        .with_multi_team(true);
    let gcp = CloudSecretManagerBackend::from_kwargs(kwargs["gcp"].as_object().unwrap())
        .unwrap()
        .with_multi_team(true);
    let azure = AzureKeyVaultBackend::from_kwargs(kwargs["azure"].as_object().unwrap())
        .unwrap()
        .with_multi_team(true);

    let mut cases = Vec::new();
    let mut expected: Vec<Vec<String>> = Vec::new();
    for key in keys() {
        for team in TEAMS {
            for kind in SecretKind::ALL {
                let t = team.unwrap_or("");
                let k = key.as_str();
                let answers = [
                    ("env", {
                        let guarded = k.contains("___");
                        if kind == SecretKind::Config || guarded {
                            vec![]
                        } else {
                            ours(
                                EnvironmentVariablesBackend::team_env_var_name(kind, t, k),
                                EnvironmentVariablesBackend::env_var_name(kind, k),
                            )
                        }
                    }),
                    (
                        "ssm",
                        ours(
                            ssm.team_parameter_name(kind, t, k),
                            ssm.parameter_name(kind, k),
                        ),
                    ),
                    (
                        "secrets_manager",
                        ours(sm.team_secret_name(kind, t, k), sm.secret_name(kind, k)),
                    ),
                    (
                        "gcp",
                        ours(
                            gcp.team_secret_id(kind, t, k),
                            gcp.secret_id(kind, k).filter(|_| gcp.is_looked_up(kind, k)),
                        ),
                    ),
                    (
                        "azure",
                        ours(
                            azure.team_secret_name(kind, t, k),
                            azure.secret_name(kind, k),
                        ),
                    ),
                ];
                for (backend, names) in answers {
                    if backend == "env" && kind == SecretKind::Config {
                        continue; // Airflow's environment backend has no get_config of its own
                    }
                    cases.push(json!({"backend": backend, "kind": kind_name(kind), "team": team, "key": k}));
                    expected.push(names);
                }
            }
        }
    }
    let airflow = airflow::run(SCRIPT, &json!({"kwargs": kwargs, "cases": cases}));
    let airflow: Vec<Vec<String>> = serde_json::from_value(airflow).unwrap();
    assert_eq!(airflow.len(), cases.len());
    let disagreements: Vec<String> = cases
        .iter()
        .zip(&airflow)
        .zip(&expected)
        .filter(|((_, a), o)| a != o)
        .map(|((case, a), o)| format!("{case}: Airflow asks {a:?}, we ask {o:?}"))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    assert!(cases.len() > 2000, "{}", cases.len());
    // The table exercises every shape: team names tried, keys refused, keys read.
    let tried_team = airflow.iter().filter(|a| a.len() == 2).count();
    let refused = airflow.iter().filter(|a| a.is_empty()).count();
    assert!(tried_team > 500 && refused > 100, "{tried_team} {refused}");
}
