//! Command-line arguments (clap derive).
//!
//! No type here derives `Debug`: `--backend-kwargs` and the connection commands' values may hold
//! tokens and passwords.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Read Airflow variables, connections and config from the secrets backend Airflow is configured with,
/// in Airflow's lookup order, and work with Airflow connection URIs.
///
/// The backend comes from the same settings Airflow reads: AIRFLOW__SECRETS__BACKEND (a class path such as
/// airflow.providers.hashicorp.secrets.vault.VaultBackend) and AIRFLOW__SECRETS__BACKEND_KWARGS (JSON),
/// with their _CMD/_SECRET variants, AIRFLOW__SECRETS__BACKEND_KWARG__<KEY> overrides and airflow.cfg under
/// $AIRFLOW_HOME. Lookups go: secrets backend → environment variables (AIRFLOW_VAR_*, AIRFLOW_CONN_*) →
/// metastore (when a database is configured).
#[derive(Parser)]
#[command(
    name = "airflow-secrets",
    version,
    after_help = "EXAMPLES:\n  \
      # what would Airflow read for this variable?\n  \
      airflow-secrets get variable my_var\n\n  \
      # a connection as JSON (Airflow's field names), or as a URI / env line\n  \
      airflow-secrets get connection my_pg --output json\n  \
      airflow-secrets get connection my_pg --output env\n\n  \
      # try a backend without touching the environment; kwargs holding a token come from a file\n  \
      # (@FILE) or stdin (-), never from the command line (ps, /proc, shell history)\n  \
      airflow-secrets --backend airflow.providers.hashicorp.secrets.vault.VaultBackend \\\n    \
        --backend-kwargs @vault-kwargs.json get variable my_var\n\n  \
      # what is configured, with secrets masked; probe one key\n  \
      airflow-secrets check --variable my_var\n\n  \
      # build or check a connection URI by hand, the password read from a file or stdin\n  \
      airflow-secrets connection uri --json - < my_pg.json\n  \
      airflow-secrets connection parse - < my_pg.uri\n  \
      airflow-secrets connection parse @my_pg.uri\n\n\
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
#[derive(Args)]
pub struct GlobalArgs {
    /// Secrets backend class path; overrides AIRFLOW__SECRETS__BACKEND.
    #[arg(long, global = true, value_name = "CLASS_PATH")]
    pub backend: Option<String>,

    /// Backend kwargs as a JSON object; overrides AIRFLOW__SECRETS__BACKEND_KWARGS. Needs --backend.
    /// `-` reads the JSON from stdin, `@FILE` from a file (at most 1 MiB): use these for kwargs
    /// holding a token or password, which on the command line are visible to every user (ps, /proc)
    /// and kept in shell history.
    #[arg(long, global = true, value_name = "JSON|-|@FILE", requires = "backend")]
    pub backend_kwargs: Option<String>,

    /// Where `backend_kwargs` came from (`--backend-kwargs`, its stdin or its file), once resolved.
    #[arg(skip)]
    pub backend_kwargs_source: String,

    /// Behave as an Airflow 3 task worker: read [workers] secrets_backend(_kwargs) first; the chain is
    /// the custom backend then the environment variables (a worker never reads the metadata database;
    /// Airflow's last worker tier, the Execution API, is not implemented).
    #[arg(long, global = true)]
    pub worker: bool,

    /// Look variables and connections up for a task of this team (Airflow's team_name; needs
    /// [core] multi_team = True): each backend with team-scoped names tries the team's name first.
    #[arg(long, global = true, value_name = "NAME")]
    pub team: Option<String>,

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
#[derive(Subcommand)]
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
    /// Run a command with connections and variables in its environment (nothing on argv or in a file).
    Exec(ExecArgs),
    /// Print connections and variables as shell exports, a dotenv file, JSON or a Kubernetes Secret.
    Export(ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(after_help = "INSTALL:\n  \
      bash:  airflow-secrets completions bash > ~/.local/share/bash-completion/completions/airflow-secrets\n  \
      zsh:   airflow-secrets completions zsh > \"${fpath[1]}/_airflow-secrets\"\n  \
      fish:  airflow-secrets completions fish > ~/.config/fish/completions/airflow-secrets.fish\n  \
      powershell:  airflow-secrets completions powershell >> $PROFILE")]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout: `airflow-secrets man | man -l -`.
    Man,
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
#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Parse a connection URI (or a JSON connection) and print its fields as JSON, plus the URI Airflow
    /// would write back.
    Parse {
        /// The URI (e.g. postgres://user:PASSWORD@db:5432/mydb) or a JSON object. `-` reads it from
        /// stdin, `@FILE` from a file (at most 1 MiB): a password on the command line is visible to
        /// every user (ps, /proc) and kept in shell history.
        #[arg(value_name = "URI_OR_JSON|-|@FILE")]
        value: String,
        /// conn_id to report.
        #[arg(long, default_value = "")]
        conn_id: String,
    },
    /// Print the URI Airflow's get_uri() writes for a connection given as JSON.
    Uri {
        /// The connection as JSON: {"conn_type": ..., "host": ..., "login": ..., "password": ..., "port": ...,
        /// "schema": ..., "extra": {...}}. `-` reads it from stdin, `@FILE` from a file (at most 1 MiB),
        /// which keeps the password off the command line.
        #[arg(long, value_name = "JSON|-|@FILE")]
        json: String,
    },
}

