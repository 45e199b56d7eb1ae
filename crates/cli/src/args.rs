//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Read Airflow variables, connections and config from the secrets backend Airflow is configured with,
/// in Airflow's lookup order, and work with Airflow connection URIs.
///
/// The backend comes from the same settings Airflow reads: AIRFLOW__SECRETS__BACKEND (a class path such as
/// airflow.providers.hashicorp.secrets.vault.VaultBackend) and AIRFLOW__SECRETS__BACKEND_KWARGS (JSON),
/// with their _CMD/_SECRET variants, AIRFLOW__SECRETS__BACKEND_KWARG__<KEY> overrides and airflow.cfg under
/// $AIRFLOW_HOME. Lookups go: secrets backend → environment variables (AIRFLOW_VAR_*, AIRFLOW_CONN_*) →
/// metastore (when a database is configured).
#[derive(Debug, Parser)]
#[command(
    name = "airflow-secrets",
    version,
    after_help = "EXAMPLES:\n  \
      # what would Airflow read for this variable?\n  \
      airflow-secrets get variable my_var\n\n  \
      # a connection as JSON (Airflow's field names), or as a URI / env line\n  \
      airflow-secrets get connection my_pg --output json\n  \
      airflow-secrets get connection my_pg --output env\n\n  \
      # try a backend without touching the environment\n  \
      airflow-secrets --backend airflow.providers.hashicorp.secrets.vault.VaultBackend \\\n    \
        --backend-kwargs '{\"url\": \"http://127.0.0.1:8200\", \"token\": \"...\"}' get variable my_var\n\n  \
      # what is configured, with secrets masked; probe one key\n  \
      airflow-secrets check --variable my_var\n\n  \
      # build or check a connection URI by hand\n  \
      airflow-secrets connection uri \\\n    \
        --json '{\"conn_type\": \"postgres\", \"host\": \"db\", \"password\": \"p@ss\"}'\n  \
      airflow-secrets connection parse 'postgres://user:p%40ss@db:5432/mydb'\n\n\
    EXIT STATUS:\n  \
      0  found / success\n  \
      1  not found in any backend\n  \
      2  usage or configuration error: bad kwargs, unknown class path, provider not compiled in,\n     \
         bad URI\n  \
      3  a backend failed (denied, unreachable, malformed stored value)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options that apply to every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Secrets backend class path; overrides AIRFLOW__SECRETS__BACKEND.
    #[arg(long, global = true, value_name = "CLASS_PATH")]
    pub backend: Option<String>,

    /// Backend kwargs as a JSON object; overrides AIRFLOW__SECRETS__BACKEND_KWARGS. Needs --backend.
    #[arg(long, global = true, value_name = "JSON", requires = "backend")]
    pub backend_kwargs: Option<String>,

    /// Behave as an Airflow 3 task worker: read [workers] secrets_backend(_kwargs) first.
    #[arg(long, global = true)]
    pub worker: bool,

    /// Stop at the first backend error instead of falling through to the next backend as Airflow does.
    #[arg(long, global = true)]
    pub strict: bool,

    /// Which Airflow Connection class to imitate when parsing connections.
    #[arg(long, global = true, value_enum, default_value_t = FlavorArg::Sdk)]
    pub flavor: FlavorArg,

    /// More logging on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--flavor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlavorArg {
    /// airflow.sdk.Connection (task SDK, workers) — the default.
    Sdk,
    /// airflow.models.Connection (the server ORM class).
    Orm,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a variable, connection or config value through Airflow's lookup chain.
    #[command(subcommand)]
    Get(GetCommand),
    /// List every class path airflow-secrets knows, and whether this build includes it.
    Backends {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = TableOrJson::Table)]
        output: TableOrJson,
    },
    /// Show the backend configuration that would be used (secrets masked) and optionally probe a key.
    Check(CheckArgs),
    /// Parse and write Airflow connection URIs and JSON (no backend involved).
    #[command(subcommand)]
    Connection(ConnectionCommand),
}

/// `get ...`.
#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// Print a variable's value (just the value, on stdout).
    Variable {
        /// The variable key, as in Variable.get("KEY").
        key: String,
        /// `text` prints the value; `json` prints {"key", "value", "backend"}.
        #[arg(long, short, value_enum, default_value_t = TextOrJson::Text)]
        output: TextOrJson,
    },
    /// Print a connection.
    Connection {
        /// The conn_id.
        conn_id: String,
        /// `uri`: Airflow's get_uri(); `json`: Airflow's field names; `env`: an AIRFLOW_CONN_<ID>=... line.
        #[arg(long, short, value_enum, default_value_t = ConnOutput::Uri)]
        output: ConnOutput,
    },
    /// Print a config value from the secrets backend (what `[section] key_secret` would read).
    Config {
        /// The config key as stored in the backend (e.g. `sql_alchemy_conn`).
        key: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = TextOrJson::Text)]
        output: TextOrJson,
    },
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also look this variable up.
    #[arg(long, value_name = "KEY")]
    pub variable: Option<String>,
    /// Also look this connection up.
    #[arg(long, value_name = "CONN_ID")]
    pub connection: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = TableOrJson::Table)]
    pub output: TableOrJson,
}

/// `connection ...`.
#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Parse a connection URI (or a JSON connection) and print its fields as JSON, plus the URI Airflow
    /// would write back.
    Parse {
        /// The URI, e.g. 'postgres://user:p%40ss@db:5432/mydb', or a JSON object.
        value: String,
        /// conn_id to report.
        #[arg(long, default_value = "")]
        conn_id: String,
    },
    /// Print the URI Airflow's get_uri() writes for a connection given as JSON.
    Uri {
        /// The connection as JSON: {"conn_type": ..., "host": ..., "login": ..., "password": ..., "port": ...,
        /// "schema": ..., "extra": {...}}.
        #[arg(long, value_name = "JSON")]
        json: String,
    },
}

/// `--output` for commands printing a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    /// Plain text.
    Text,
    /// JSON.
    Json,
}

/// `--output` for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    /// Human-readable.
    Table,
    /// JSON.
    Json,
}

/// `get connection --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConnOutput {
    /// Airflow's get_uri().
    Uri,
    /// JSON with Airflow's field names.
    Json,
    /// `AIRFLOW_CONN_<ID>='<uri>'`, ready for a shell or an env file.
    Env,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap wraps help text at 100 columns; an example command wrapped mid-JSON could not be pasted.
    #[test]
    fn help_examples_fit_in_100_columns_unwrapped() {
        let after = Cli::command().get_after_help().unwrap().to_string();
        for line in after.lines() {
            assert!(line.len() <= 100, "{} columns: {line}", line.len());
        }
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
