//! A long-lived reference process: one Python interpreter running the pinned Airflow, answering
//! JSON-lines requests, for the differential suites (thousands of cases, one interpreter).
//!
//! It runs in the same clean environment as [`crate::airflow::run`] (private `AIRFLOW_HOME`, no
//! inherited `AIRFLOW*`/`AWS_*` variables, metadata endpoints disabled). A request is
//! `{"op": NAME, ...}` and gets one answer line; `{"op": NAME, "cases": [...]}` runs the op on every
//! case and answers `{"results": [...]}`. A Python exception is the answer `{"error": "<type>: <msg>"}`
//! (per case), never a crash. The ops are the `OPS` dict of `reference.py`, next to this file: add a
//! function there to add an op.
//!
//! ```no_run
//! use airflow_secrets_testkit::airflow_reference::reference;
//! use serde_json::json;
//!
//! let answers = reference().batch("re_match", vec![json!({"pattern": "^a", "key": "ABC"})]);
//! assert_eq!(answers[0]["match"], true);
//! ```

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::airflow::{assert_installed, clean_environment};

const SCRIPT: &str = include_str!("reference.py");

/// Cases sent per request by [`Reference::batch`]: large enough to make the round trips negligible,
/// small enough to keep one answer line short.
const CHUNK: usize = 500;

/// The running reference process (see the module documentation).
pub struct Reference {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _home: TempDir,
}

/// The reference process of this test binary, started on first use; fails the test with
/// [`crate::airflow::AIRFLOW_HINT`] when the pinned Airflow is not installed. Tests that use it run one
/// at a time through the lock (a test that panicked while holding it does not poison it for the others).
pub fn reference() -> MutexGuard<'static, Reference> {
    static REFERENCE: OnceLock<Mutex<Reference>> = OnceLock::new();
    REFERENCE
        .get_or_init(|| Mutex::new(Reference::start()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Reference {
    fn start() -> Reference {
        let python = crate::python();
        let home = tempfile::tempdir().expect("a temporary AIRFLOW_HOME");
        assert_installed(&python, home.path());
        let mut command = Command::new(&python);
        command
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        clean_environment(&mut command, home.path());
        // Airflow's own warnings (e.g. "Connection schemes shall not contain '_'") are not answers.
        command.env("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR");
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Reference {
            child,
            stdin,
            stdout,
            _home: home,
        }
    }

    /// Sends one request and returns its answer line as JSON.
    pub fn call(&mut self, request: &Value) -> Value {
        let mut line = request.to_string();
        line.push('\n');
        if let Err(e) = self
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
        {
            panic!(
                "the reference process is gone ({e}): {:?}",
                self.child.try_wait()
            );
        }
        let mut answer = String::new();
        match self.stdout.read_line(&mut answer) {
            Ok(0) | Err(_) => panic!(
                "the reference process ended without answering {}: {:?}",
                truncate(&line),
                self.child.try_wait()
            ),
            Ok(_) => serde_json::from_str(&answer).unwrap_or_else(|e| {
                panic!(
                    "the reference process answered no JSON ({e}): {}",
                    truncate(&answer)
                )
            }),
        }
    }

    /// Runs `op` on every case (each a JSON object of the op's fields), in requests of 500 cases;
    /// returns one answer per case, in order.
    pub fn batch(&mut self, op: &str, cases: Vec<Value>) -> Vec<Value> {
        let mut answers = Vec::with_capacity(cases.len());
        for chunk in cases.chunks(CHUNK) {
            let answer = self.call(&json!({"op": op, "cases": chunk}));
            match answer.get("results").and_then(Value::as_array) {
                Some(results) if results.len() == chunk.len() => {
                    answers.extend(results.iter().cloned())
                }
                _ => panic!(
                    "the reference process answered {op} with {}",
                    truncate(&answer.to_string())
                ),
            }
        }
        answers
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(500).collect()
}

/// The multiplier of every differential suite's case counts: `AIRFLOW_SECRETS_DIFF_SCALE` (a positive
/// integer, default 1). `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100× more generated cases.
pub fn scale() -> usize {
    match std::env::var("AIRFLOW_SECRETS_DIFF_SCALE") {
        Err(_) => 1,
        Ok(s) => s.trim().parse().ok().filter(|&n| n > 0).unwrap_or_else(|| {
            panic!("AIRFLOW_SECRETS_DIFF_SCALE must be a positive integer, got {s:?}")
        }),
    }
}

/// The seed of this run's generated cases: `AIRFLOW_SECRETS_DIFF_SEED` (to replay a run), else a
/// fresh one. The suites print it with every disagreement.
pub fn seed() -> u64 {
    match std::env::var("AIRFLOW_SECRETS_DIFF_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| {
            panic!("AIRFLOW_SECRETS_DIFF_SEED must be an unsigned integer, got {s:?}")
        }),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    }
}
