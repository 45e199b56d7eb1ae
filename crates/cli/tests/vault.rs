//! End-to-end: the `airflow-secrets` binary configured for `VaultBackend` through Airflow's two
//! environment variables (set on the child only), against a real OpenBao dev server seeded as the
//! documentation does.
#![cfg(feature = "vault")]

mod common;

use airflow_secrets_testkit as testkit;

use std::path::Path;
use std::process::Command;

use common::{
    assert_documentation_values, assert_no_secret_on_stderr, clean_cli, run, with_backend,
};
use serde_json::Value;
use testkit::openbao::OpenBao;

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";

/// The binary with a clean environment: no inherited AIRFLOW_* or VAULT_* variables.
fn cli(home: &Path, kwargs: &Value) -> Command {
    with_backend(clean_cli(home, &["VAULT_", "BAO_"]), CLASS_PATH, kwargs)
}

#[test]
fn the_documentation_walkthrough_from_the_command_line() {
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let kwargs = bao.documentation_kwargs(&approle);
    let home = tempfile::tempdir().unwrap();

    assert_documentation_values(|| cli(home.path(), &kwargs));

    let (code, _, stderr) = run(cli(home.path(), &kwargs).args(["get", "variable", "not_there"]));
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn failures_exit_with_the_documented_codes() {
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let home = tempfile::tempdir().unwrap();

    // Invalid kwargs: a configuration error (2), naming the kwarg.
    let mut bad = bao.documentation_kwargs(&approle);
    bad["kv_engine_version"] = 7.into();
    let (code, _, stderr) = run(cli(home.path(), &bad).args(["get", "variable", "my_var"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("The version is not supported: 7"),
        "{stderr}"
    );

    // A path outside the policy: the denial is a backend failure (3), not "not found".
    let mut denied = bao.documentation_kwargs(&approle);
    denied["variables_path"] = "restricted".into();
    let (code, _, stderr) = run(cli(home.path(), &denied).args(["get", "variable", "my_var"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert!(
        !stderr.contains(&approle.secret_id),
        "the secret_id never appears: {stderr}"
    );
}

/// `-vvv` (TRACE on stderr, the SDKs' own events included) for a value, a connection, a denied read and
/// an unreachable server: stderr never shows the secret ID, a token or a stored value (plain or
/// percent-encoded).
#[test]
fn trace_logging_on_stderr_shows_no_secret() {
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let kwargs = bao.documentation_kwargs(&approle);
    let home = tempfile::tempdir().unwrap();
    let mut denied = kwargs.clone();
    denied["variables_path"] = "restricted".into();
    let mut down = kwargs.clone();
    down["url"] = format!("http://127.0.0.1:{}", testkit::free_port()).into();

    let runs = [
        (&kwargs, vec!["-vvv", "get", "variable", "my_var"], 0),
        (
            &kwargs,
            vec!["-vvv", "get", "connection", "my_pg", "--output", "json"],
            0,
        ),
        (
            &denied,
            vec!["-vvv", "--strict", "get", "variable", "my_var"],
            3,
        ),
        (
            &down,
            vec!["-vvv", "--strict", "get", "variable", "my_var"],
            3,
        ),
    ];
    let secrets = [
        approle.secret_id.as_str(),
        bao.root_token(),
        "my-test-variable",
        "p@ss",
    ];
    for (kwargs, args, expected) in runs {
        let (code, _, stderr) = run(cli(home.path(), kwargs).args(&args));
        assert_eq!(code, expected, "{args:?}: {stderr}");
        assert!(stderr.contains("TRACE"), "{args:?}: TRACE logging is on");
        assert_no_secret_on_stderr(&stderr, &secrets, &format!("{args:?}"));
    }
}

/// At the default verbosity an unreachable Vault is one warning and one error naming the key, the URL and
/// the attempts — not an ERROR event for every attempt.
#[test]
fn an_unreachable_vault_is_reported_without_library_noise() {
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", testkit::free_port());
    let kwargs = serde_json::json!({"url": url, "token": "s.unused-token"});
    let (code, _, stderr) = run(cli(home.path(), &kwargs).args(["get", "variable", "my_var"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the secrets store is unavailable for variable `my_var` at token login at")
            && stderr.contains("(4 attempt(s) in "),
        "{stderr}"
    );
    assert!(!stderr.contains("ERROR"), "library noise: {stderr}");
    assert_no_secret_on_stderr(&stderr, &["s.unused-token"], "unreachable");
}
