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
            let rows: Vec<[String; 4]> = KNOWN_CLASS_PATHS
                .iter()
                .map(|k| {
                    let provider = if k.legacy {
                        format!("{} (legacy path)", k.class.display_name())
                    } else {
                        k.class.display_name().to_owned()
                    };
                    [
                        k.class_path.to_owned(),
                        provider,
                        k.class.feature().unwrap_or("built in").to_owned(),
                        if k.class.is_compiled() { "yes" } else { "no" }.to_owned(),
                    ]
                })
                .collect();
            let header = ["CLASS PATH", "PROVIDER", "FEATURE", "INCLUDED"].map(str::to_owned);
            print_table(&header, &rows);
        }
    }
    Status::Ok
}

/// Prints `rows` under `header`, each column as wide as its widest cell, two spaces apart.
fn print_table(header: &[String; 4], rows: &[[String; 4]]) {
    let mut widths = header.clone().map(|h| h.len());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    for row in std::iter::once(header).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
