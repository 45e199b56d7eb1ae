//! Logs go to stderr so stdout carries only the value asked for.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// vaultrs and rustify log an ERROR event per layer for every failed Vault login request (four per
/// attempt); the backend's own error says the same with the key, URL and attempt count, so below `-vv`
/// they are only noise.
const QUIET_LIBRARIES: &str = "vaultrs=off,rustify=off";

/// `-v` info, `-vv` debug, `-vvv` trace; warnings by default (so a backend that fails and is skipped is
/// visible); `RUST_LOG` overrides.
pub fn init(verbosity: u8) {
    let default = match verbosity {
        0 => format!("warn,{QUIET_LIBRARIES}"),
        1 => format!("info,{QUIET_LIBRARIES}"),
        2 => "debug".to_owned(),
        _ => "trace".to_owned(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
