//! Running `_CMD` options: Airflow's `run_command`, bounded.
//!
//! Airflow waits for the command as long as it takes and keeps all it prints. Here (a deliberate
//! improvement) a command gets [`DEFAULT_COMMAND_TIMEOUT`] and at most [`MAX_COMMAND_OUTPUT`] bytes of
//! stdout; it runs in its own process group, which is killed at the deadline, so a `sh -c` whose
//! background child keeps the pipe open cannot hold the caller. stderr is read (so the command cannot
//! block on a full pipe) but only counted: it may echo the secret, so errors give its size, not its text.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use airflow_secrets_core::Error;
use tokio::io::{AsyncRead, AsyncReadExt};

/// How long a `_CMD` command may run by default: 60 s (Airflow has no limit).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The most bytes a `_CMD` command may print on stdout by default: 1 MiB (a value, not a stream).
pub const MAX_COMMAND_OUTPUT: usize = 1 << 20;

/// Bounds on a `_CMD` command (see [`AirflowConfig::with_command_limits`](super::AirflowConfig::with_command_limits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandLimits {
    /// Time allowed from start to exit, output read: [`DEFAULT_COMMAND_TIMEOUT`] by default.
    pub timeout: Duration,
    /// Most stdout bytes accepted; more is an error: [`MAX_COMMAND_OUTPUT`] by default.
    pub max_stdout: usize,
}

impl Default for CommandLimits {
    fn default() -> Self {
        CommandLimits {
            timeout: DEFAULT_COMMAND_TIMEOUT,
            max_stdout: MAX_COMMAND_OUTPUT,
        }
    }
}

/// [`run_command_with`] with [`CommandLimits::default`].
pub async fn run_command(option: &str, source_name: &str, command: &str) -> Result<String, Error> {
    run_command_with(option, source_name, command, CommandLimits::default()).await
}

/// Runs `command` as Airflow does for `..._CMD` options: split with POSIX shell rules (`shlex.split`),
/// executed without a shell, stdout returned **unstripped**; a non-zero exit is an error. Bounded by
/// `limits`: past the timeout, or past the stdout cap, the command and every process it started are
/// killed and the call fails. Errors name the option, its source and the exit status, never stdout
/// (the secret) nor stderr's text (only its size).
pub async fn run_command_with(
    option: &str,
    source_name: &str,
    command: &str,
    limits: CommandLimits,
) -> Result<String, Error> {
    let fail = |problem: String| Error::InvalidSetting {
        option: option.to_owned(),
        source_name: source_name.to_owned(),
        problem,
    };
    let argv =
        shlex::split(command).ok_or_else(|| fail("the command has unbalanced quotes".into()))?;
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("the command is empty".into()))?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Its own process group, so that the deadline can stop the command's children too.
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot execute `{program}`: {e}")))?;
    let mut group = GroupKiller(child.id());
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(fail(format!("cannot read the output of `{program}`")));
    };
    let run = async {
        tokio::try_join!(
            read_capped(stdout, limits.max_stdout),
            count_bytes(stderr),
            async { child.wait().await.map_err(Outcome::Io) },
        )
    };
    let (stdout, stderr_len, status) = match tokio::time::timeout(limits.timeout, run).await {
        Err(_) => {
            return Err(fail(format!(
                "`{program}` did not finish within {} s, so it was stopped with every process it \
                 started; make the command finish sooner (airflow-secrets bounds _CMD commands, Airflow \
                 waits forever)",
                limits.timeout.as_secs_f64()
            )));
        }
        Ok(Err(Outcome::TooLarge)) => {
            return Err(fail(format!(
                "`{program}` printed more than {} bytes on stdout, so it was stopped; a _CMD must print \
                 just the option's value",
                limits.max_stdout
            )));
        }
        Ok(Err(Outcome::Io(e))) => {
            return Err(fail(format!("cannot read the output of `{program}`: {e}")));
        }
        Ok(Ok(done)) => done,
    };
    if !status.success() {
        return Err(fail(format!(
            "`{program}` {} (stderr: {stderr_len} bytes, not shown)",
            describe(status)
        )));
    }
    // Success: processes the command left behind are its business, as in Airflow.
    group.disarm();
    // Python decodes with errors="ignore".
    Ok(String::from_utf8_lossy(&stdout).replace('\u{FFFD}', ""))
}

/// Why reading a command's output stopped early.
enum Outcome {
    /// More stdout than allowed.
    TooLarge,
    /// A read or wait failed.
    Io(std::io::Error),
}

