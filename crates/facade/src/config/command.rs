//! Running `_CMD` options: Airflow's `run_command`.

use airflow_secrets_core::Error;

/// Runs `command` as Airflow does for `..._CMD` options: split with POSIX shell rules (`shlex.split`),
/// executed without a shell, stdout returned **unstripped**; a non-zero exit is an error. The error names
/// the option and the exit status and includes stderr, but never stdout (which would be the secret).
pub async fn run_command(option: &str, source_name: &str, command: &str) -> Result<String, Error> {
    let fail = |problem: String| Error::InvalidSetting {
        option: option.to_owned(),
        source_name: source_name.to_owned(),
        problem,
    };
    let argv =
        shlex::split(command).ok_or_else(|| fail("the command has unbalanced quotes".into()))?;
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("the command is empty".into()))?;
    let output = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| fail(format!("cannot execute `{program}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(format!(
            "`{program}` failed with {}; stderr: {}",
            output.status,
            stderr.trim()
        )));
    }
    // Python decodes with errors="ignore".
    Ok(String::from_utf8_lossy(&output.stdout).replace('\u{FFFD}', ""))
}
