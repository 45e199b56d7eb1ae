//! `completions` and `man`: generated from the clap definition, so they always match `--help`.

use std::io::Write;

use crate::exit::{Failure, Status};

/// The completion script for `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<Status, Failure> {
    let mut command = crate::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "airflow-secrets", &mut out);
    if shell == clap_complete::Shell::Bash {
        // clap_complete (4.6) names the per-subcommand cases of a hyphenated binary
        // `airflow__subcmd__secrets__subcmd__get` but dispatches to `airflow__secrets__subcmd__get`, so
        // bash completed nothing after the first word. One spelling for both (tests/shell.rs).
        let script =
            String::from_utf8_lossy(&out).replace("airflow__subcmd__secrets", "airflow__secrets");
        return write_stdout(script.as_bytes());
    }
    write_stdout(&out)
}

/// The manual page (roff), on stdout.
pub fn man() -> Result<Status, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::command())
        .render(&mut out)
        .map_err(|e| Failure::new(Status::Usage, format!("cannot render the manual page: {e}")))?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> Result<Status, Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(Status::Usage, format!("cannot write to stdout: {e}")))?;
    Ok(Status::Ok)
}
