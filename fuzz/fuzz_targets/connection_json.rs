//! Fuzz target `connection_json`: see `check_connection_json` in `fuzz/checks.rs` for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_connection_json(data));
