//! The real Apache Airflow (the pinned releases of `scripts/airflow-pins.txt`, installed into `.venv` by
//! `scripts/setup-test-env.sh`), for suites that compare airflow-secrets' answers with Airflow's own.
//!
//! [`run`] runs one Python script in one interpreter (not one per case): the script gets the JSON
//! `data` from stdin and prints its answer as JSON on stdout. Airflow runs in a private, empty
//! `AIRFLOW_HOME`, with no inherited `AIRFLOW__*`/`AIRFLOW_CONN_*`/`AIRFLOW_VAR_*` or `AWS_*` variables,
//! and with the cloud metadata endpoints disabled: nothing it does leaves the machine.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::python;

/// How to install the pinned Airflow.
pub const AIRFLOW_HINT: &str =
    "scripts/setup-test-env.sh (uv pip install -r scripts/airflow-pins.txt)";

/// Runs `script` with the pinned Airflow importable, `data` = `input`, and returns what it printed as
/// JSON. Fails the test with the install hint when Airflow is not installed, and with Python's
/// traceback when the script raises.
pub fn run(script: &str, input: &Value) -> Value {
    let python = python();
    let home = tempfile::tempdir().expect("a temporary AIRFLOW_HOME");
    let clean = |command: &mut Command| clean_environment(command, home.path());
    let prelude = "import json, sys\ndata = json.loads(sys.stdin.read())\n";
    let mut command = Command::new(&python);
    command.args(["-c", &format!("{prelude}{script}")]);
    clean(&mut command);
    let output = crate::run_with_stdin(command, input.to_string().as_bytes());
    if !output.status.success() {
        // Only now is Airflow's import probed (it costs as much as the script's own start): a missing
        // Airflow fails with the install hint rather than the script's traceback.
        assert_installed(&python, home.path());
        panic!(
            "the Airflow script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("the Airflow script printed no JSON ({e}): {stdout}"))
}

/// Airflow's clean environment for `command`: no inherited `AIRFLOW*`/`AWS_*` variables, a private
/// `AIRFLOW_HOME`, the cloud metadata endpoints disabled.
pub(crate) fn clean_environment(command: &mut Command, home: &Path) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("AIRFLOW") || name.starts_with("AWS_") {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env("AIRFLOW_HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "*");
}

/// Fails the test with [`AIRFLOW_HINT`] unless `python` imports the pinned Airflow.
pub(crate) fn assert_installed(python: &Path, home: &Path) {
    let mut probe = Command::new(python);
    probe.args(["-c", "import airflow.sdk, airflow.models"]);
    clean_environment(&mut probe, home);
    let probe = probe
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        probe.status.success(),
        "the pinned Apache Airflow is required by this test but `import airflow.sdk` failed with {}: {}\n\
         Install it with: {AIRFLOW_HINT}",
        python.display(),
        String::from_utf8_lossy(&probe.stderr)
    );
}
