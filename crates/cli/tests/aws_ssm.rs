//! End-to-end: the `airflow-secrets` binary configured for `SystemsManagerParameterStoreBackend` through
//! Airflow's environment variables (set on the child only), against a real moto server seeded with boto3.
//! The child gets static keys or a temporary profile file, a private HOME, no inherited AWS_* variables and
//! `AWS_EC2_METADATA_DISABLED=true`: nothing probes the instance metadata service.
#![cfg(feature = "aws-ssm")]

mod common;

use std::path::Path;
use std::process::Command;

use airflow_secrets_testkit::moto::*;
use common::{
    assert_documentation_values, assert_no_secret_on_stderr, clean_cli, run, with_backend,
};
use serde_json::{Value, json};

const CLASS_PATH: &str =
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";

/// Static-key kwargs for moto, merged with `extra`.
fn kwargs(endpoint: &str, extra: Value) -> Value {
    let mut k = json!({
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    });
    for (key, value) in extra.as_object().unwrap() {
        k[key] = value.clone();
    }
    k
}

/// The binary with a clean environment: no inherited AIRFLOW_* or AWS_* variables, a private HOME (no
/// ~/.aws), and the instance metadata service disabled.
fn cli(home: &Path, kwargs: &Value) -> Command {
    let mut cmd = clean_cli(home, &["AWS_"]);
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    with_backend(cmd, CLASS_PATH, kwargs)
}

