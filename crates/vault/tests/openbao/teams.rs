//! Multi-team deployments (`[core] multi_team`, hashicorp provider 4.8.4), on a real OpenBao server: a
//! lookup for a team reads `{base_path}/{team}/{key}` only; without a team, a key that could name a
//! team's secret is refused and nothing is sent.

use airflow_secrets_core::{ConnectionFlavor, SecretKind};

use super::*;

#[tokio::test]
async fn a_team_reads_its_own_base_path_only() {
    let logs = logs();
    let bao = OpenBao::start();
    let put = |path: &str, field: &str| bao.cli(&["kv", "put", path, field]);
    put("secret/variables/team_a/shared_key", "value=team-a-value");
    put("secret/variables/shared_key", "value=shared-value");
    put("secret/variables/only_shared", "value=only-shared-value");
    put("secret/variables/team_b/db", "value=team-b-value");
    put(
        "secret/connections/team_a/pg",
        "conn_uri=postgresql://user:p%40ss@team-a.example.com:5432/mydb",
    );
    put("secret/config/core__k", "value=config-value");
    let kwargs = json!({ "url": bao.url(), "token": bao.root_token() });
    let backend = vault(kwargs.clone()).with_multi_team(true);

    let team_value = |key: &'static str| {
        let backend = &backend;
        async move {
            backend
                .get_for_team(SecretKind::Variable, key, Some("team_a"))
                .await
                .unwrap()
                .map(|v| v.expose().to_owned())
        }
    };
    assert_eq!(
        team_value("shared_key").await.as_deref(),
        Some("team-a-value")
    );
    // No fallback to the shared path for a team (4.8.4's `_get_secret`).
    assert_eq!(team_value("only_shared").await, None);
    let pg = backend
        .get_connection_for_team("pg", ConnectionFlavor::default(), Some("team_a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pg.host.as_deref(), Some("team-a.example.com"));
    // Config lookups take no team.
    assert_eq!(
        backend
            .get_for_team(SecretKind::Config, "core__k", Some("team_a"))
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "config-value"
    );
    // Without a team: the shared path; a key whose path part holds `/` could read a team's secret
    // (`team_b/db`), so it is refused without a request.
    assert_variable(&backend, "shared_key", "shared-value").await;
    assert!(backend.get_variable("team_b/db").await.unwrap().is_none());
    // Nothing is sent for it: against a port where nothing listens, still `None`, not an error. A
    // key without `/` in its path part is sent (and fails there).
    let closed = vault(json!({ "url": "http://127.0.0.1:9", "token": "t" })).with_multi_team(true);
    assert!(closed.get_variable("team_b/db").await.unwrap().is_none());
    assert!(closed.get_variable("plain").await.is_err());

    // use_team_secrets_path = false: the team is not part of the path, nothing is refused.
    let flat = vault(with(
        kwargs.clone(),
        json!({ "use_team_secrets_path": false }),
    ))
    .with_multi_team(true);
    assert_eq!(
        flat.get_for_team(SecretKind::Variable, "shared_key", Some("team_a"))
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "shared-value"
    );
    assert_variable(&flat, "team_b/db", "team-b-value").await;
    // Without multi_team, the team-less behaviour is unchanged.
    assert_variable(&vault(kwargs), "team_b/db", "team-b-value").await;
    logs.assert_free_of(&[
        bao.root_token(),
        "p@ss",
        "team-a-value",
        "shared-value",
        "team-b-value",
        "config-value",
    ]);
}
