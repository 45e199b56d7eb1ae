//! The Rust twin of the product documentation's example DAG task:
//!
//! ```python
//! print(f"My variable is: {Variable.get('my_var')}")
//! ```
//!
//! It reads Airflow's configuration (`AIRFLOW__SECRETS__BACKEND`, `AIRFLOW__SECRETS__BACKEND_KWARGS`,
//! `airflow.cfg`, ...) and looks the variable and a connection up in Airflow's order: secrets backend →
//! `AIRFLOW_VAR_*` / `AIRFLOW_CONN_*` → metastore. With no backend configured it uses the embedded
//! default: Airflow's `LocalFilesystemBackend` over the files in `examples/data/`.
//!
//! ```text
//! cargo run --example print_variable                 # my_var and my_pg from examples/data/
//! cargo run --example print_variable -- KEY CONN_ID  # other keys
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use airflow_secrets::{AirflowConfig, Error, LocalFilesystemBackend, Secrets};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let key = args.next().unwrap_or_else(|| "my_var".to_owned());
    let conn_id = args.next().unwrap_or_else(|| "my_pg".to_owned());
    match run(&key, &conn_id).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(key: &str, conn_id: &str) -> Result<ExitCode, Error> {
    let config = AirflowConfig::from_env()?;
    let mut secrets = Secrets::builder().config(config.clone()).build().await?;
    if secrets.custom_backend().is_none() {
        eprintln!(
            "(no secrets backend configured: using the embedded default, the files in examples/data/)"
        );
        secrets = Secrets::builder()
            .config(config)
            .custom_backend(Arc::new(embedded_default()?))
            .build()
            .await?;
    }

    let mut code = ExitCode::SUCCESS;
    match secrets.variable(key).await? {
        Some(value) => println!("My variable is: {}", value.expose()),
        None => {
            eprintln!("Variable {key} does not exist");
            code = ExitCode::from(1);
        }
    }
    match secrets.connection(conn_id).await {
        // `Display` of a Connection is its URI with the password and extra values masked.
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
