//! Issue "Trust": secrets stay off the command line (item 13) and out of what `check` shows (item 7).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{clean_cli, outcome, run};
use serde_json::{Value, json};

const LOCAL_FS: &str = "airflow.secrets.local_filesystem.LocalFilesystemBackend";
const PG_URI: &str = "postgresql://user:p%40ss@db:5432/mydb";

/// Runs `cmd` with `input` on its stdin: exit status, stdout, stderr.
fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // A writer thread: the child may stop reading (cap reached) before all is written.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    outcome(output)
}

/// A variables file for the local-files backend, and its kwargs.
fn local_files(dir: &std::path::Path) -> Value {
    let vars = dir.join("variables.json");
    std::fs::write(&vars, r#"{"my_var": "my-test-variable"}"#).unwrap();
    json!({"variables_file_path": vars})
}

#[test]
fn trust_13_backend_kwargs_from_stdin_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let kwargs = local_files(dir.path()).to_string();
    let base = || {
        let mut cmd = clean_cli(dir.path(), &[]);
        cmd.args(["--backend", LOCAL_FS, "--backend-kwargs"]);
        cmd
    };
    // `-`: stdin, with the trailing newline of `echo` trimmed.
    let (code, out, err) = run_with_stdin(
        base().args(["-", "get", "variable", "my_var"]),
        format!("{kwargs}\n").as_bytes(),
    );
    assert_eq!((code, out.as_str()), (0, "my-test-variable\n"), "{err}");
    // `@FILE`.
    let file = dir.path().join("kwargs.json");
    std::fs::write(&file, format!("{kwargs}\n")).unwrap();
    let at_file = format!("@{}", file.display());
    let (code, out, err) = run(base().args([at_file.as_str(), "get", "variable", "my_var"]));
    assert_eq!((code, out.as_str()), (0, "my-test-variable\n"), "{err}");
    // `check` reads the same way and says where the kwargs came from, not what they are.
    let (code, out, err) = run(base().args([at_file.as_str(), "check", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["kwargs_sources"],
        json!([format!("--backend-kwargs {at_file}")])
    );
}

#[test]
fn trust_13_connection_parse_and_uri_read_stdin_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let cli = || clean_cli(dir.path(), &[]);
    let (code, out, err) = run_with_stdin(
        cli().args(["connection", "parse", "-"]),
        format!("{PG_URI}\n").as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&v["password"], &v["port"]), (&json!("p@ss"), &json!(5432)));

    let file = dir.path().join("conn.uri");
    std::fs::write(&file, format!("{PG_URI}\r\n")).unwrap();
    let (code, out, err) =
        run(cli().args(["connection", "parse", &format!("@{}", file.display())]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["password"], "p@ss");

    let conn = r#"{"conn_type": "postgres", "host": "db", "password": "p@ss"}"#;
    let (code, out, err) = run_with_stdin(
        cli().args(["connection", "uri", "--json", "-"]),
        conn.as_bytes(),
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "postgres://:p%40ss@db\n"),
        "{err}"
    );
    let file = dir.path().join("conn.json");
    std::fs::write(&file, conn).unwrap();
    let (code, out, err) = run(cli().args([
        "connection",
        "uri",
        "--json",
        &format!("@{}", file.display()),
    ]));
    assert_eq!(
        (code, out.as_str()),
        (0, "postgres://:p%40ss@db\n"),
        "{err}"
    );
}

#[test]
fn trust_13_unreadable_or_oversized_input_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let cli = || clean_cli(dir.path(), &[]);
    let missing = dir.path().join("no-such-file.json");
    let (code, out, err) =
        run(cli().args(["connection", "parse", &format!("@{}", missing.display())]));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("cannot read") && err.contains("no-such-file.json"),
        "{err}"
    );
    // More than 1 MiB on stdin.
    let big = vec![b'a'; (1 << 20) + 1];
    let (code, out, err) = run_with_stdin(cli().args(["connection", "parse", "-"]), &big);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("more than 1048576 bytes"), "{err}");
    // A directory is not a file.
    let (code, _, err) = run(cli().args([
        "--backend",
        LOCAL_FS,
        "--backend-kwargs",
        &format!("@{}", dir.path().display()),
        "get",
        "variable",
        "x",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--backend-kwargs"), "{err}");
}

#[test]
fn trust_13_help_examples_put_no_secret_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let help = run(clean_cli(dir.path(), &[]).arg("--help")).1;
    let help = help.split("EXAMPLES:").nth(1).expect("--help has examples");
    for leak in ["\"token\"", "password\"", "p@ss", "p%40ss", ":p", "user:"] {
        assert!(
            !help.contains(leak),
            "{leak:?} in the --help examples:\n{help}"
        );
    }
    // The examples show the safe forms.
    for form in ["--backend-kwargs @", "connection parse -", "--json -"] {
        assert!(
            help.contains(form),
            "{form:?} not in the --help examples:\n{help}"
        );
    }
    for sub in [
        &["connection", "parse", "--help"][..],
        &["connection", "uri", "--help"],
    ] {
        let out = run(clean_cli(dir.path(), &[]).args(sub)).1;
        assert!(!out.contains("p%40ss") && !out.contains("p@ss"), "{out}");
        assert!(out.contains("@FILE"), "{out}");
    }
}

#[test]
fn trust_07_check_masks_proxy_passwords_and_url_userinfo() {
    let dir = tempfile::tempdir().unwrap();
    let mut kwargs = local_files(dir.path());
    kwargs["proxies"] = json!({"https": "http://user:ProxyPassw0rd@proxy:3128"});
    for output in ["json", "table"] {
        let mut cmd = clean_cli(dir.path(), &[]);
        cmd.env("AIRFLOW__SECRETS__BACKEND", LOCAL_FS)
            .env("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs.to_string())
            .env(
                "AIRFLOW__SECRETS__BACKEND_KWARG__URL",
                "https://UrlTok3n@vault.example.com",
            );
        let (_, out, err) = run(cmd.args(["check", "-o", output]));
        for planted in ["ProxyPassw0rd", "UrlTok3n"] {
            assert!(
                !out.contains(planted) && !err.contains(planted),
                "{output}: {out}{err}"
            );
        }
        assert!(out.contains("http://***@proxy:3128"), "{out}");
    }
}
