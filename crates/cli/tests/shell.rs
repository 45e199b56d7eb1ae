//! The CLI as a tool: shell completions that a real bash sources and completes with, a manual page that
//! `man -l` renders, and `--version` naming the providers this build has.

mod common;

use std::process::Command;

use common::{clean_cli, run};

fn cli(home: &std::path::Path) -> Command {
    clean_cli(home, &[])
}

/// The subcommands every completion and the manual page must know.
const SUBCOMMANDS: &[&str] = &[
    "get",
    "backends",
    "check",
    "connection",
    "exec",
    "export",
    "completions",
    "man",
];

fn program(name: &str, install_hint: &str) -> String {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .expect("sh runs");
    assert!(
        found.status.success(),
        "`{name}` is required by this test but was not found on PATH. Install it with: {install_hint}"
    );
    String::from_utf8(found.stdout).unwrap().trim().to_owned()
}

#[test]
fn bash_sources_the_completion_and_completes_subcommands_and_values() {
    let home = tempfile::tempdir().unwrap();
    let (code, script, stderr) = run(cli(home.path()).args(["completions", "bash"]));
    assert_eq!(code, 0, "{stderr}");
    let file = home.path().join("airflow-secrets.bash");
    std::fs::write(&file, &script).unwrap();
    let bash = program("bash", "apt-get install bash");
    // Source it in a clean, non-interactive bash, then ask the registered function for completions
    // as bash would: first the subcommands, then the values of `get`, then `--output` of a connection.
    let complete = |words: &str, cword: usize| {
        let probe = format!(
            r#"set -e
source "$1"
complete -p airflow-secrets >/dev/null
COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE="{words}"; COMP_POINT=${{#COMP_LINE}}
fn=$(complete -p airflow-secrets | sed -E 's/.*-F ([^ ]+).*/\1/')
"$fn" airflow-secrets "${{COMP_WORDS[$COMP_CWORD]}}" "${{COMP_WORDS[$COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = Command::new(&bash)
            .args(["--norc", "--noprofile", "-c", &probe, "probe"])
            .arg(&file)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "bash could not source the completion script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let top = complete("airflow-secrets ''", 1);
    for sub in SUBCOMMANDS {
        assert!(top.lines().any(|l| l == *sub), "`{sub}` not offered: {top}");
    }
    let get = complete("airflow-secrets get ''", 2);
    for sub in ["variable", "connection", "config"] {
        assert!(
            get.lines().any(|l| l == sub),
            "`get {sub}` not offered: {get}"
        );
    }
    let output = complete("airflow-secrets get connection my_pg --output ''", 5);
    for format in ["uri", "json", "env"] {
        assert!(
            output.lines().any(|l| l == format),
            "`{format}` not offered: {output}"
        );
    }
}

#[test]
fn every_shell_gets_a_completion_script() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef airflow-secrets"),
        ("fish", "complete -c airflow-secrets"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let (code, script, stderr) = run(cli(home.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(
            script.contains(marker),
            "{shell}: no `{marker}` in the script"
        );
        assert!(
            script.contains("exec") && script.contains("export"),
            "{shell}"
        );
    }
    let (code, _, stderr) = run(cli(home.path()).args(["completions", "tcsh"]));
    assert_eq!(code, 2, "an unknown shell is a usage error");
    assert!(
        stderr.contains("possible values: bash, elvish, fish, powershell, zsh"),
        "{stderr}"
    );
}

#[test]
fn the_manual_page_renders_with_man() {
    let home = tempfile::tempdir().unwrap();
    let (code, roff, stderr) = run(cli(home.path()).arg("man"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq") || roff.contains(".TH airflow-secrets"),
        "not roff"
    );
    let page = home.path().join("airflow-secrets.1");
    std::fs::write(&page, &roff).unwrap();
    let man = program("man", "apt-get install man-db");
    let out = Command::new(man)
        .args(["-P", "cat", "-l"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .env("HOME", home.path())
        .output()
        .expect("man runs");
    assert!(
        out.status.success(),
        "man -l failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{text}");
    assert!(
        text.contains("AIRFLOW__SECRETS__BACKEND"),
        "the description is in the page: {text}"
    );
    for sub in SUBCOMMANDS {
        assert!(
            text.contains(&format!("airflow-secrets-{sub}")) || text.contains(sub),
            "`{sub}` missing"
        );
    }
}

#[test]
fn version_names_the_providers_of_this_build() {
    let home = tempfile::tempdir().unwrap();
    let (code, short, _) = run(cli(home.path()).arg("-V"));
    assert_eq!(
        (code, short.trim()),
        (
            0,
            format!("airflow-secrets {}", env!("CARGO_PKG_VERSION")).as_str()
        )
    );
    let (code, long, _) = run(cli(home.path()).arg("--version"));
    assert_eq!(code, 0);
    let providers = long
        .lines()
        .find_map(|l| l.strip_prefix("providers: "))
        .unwrap_or_else(|| panic!("no providers line: {long}"));
    // The test binary is built with the CLI's default features: every provider.
    assert_eq!(
        providers,
        "metastore, vault, aws-ssm, aws-secrets-manager, gcp-secret-manager, azure-key-vault"
    );
}
