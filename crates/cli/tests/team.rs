//! `--team` (multi-team deployments, `[core] multi_team = True`): the environment tier reads the team's
//! `AIRFLOW_VAR__<TEAM>___<KEY>` / `AIRFLOW_CONN__<TEAM>___<ID>` first, as Airflow 3.3.2 does; a team
//! without multi_team, or in a worker's chain, is a configuration error (exit 2).

mod common;

use std::process::Command;

use common::{clean_cli, run};

fn cli(home: &std::path::Path, multi_team: bool) -> Command {
    let mut cmd = clean_cli(home, &[]);
    cmd.env("AIRFLOW_VAR__TEAM_A___GREETING", "hello team a")
        .env("AIRFLOW_VAR_GREETING", "hello everyone")
        .env("AIRFLOW_CONN__TEAM_A___MY_DB", "postgres://team-a-host/db")
        .env("AIRFLOW_CONN_MY_DB", "postgres://shared-host/db");
    if multi_team {
        cmd.env("AIRFLOW__CORE__MULTI_TEAM", "True");
    }
    cmd
}

#[test]
fn a_team_reads_its_own_values_first() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (code, out, err) =
        run(cli(h, true).args(["--team", "team_a", "get", "variable", "greeting"]));
    assert_eq!((code, out.as_str()), (0, "hello team a\n"), "{err}");
    let (code, out, err) =
        run(cli(h, true).args(["--team", "team_b", "get", "variable", "greeting"]));
    assert_eq!((code, out.as_str()), (0, "hello everyone\n"), "{err}");
    let (code, out, err) = run(cli(h, true).args(["get", "variable", "greeting"]));
    assert_eq!((code, out.as_str()), (0, "hello everyone\n"), "{err}");
    let (code, out, err) = run(cli(h, true).args([
        "--team",
        "team_a",
        "get",
        "connection",
        "my_db",
        "-o",
        "uri",
    ]));
    assert_eq!(
        (code, out.trim()),
        (0, "postgres://team-a-host/db"),
        "{err}"
    );
    // A key naming a team's variable is refused in multi-team mode.
    let (code, _, err) = run(cli(h, true).args(["get", "variable", "_team_a___greeting"]));
    assert_eq!(code, 1, "{err}");
    let (code, out, err) = run(cli(h, true).args(["--team", "team_a", "check", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (report["multi_team"].clone(), report["team"].clone()),
        (true.into(), "team_a".into())
    );
    // exec hands the team's value over.
    let (code, out, err) = run(cli(h, true).args([
        "--team",
        "team_a",
        "exec",
        "--var",
        "greeting=G",
        "--",
        "sh",
        "-c",
        "printf %s \"$G\"",
    ]));
    assert_eq!((code, out.as_str()), (0, "hello team a"), "{err}");
}

#[test]
fn a_team_needs_multi_team_and_the_server_chain() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (code, out, err) =
        run(cli(h, false).args(["--team", "team_a", "get", "variable", "greeting"]));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("Multi-team mode is not configured"), "{err}");
    assert!(err.contains("AIRFLOW__CORE__MULTI_TEAM"), "{err}");
    let (code, _, err) = run(cli(h, true).args([
        "--worker", "--team", "team_a", "get", "variable", "greeting",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("task worker passes no team"), "{err}");
    // Without multi_team a key with `___` is an ordinary key.
    let (code, out, err) = run(cli(h, false).args(["get", "variable", "_team_a___greeting"]));
    assert_eq!((code, out.as_str()), (0, "hello team a\n"), "{err}");
}
