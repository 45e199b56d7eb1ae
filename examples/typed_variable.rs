//! A structured variable read into a Rust type — the twin of Airflow's
//! `Variable.get("worker_pool", deserialize_json=True)`.
//!
//! Configuration as in `print_variable`: Airflow's own strings, or with none the embedded default
//! (`LocalFilesystemBackend` over `examples/data/`, whose `worker_pool` holds a JSON object).
//!
//! ```text
//! cargo run --example typed_variable               # worker_pool from examples/data/
//! cargo run --example typed_variable -- KEY        # another key holding the same JSON shape
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use airflow_secrets::{AirflowConfig, Error, LocalFilesystemBackend, Secrets};

/// The shape the service expects. A stored value that does not fit is an error naming the key and
/// the field (`at `size``), never the stored value.
#[derive(Debug, serde::Deserialize)]
struct WorkerPool {
    size: u32,
    hosts: Vec<String>,
    #[serde(default)]
    tls: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let key = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "worker_pool".to_owned());
    match run(&key).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(key: &str) -> Result<ExitCode, Error> {
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
    match secrets.variable_json::<WorkerPool>(key).await? {
        Some(pool) => {
            println!(
                "{} workers (tls: {}): {}",
                pool.size,
                pool.tls,
                pool.hosts.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("Variable {key} does not exist");
            Ok(ExitCode::from(1))
        }
    }
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
