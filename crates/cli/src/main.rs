//! `airflow-secrets`: the operator's command line for airflow-secrets.

mod args;
mod commands;
mod exit;
mod handoff;
mod input;
mod logging;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// The clap command, with `--version` listing the providers this build includes.
pub(crate) fn command() -> clap::Command {
    let providers: Vec<&str> = airflow_secrets::BackendClass::ALL
        .iter()
        .filter(|class| class.is_compiled())
        .filter_map(|class| class.feature())
        .collect();
    let long_version = format!(
        "{}\nproviders: {}",
        env!("CARGO_PKG_VERSION"),
        if providers.is_empty() {
            "none (the built-in environment and local-file backends only)".to_owned()
        } else {
            providers.join(", ")
        }
    );
    // clap keeps `&'static str`s; the text is built once per run.
    args::Cli::command().long_version(&*Box::leak(long_version.into_boxed_str()))
}

fn main() -> ExitCode {
    let cli = match args::Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::Status::Usage.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(status) => status.into(),
        Err(failure) => {
            failure.report();
            failure.status.into()
        }
    }
}