/// All of `reader`, unless it holds more than `max` bytes.
async fn read_capped(reader: impl AsyncRead + Unpin, max: usize) -> Result<Vec<u8>, Outcome> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut out)
        .await
        .map_err(Outcome::Io)?;
    if out.len() > max {
        return Err(Outcome::TooLarge);
    }
    Ok(out)
}

/// Reads `reader` to its end and keeps only the number of bytes.
async fn count_bytes(mut reader: impl AsyncRead + Unpin) -> Result<u64, Outcome> {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf).await.map_err(Outcome::Io)? {
            0 => return Ok(total),
            n => total = total.saturating_add(n as u64),
        }
    }
}

/// "exited with status N" or "was killed by signal N".
fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return format!("was killed by signal {signal}");
    }
    format!("failed ({status})")
}

/// Kills the command's process group when dropped (deadline, output cap, error), unless disarmed.
/// `kill_on_drop` alone would stop only the command, not what it started.
struct GroupKiller(Option<u32>);

impl GroupKiller {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self
            .0
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw)
        {
            // ESRCH (the group is already gone) is the expected outcome after a clean exit.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    const OPTION: &str = "[secrets] backend_kwargs";
    const SOURCE: &str = "environment variable AIRFLOW__SECRETS__BACKEND_KWARGS_CMD";

    fn limits(timeout_ms: u64) -> CommandLimits {
        CommandLimits {
            timeout: Duration::from_millis(timeout_ms),
            ..CommandLimits::default()
        }
    }

    /// Runs `command`; the outer 10 s bound only turns a hang into a test failure.
    async fn run(command: &str, limits: CommandLimits) -> (Result<String, Error>, Duration) {
        let started = Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(10),
            run_command_with(OPTION, SOURCE, command, limits),
        )
        .await
        .expect("the command must end within 10 s");
        (result, started.elapsed())
    }

    /// `true` while process `pid` exists and is not a zombie.
    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn trust_08_sleep_hits_the_deadline() {
        let (result, took) = run("sleep 987", limits(500)).await;
        let err = result.unwrap_err().to_string();
        assert!(took < Duration::from_secs(10), "{took:?}");
        assert!(
            err.contains(OPTION)
                && err.contains(SOURCE)
                && err.contains("did not finish within 0.5 s"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn trust_08_output_beyond_the_cap_is_refused() {
        // Bounded first (2 MiB), then `yes`, which never stops.
        for command in ["head -c 2097152 /dev/zero", "yes"] {
            let (result, _) = run(command, limits(5_000)).await;
            let err = result.expect_err(command).to_string();
            assert!(
                err.contains("printed more than 1048576 bytes on stdout"),
                "{command}: {err}"
            );
        }
        // Under the cap is fine.
        let (result, _) = run("head -c 1048576 /dev/zero", limits(5_000)).await;
        assert_eq!(result.unwrap().len(), 1 << 20);
    }

    #[tokio::test]
    async fn trust_08_grandchild_holding_stdout_does_not_block_the_call() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The shell exits at once; its background `sleep` keeps stdout open.
        let command = format!(
            "sh -c 'sleep 987 & echo $! > {}; echo started'",
            pid_file.display()
        );
        let (result, took) = run(&command, limits(500)).await;
        let err = result.unwrap_err().to_string();
        assert!(took < Duration::from_secs(10), "{took:?}");
        assert!(err.contains("did not finish within 0.5 s"), "{err}");
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The whole process group is killed: the grandchild too (give the kernel a moment).
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(pid), "the grandchild `sleep` {pid} is still running");

        // A shell killed at the deadline takes its children with it.
        let command = format!(
            "sh -c 'sleep 987 & echo $! > {}; sleep 987'",
            pid_file.display()
        );
        let (result, _) = run(&command, limits(500)).await;
        assert!(result.is_err());
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(pid), "the grandchild `sleep` {pid} is still running");
    }

    #[tokio::test]
    async fn trust_08_stderr_is_summarised_never_echoed() {
        let (result, _) = run(
            "sh -c 'echo StdoutS3cret; echo PlantedS3cret-in-stderr >&2; exit 3'",
            limits(5_000),
        )
        .await;
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("exited with status 3 (stderr: 24 bytes, not shown)"),
            "{err}"
        );
        assert!(!err.contains("S3cret"), "{err}");
        // stderr of a command that succeeds is read (so it cannot block) and dropped.
        let (result, _) = run(
            "sh -c 'echo ok; head -c 200000 /dev/zero >&2'",
            limits(5_000),
        )
        .await;
        assert_eq!(result.unwrap(), "ok\n");
    }
}
