//! Reads the documentation's variable and connection from Vault with Airflow's own configuration.
//!
//! ```text
//! eval "$(scripts/dev-vault.sh)"                        # OpenBao on 127.0.0.1:8200, seeded; exports
//! cargo run --example vault_approle --features vault    # AIRFLOW__SECRETS__BACKEND(_KWARGS) are read
//! ```
//!
//! Any Airflow deployment's two variables work the same way:
//! `AIRFLOW__SECRETS__BACKEND=airflow.providers.hashicorp.secrets.vault.VaultBackend` and
//! `AIRFLOW__SECRETS__BACKEND_KWARGS={"url": ..., "auth_type": "approle", "role_id": ..., "secret_id": ...}`.

use airflow_secrets::{ErrorPolicy, Secrets};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = airflow_secrets::AirflowConfig::from_env()?;
    // Strict: a Vault failure (denied, unreachable) is reported instead of falling back to the
    // environment variables, which is what you want when checking a setup.
    let secrets = Secrets::builder()
        .config(config)
        .error_policy(ErrorPolicy::Strict)
        .build()
        .await?;
    match secrets.custom_backend() {
        Some(backend) => println!("secrets backend: {}", backend.name()),
        None => return Err(
            "AIRFLOW__SECRETS__BACKEND is not set: run `eval \"$(scripts/dev-vault.sh)\"` first"
                .into(),
        ),
    }

    match secrets.variable("my_var").await? {
        Some(value) => println!("my_var = {}", value.expose()),
        None => println!("my_var is not set"),
    }

    let pg = secrets.connection("my_pg").await?;
    println!(
        "my_pg = {} on {}:{} as {} (database {}, password {})",
        pg.conn_type.as_deref().unwrap_or("?"),
        pg.host.as_deref().unwrap_or("?"),
        pg.port.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
        pg.login.as_deref().unwrap_or("?"),
        pg.schema.as_deref().unwrap_or("?"),
        if pg.password.is_some() {
            "set"
        } else {
            "not set"
        },
    );
    Ok(())
}