/// What `exec` and `export` hand over.
#[derive(Args)]
pub struct SelectArgs {
    /// A connection: `ID` sets AIRFLOW_CONN_<ID> (Airflow's URI); `ID:libpq` sets PGHOST, PGPORT, PGUSER,
    /// PGPASSWORD, PGDATABASE and libpq's variables for known extras (sslmode → PGSSLMODE, ...);
    /// `ID:url=NAME` sets NAME to the URI; `ID:json=NAME` to Airflow's JSON form; `ID:fields=PREFIX` sets
    /// PREFIX_CONN_TYPE, _HOST, _PORT, _LOGIN, _PASSWORD, _SCHEMA, _EXTRA. Repeatable.
    #[arg(long = "conn", value_name = "ID[:MAPPING]")]
    pub conn: Vec<String>,
    /// A variable: `KEY` sets AIRFLOW_VAR_<KEY>; `KEY=NAME` sets NAME. Repeatable.
    #[arg(long = "var", value_name = "KEY[=NAME]")]
    pub var: Vec<String>,
    /// A TOML manifest with the same lists: conn = ["my_pg:libpq"], var = ["api_key=API_KEY"].
    #[arg(long = "from", value_name = "FILE")]
    pub from: Option<std::path::PathBuf>,
    /// Hand over what was found when some keys are in no backend (they are named on stderr), instead of
    /// failing with status 1.
    #[arg(long)]
    pub allow_missing: bool,
}

/// `exec`.
#[derive(Args)]
#[command(after_help = "EXAMPLES:\n  \
      # psql with the my_pg connection as libpq variables (nothing on argv, nothing in a file)\n  \
      airflow-secrets exec --conn my_pg:libpq -- psql -c 'select 1'\n\n  \
      # an Airflow task image that needs no backend of its own: AIRFLOW_CONN_* / AIRFLOW_VAR_*\n  \
      airflow-secrets exec --conn my_pg --var api_key -- python my_task.py\n\n  \
      # a service that wants DATABASE_URL, with nothing else in its environment but PATH\n  \
      airflow-secrets exec --conn my_pg:url=DATABASE_URL --clear-env --keep PATH -- ./server\n\n\
    EXIT STATUS:\n  \
      the command's own status once it runs; before that: 1 a key is in no backend (the command is not\n  \
      started), 2 usage or configuration error, 3 a backend failed, 126 the command cannot be run,\n  \
      127 the command does not exist")]
pub struct ExecArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Start the command with only the handed-over variables (and those named by --keep).
    #[arg(long)]
    pub clear_env: bool,
    /// With --clear-env: also pass this variable of the current environment. Repeatable.
    #[arg(long, value_name = "NAME", requires = "clear_env")]
    pub keep: Vec<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND", num_args = 1..)]
    pub command: Vec<std::ffi::OsString>,
}

/// `export`.
#[derive(Args)]
#[command(after_help = "EXAMPLES:\n  \
      # into the current shell\n  \
      eval \"$(airflow-secrets export --conn my_pg:libpq)\"\n\n  \
      # an env file for docker compose, readable only by you\n  \
      (umask 077; airflow-secrets export --conn my_pg:url=DATABASE_URL -o dotenv > .env)\n\n  \
      # a Kubernetes Secret, straight to the cluster\n  \
      airflow-secrets export --conn my_pg --var api_key -o k8s-secret --secret-name airflow-conns \\\n    \
        | kubectl apply -f -")]
pub struct ExportArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ExportFormat::Env)]
    pub output: ExportFormat,
    /// With `-o k8s-secret`: the Secret's metadata.name.
    #[arg(long, value_name = "NAME", default_value = "airflow-secrets")]
    pub secret_name: String,
}

/// `export --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `export NAME='value'` lines for POSIX shells (quoted for any byte).
    Env,
    /// `NAME='value'` lines for docker compose / dotenv readers.
    Dotenv,
    /// A JSON object, name → value.
    Json,
    /// A Kubernetes Secret manifest (YAML, base64 data).
    K8sSecret,
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
