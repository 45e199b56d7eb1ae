//! The selection: `--conn ID[:MAPPING]`, `--var KEY[=NAME]` and the `--from FILE` manifest.
//!
//! Mappings of a connection:
//! * (none) or `airflow`: `AIRFLOW_CONN_<ID>` = Airflow's `get_uri()`;
//! * `libpq`: `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` and libpq's variables for known
//!   extras (`sslmode` → `PGSSLMODE`, ...);
//! * `url=NAME`: `NAME` = `get_uri()`;
//! * `json=NAME`: `NAME` = Airflow's `as_json()`;
//! * `fields=PREFIX`: `PREFIX_CONN_TYPE`, `PREFIX_HOST`, `PREFIX_PORT`, `PREFIX_LOGIN`,
//!   `PREFIX_PASSWORD`, `PREFIX_SCHEMA`, `PREFIX_EXTRA` (each only when the field is set).

use std::fmt;
use std::path::Path;

use airflow_secrets::core::provider::files::read_text_bounded;
use serde::Deserialize;

use crate::exit::{Failure, Status};

/// How a connection is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnMapping {
    /// `AIRFLOW_CONN_<ID>` = `get_uri()`.
    Airflow,
    /// libpq's `PG*` variables.
    Libpq,
    /// One variable holding `get_uri()`.
    Url(String),
    /// One variable holding Airflow's `as_json()`.
    Json(String),
    /// One variable per field, under a prefix.
    Fields(String),
}

/// One `--conn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSpec {
    /// The conn_id.
    pub conn_id: String,
    /// Where it goes.
    pub mapping: ConnMapping,
}

/// One `--var`: the key and the variable name (`None`: `AIRFLOW_VAR_<KEY>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarSpec {
    /// The variable key.
    pub key: String,
    /// The environment variable name, when not Airflow's.
    pub name: Option<String>,
}

/// Everything to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The connections.
    pub conns: Vec<ConnSpec>,
    /// The variables.
    pub vars: Vec<VarSpec>,
}

/// A spec that cannot be read.
#[derive(Debug)]
pub struct SpecError(String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// `true` for a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_portable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn checked_name(what: &str, name: &str, spec: &str) -> Result<String, SpecError> {
    if is_portable_name(name) {
        Ok(name.to_owned())
    } else {
        Err(SpecError(format!(
            "`{spec}`: {what} `{name}` is not a valid environment variable name \
             (letters, digits and `_`, not starting with a digit)"
        )))
    }
}

/// Parses `ID[:MAPPING]`. The mapping is split at the last `:` only when what follows is a mapping
/// (`airflow`, `libpq`, `url=`, `json=`, `fields=`), so a conn_id may itself contain `:`.
pub fn parse_conn(spec: &str) -> Result<ConnSpec, SpecError> {
    let (conn_id, mapping) = match spec.rsplit_once(':') {
        Some((id, m)) if is_mapping(m) => (id, Some(m)),
        _ => (spec, None),
    };
    if conn_id.is_empty() {
        return Err(SpecError(format!("`{spec}`: the conn_id is empty")));
    }
    let mapping = match mapping {
        None | Some("airflow") => ConnMapping::Airflow,
        Some("libpq") => ConnMapping::Libpq,
        Some(m) => {
            let (kind, name) = m.split_once('=').expect("is_mapping checked the `=`");
            match kind {
                "url" => ConnMapping::Url(checked_name("NAME", name, spec)?),
                "json" => ConnMapping::Json(checked_name("NAME", name, spec)?),
                _ => ConnMapping::Fields(checked_name("PREFIX", name, spec)?),
            }
        }
    };
    Ok(ConnSpec {
        conn_id: conn_id.to_owned(),
        mapping,
    })
}

fn is_mapping(m: &str) -> bool {
    matches!(m, "airflow" | "libpq")
        || ["url=", "json=", "fields="]
            .iter()
            .any(|p| m.starts_with(p))
}

