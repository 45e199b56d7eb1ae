//! `backends`.

use airflow_secrets::KNOWN_CLASS_PATHS;
use serde_json::json;

use super::print_json;
use crate::args::TableOrJson;
use crate::exit::Status;

/// Lists every known class path with its provider, cargo feature and whether this build includes it.
pub fn run(output: TableOrJson) -> Status {
    match output {
        TableOrJson::Json => {
            let rows: Vec<_> = KNOWN_CLASS_PATHS
                .iter()
                .map(|k| {
                    json!({
                        "class_path": k.class_path,
                        "provider": k.class.display_name(),
                        "feature": k.class.feature(),
                        "included": k.class.is_compiled(),
                        "legacy": k.legacy,
                    })
                })
                .collect();
            print_json(&json!(rows));
        }
        TableOrJson::Table => {
            let width = KNOWN_CLASS_PATHS
                .iter()
                .map(|k| k.class_path.len())
                .max()
                .unwrap_or(0);
            println!(
                "{:<width$}  {:<26}  {:<20}  INCLUDED",
                "CLASS PATH", "PROVIDER", "FEATURE"
            );
            for k in KNOWN_CLASS_PATHS {
                let provider = if k.legacy {
                    format!("{} (legacy path)", k.class.display_name())
                } else {
                    k.class.display_name().to_owned()
                };
                println!(
                    "{:<width$}  {:<26}  {:<20}  {}",
                    k.class_path,
                    provider,
                    k.class.feature().unwrap_or("built in"),
                    if k.class.is_compiled() { "yes" } else { "no" }
                );
            }
        }
    }
    Status::Ok
}
