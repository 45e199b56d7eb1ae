//! `global_secrets_path` (hashicorp provider 4.8.4): the last fallback base path of every kind, read
//! from a real OpenBao server.

use super::*;

/// KV v2 at `secret`: a kind's own base paths are tried first, then the global one; a kind whose
/// path is null is read at the global path only; the first secret found wins even without `value`.
#[tokio::test]
async fn the_global_path_is_the_last_fallback_of_every_kind() {
    let logs = logs();
    let bao = OpenBao::start();
    let put = |path: &str, field: &str| bao.cli(&["kv", "put", path, field]);
    put("secret/variables/own", "value=own-value");
    put("secret/shared/own", "value=shadowed-value");
    put("secret/shared/only_global", "value=global-value");
    put("secret/team/listed", "value=listed-value");
    put("secret/shared/listed", "value=shadowed-listed");
    // A secret without `value` in the first base path ends the search (Airflow's `_get_secret`
    // stops at the first response that is not None), so the global one is not read.
    put("secret/variables/no_value", "other=x");
    put("secret/shared/no_value", "value=never-reached");
    put(
        "secret/shared/pg",
        "conn_uri=postgresql://user:p%40ss@db.example.com:5432/mydb",
    );
    put("secret/shared/core__fernet", "value=global-config");
    let token = json!({ "url": bao.url(), "token": bao.root_token() });

    let backend = vault(with(
        token.clone(),
        json!({ "variables_path": ["variables", "team/"], "connections_path": null,
                "global_secrets_path": "shared/" }),
    ));
    assert_variable(&backend, "own", "own-value").await;
    assert_variable(&backend, "only_global", "global-value").await;
    assert_variable(&backend, "listed", "listed-value").await;
    assert!(backend.get_variable("no_value").await.unwrap().is_none());
    assert!(backend.get_variable("nowhere").await.unwrap().is_none());
    let pg = backend.get_connection("pg").await.unwrap().unwrap();
    assert_eq!(
        pg.host.as_deref(),
        Some("db.example.com"),
        "null path + global"
    );
    assert_eq!(
        backend
            .get_config("core__fernet")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "global-config"
    );

    // An empty list of paths turns a kind off, as null does; the global path turns it back on.
    let empty = vault(with(token.clone(), json!({ "variables_path": [] })));
    assert!(empty.get_variable("own").await.unwrap().is_none());
    let empty_global = vault(with(
        token.clone(),
        json!({ "variables_path": [], "global_secrets_path": "shared" }),
    ));
    assert_variable(&empty_global, "own", "shadowed-value").await;

    // `""` (and `"/"`) is the mount's root: `secret/<key>`.
    put("secret/at_root", "value=root-value");
    for global in ["", "/"] {
        let root = vault(with(
            token.clone(),
            json!({ "variables_path": null, "global_secrets_path": global }),
        ));
        assert_variable(&root, "at_root", "root-value").await;
    }
    logs.assert_free_of(&[
        bao.root_token(),
        "p@ss",
        "own-value",
        "global-value",
        "listed-value",
        "global-config",
        "root-value",
        "never-reached",
        "shadowed-value",
    ]);
}

/// KV v1 with `mount_point` null: the mount is the key's first segment, and the global path is a base
/// path under that mount like any other.
#[tokio::test]
async fn kv_v1_and_the_mount_split_apply_to_the_global_path() {
    let logs = logs();
    let bao = OpenBao::start();
    bao.cli(&["secrets", "enable", "-path=airflow", "-version=1", "kv"]);
    bao.cli(&["kv", "put", "airflow/common/hello", "value=kv1-common"]);
    bao.cli(&["kv", "put", "airflow/variables/mine", "value=kv1-mine"]);
    let backend = vault(json!({
        "url": bao.url(), "token": bao.root_token(), "kv_engine_version": 1,
        "mount_point": null, "global_secrets_path": "common"
    }));
    assert_variable(&backend, "airflow/hello", "kv1-common").await;
    assert_variable(&backend, "airflow/mine", "kv1-mine").await;
    assert!(
        backend.get_variable("hello").await.unwrap().is_none(),
        "no `/`: no mount, nothing read"
    );
    logs.assert_free_of(&[bao.root_token(), "kv1-common", "kv1-mine"]);
}
