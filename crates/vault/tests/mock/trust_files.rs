//! Trust item 17: every file a kwarg names (`token_path`, `verify`, `cert`, `kubernetes_jwt_path`,
//! `jwt_token_path`, `gcp_key_path`) is read through the core's bounded reader: a FIFO (which would
//! block the open forever, during the login, with the session locked), a device (`/dev/zero`: endless)
//! or a file over 1 MiB is a quick, clear error naming the kwarg, never a hang or an allocation spree.
//!
//! Each lookup runs on a thread of its own with its own runtime, so that a lookup stuck in a blocking
//! `open` fails the test at [`BOUND`] instead of hanging the suite.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use airflow_secrets_core::{Error, SecretsBackend};
use serde_json::{Value, json};

use crate::common::*;

const BOUND: Duration = Duration::from_secs(10);

/// The error of looking up variable `v` with `kwargs`, on its own thread, within [`BOUND`].
fn lookup_error(kwargs: Value) -> Error {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let vault = backend(kwargs.as_object().unwrap());
        let result = runtime.block_on(vault.get_variable("v"));
        let _ = tx.send(result.map(|v| v.is_some()));
    });
    let result = rx
        .recv_timeout(BOUND)
        .unwrap_or_else(|_| panic!("the lookup was still running after {BOUND:?}: it hangs"));
    result.clean_err()
}

/// A FIFO, a symlink to `/dev/zero` and a 2 GiB sparse file, in `dir`.
fn hostile_files(dir: &Path) -> [(PathBuf, &'static str); 3] {
    let fifo = dir.join("fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let zero = dir.join("zero");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let sparse = dir.join("sparse");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    [
        (fifo, "a FIFO"),
        (zero, "a device"),
        (sparse, "larger than the 1 MiB"),
    ]
}

fn assert_names(err: &Error, kwarg: &str, problem: &str) {
    let text = err.to_string();
    assert!(text.contains(kwarg), "{text}");
    assert!(text.contains(problem), "{text}");
}

/// Nothing listens at this URL: the file problem must come before any request.
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn trust_17_token_path_must_be_a_small_regular_file() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    for (path, problem) in hostile_files(dir.path()) {
        let err = lookup_error(json!({ "url": NOWHERE, "token_path": path, "max_retries": 0 }));
        assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
        assert_names(&err, "token_path", problem);
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn trust_17_jwt_paths_must_be_small_regular_files() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    for (path, problem) in hostile_files(dir.path()) {
        let err = lookup_error(json!({ "url": NOWHERE, "auth_type": "jwt", "jwt_role": "r",
            "jwt_token_path": path, "max_retries": 0 }));
        assert_names(&err, "jwt_token_path", problem);
        let err = lookup_error(json!({ "url": NOWHERE, "auth_type": "kubernetes",
            "kubernetes_role": "r", "kubernetes_jwt_path": path, "max_retries": 0 }));
        assert_names(&err, "kubernetes_jwt_path", problem);
        let err = lookup_error(json!({ "url": NOWHERE, "auth_type": "gcp", "role_id": "r",
            "gcp_key_path": path, "gcp_scopes": "s", "max_retries": 0 }));
        assert_names(&err, "gcp_key_path", problem);
    }
    logs.assert_free_of(SUITE_SECRETS);
}

#[test]
fn trust_17_verify_and_cert_must_be_small_regular_files() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    for (path, problem) in hostile_files(dir.path()) {
        let err = lookup_error(json!({ "url": "https://127.0.0.1:9", "token": TOKEN,
            "verify": path, "max_retries": 0 }));
        assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
        assert_names(&err, "verify", problem);
        let err = lookup_error(json!({ "url": "https://127.0.0.1:9", "token": TOKEN,
            "cert": path, "max_retries": 0 }));
        assert!(matches!(err, Error::InvalidKwarg { .. }), "{err:?}");
        assert_names(&err, "cert", problem);
    }
    logs.assert_free_of(SUITE_SECRETS);
}

/// `verify` as a directory: an oversized file in it is refused (FIFOs and devices are not regular
/// files and are skipped, as before), and so is a directory of more than 1,000 entries.
#[test]
fn trust_17_verify_directories_are_bounded() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let sparse = dir.path().join("huge.pem");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let err = lookup_error(json!({ "url": "https://127.0.0.1:9", "token": TOKEN,
        "verify": dir.path(), "max_retries": 0 }));
    assert_names(&err, "verify", "larger than the 1 MiB");

    let many = tempfile::tempdir().unwrap();
    for i in 0..1001 {
        std::fs::write(many.path().join(format!("{i}.txt")), "x").unwrap();
    }
    let err = lookup_error(json!({ "url": "https://127.0.0.1:9", "token": TOKEN,
        "verify": many.path(), "max_retries": 0 }));
    assert_names(&err, "verify", "more than 1000 files");
    logs.assert_free_of(SUITE_SECRETS);
}
