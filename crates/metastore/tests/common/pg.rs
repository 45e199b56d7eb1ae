//! A throw-away PostgreSQL server on 127.0.0.1: `initdb` in a temporary directory, `postgres` on a free
//! port, `pg_ctl stop -m fast` when dropped (then the directory is removed).
//!
//! PostgreSQL refuses to run as root; as root the server runs as the `postgres` user (created by
//! Debian's package), or `nobody`, with the temporary directory handed over to that user.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use airflow_secrets_testkit::{ChildServer, free_port};

const HINT: &str =
    "run scripts/install-postgres.sh (as root: it installs Debian's `postgresql` package)";

/// The directory holding `initdb`, `pg_ctl` and `postgres`: from `PATH`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (where Debian installs them). Fails the test with the install hint
/// when there is none.
pub fn bin_dir() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(initdb) = std::env::split_paths(&path)
        .map(|d| d.join("initdb"))
        .find(|p| p.is_file())
    {
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        let dir = real.parent().expect("initdb has a parent").to_path_buf();
        if dir.join("postgres").is_file() && dir.join("pg_ctl").is_file() {
            return dir;
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse::<u32>().ok()?,
                e.path().join("bin"),
            ))
        })
        .filter(|(_, bin)| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|p| bin.join(p).is_file())
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are required by this test but were \
             found neither on PATH nor under /usr/lib/postgresql/*/bin; {HINT}"
        ),
    }
}

pub struct PgServer {
    // Field order matters: the server is stopped (Drop) before the directory is removed.
    server: ChildServer,
    bin: PathBuf,
    data: PathBuf,
    user: Option<(u32, u32)>,
    stopped: bool,
    _dir: tempfile::TempDir,
    /// The superuser's password (password authentication is required over TCP).
    pub password: String,
}

impl PgServer {
    /// Initialises a cluster whose superuser `postgres` has `password` (SCRAM over TCP, trust on the
    /// socket) and starts it on a free loopback port.
    pub fn start(password: &str) -> PgServer {
        let bin = bin_dir();
        let user = super::server_user("postgres", "PostgreSQL", HINT);
        let dir = super::server_dir("pg", user);
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).expect("writing the password file");
        super::hand_over(&pwfile, user);
        let mut initdb = as_user(Command::new(bin.join("initdb")), user);
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()));
        let out = initdb
            .output()
            .unwrap_or_else(|e| panic!("cannot run initdb: {e}; {HINT}"));
        super::assert_succeeded("initdb", &out);
        let port = free_port();
        let mut postgres = as_user(Command::new(bin.join("postgres")), user);
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(dir.path())
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            // A test server: no durability, small footprint.
            .args([
                "-F",
                "-c",
                "shared_buffers=16MB",
                "-c",
                "max_connections=30",
                "-c",
                "full_page_writes=off",
            ]);
        let server = ChildServer::start("postgres", postgres, port, Duration::from_secs(60));
        PgServer {
            server,
            bin,
            data,
            user,
            stopped: false,
            _dir: dir,
            password: password.to_owned(),
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// `postgresql+psycopg2://<user>:<password>@127.0.0.1:<port>/<db>` with the password
    /// percent-encoded.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgresql+psycopg2://{user}:{}@127.0.0.1:{}/{db}",
            enc(password),
            self.port()
        )
    }

    /// Runs SQL statements as the superuser in database `db`.
    pub async fn exec(&self, db: &str, statements: &[String]) {
        use sqlx::ConnectOptions;
        let options = sqlx::postgres::PgConnectOptions::new_without_pgpass()
            .host("127.0.0.1")
            .port(self.port())
            .username("postgres")
            .password(&self.password)
            .database(db);
        let options = options.disable_statement_logging();
        // The port opens before the server accepts sessions ("the database system is starting up",
        // SQLSTATE 57P03): retry that for a while.
        let mut attempts = 0;
        let conn = loop {
            match options.connect().await {
                Ok(conn) => break conn,
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("57P03") && attempts < 100 =>
                {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("connecting as the superuser: {e}"),
            }
        };
        super::execute_all(conn, statements).await;
    }

    /// Stops the server cleanly (`pg_ctl stop -m fast`, waiting for it to exit).
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let mut pg_ctl = as_user(Command::new(self.bin.join("pg_ctl")), self.user);
        pg_ctl
            .arg("stop")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "60"]);
        match pg_ctl.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("cannot run pg_ctl: {e}"),
        }
        // Reaps the postmaster (and kills it if pg_ctl could not stop it).
        self.server.stop();
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        self.server.log_tail()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// [`super::as_user`], in the C locale.
fn as_user(command: Command, user: Option<(u32, u32)>) -> Command {
    let mut command = super::as_user(command, user);
    command.env("LC_ALL", "C");
    command
}

/// `s` percent-encoded for a URL's user info.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
