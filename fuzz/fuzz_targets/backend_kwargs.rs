//! Fuzz target `backend_kwargs`: see `check_backend_kwargs` in `fuzz/checks.rs` for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_backend_kwargs(data));