/// Parses `KEY[=NAME]`, split at the last `=`.
pub fn parse_var(spec: &str) -> Result<VarSpec, SpecError> {
    let (key, name) = match spec.rsplit_once('=') {
        Some((key, name)) => (key, Some(checked_name("NAME", name, spec)?)),
        None => (spec, None),
    };
    if key.is_empty() {
        return Err(SpecError(format!("`{spec}`: the variable key is empty")));
    }
    Ok(VarSpec {
        key: key.to_owned(),
        name,
    })
}

/// The largest manifest read: it lists names, not values.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// The `--from FILE` manifest (TOML): `conn = ["ID[:MAPPING]", ...]`, `var = ["KEY[=NAME]", ...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    conn: Vec<String>,
    #[serde(default)]
    var: Vec<String>,
}

impl Selection {
    /// The selection from the command line's `--conn`/`--var` values and an optional manifest file.
    pub fn from_args(
        conns: &[String],
        vars: &[String],
        manifest: Option<&Path>,
    ) -> Result<Selection, Failure> {
        let usage = |e: SpecError| Failure::new(Status::Usage, e.to_string());
        let mut selection = Selection::default();
        if let Some(path) = manifest {
            let m = read_manifest(path)?;
            let where_ =
                |e: SpecError| Failure::new(Status::Usage, format!("{}: {e}", path.display()));
            for c in &m.conn {
                selection.conns.push(parse_conn(c).map_err(where_)?);
            }
            for v in &m.var {
                selection.vars.push(parse_var(v).map_err(where_)?);
            }
        }
        for c in conns {
            selection.conns.push(parse_conn(c).map_err(usage)?);
        }
        for v in vars {
            selection.vars.push(parse_var(v).map_err(usage)?);
        }
        if selection.conns.is_empty() && selection.vars.is_empty() {
            return Err(Failure::new(
                Status::Usage,
                "nothing selected: name at least one --conn ID or --var KEY (or a --from manifest)",
            ));
        }
        Ok(selection)
    }
}

fn read_manifest(path: &Path) -> Result<Manifest, Failure> {
    let fail = |what: String| {
        Failure::new(
            Status::Usage,
            format!("cannot read the manifest {}: {what}", path.display()),
        )
    };
    // Regular files only, opened without blocking (a FIFO without a writer is an error, not a hang),
    // at most MAX_MANIFEST_BYTES read.
    let text = read_text_bounded(path, MAX_MANIFEST_BYTES).map_err(|e| fail(e.to_string()))?;
    toml::from_str(&text).map_err(|e| {
        fail(format!(
            "{} (expected TOML such as conn = [\"my_pg:libpq\"] and var = [\"api_key=API_KEY\"])",
            e.message()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conn_specs() {
        let cases = [
            ("my_pg", "my_pg", ConnMapping::Airflow),
            ("my_pg:airflow", "my_pg", ConnMapping::Airflow),
            ("my_pg:libpq", "my_pg", ConnMapping::Libpq),
            (
                "wh:url=DATABASE_URL",
                "wh",
                ConnMapping::Url("DATABASE_URL".into()),
            ),
            ("wh:json=WH_JSON", "wh", ConnMapping::Json("WH_JSON".into())),
            ("wh:fields=WH", "wh", ConnMapping::Fields("WH".into())),
            ("a:b", "a:b", ConnMapping::Airflow),
            ("a:b:libpq", "a:b", ConnMapping::Libpq),
        ];
        for (spec, id, mapping) in cases {
            assert_eq!(
                parse_conn(spec).unwrap(),
                ConnSpec {
                    conn_id: id.into(),
                    mapping
                },
                "{spec}"
            );
        }
        for bad in [
            ":libpq",
            "",
            "x:url=",
            "x:url=1A",
            "x:fields=A-B",
            "x:json=A B",
        ] {
            assert!(parse_conn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn var_specs() {
        assert_eq!(
            parse_var("api_key").unwrap(),
            VarSpec {
                key: "api_key".into(),
                name: None
            }
        );
        assert_eq!(
            parse_var("api_key=API_KEY").unwrap(),
            VarSpec {
                key: "api_key".into(),
                name: Some("API_KEY".into())
            }
        );
        for bad in ["", "=X", "k=", "k=1x"] {
            assert!(parse_var(bad).is_err(), "{bad}");
        }
    }
}
