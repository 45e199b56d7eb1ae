//! Logs go to stderr so stdout carries only the value asked for.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// `-v` info, `-vv` debug, `-vvv` trace; warnings by default (so a backend that fails and is skipped is
/// visible); `RUST_LOG` overrides.
pub fn init(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
