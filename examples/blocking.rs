//! `print_variable` without async: `airflow_secrets::blocking::Secrets` from a plain `fn main`, as a CLI,
//! a build script or a sync web handler would use it. It owns its runtime (one background thread), so
//! there is no `#[tokio::main]` and no `.await`.
//!
//! ```text
//! cargo run --example blocking                 # my_var and my_pg from examples/data/
//! cargo run --example blocking -- KEY CONN_ID  # other keys
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use airflow_secrets::blocking::Secrets;
use airflow_secrets::{AirflowConfig, Error, LocalFilesystemBackend};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let key = args.next().unwrap_or_else(|| "my_var".to_owned());
    let conn_id = args.next().unwrap_or_else(|| "my_pg".to_owned());
    match run(&key, &conn_id) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(key: &str, conn_id: &str) -> Result<ExitCode, Error> {
    let config = AirflowConfig::from_env()?;
    let mut secrets = Secrets::builder().config(config.clone()).build()?;
    if secrets.custom_backend().is_none() {
        eprintln!(
            "(no secrets backend configured: using the embedded default, the files in examples/data/)"
        );
        secrets = Secrets::builder()
            .config(config)
            .custom_backend(Arc::new(embedded_default()?))
            .build()?;
    }
    let mut code = ExitCode::SUCCESS;
    match secrets.variable(key)? {
        Some(value) => println!("My variable is: {}", value.expose()),
        None => {
            eprintln!("Variable {key} does not exist");
            code = ExitCode::from(1);
        }
    }
    match secrets.connection(conn_id) {
        Ok(conn) => println!("My connection is: {conn}"),
        Err(e @ Error::ConnectionNotFound { .. }) => {
            eprintln!("{e}");
            code = ExitCode::from(1);
        }
        Err(e) => return Err(e),
    }
    Ok(code)
}

/// `LocalFilesystemBackend` over the shipped files, configured exactly as the Airflow kwargs would be.
fn embedded_default() -> Result<LocalFilesystemBackend, Error> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
    let kwargs = serde_json::json!({
        "variables_file_path": format!("{data}/variables.json"),
        "connections_file_path": format!("{data}/connections.json"),
    });
    LocalFilesystemBackend::from_kwargs(kwargs.as_object().expect("an object"))
}
