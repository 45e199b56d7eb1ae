//! Runs the Azure CLI for [`azure_identity::AzureCliCredential`] with our environment and a time limit.

use std::ffi::OsStr;
use std::io;
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::env::Environment;

/// An [`azure_identity::Executor`] that gives the `az` child process the chain's [`Environment`] (all of it
/// when explicit, so `PATH` decides which `az` runs) and kills it after `timeout`, like Python's
/// `process_timeout`. The SDK's own executor has no time limit.
#[derive(Debug)]
pub(crate) struct AzCliExecutor {
    env: Environment,
    timeout: Duration,
}

impl AzCliExecutor {
    pub(crate) fn new(env: Environment, timeout: Duration) -> Self {
        AzCliExecutor { env, timeout }
    }
}

#[async_trait::async_trait]
impl azure_identity::Executor for AzCliExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command.args(args).stdin(Stdio::null()).kill_on_drop(true);
        if let Environment::Vars(vars) = &self.env {
            command.env_clear().envs(vars.iter());
        }
        match tokio::time::timeout(self.timeout, command.output()).await {
            Ok(output) => output,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the Azure CLI did not answer within {} s",
                    self.timeout.as_secs_f64()
                ),
            )),
        }
    }
}
