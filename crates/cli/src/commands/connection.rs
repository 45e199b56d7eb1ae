//! `connection parse|uri`: Airflow's URI rules, without a backend.

use super::{flavor, print_json};
use crate::args::{ConnectionCommand, GlobalArgs};
use crate::commands::get::connection_json;
use crate::exit::{Failure, Status};
use crate::input::resolve;
use airflow_secrets::{Connection, Error};

/// Runs `connection ...`.
pub fn run(global: &GlobalArgs, cmd: ConnectionCommand) -> Result<Status, Failure> {
    let flavor = flavor(global);
    match cmd {
        ConnectionCommand::Parse { value, conn_id } => {
            let value = resolve("connection parse", &value)?.text;
            let conn = Connection::deserialize(&conn_id, &value, flavor).map_err(|source| {
                Error::InvalidConnection {
                    conn_id: conn_id.clone(),
                    source,
                }
            })?;
            print_json(&connection_json(&conn));
            Ok(Status::Ok)
        }
        ConnectionCommand::Uri { json: text } => {
            let text = resolve("--json", &text)?.text;
            let conn = Connection::from_json_as("", &text, flavor).map_err(|source| {
                Error::InvalidConnection {
                    conn_id: String::new(),
                    source,
                }
            })?;
            println!("{}", conn.get_uri());
            Ok(Status::Ok)
        }
    }
}
