//! A connection as environment variables, in each mapping.

use airflow_secrets::{Connection, EnvironmentVariablesBackend, SecretKind, SecretValue};
use serde_json::Value;

use super::spec::ConnMapping;

/// libpq's environment variables for the connection parameters Airflow's Postgres connections keep in
/// `extra` (PostgreSQL's documentation, "Environment Variables"). Extras not listed here are not
/// handed over with `libpq`.
pub const LIBPQ_EXTRAS: &[(&str, &str)] = &[
    ("application_name", "PGAPPNAME"),
    ("channel_binding", "PGCHANNELBINDING"),
    ("client_encoding", "PGCLIENTENCODING"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("gssencmode", "PGGSSENCMODE"),
    ("gsslib", "PGGSSLIB"),
    ("krbsrvname", "PGKRBSRVNAME"),
    ("load_balance_hosts", "PGLOADBALANCEHOSTS"),
    ("options", "PGOPTIONS"),
    ("passfile", "PGPASSFILE"),
    ("requirepeer", "PGREQUIREPEER"),
    ("service", "PGSERVICE"),
    ("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"),
    ("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"),
    ("sslcert", "PGSSLCERT"),
    ("sslcompression", "PGSSLCOMPRESSION"),
    ("sslcrl", "PGSSLCRL"),
    ("sslcrldir", "PGSSLCRLDIR"),
    ("sslkey", "PGSSLKEY"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslsni", "PGSSLSNI"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
];

/// The `(name, value)` pairs for `conn` in `mapping`. Fields that are not set give no variable.
pub fn connection_vars(conn: &Connection, mapping: &ConnMapping) -> Vec<(String, SecretValue)> {
    let mut vars = Vec::new();
    let mut push = |name: String, value: Option<String>| {
        if let Some(value) = value {
            vars.push((name, SecretValue::new(value)));
        }
    };
    let password = || conn.password.as_ref().map(|p| p.expose().to_owned());
    match mapping {
        ConnMapping::Airflow => push(
            airflow_name(SecretKind::Connection, &conn.conn_id),
            Some(conn.get_uri()),
        ),
        ConnMapping::Url(name) => push(name.clone(), Some(conn.get_uri())),
        ConnMapping::Json(name) => push(name.clone(), Some(conn.as_json())),
        ConnMapping::Fields(prefix) => {
            push(format!("{prefix}_CONN_TYPE"), conn.conn_type.clone());
            push(format!("{prefix}_HOST"), conn.host.clone());
            push(format!("{prefix}_PORT"), conn.port.map(|p| p.to_string()));
            push(format!("{prefix}_LOGIN"), conn.login.clone());
            push(format!("{prefix}_PASSWORD"), password());
            push(format!("{prefix}_SCHEMA"), conn.schema.clone());
            push(format!("{prefix}_EXTRA"), conn.extra.clone());
        }
        ConnMapping::Libpq => {
            push("PGHOST".into(), conn.host.clone().filter(|h| !h.is_empty()));
            push("PGPORT".into(), conn.port.map(|p| p.to_string()));
            push(
                "PGUSER".into(),
                conn.login.clone().filter(|l| !l.is_empty()),
            );
            push("PGPASSWORD".into(), password());
            push(
                "PGDATABASE".into(),
                conn.schema.clone().filter(|s| !s.is_empty()),
            );
            let extra = conn.extra_dejson();
            for (key, name) in LIBPQ_EXTRAS {
                let value = match extra.get(*key) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
                    _ => None,
                };
                push((*name).into(), value);
            }
        }
    }
    vars
}

/// `AIRFLOW_CONN_<ID>` / `AIRFLOW_VAR_<KEY>`, as Airflow's environment backend reads them.
pub fn airflow_name(kind: SecretKind, key: &str) -> String {
    EnvironmentVariablesBackend::env_var_name(kind, key)
        .expect("connections and variables have environment variable names")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(vars: &[(String, SecretValue)]) -> Vec<(&str, &str)> {
        vars.iter().map(|(n, v)| (n.as_str(), v.expose())).collect()
    }

    #[test]
    fn libpq_maps_fields_and_known_extras() {
        let conn = Connection::from_uri(
            "my_pg",
            "postgres://user:p%40ss@db:5432/mydb?sslmode=require&connect_timeout=10&cursor=dictcursor",
        )
        .unwrap();
        assert_eq!(
            names(&connection_vars(&conn, &ConnMapping::Libpq)),
            [
                ("PGHOST", "db"),
                ("PGPORT", "5432"),
                ("PGUSER", "user"),
                ("PGPASSWORD", "p@ss"),
                ("PGDATABASE", "mydb"),
                ("PGCONNECT_TIMEOUT", "10"),
                ("PGSSLMODE", "require"),
            ]
        );
    }

    #[test]
    fn other_mappings() {
        let conn = Connection::from_uri("wh", "mysql://u:pw@h:3306/s").unwrap();
        assert_eq!(
            names(&connection_vars(&conn, &ConnMapping::Airflow)),
            [("AIRFLOW_CONN_WH", "mysql://u:pw@h:3306/s")]
        );
        assert_eq!(
            names(&connection_vars(
                &conn,
                &ConnMapping::Url("DATABASE_URL".into())
            )),
            [("DATABASE_URL", "mysql://u:pw@h:3306/s")]
        );
        assert_eq!(
            names(&connection_vars(&conn, &ConnMapping::Fields("WH".into()))),
            [
                ("WH_CONN_TYPE", "mysql"),
                ("WH_HOST", "h"),
                ("WH_PORT", "3306"),
                ("WH_LOGIN", "u"),
                ("WH_PASSWORD", "pw"),
                ("WH_SCHEMA", "s"),
            ]
        );
        let json = connection_vars(&conn, &ConnMapping::Json("J".into()));
        let back = Connection::from_json("wh", json[0].1.expose()).unwrap();
        assert_eq!(back.get_uri(), conn.get_uri());
    }
}
