//! `export`: resolve the selection and print it in a format another tool reads.

use super::secrets;
use crate::args::{ExportArgs, ExportFormat, GlobalArgs};
use crate::exit::{Failure, Status};
use crate::handoff::{Selection, render, resolve};

/// Runs `export ...`.
pub async fn run(global: &GlobalArgs, args: ExportArgs) -> Result<Status, Failure> {
    let selection = Selection::from_args(
        &args.select.conn,
        &args.select.var,
        args.select.from.as_deref(),
    )?;
    let secrets = secrets(global).await?;
    let resolved = resolve(&secrets, &selection, args.select.allow_missing).await?;
    warn_missing(&resolved.missing);
    let text = match args.output {
        ExportFormat::Env => render::shell(&resolved.vars),
        ExportFormat::Dotenv => render::dotenv(&resolved.vars),
        ExportFormat::Json => Ok(render::json(&resolved.vars)),
        ExportFormat::K8sSecret => render::k8s_secret(&resolved.vars, &args.secret_name),
    }
    .map_err(|e| Failure::new(Status::Usage, e))?;
    print!("{text}");
    Ok(Status::Ok)
}

/// With `--allow-missing`, says on stderr what was left out (names only).
pub fn warn_missing(missing: &[String]) {
    if !missing.is_empty() {
        eprintln!(
            "warning: not found in any backend, left out: {}",
            missing.join(", ")
        );
    }
}
