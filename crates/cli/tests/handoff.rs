//! `exec` and `export` end to end with the local-files backend: real child processes, exit statuses,
//! quoting round trips through `sh` and a dotenv parser, and no secret on stderr at `-vvv`.
#![cfg(unix)]

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_no_secret_on_stderr, clean_cli, outcome, run, with_backend};
use serde_json::{Value, json};

const LOCAL_FS: &str = "airflow.secrets.local_filesystem.LocalFilesystemBackend";
const PASSWORD: &str = "p@ss-Xq9-handoff";
const API_KEY: &str = "api-key-Zr7-handoff";

/// Every character from U+0001 to U+00FF: as UTF-8, every byte a shell or a dotenv reader may stumble on.
fn every_byte() -> String {
    (1u32..=255).filter_map(char::from_u32).collect()
}

struct Store {
    dir: tempfile::TempDir,
}

impl Store {
    fn new(variables: Value) -> Store {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("variables.json"), variables.to_string()).unwrap();
        std::fs::write(
            dir.path().join("connections.json"),
            json!({
                "my_pg": "postgresql://user:p%40ss-Xq9-handoff@db.example.com:5432/mydb?sslmode=require",
                "my-wh": {"conn_type": "mysql", "host": "wh", "login": "u", "password": PASSWORD}
            })
            .to_string(),
        )
        .unwrap();
        Store { dir }
    }

    fn standard() -> Store {
        Store::new(json!({"api_key": API_KEY, "region": "eu-west-1", "nul": "a\u{0}b"}))
    }

    fn cli(&self) -> Command {
        let kwargs = json!({
            "variables_file_path": self.dir.path().join("variables.json"),
            "connections_file_path": self.dir.path().join("connections.json"),
        });
        with_backend(clean_cli(self.dir.path(), &[]), LOCAL_FS, &kwargs)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// `sh -c` that writes `NAME=value` lines for the named variables into `out` (values never on argv).
fn dump_env(out: &Path, names: &[&str]) -> Vec<String> {
    let script = r#"out=$1; shift; for n in "$@"; do printf '%s=%s\n' "$n" "$(printenv "$n")"; done > "$out""#;
    let mut args = vec![
        "--".to_owned(),
        "sh".into(),
        "-c".into(),
        script.into(),
        "sh".into(),
    ];
    args.push(out.display().to_string());
    args.extend(names.iter().map(|n| (*n).to_owned()));
    args
}

#[test]
fn exec_hands_connections_and_variables_to_the_command() {
    let s = Store::standard();
    let out = s.path("env.txt");
    let mut cmd = s.cli();
    cmd.args([
        "exec",
        "--conn",
        "my_pg:libpq",
        "--conn",
        "my_pg:url=DATABASE_URL",
    ])
    .args([
        "--conn",
        "my-wh:fields=WH",
        "--var",
        "api_key",
        "--var",
        "region=AWS_REGION",
    ]);
    cmd.args(dump_env(
        &out,
        &[
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGSSLMODE",
            "DATABASE_URL",
            "WH_HOST",
            "WH_PASSWORD",
            "AIRFLOW_VAR_API_KEY",
            "AWS_REGION",
        ],
    ));
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!(
            "PGHOST=db.example.com\nPGPORT=5432\nPGUSER=user\nPGPASSWORD={PASSWORD}\nPGDATABASE=mydb\n\
             PGSSLMODE=require\n\
             DATABASE_URL=postgres://user:p%40ss-Xq9-handoff@db.example.com:5432/mydb?sslmode=require\n\
             WH_HOST=wh\nWH_PASSWORD={PASSWORD}\nAIRFLOW_VAR_API_KEY={API_KEY}\nAWS_REGION=eu-west-1\n"
        )
    );
}

