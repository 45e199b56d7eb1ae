//! The moto server for the AWS real-server suites (SSM and Secrets Manager; the providers', the
//! facade's and the CLI's): started on a free loopback port, stopped (by PID) when dropped; seeding with
//! boto3; and Airflow's kwargs for an AWS endpoint (moto or a mock) with the static credentials every
//! suite uses.

use std::process::Command;
use std::time::Duration;

use airflow_secrets_core::kwargs::Kwargs;
use serde_json::Value;

use crate::{ChildServer, free_port, python};

/// How to install moto.
pub const MOTO_HINT: &str = "pip install 'moto[server]'";
/// Static credentials for every test: moto accepts any key and files it under its default account.
pub const ACCESS_KEY_ID: &str = "AKIDAIRFLOWTEST";
/// A distinctive secret, so the no-leak checks can look for it.
pub const SECRET_ACCESS_KEY: &str = "s3cr3t-SECRET-ACCESS-KEY-do-not-leak";
/// The region of every test.
pub const REGION: &str = "us-east-1";

/// Starts `python -m moto.server -H 127.0.0.1 -p <port>`; fails the test with the install hint when
/// `import moto.server` fails.
pub fn start_moto() -> ChildServer {
    start_moto_with_env(&[])
}

/// [`start_moto`] with extra environment variables for the server, e.g.
/// `INITIAL_NO_AUTH_ACTION_COUNT=5`: moto enforces IAM (known access keys, policies) after that many
/// requests.
pub fn start_moto_with_env(env: &[(&str, &str)]) -> ChildServer {
    let python = python();
    let probe = Command::new(&python)
        .args(["-c", "import moto.server"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        probe.status.success(),
        "moto's server is required by this test but `import moto.server` failed with {}: {}\nInstall it with: \
         {MOTO_HINT} (or run scripts/setup-test-env.sh, which installs everything into .venv)",
        python.display(),
        String::from_utf8_lossy(&probe.stderr)
    );
    let port = free_port();
    let mut command = Command::new(&python);
    command
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        // moto must never reach out either.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    ChildServer::start("moto", command, port, Duration::from_secs(60))
}

/// Seeds parameters with boto3 (installed with moto) — for suites that do not depend on the Rust SDK.
/// Each entry is `(name, value, secure)`; `secure` makes a SecureString.
pub fn seed_with_boto3(endpoint: &str, parameters: &[(&str, &str, bool)]) {
    run_boto3(
        endpoint,
        r#"
ssm = session.client("ssm")
for name, value, secure in data:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString" if secure else "String", Overwrite=True)
"#,
        &serde_json::to_value(parameters).expect("plain strings and booleans"),
    );
}

/// Runs `script` (Python) with boto3 against the moto server at `endpoint`: `session` is a
/// `boto3.Session` with the suites' static credentials and region whose clients default to `endpoint`
/// (`session.client("secretsmanager")`), `data` is `input` (JSON, passed on stdin, so no value appears
/// on a command line). Fails the test with boto3's error when the script raises.
pub fn run_boto3(endpoint: &str, script: &str, input: &Value) {
    let prelude = r#"
import json, sys, boto3
_endpoint, _region, _key, _secret = sys.argv[1:5]
class _Session:
    def __init__(self):
        self._s = boto3.Session(aws_access_key_id=_key, aws_secret_access_key=_secret, region_name=_region)
    def client(self, name):
        return self._s.client(name, endpoint_url=_endpoint)
session = _Session()
data = json.loads(sys.stdin.read())
"#;
    let mut command = Command::new(python());
    command
        .args([
            "-c",
            &format!("{prelude}{script}"),
            endpoint,
            REGION,
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
        ])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    let output = crate::run_with_stdin(command, input.to_string().as_bytes());
    assert!(
        output.status.success(),
        "seeding moto with boto3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Kwargs pointing at `endpoint` with static credentials, merged with `extra`.
pub fn kwargs(endpoint: &str, extra: Value) -> Kwargs {
    let mut k: Kwargs = serde_json::from_value(serde_json::json!({
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    }))
    .unwrap();
    k.extend(
        extra
            .as_object()
            .expect("extra kwargs are an object")
            .clone(),
    );
    k
}
