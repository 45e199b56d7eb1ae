//! `exec`: resolve the selection, then run a command with it in its environment.

use std::process::Command;

use super::secrets;
use crate::args::{ExecArgs, GlobalArgs};
use crate::exit::{Failure, Status};
use crate::handoff::{Selection, resolve};

/// Runs `exec ...`. On Unix the command replaces this process (same PID; signals reach it directly; its
/// exit status is the exit status); elsewhere it runs as a child whose status is returned.
pub async fn run(global: &GlobalArgs, args: ExecArgs) -> Result<Status, Failure> {
    let selection = Selection::from_args(
        &args.select.conn,
        &args.select.var,
        args.select.from.as_deref(),
    )?;
    let resolved = {
        let secrets = secrets(global).await?;
        resolve(&secrets, &selection, args.select.allow_missing).await?
    };
    super::export::warn_missing(&resolved.missing);

    let (program, rest) = args
        .command
        .split_first()
        .expect("clap requires the command");
    let mut command = Command::new(program);
    command.args(rest);
    if args.clear_env {
        command.env_clear();
        for name in &args.keep {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
    }
    for var in &resolved.vars {
        command.env(&var.name, var.value.expose());
    }
    tracing::debug!(
        program = %program.to_string_lossy(),
        variables = ?resolved.vars.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        "starting the command"
    );
    start(command, program)
}

#[cfg(unix)]
fn start(mut command: Command, program: &std::ffi::OsStr) -> Result<Status, Failure> {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let error = command.exec();
    Err(cannot_start(program, &error))
}

#[cfg(not(unix))]
fn start(mut command: Command, program: &std::ffi::OsStr) -> Result<Status, Failure> {
    let mut child = command.spawn().map_err(|e| cannot_start(program, &e))?;
    // Ctrl-C reaches the child through the console; this process only has to outlive it.
    let _ignore = tokio::spawn(async {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                break;
            }
        }
    });
    let status = child.wait().map_err(|e| cannot_start(program, &e))?;
    Ok(Status::Child(status.code().unwrap_or(1).clamp(0, 255) as u8))
}

/// 127 when the program does not exist, 126 when it cannot be run — the shell's convention.
fn cannot_start(program: &std::ffi::OsStr, error: &std::io::Error) -> Failure {
    let status = match error.kind() {
        std::io::ErrorKind::NotFound => Status::CommandNotFound,
        _ => Status::CannotRun,
    };
    Failure::new(
        status,
        format!("cannot run `{}`: {error}", program.to_string_lossy()),
    )
}
