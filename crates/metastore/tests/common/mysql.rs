//! A throw-away MariaDB server (MySQL-compatible) on 127.0.0.1: `mariadb-install-db` in a temporary
//! directory, `mariadbd` on a free port, stopped with SIGTERM (a clean shutdown) when dropped.
//!
//! As root the server runs as the `mysql` user (created by Debian's package), or `nobody`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use airflow_secrets_testkit::{ChildServer, free_port};

const HINT: &str =
    "run scripts/install-mariadb.sh (as root: it installs Debian's `mariadb-server` package)";

fn find(names: &[&str]) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/bin".into()])
        .collect();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{}` (MariaDB server) is required by this test but was not found; {HINT}",
                names[0]
            )
        })
}

pub struct MySqlServer {
    // The server is stopped (Drop) before the directory is removed.
    server: ChildServer,
    socket: PathBuf,
    stopped: bool,
    _dir: tempfile::TempDir,
}

impl MySqlServer {
    /// Initialises a data directory (root: no password over the socket) and starts the server.
    pub fn start() -> MySqlServer {
        let mariadbd = find(&["mariadbd", "mysqld"]);
        let install_db = find(&["mariadb-install-db", "mysql_install_db"]);
        let user = super::server_user("mysql", "MariaDB", HINT);
        let dir = super::server_dir("my", user);
        let data = dir.path().join("data");
        let socket = dir.path().join("mysqld.sock");
        // A private tmpdir: with the shared /tmp, concurrent bootstraps (the tests of one binary run in
        // parallel) failed now and then with "Could not remove temporary table '/tmp/#sql-temptable-…'".
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).expect("the server's tmpdir");
        super::hand_over(&tmp, user);
        let out = super::as_user(Command::new(&install_db), user)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {HINT}", install_db.display()));
        super::assert_succeeded("mariadb-install-db", &out);
        let port = free_port();
        let mut cmd = super::as_user(Command::new(&mariadbd), user);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!(
                "--pid-file={}",
                dir.path().join("mysqld.pid").display()
            ))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
            ])
            .args([
                "--innodb-log-file-size=8M",
                "--skip-innodb-doublewrite",
                "--innodb-flush-log-at-trx-commit=0",
            ]);
        let server = ChildServer::start("mariadbd", cmd, port, Duration::from_secs(60));
        MySqlServer {
            server,
            socket,
            stopped: false,
            _dir: dir,
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// Runs SQL statements as root (over the Unix socket), in database `db` if given.
    pub async fn exec(&self, db: Option<&str>, statements: &[String]) {
        use sqlx::ConnectOptions;
        let mut options = sqlx::mysql::MySqlConnectOptions::new()
            .socket(&self.socket)
            .username("root");
        if let Some(db) = db {
            options = options.database(db);
        }
        let conn = options
            .disable_statement_logging()
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connecting as root: {e}\n{}", self.log()));
        super::execute_all(conn, statements).await;
    }

    /// Stops the server cleanly (SIGTERM, then waits for it to exit).
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pid = self.server.pid();
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        // Until it exits it is not a zombie (it stays one until ChildServer reaps it below).
        while Instant::now() < deadline {
            match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                Ok(stat)
                    if stat
                        .rsplit_once(')')
                        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')) =>
                {
                    break;
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(100)),
                Err(_) => break,
            }
        }
        self.server.stop();
    }

    pub fn log(&self) -> String {
        self.server.log_tail()
    }
}

impl Drop for MySqlServer {
    fn drop(&mut self) {
        self.stop();
    }
}
