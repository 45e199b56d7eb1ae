//! One module per command.

mod backends;
mod check;
mod completions;
mod connection;
mod exec;
mod export;
mod get;

use airflow_secrets::{
    AirflowConfig, ConnectionFlavor, ErrorPolicy, ProcessContext, Secrets, SecretsBuilder,
};

use crate::args::{Cli, Command, FlavorArg, GlobalArgs};
use crate::exit::{Failure, Status};

/// Runs the parsed command line.
pub async fn run(mut cli: Cli) -> Result<Status, Failure> {
    // `-` / `@FILE` are read once, here, so that every command sees the same text.
    if let Some(value) = cli.global.backend_kwargs.take() {
        let input = crate::input::resolve("--backend-kwargs", &value)?;
        cli.global.backend_kwargs = Some(input.text);
        cli.global.backend_kwargs_source = input.source;
    }
    match cli.command {
        Command::Get(cmd) => get::run(&cli.global, cmd).await,
        Command::Backends { output } => Ok(backends::run(output)),
        Command::Check(args) => check::run(&cli.global, args).await,
        Command::Connection(cmd) => connection::run(&cli.global, cmd),
        Command::Exec(args) => exec::run(&cli.global, args).await,
        Command::Export(args) => export::run(&cli.global, args).await,
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
    }
}

/// The connection flavour chosen with `--flavor`.
pub fn flavor(global: &GlobalArgs) -> ConnectionFlavor {
    match global.flavor {
        FlavorArg::Sdk => ConnectionFlavor::TaskSdk,
        FlavorArg::Orm => ConnectionFlavor::Orm,
    }
}

/// The Airflow process imitated, chosen with `--worker`.
pub fn context(global: &GlobalArgs) -> ProcessContext {
    if global.worker {
        ProcessContext::Worker
    } else {
        ProcessContext::Server
    }
}

/// A builder configured from the environment and the global flags.
pub fn builder(global: &GlobalArgs, config: AirflowConfig) -> Result<SecretsBuilder, Failure> {
    let mut builder = Secrets::builder()
        .config(config)
        .context(context(global))
        .error_policy(if global.strict {
            ErrorPolicy::Strict
        } else {
            ErrorPolicy::FallThrough
        })
        .connection_flavor(flavor(global));
    if let Some(team) = &global.team {
        builder = builder.team(team.clone());
    }
    if let Some(class_path) = &global.backend {
        builder = builder.backend_with_json(
            class_path.clone(),
            global.backend_kwargs.as_deref().unwrap_or("{}"),
        )?;
    }
    Ok(builder)
}

/// The lookup chain for the `get` commands.
pub async fn secrets(global: &GlobalArgs) -> Result<Secrets, Failure> {
    let config = AirflowConfig::from_env()?;
    Ok(builder(global, config)?.build().await?)
}

/// Prints a JSON value on stdout, pretty.
pub fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values always serialise")
    );
}
