//! `exec` and `export` against the real OpenBao server seeded as the documentation does.
#![cfg(all(unix, feature = "vault"))]

mod common;

use airflow_secrets_testkit::openbao::OpenBao;
use common::{assert_no_secret_on_stderr, clean_cli, run, with_backend};

const CLASS_PATH: &str = "airflow.providers.hashicorp.secrets.vault.VaultBackend";

#[test]
fn exec_and_export_read_from_vault() {
    let bao = OpenBao::start();
    let approle = bao.documentation_setup();
    let kwargs = bao.documentation_kwargs(&approle);
    let home = tempfile::tempdir().unwrap();
    let cli = || {
        with_backend(
            clean_cli(home.path(), &["VAULT_", "BAO_"]),
            CLASS_PATH,
            &kwargs,
        )
    };

    let out = home.path().join("env.txt");
    let (code, _, stderr) = run(cli()
        .args([
            "-vvv",
            "exec",
            "--conn",
            "my_pg:libpq",
            "--var",
            "my_var=MY_VAR",
            "--",
        ])
        .args([
            "sh",
            "-c",
            r#"printf '%s|%s|%s' "$PGUSER" "$PGPASSWORD" "$MY_VAR" > "$0""#,
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "user|p@ss|my-test-variable"
    );
    assert_no_secret_on_stderr(
        &stderr,
        &[&approle.secret_id, "my-test-variable"],
        "exec against OpenBao at -vvv",
    );

    let (code, stdout, stderr) = run(cli().args(["export", "--conn", "my_pg:url=DATABASE_URL"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "export DATABASE_URL='postgres://user:p%40ss@db.example.com:5432/mydb'\n"
    );
}
