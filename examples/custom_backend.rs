//! A service's own backend, registered under its own class path and selected by Airflow's configuration
//! like a built-in one — the Rust twin of a deployment running its own subclass of a provider backend:
//!
//! ```text
//! AIRFLOW__SECRETS__BACKEND=acme.secrets.TeamFilesBackend
//! AIRFLOW__SECRETS__BACKEND_KWARGS='{"team": "payments", "variables_file_path": "..."}'
//! ```
//!
//! `TeamFilesBackend` wraps Airflow's `LocalFilesystemBackend`: it takes one kwarg of its own (`team`,
//! which prefixes every key) and hands the rest to `LocalFilesystemBackend`, which rejects kwargs it does
//! not know. With no backend configured, the example configures itself on the files in `examples/data/`
//! (team `my`, so `var` reads `my_var`).
//!
//! ```text
//! cargo run --example custom_backend              # `var` as team `my` → my_var
//! cargo run --example custom_backend -- KEY
//! ```

use std::process::ExitCode;

use airflow_secrets::core::kwargs::Kwargs;
use airflow_secrets::{
    AirflowConfig, Error, KNOWN_CLASS_PATHS, LocalFilesystemBackend, Lookup, SecretKind,
    SecretValue, Secrets, SecretsBackend, async_trait,
};

const CLASS_PATH: &str = "acme.secrets.TeamFilesBackend";

/// Airflow's local files, every key read as `<team>_<key>`.
#[derive(Debug)]
struct TeamFilesBackend {
    team: String,
    files: LocalFilesystemBackend,
}

impl TeamFilesBackend {
    /// `team` is ours; every other kwarg is `LocalFilesystemBackend`'s (unknown ones are its errors).
    fn from_kwargs(kwargs: &Kwargs) -> Result<TeamFilesBackend, Error> {
        let mut rest = kwargs.clone();
        let team = match rest.remove("team") {
            Some(serde_json::Value::String(team)) if !team.is_empty() => team,
            _ => {
                return Err(Error::InvalidKwarg {
                    backend: "TeamFilesBackend",
                    kwarg: "team".into(),
                    problem: "required: a non-empty string naming the team".into(),
                });
            }
        };
        Ok(TeamFilesBackend {
            team,
            files: LocalFilesystemBackend::from_kwargs(&rest)?,
        })
    }
}

#[async_trait]
impl SecretsBackend for TeamFilesBackend {
    fn name(&self) -> &'static str {
        "TeamFilesBackend"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        self.files.get(kind, &format!("{}_{key}", self.team)).await
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let key = std::env::args().nth(1).unwrap_or_else(|| "var".to_owned());
    match run(&key).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(key: &str) -> Result<ExitCode, Error> {
    let mut config = AirflowConfig::from_env()?;
    if config
        .env_vars()
        .all(|(k, _)| k != "AIRFLOW__SECRETS__BACKEND")
    {
        eprintln!("(no secrets backend configured: {CLASS_PATH} over the files in examples/data/)");
        config = embedded_default(&config)?;
    }
    let secrets = Secrets::builder()
        .register(CLASS_PATH, |kwargs, _context| {
            TeamFilesBackend::from_kwargs(kwargs)
        })
        .config(config)
        .build()
        .await?;

    // What a service's own `backends` listing would show: the built-in class paths and its own.
    println!(
        "class paths: {} built in, registered: {}",
        KNOWN_CLASS_PATHS.len(),
        secrets
            .registered_class_paths()
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chain: Vec<_> = secrets.backends().iter().map(|b| b.name()).collect();
    println!("lookup order: {}", chain.join(" → "));
    match secrets.variable_lookup(key).await? {
        Lookup {
            value: Some(value),
            found_in,
            ..
        } => {
            println!(
                "{key} = {} (from {})",
                value.expose(),
                found_in.unwrap_or("?")
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("Variable {key} does not exist");
            Ok(ExitCode::from(1))
        }
    }
}

/// The process environment plus Airflow's two settings pointing at the shipped files, as a deployment
/// would write them.
fn embedded_default(config: &AirflowConfig) -> Result<AirflowConfig, Error> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
    let kwargs = serde_json::json!({
        "team": "my",
        "variables_file_path": format!("{data}/variables.json"),
        "connections_file_path": format!("{data}/connections.json"),
    });
    let mut vars: Vec<(String, String)> = config
        .env_vars()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    vars.push(("AIRFLOW__SECRETS__BACKEND".into(), CLASS_PATH.into()));
    vars.push((
        "AIRFLOW__SECRETS__BACKEND_KWARGS".into(),
        kwargs.to_string(),
    ));
    AirflowConfig::from_vars(vars)
}
