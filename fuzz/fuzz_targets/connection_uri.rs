//! Fuzz target `connection_uri`: see `check_connection_uri` in `fuzz/checks.rs` for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_connection_uri(data));
