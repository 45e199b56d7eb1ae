//! Trust: the files `aws-config` reads itself — profile files (`AWS_CONFIG_FILE`,
//! `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/*`) and the default chain's token files — are checked before
//! the first lookup builds the client: a FIFO, a device or an oversized file is a clear authentication
//! error, quickly, instead of a lookup blocked for ever (the SDK reads them with a blocking
//! `std::fs::read` on the executor, so not even a caller's timeout would fire) or memory exhausted.
//!
//! One test in its own binary: it sets process environment variables.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend;
use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};
use common::*;
use serde_json::json;

const BOUND: Duration = Duration::from_secs(30);

const VARS: &[&str] = &[
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
];

/// Sets the environment for one scenario (the only test of this binary: nothing else reads it).
fn env(home: &Path, vars: &[(&str, &Path)]) {
    // SAFETY: single test in this binary, and no lookup running while the environment changes.
    unsafe {
        for var in VARS {
            std::env::remove_var(var);
        }
        std::env::set_var("HOME", home);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        for (var, value) in vars {
            std::env::set_var(var, value);
        }
    }
}

/// One lookup on a fresh backend, on its own thread and runtime: a read blocked in the SDK blocks its
/// executor, so the bound is enforced from outside.
fn lookup(kwargs: Kwargs) -> Result<(), Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(async {
            let b = SystemsManagerParameterStoreBackend::from_kwargs(&kwargs)?;
            b.get_variable("v").await.map(|_| ())
        });
        let _ = tx.send(result);
    });
    let started = Instant::now();
    let result = rx
        .recv_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the lookup was still running after {BOUND:?}"));
    assert!(started.elapsed() < BOUND);
    result
}

fn static_keys() -> Kwargs {
    kwargs(
        "http://127.0.0.1:1",
        json!({"config_kwargs": {"connect_timeout": 1, "retries": {"total_max_attempts": 1}}}),
    )
}

fn assert_refused(result: Result<(), Error>, var: &str, path: &Path, problem: &str) {
    let err = result.expect_err("refused");
    let Error::Authentication { problem: p, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(p.contains(var), "{err}");
    assert!(p.contains(&path.display().to_string()), "{err}");
    assert!(p.contains(problem), "{err}");
    assert_error_clean(&err, &[SECRET_ACCESS_KEY]);
}

#[test]
fn trust_profile_and_token_files_that_would_block_or_exhaust_memory_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let zero = dir.path().join("zero");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();

    // AWS_CONFIG_FILE is a FIFO: without the check, the SDK's read would wait for a writer for ever.
    env(&home, &[("AWS_CONFIG_FILE", &fifo)]);
    assert_refused(
        lookup(static_keys()),
        "AWS_CONFIG_FILE",
        &fifo,
        "not a regular file (a FIFO)",
    );

    // AWS_SHARED_CREDENTIALS_FILE is /dev/zero: endless.
    env(&home, &[("AWS_SHARED_CREDENTIALS_FILE", &zero)]);
    assert_refused(
        lookup(static_keys()),
        "AWS_SHARED_CREDENTIALS_FILE",
        &zero,
        "not a regular file (a device)",
    );

    // ~/.aws/config (the default path) is 17 MiB.
    let big = home.join(".aws/config");
    std::fs::write(&big, vec![b'#'; 17 << 20]).unwrap();
    env(&home, &[]);
    assert_refused(
        lookup(static_keys()),
        "the default",
        &big,
        "larger than the 16 MiB",
    );
    std::fs::remove_file(&big).unwrap();

    // The default chain's web identity token file is a FIFO.
    env(
        &home,
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", &fifo),
            (
                "AWS_ROLE_ARN",
                Path::new("arn:aws:iam::123456789012:role/r"),
            ),
        ],
    );
    let mut default_chain = static_keys();
    default_chain.remove("aws_access_key_id");
    default_chain.remove("aws_secret_access_key");
    assert_refused(
        lookup(default_chain),
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        &fifo,
        "not a regular file (a FIFO)",
    );

    // Ordinary profile files pass the check: the lookup goes on to the (closed) endpoint.
    std::fs::write(home.join(".aws/config"), "[default]\nregion = eu-west-1\n").unwrap();
    std::fs::write(home.join(".aws/credentials"), "[default]\n").unwrap();
    env(&home, &[]);
    let err = lookup(static_keys()).unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
}