#[test]
fn variables_connections_and_config_from_moto() {
    let moto = start_moto();
    seed_with_boto3(
        &moto.url(),
        &[
            ("/airflow/variables/my_var", "my-test-variable", false),
            (
                "/airflow/connections/my_pg",
                "postgresql://user:p%40ss@db.example.com:5432/mydb",
                true,
            ),
            (
                "/airflow/connections/my_json",
                r#"{"conn_type": "http", "host": "api.example.com", "port": 8443}"#,
                true,
            ),
            ("/airflow/config/smtp_password", "hunter2", true),
            ("/custom/my_var", "from the custom prefix", false),
            ("/flat", "no prefix", false),
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let k = kwargs(&moto.url(), json!({}));

    assert_documentation_values(|| cli(home.path(), &k));
    let (code, stdout, stderr) =
        run(cli(home.path(), &k).args(["get", "connection", "my_json", "--output", "uri"]));
    assert_eq!(
        (code, stdout.trim()),
        (0, "http://api.example.com:8443"),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(cli(home.path(), &k).args(["get", "config", "smtp_password"]));
    assert_eq!((code, stdout.as_str()), (0, "hunter2\n"), "{stderr}");

    let (code, stdout, stderr) = run(cli(home.path(), &k).args(["get", "variable", "not_there"]));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");

    // Prefixes from the kwargs, and from a per-key override (a string, as Airflow passes it).
    let custom = kwargs(&moto.url(), json!({"variables_prefix": "custom"}));
    let (code, stdout, stderr) = run(cli(home.path(), &custom).args(["get", "variable", "my_var"]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "from the custom prefix\n"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(cli(home.path(), &k)
        .env("AIRFLOW__SECRETS__BACKEND_KWARG__VARIABLES_PREFIX", "")
        .args(["get", "variable", "flat"]));
    assert_eq!((code, stdout.as_str()), (0, "no prefix\n"), "{stderr}");

    // A disabled prefix and a lookup pattern miss: SSM is not asked; the environment variable answers.
    for extra in [
        json!({"variables_prefix": null}),
        json!({"variables_lookup_pattern": "^prod_"}),
    ] {
        let (code, stdout, stderr) = run(cli(home.path(), &kwargs(&moto.url(), extra.clone()))
            .env("AIRFLOW_VAR_MY_VAR", "from env")
            .args(["get", "variable", "my_var"]));
        assert_eq!(
            (code, stdout.as_str()),
            (0, "from env\n"),
            "{extra}: {stderr}"
        );
    }
}

#[test]
fn trace_logging_never_shows_a_secret() {
    let mut moto = start_moto();
    const VALUE: &str = "s3cr3t-CLI-VARIABLE-VALUE";
    const PG: &str = "postgresql://user:s3cr3t-CLI-PASSWORD@db.example.com:5432/mydb";
    const TOKEN: &str = "s3cr3t-CLI-SESSION-TOKEN";
    seed_with_boto3(
        &moto.url(),
        &[
            ("/airflow/variables/my_var", VALUE, false),
            ("/airflow/connections/my_pg", PG, true),
            ("/airflow/config/smtp_password", VALUE, true),
        ],
    );
    let home = tempfile::tempdir().unwrap();
    // moto does not check the session token; it is sent (and must not be logged) all the same.
    let k = kwargs(&moto.url(), json!({"aws_session_token": TOKEN}));
    let secrets = [VALUE, PG, "s3cr3t-CLI-PASSWORD", TOKEN, SECRET_ACCESS_KEY];
    let mut stderr_seen = String::new();
    for args in [
        &["-vvv", "get", "variable", "my_var"][..],
        &["-vvv", "get", "connection", "my_pg", "--output", "json"],
        &["-vvv", "get", "connection", "my_pg", "--output", "uri"],
        &["-vvv", "get", "config", "smtp_password"],
        &["-vvv", "get", "variable", "not_there"],
    ] {
        let (code, stdout, stderr) = run(cli(home.path(), &k).args(args));
        assert!(code == 0 || code == 1, "{args:?}: {stderr}");
        if args[3] == "my_var" {
            assert_eq!(stdout, format!("{VALUE}\n"));
        }
        stderr_seen.push_str(&stderr);
    }
    // The store goes away: the failure is logged and reported, still without a secret.
    moto.stop();
    let down = kwargs(
        &moto.url(),
        json!({"aws_session_token": TOKEN, "config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let (code, _, stderr) =
        run(cli(home.path(), &down).args(["-vvv", "--strict", "get", "variable", "my_var"]));
    assert_eq!(code, 3, "{stderr}");
    stderr_seen.push_str(&stderr);

    assert!(
        stderr_seen.contains("TRACE") && stderr_seen.contains("GetParameter"),
        "-vvv logged the SDK's requests at TRACE"
    );
    assert_no_secret_on_stderr(&stderr_seen, &secrets, "-vvv");
}

#[test]
fn profile_name_with_profile_files_from_the_standard_variables() {
    let moto = start_moto();
    seed_with_boto3(
        &moto.url(),
        &[("/airflow/variables/from_profile", "yes", false)],
    );
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("aws-config");
    let credentials = home.path().join("aws-credentials");
    std::fs::write(&config, format!("[profile airflow]\nregion = {REGION}\n")).unwrap();
    std::fs::write(
        &credentials,
        format!("[airflow]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"),
    )
    .unwrap();
    let k = json!({"endpoint_url": moto.url(), "profile_name": "airflow"});
    let (code, stdout, stderr) = run(cli(home.path(), &k)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["get", "variable", "from_profile"]));
    assert_eq!((code, stdout.as_str()), (0, "yes\n"), "{stderr}");
}

#[test]
fn failures_exit_with_the_documented_codes_and_never_print_the_secret_key() {
    let mut moto = start_moto();
    let url = moto.url();
    let home = tempfile::tempdir().unwrap();

    // Invalid kwargs: a configuration error (2), naming the kwarg.
    for (extra, expected) in [
        (json!({"region": "eu-west-1"}), "unknown kwarg `region`"),
        (
            json!({"verify": false, "endpoint_url": "https://ssm.example.internal"}),
            "kwarg `verify`",
        ),
        (
            json!({"aws_secret_access_key": null}),
            "give both or neither",
        ),
    ] {
        let (code, _, stderr) =
            run(cli(home.path(), &kwargs(&url, extra)).args(["get", "variable", "x"]));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains(SECRET_ACCESS_KEY), "{stderr}");
    }

    // The store is gone. Airflow falls through to the environment variable (0, with a warning); with
    // nothing else to find the failure is reported (3); --strict stops at the failure (3).
    moto.stop();
    let k = kwargs(
        &url,
        json!({"config_kwargs": {"retries": {"max_attempts": 0}}}),
    );
    let (code, stdout, stderr) = run(cli(home.path(), &k)
        .env("AIRFLOW_VAR_MY_VAR", "from env")
        .args(["get", "variable", "my_var"]));
    assert_eq!((code, stdout.as_str()), (0, "from env\n"), "{stderr}");
    assert!(
        stderr.contains("Unable to retrieve variable from secrets backend"),
        "{stderr}"
    );
    let (code, _, stderr) = run(cli(home.path(), &k).args(["get", "variable", "my_var"]));
    assert_eq!(code, 3, "{stderr}");
    let (code, stdout, stderr) = run(cli(home.path(), &k)
        .env("AIRFLOW_VAR_MY_VAR", "from env")
        .args(["--strict", "get", "variable", "my_var"]));
    assert_eq!((code, stdout.as_str()), (3, ""), "{stderr}");
    assert!(
        stderr.contains("parameter `/airflow/variables/my_var`"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET_ACCESS_KEY), "{stderr}");
}
