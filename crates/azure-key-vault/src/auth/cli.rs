//! Runs the Azure CLI for [`azure_identity::AzureCliCredential`] with the snapshot's environment and a time limit.

use std::ffi::OsStr;
use std::io;
use std::process::{Output, Stdio};
use std::time::Duration;

use airflow_secrets_core::provider::env::EnvSnapshot;

use crate::env::HONOURED;

/// An [`azure_identity::Executor`] that gives the `az` child process the chain's [`EnvSnapshot`] and kills it
/// after `timeout`, like Python's `process_timeout`. The SDK's own executor has no time limit.
///
/// Every [`HONOURED`] variable is the snapshot's (set from it, or removed when the snapshot has none), so
/// `PATH` decides which `az` runs and the `AZURE_*` variables are the ones the chain saw; the rest of the
/// process environment (`HOME`, `AZURE_CONFIG_DIR`, proxies, locale) is inherited, as the CLI needs it.
#[derive(Debug)]
pub(crate) struct AzCliExecutor {
    env: EnvSnapshot,
    timeout: Duration,
}

impl AzCliExecutor {
    pub(crate) fn new(env: EnvSnapshot, timeout: Duration) -> Self {
        AzCliExecutor { env, timeout }
    }
}

#[async_trait::async_trait]
impl azure_identity::Executor for AzCliExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command.args(args).stdin(Stdio::null()).kill_on_drop(true);
        for name in HONOURED {
            match self.env.get(name) {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
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
