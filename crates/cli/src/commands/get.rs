//! `get variable|connection|config`.

use airflow_secrets::{Connection, EnvironmentVariablesBackend, Error, Lookup, SecretKind};
use serde_json::{Value, json};

use super::{print_json, secrets};
use crate::args::{ConnOutput, GetCommand, GlobalArgs, TextOrJson};
use crate::exit::{Failure, Status};

/// Runs `get ...`.
pub async fn run(global: &GlobalArgs, cmd: GetCommand) -> Result<Status, Failure> {
    let secrets = secrets(global).await?;
    match cmd {
        GetCommand::Variable { key, output } => {
            let lookup = secrets.variable_lookup(&key).await?;
            let Some(value) = &lookup.value else {
                return Err(not_found(format!("Variable {key} does not exist"), lookup));
            };
            match output {
                TextOrJson::Text => println!("{}", value.expose()),
                TextOrJson::Json => print_json(
                    &json!({"key": key, "value": value.expose(), "backend": lookup.found_in}),
                ),
            }
            Ok(Status::Ok)
        }
        GetCommand::Connection { conn_id, output } => {
            let lookup = secrets.connection_lookup(&conn_id).await?;
            let Some(conn) = &lookup.value else {
                let message = Error::ConnectionNotFound {
                    conn_id: conn_id.clone(),
                }
                .to_string();
                return Err(not_found(message, lookup));
            };
            match output {
                ConnOutput::Uri => println!("{}", conn.get_uri()),
                ConnOutput::Json => print_json(&connection_json(conn)),
                ConnOutput::Env => println!("{}", env_line(conn)),
            }
            Ok(Status::Ok)
        }
        GetCommand::Config { key, output } => {
            let value = secrets.config(&key).await?;
            let Some(value) = value else {
                let message = match secrets.custom_backend() {
                    Some(b) => format!("Config {key} is not stored in {}", b.name()),
                    None => format!(
                        "Config {key} cannot be read: no secrets backend is configured \
                         (config values come only from the custom backend, as in Airflow)"
                    ),
                };
                return Err(Failure::new(Status::NotFound, message));
            };
            match output {
                TextOrJson::Text => println!("{}", value.expose()),
                TextOrJson::Json => print_json(&json!({"key": key, "value": value.expose()})),
            }
            Ok(Status::Ok)
        }
    }
}

/// Not found: status 1, unless a backend failed on the way (then 3, with each failure listed).
fn not_found<T>(message: String, lookup: Lookup<T>) -> Failure {
    if lookup.failures.is_empty() {
        return Failure::new(Status::NotFound, message);
    }
    let mut messages: Vec<String> = lookup
        .failures
        .into_iter()
        .map(|(_, e)| e.to_string())
        .collect();
    messages.push(format!("{message} (and the backends above failed)"));
    Failure {
        status: Status::BackendFailure,
        messages,
    }
}

/// A connection with the field names of `airflow connections get -o json` (minus the database-only `id`,
/// `is_encrypted` and `is_extra_encrypted`), plus the raw `extra`.
pub fn connection_json(conn: &Connection) -> Value {
    json!({
        "conn_id": conn.conn_id,
        "conn_type": conn.conn_type,
        "description": conn.description,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "password": conn.password.as_ref().map(|p| p.expose()),
        "port": conn.port,
        "extra": conn.extra,
        "extra_dejson": Value::Object(conn.extra_dejson()),
        "get_uri": conn.get_uri(),
    })
}

/// `AIRFLOW_CONN_<ID>='<uri>'`, quoted for POSIX shells.
fn env_line(conn: &Connection) -> String {
    let name = EnvironmentVariablesBackend::env_var_name(SecretKind::Connection, &conn.conn_id)
        .expect("connections are read from environment variables");
    let uri = conn.get_uri();
    let quoted = format!("'{}'", uri.replace('\'', r"'\''"));
    format!("{name}={quoted}")
}