#[test]
fn exec_with_airflow_names_lets_an_airflow_image_read_them_back() {
    let s = Store::standard();
    let out = s.path("env.txt");
    let mut cmd = s.cli();
    cmd.args(["exec", "--conn", "my_pg", "--var", "api_key"]);
    cmd.args(dump_env(
        &out,
        &["AIRFLOW_CONN_MY_PG", "AIRFLOW_VAR_API_KEY"],
    ));
    let (code, _, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    let uri = text
        .lines()
        .find_map(|l| l.strip_prefix("AIRFLOW_CONN_MY_PG="))
        .unwrap();
    // The child reads it back with Airflow's environment backend (this binary, no backend configured).
    let home = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(clean_cli(home.path(), &[])
        .env("AIRFLOW_CONN_MY_PG", uri)
        .args(["get", "connection", "my_pg", "-o", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let conn: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(conn["password"], PASSWORD);
    assert_eq!(conn["extra_dejson"]["sslmode"], "require");
}

#[test]
fn exec_passes_the_exit_status_and_signals_through() {
    let s = Store::standard();
    for status in [0, 1, 42] {
        let (code, _, stderr) = run(s
            .cli()
            .args(["exec", "--var", "api_key", "--", "sh", "-c"])
            .arg(format!("exit {status}")));
        assert_eq!(code, status, "{stderr}");
    }
    // Killed by a signal: the process itself is killed (exec replaced it), so a shell sees 128+9.
    let killed = s
        .cli()
        .args(["exec", "--var", "api_key", "--", "sh", "-c", "kill -9 $$"])
        .output()
        .unwrap();
    assert_eq!(killed.status.signal(), Some(9));
    let bin = env!("CARGO_BIN_EXE_airflow-secrets");
    let shell = s
        .cli()
        .env("BIN", bin)
        .args(["exec", "--var", "api_key", "--", "sh", "-c"])
        .arg(r#""$BIN" exec --var api_key -- sh -c 'kill -9 $$'; echo "status $?""#)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shell.stdout).trim(), "status 137");
    // A program that does not exist: 127, as a shell says.
    let (code, _, stderr) =
        run(s
            .cli()
            .args(["exec", "--var", "api_key", "--", "/nonexistent/program"]));
    assert_eq!(code, 127, "{stderr}");
    assert!(
        stderr.contains("cannot run `/nonexistent/program`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_key_stops_the_command_from_starting() {
    let s = Store::standard();
    let marker = s.path("started");
    let touch = ["--", "sh", "-c", "touch \"$0\""];
    let (code, _, stderr) = run(s
        .cli()
        .args([
            "exec", "--var", "api_key", "--var", "nope", "--conn", "gone",
        ])
        .args(touch)
        .arg(&marker));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("not found in any backend: connection `gone`, variable `nope`"),
        "{stderr}"
    );
    assert!(!marker.exists(), "the command started");

    let (code, _, stderr) = run(s
        .cli()
        .args([
            "exec",
            "--allow-missing",
            "--var",
            "api_key",
            "--var",
            "nope",
        ])
        .args(touch)
        .arg(&marker));
    assert_eq!(code, 0, "{stderr}");
    assert!(marker.exists());
    assert!(stderr.contains("left out: variable `nope`"), "{stderr}");
}

#[test]
fn a_failing_backend_exits_3_and_starts_nothing() {
    let s = Store::standard();
    let marker = s.path("started");
    std::fs::write(s.path("variables.json"), "{not json").unwrap();
    let (code, _, stderr) = run(s
        .cli()
        .args(["exec", "--var", "api_key", "--", "touch"])
        .arg(&marker));
    assert_eq!(code, 3, "{stderr}");
    assert!(!marker.exists());
}

#[test]
fn clear_env_passes_only_what_was_handed_over_and_kept() {
    let s = Store::standard();
    let out = s.path("env.txt");
    let (code, _, stderr) = run(s
        .cli()
        .env("KEEP_ME", "kept")
        .env("DROP_ME", "dropped")
        .args([
            "exec",
            "--clear-env",
            "--keep",
            "KEEP_ME",
            "--var",
            "api_key=API_KEY",
        ])
        .args(["--", "/usr/bin/env"])
        .arg("-0")
        .stdout(std::fs::File::create(&out).unwrap()));
    assert_eq!(code, 0, "{stderr}");
    let env = std::fs::read_to_string(&out).unwrap();
    let mut names: Vec<&str> = env
        .split('\0')
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once('=').unwrap().0)
        .collect();
    names.sort();
    assert_eq!(names, ["API_KEY", "KEEP_ME"]);
}

#[test]
fn bad_selections_are_usage_errors() {
    let s = Store::standard();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--conn", "my_pg:url=1BAD"],
            "is not a valid environment variable name",
        ),
        (
            &["--conn", "my_pg:libpq", "--conn", "my-wh:libpq"],
            "both set `PGHOST`",
        ),
        (&["--var", "api_key=X", "--var", "region=X"], "both set `X`"),
        (&[], "nothing selected"),
        (&["--from", "/nonexistent.toml"], "cannot read the manifest"),
    ];
    for (args, message) in cases {
        let (code, _, stderr) = run(s.cli().arg("export").args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // A NUL byte cannot be in an environment: named by key, not shown.
    let (code, _, stderr) = run(s.cli().args(["exec", "--var", "nul", "--", "true"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("variable `nul`: the value for `AIRFLOW_VAR_NUL` contains a NUL byte"),
        "{stderr}"
    );
}

#[test]
fn a_manifest_holds_the_same_selection() {
    let s = Store::standard();
    let manifest = s.path("handoff.toml");
    std::fs::write(
        &manifest,
        "conn = [\"my_pg:url=DATABASE_URL\"]\nvar = [\"api_key=API_KEY\"]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(s
        .cli()
        .args(["export", "-o", "json", "--from"])
        .arg(&manifest));
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["API_KEY"], API_KEY);
    assert!(
        v["DATABASE_URL"]
            .as_str()
            .unwrap()
            .starts_with("postgres://user:")
    );

    std::fs::write(&manifest, "conns = []\n").unwrap();
    let (code, _, stderr) = run(s.cli().args(["export", "--from"]).arg(&manifest));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown field `conns`"), "{stderr}");
}

#[test]
fn export_env_quotes_every_byte_for_sh() {
    let value = every_byte();
    let s = Store::new(json!({"all": value, "quote": "'", "quotes": "''a'b'"}));
    for key in ["all", "quote", "quotes"] {
        let (code, script, stderr) = run(s.cli().args(["export", "--var"]).arg(format!("{key}=V")));
        assert_eq!(code, 0, "{stderr}");
        let file = s.path("exported.sh");
        std::fs::write(&file, &script).unwrap();
        let back = Command::new("sh")
            .arg("-c")
            .arg(". \"$0\"; printf %s \"$V\"")
            .arg(&file)
            .output()
            .unwrap();
        assert!(back.status.success());
        let want = match key {
            "all" => value.clone(),
            "quote" => "'".into(),
            _ => "''a'b'".into(),
        };
        assert_eq!(String::from_utf8(back.stdout).unwrap(), want, "{key}");
    }
}

#[test]
fn export_dotenv_reads_back_with_a_dotenv_parser() {
    // Every byte but the carriage return, which dotenv cannot hold (that is a clear error).
    let value: String = every_byte().chars().filter(|c| *c != '\r').collect();
    let s = Store::new(
        json!({"all": value, "plain": "x", "cr": "a\rb", "dollar": "$HOME and ${HOME}"}),
    );
    let (code, text, stderr) = run(s
        .cli()
        .args([
            "export",
            "-o",
            "dotenv",
            "--var",
            "all=ALL",
            "--var",
            "plain=PLAIN",
        ])
        .args(["--var", "dollar=DOLLAR"]));
    assert_eq!(code, 0, "{stderr}");
    let parsed: std::collections::HashMap<String, String> =
        dotenvy::from_read_iter(text.as_bytes())
            .map(|item| item.unwrap())
            .collect();
    assert_eq!(parsed["ALL"], value);
    assert_eq!(parsed["PLAIN"], "x");
    assert_eq!(parsed["DOLLAR"], "$HOME and ${HOME}");

    let (code, _, stderr) = run(s.cli().args(["export", "-o", "dotenv", "--var", "cr=CR"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("carriage return"), "{stderr}");
}

#[test]
fn export_json_and_kubernetes_secret() {
    use base64::Engine;
    let s = Store::standard();
    let (code, text, stderr) = run(s
        .cli()
        .args([
            "export",
            "-o",
            "k8s-secret",
            "--secret-name",
            "airflow-conns",
        ])
        .args(["--conn", "my_pg:libpq", "--var", "api_key"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.starts_with("apiVersion: v1\nkind: Secret\nmetadata:\n  name: airflow-conns\n"),
        "{text}"
    );
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("  PGPASSWORD: "))
        .unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(password)
        .unwrap();
    assert_eq!(decoded, PASSWORD.as_bytes());

    // A name a shell cannot hold is refused for -o env, fine for -o json.
    let (code, _, stderr) = run(s.cli().args(["export", "--conn", "my-wh"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`AIRFLOW_CONN_MY-WH` is not a shell variable name"),
        "{stderr}"
    );
    let (code, text, _) = run(s.cli().args(["export", "-o", "json", "--conn", "my-wh"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(
        v["AIRFLOW_CONN_MY-WH"]
            .as_str()
            .unwrap()
            .starts_with("mysql://u:")
    );
}

#[test]
fn no_secret_on_stderr_at_trace_level() {
    let s = Store::standard();
    let out = s.path("env.txt");
    let mut cmd = s.cli();
    cmd.args(["-vvv", "exec", "--conn", "my_pg:libpq", "--var", "api_key"]);
    cmd.args(dump_env(&out, &["PGPASSWORD"]));
    let (code, _, stderr) = outcome(cmd.output().unwrap());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "no logs at -vvv: {stderr}"
    );
    assert_no_secret_on_stderr(&stderr, &[PASSWORD, API_KEY], "exec -vvv");

    let (code, stdout, stderr) = run(s.cli().args([
        "-vvv",
        "export",
        "--conn",
        "my_pg:libpq",
        "--var",
        "api_key",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(PASSWORD));
    assert_no_secret_on_stderr(&stderr, &[PASSWORD, API_KEY], "export -vvv");
}
