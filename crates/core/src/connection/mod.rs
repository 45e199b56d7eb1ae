//! Airflow's `Connection`: parsing and writing the URI and JSON forms exactly as Airflow does.
//!
//! STUB: the public API below is the contract; the bodies are being written.

use std::fmt;

use crate::SecretValue;

/// Which of Airflow 3's two `Connection` classes to imitate where they disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConnectionFlavor {
    /// `airflow.sdk.Connection` (task SDK, what workers use). The default.
    #[default]
    TaskSdk,
    /// `airflow.models.Connection` (the server-side ORM class).
    Orm,
}

/// Why a connection URI or JSON could not be parsed. Messages never contain the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// Placeholder while the parser is being written.
    #[error("Invalid connection string: {reason}")]
    InvalidUri {
        /// Why.
        reason: String,
    },
}

/// An Airflow connection.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// The connection id.
    pub conn_id: String,
    /// The normalised connection type (`postgres`, `google_cloud_platform`, ...).
    pub conn_type: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// Host, possibly with its own protocol (`k8s://100.68.0.1`).
    pub host: Option<String>,
    /// Schema / database.
    pub schema: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// Password.
    pub password: Option<SecretValue>,
    /// Port.
    pub port: Option<u16>,
    /// The raw `extra` string (a JSON object in practice).
    pub extra: Option<String>,
    /// Which Airflow class this connection imitates.
    pub flavor: ConnectionFlavor,
}

impl Connection {
    /// Airflow's stored-value rule: strip; a leading `{` means JSON, anything else a URI.
    pub fn deserialize(conn_id: &str, value: &str, flavor: ConnectionFlavor) -> Result<Self, ConnectionError> {
        let _ = (conn_id, value, flavor);
        todo!("connection parser")
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("conn_id", &self.conn_id).finish_non_exhaustive()
    }
}
