//! The three kinds of value Airflow reads from a secrets backend.

use std::fmt;

/// What is being looked up: Airflow asks a backend for connections, variables and config options,
/// and each provider stores them under a different prefix (`connections_path`, `variables_prefix`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// An Airflow connection (`get_conn_value` / `get_connection`), stored as a URI or as JSON.
    Connection,
    /// An Airflow variable (`get_variable`).
    Variable,
    /// An Airflow configuration option read through `*_secret` (`get_config`).
    Config,
}

impl SecretKind {
    /// All kinds, in Airflow's usual order.
    pub const ALL: [SecretKind; 3] = [
        SecretKind::Connection,
        SecretKind::Variable,
        SecretKind::Config,
    ];

    /// Lower-case name used in messages: `connection`, `variable`, `config`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Connection => "connection",
            SecretKind::Variable => "variable",
            SecretKind::Config => "config",
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
