//! Helpers for the real-server test suites: find a program (or fail with the install hint), pick a free
//! loopback port, start a server and stop it by PID when the test ends.
//!
//! Servers bind 127.0.0.1 only. Programs are looked up on `PATH`, then in the workspace's `.venv/bin`
//! (which `scripts/setup-test-env.sh` creates and fills with OpenBao, moto and the pinned Airflow).
//!
//! Modules:
//! - [`conformance`]: the promises every provider keeps, run by every provider's mock suite;
//! - [`errors`]: reading the fields of the errors the suites check;
//! - [`logs`]: capturing every `tracing` event at TRACE to prove no secret is logged;
//! - [`leak_check`]: no secret in an error's Display or Debug, or in any text a test gets back;
//! - [`proxy`]: a TCP proxy on 127.0.0.1 that injects faults (refuse, stall) between client and server;
//! - [`airflow`]: the real, pinned Apache Airflow, run in one Python process per comparison;
//! - `differential` (feature `differential`): generated edge inputs in batches, and the report of each
//!   disagreement with Airflow;
//! - [`airflow_reference`]: the same Airflow as one long-lived process answering JSON lines (the
//!   differential suites);
//! - [`openbao`]: a real OpenBao dev server, set up with the `bao` CLI;
//! - [`moto`]: a real moto (AWS) server, boto3 seeding, and the suites' static AWS kwargs;
//! - `aws_credentials` (feature `wiremock`): the AWS default chain's sources as local mocks (container
//!   credentials, IMDSv2, profile files) and the decoding of a Vault `aws_iam` login;
//! - `aws_json` (feature `wiremock`): an AWS JSON-protocol service (SSM, Secrets Manager) as a
//!   conformance fixture;
//! - `vault_responses` (feature `wiremock`): Vault's real response shapes for wiremock;
//! - `gcp_metadata` (feature `wiremock`): the GCE metadata server (project id, token);
//! - `gcp_mock` (feature `wiremock`): Secret Manager's REST format on a wiremock server;
//! - `received` (feature `wiremock`): the requests a wiremock server received, counted or listed;
//! - `airflow_db` (feature `sqlite`): an Airflow metadata database in a SQLite file;
//! - `tls` (feature `tls`): a throw-away test CA and a TLS front for plain test servers.

pub mod airflow;
#[cfg(feature = "sqlite")]
pub mod airflow_db;
pub mod airflow_reference;
#[cfg(feature = "wiremock")]
pub mod aws_credentials;
#[cfg(feature = "wiremock")]
pub mod aws_json;
pub mod conformance;
#[cfg(feature = "differential")]
pub mod differential;
pub mod errors;
#[cfg(feature = "wiremock")]
pub mod gcp_metadata;
#[cfg(feature = "wiremock")]
pub mod gcp_mock;
pub mod leak_check;
pub mod logs;
pub mod moto;
pub mod openbao;
pub mod proxy;
#[cfg(feature = "wiremock")]
pub mod received;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "wiremock")]
pub mod vault_responses;

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit lives at crates/testkit")
        .to_path_buf()
}

/// Finds `program` on `PATH` or in `<workspace>/.venv/bin`; panics (failing the test) with
/// `install_hint` when it is nowhere. Never skips silently.
pub fn find_program(program: &str, install_hint: &str) -> PathBuf {
    let venv = workspace_root().join(".venv").join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([venv])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is required by this test but was not found on PATH or in .venv/bin. \
                 Install it with: {install_hint} (or run scripts/test.sh, which installs everything)"
            )
        })
}

/// The Python interpreter to use for Python-based servers: `<workspace>/.venv/bin/python` if present,
/// else `python3` from `PATH`.
pub fn python() -> PathBuf {
    let venv = workspace_root().join(".venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        find_program("python3", "apt-get install python3")
    }
}

/// Runs `command` to completion with `input` on its stdin (so no value is on a command line), capturing
/// stdout and stderr.
pub fn run_with_stdin(mut command: Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", command.get_program()));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("writing the child's stdin");
    child.wait_with_output().expect("waiting for the child")
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding an ephemeral loopback port")
}

/// A server process started by a test and killed (by PID) when dropped.
pub struct ChildServer {
    name: String,
    child: Child,
    log: tempfile::NamedTempFile,
    /// The loopback port it listens on.
    pub port: u16,
}

impl ChildServer {
    /// Starts `command` (stdout and stderr go to a temporary log), then waits until 127.0.0.1:`port`
    /// accepts connections. Panics with the log's tail if it exits or is not ready within `ready_timeout`.
    pub fn start(
        name: &str,
        mut command: Command,
        port: u16,
        ready_timeout: Duration,
    ) -> ChildServer {
        let log = tempfile::NamedTempFile::new().expect("temporary log file");
        let out = log.reopen().expect("log handle");
        let err = log.reopen().expect("log handle");
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut server = ChildServer {
            name: name.to_owned(),
            child,
            log,
            port,
        };
        server.wait_ready(ready_timeout);
        server
    }

    fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port).into();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited early ({status}); its log:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} was not ready on port {} within {timeout:?}; its log:\n{}",
                    self.name,
                    self.port,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last 4 KiB of the server's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = std::fs::File::open(self.log.path()).and_then(|mut f| f.read_to_string(&mut text));
        let start = text.len().saturating_sub(4096);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }

    /// Kills the server now (the test can then check how clients behave when it is gone).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.stop();
    }
}
